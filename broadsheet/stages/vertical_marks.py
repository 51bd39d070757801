"""Punctuation a vertical page's recogniser dropped, read back from the gaps it left (issue #18).

On the 晶報 pages PP-OCRv6 reads a column's characters but leaves out most of its marks (、，。 are 9.5% of the
truth's characters): the detector breaks a column at them, and inside a line the recogniser's character boxes
jump a cell where one stood (百餘人 · 日單都隊). So, in the turned working frame (a column lies as a row, its
characters left to right), each gap between two characters of a column as long as a mark's cell (and the cell
after its last character, or before its first, where it stops short of its block's other columns) is cropped, turned
upright and given to the recogniser alone; where it reads punctuation there, the mark goes back into the line as a
word of its own (ALTO then has it where it is printed, TEI in the text). About half the cells read so; the others
read as 二, 2, 一 or 1 from the same ticks: a cell holding about as little ink as a mark (a character fills far
more of its cell) gets the mark read most often in the page's other cells. A blank gap, or one inked as a
character, is left as it is.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from statistics import median

import numpy as np

from broadsheet.config import VerticalMarksConfig
from broadsheet.engines.base import recognise
from broadsheet.engines.calibration import calibrated
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, Region, Word
from broadsheet.stages.base import to_working
from broadsheet.stages.orientation import VERTICAL_TURNS

Box = tuple[float, float, float, float]


def gap_cells(boxes: Sequence[Box], config: VerticalMarksConfig,
              span: tuple[float, float] | None = None) -> list[tuple[int, Box]]:
    """The gaps between consecutive characters of a column (in the working frame: boxes left to right along a row)
    long enough to have held a mark: each as the index of the character after it and the gap's box (across, the
    two characters' extent). With `span` (where its block's columns start and end), also the cell before its first
    character and after its last, where the column stops that far short of the block's (a mark the detector left
    off a column's end): one character long at most."""
    if not boxes:
        return []
    size = median(b[3] - b[1] for b in boxes)
    cells = []
    for k, (a, b) in enumerate(pairwise(boxes), start=1):
        if config.min_gap * size <= b[0] - a[2] <= config.max_gap * size:
            cells.append((k, (a[2], min(a[1], b[1]), b[0], max(a[3], b[3]))))
    if span is not None:
        first, last = boxes[0], boxes[-1]
        if first[0] - span[0] >= config.min_gap * size:
            cells.insert(0, (0, (max(span[0], first[0] - size), first[1], first[0], first[3])))
        if span[1] - last[2] >= config.min_gap * size:
            cells.append((len(boxes), (last[2], last[1], min(span[1], last[2] + size), last[3])))
    return cells


def is_mark(text: str) -> bool:
    """Punctuation alone (Unicode P*): what the recogniser may put back in a gap."""
    return bool(text) and all(unicodedata.category(c).startswith("P") for c in text)


def chosen_marks(readings: Sequence[tuple[str, float]], inks: Sequence[float],
                 config: VerticalMarksConfig) -> list[tuple[str, float] | None]:
    """For each cell, given the recogniser's reading of it alone and the share of it that is ink: the mark put
    back and its confidence, or None. A mark read is kept; a cell read otherwise but inked as little as a mark gets
    the mark read most often in the others, its confidence how often the marks read were that one."""
    read = [is_mark(text) and score >= config.min_confidence for text, score in readings]
    common = Counter(text for (text, _), mark in zip(readings, read, strict=True) if mark).most_common(1)
    low, high = config.mark_ink
    chosen: list[tuple[str, float] | None] = []
    for reading, ink, mark in zip(readings, inks, read, strict=True):
        if mark:
            chosen.append(reading)
        elif common and low <= ink <= high:
            chosen.append((common[0][0], common[0][1] / sum(read)))
        else:
            chosen.append(None)
    return chosen


def _cells_of(page: Page, line: Line, span: tuple[float, float],
              config: VerticalMarksConfig) -> list[tuple[int, Box]]:
    """A column's gap cells (`span`: its block's); none for a line whose text is not its words in order (nothing to
    put a mark between) or that lies across the page."""
    if not line.words or "".join(w.text for w in line.words) != "".join(line.text.split()):
        return []
    boxes = [to_working(page, w.polygon).bounds for w in line.words]
    if any(b[0] < a[0] for a, b in pairwise(boxes)):
        return []
    x0, y0, x1, y1 = to_working(page, line.polygon).bounds
    return gap_cells(boxes, config, span) if x1 - x0 > y1 - y0 else []


def _crop(image: np.ndarray, box: Box) -> np.ndarray:
    """The cell cut from the working image, turned as printed (the recogniser reads marks upright)."""
    height, width = image.shape[:2]
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    return np.ascontiguousarray(np.rot90(image[y0:y1, x0:x1], -VERTICAL_TURNS))


def with_marks(page: Page, regions: list[Region], image: np.ndarray, engine: object,
               config: VerticalMarksConfig) -> tuple[list[Region], int]:
    """The regions with the marks read in their vertical columns' gaps put back, and how many were; as they were
    where the engine's recogniser cannot read alone. `image`: the page's working image (turned for vertical-rl)."""
    wanted: list[tuple[int, int, int, Box]] = []
    for r, region in enumerate(regions):
        if region.writing_mode != "vertical-rl":
            continue
        columns = [b for line in region.lines if (b := to_working(page, line.polygon).bounds)[2] - b[0] > b[3] - b[1]]
        if not columns:
            continue
        span = median(b[0] for b in columns), median(b[2] for b in columns)
        for n, line in enumerate(region.lines):
            wanted.extend((r, n, k, box) for k, box in _cells_of(page, line, span, config))
    cells = [(where, crop) for where in wanted if (crop := _crop(image, where[3])).size]
    readings = recognise(engine, [crop for _, crop in cells]) if cells else None
    if not readings:
        return regions, 0
    inks = [float((crop < config.ink_below).mean()) for _, crop in cells]
    marks: dict[tuple[int, int], list[tuple[int, Box, str, float]]] = {}
    for ((r, n, k, box), _), chosen in zip(cells, chosen_marks(readings, inks, config), strict=True):
        if chosen is not None:
            marks.setdefault((r, n), []).append((k, box, *chosen))
    out = [region.model_copy(update={"lines": list(region.lines)}) for region in regions]
    for (r, n), found in marks.items():
        line = out[r].lines[n]
        words: list[tuple[str, Polygon, float, float | None]] = \
            [(w.text, w.polygon, w.confidence, w.raw_confidence) for w in line.words]
        for k, box, text, score in sorted(found, reverse=True):  # from the end: earlier indices stay valid
            polygon = Polygon.from_box(*box).transform(page.transform.to_source).clamp(page.width, page.height)
            words.insert(k, (text, polygon, round(calibrated(line.engine, score), 4), round(score, 4)))
        out[r].lines[n] = line.model_copy(update={
            "text": "".join(text for text, *_ in words),
            "words": [Word(id=f"{line.id}-w{k}", text=text, polygon=polygon, confidence=confidence,
                           raw_confidence=raw) for k, (text, polygon, confidence, raw) in enumerate(words, start=1)]})
    return out, sum(map(len, marks.values()))
