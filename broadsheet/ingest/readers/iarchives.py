"""iArchives page export (`http://www.iarchives.com/schema/2002/export`, the Topaz Times set): words with boxes.

The export holds only words, each a node with its box (`r`: l t r b, page pixels; a word hyphenated across two
lines has one on each) and its text (`o`, whose `p` is its character offset in the vendor's reading sequence).
Lines are rebuilt from that sequence (a word that starts a new row, or steps back left of the line's start, opens
a line: the export overlaps words along a row where it read a stretch twice) and blocks
from the lines (a line that leaves the block's columns or stands more than a line's gap below opens a block); the
newspaper typing stage then types, splits and joins them as it does a layout model's boxes. The page's size is
its image's where the image is at hand, else the extent of its words. The export names a DTD (`page.dtd`); it is
never loaded, and entities are refused.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from statistics import median

from lxml import etree
from PIL import Image

from broadsheet.config import ExistingOcrConfig
from broadsheet.ingest.files import page_id
from broadsheet.ingest.names import guess_metadata
from broadsheet.model.geometry import Polygon, horizontal_overlap, same_row, union_box
from broadsheet.model.ids import renumbered
from broadsheet.model.page import Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.text.xmlsafe import parse_xml

IARCHIVES_NS = "http://www.iarchives.com/schema/2002/export"
REBUILT_BLOCK = "rebuilt-from-words"
"""The detector label of a block a reader rebuilt from words alone (an export with no blocks of its own): with the
image at hand, the layout model's text boxes group those lines instead."""
BLOCK_GAP_LINES = 1.2
"""A line further below the block's last line than this many line heights opens a new block."""


class IarchivesError(ValueError):
    """The export cannot be mapped onto the page model."""


def _words(root: etree._Element) -> list[tuple[int, str, Polygon]]:
    words = []
    for n, node in enumerate(root.iter(f"{{{IARCHIVES_NS}}}n")):
        boxes = [Polygon.from_box(float(r.get("l", 0)), float(r.get("t", 0)), float(r.get("r", 0)),
                                  float(r.get("b", 0))) for r in node.iter(f"{{{IARCHIVES_NS}}}r")]
        text_el = node.find(f"{{{IARCHIVES_NS}}}o")
        text = (text_el.text or "").strip() if text_el is not None else ""
        if boxes and text:
            position = text_el.get("p", "") if text_el is not None else ""
            # A word hyphenated across two lines has a box on each: it is placed where it starts, or it would
            # stretch one line over two.
            words.append((int(position) if position.isdigit() else n, text, boxes[0]))
    return sorted(words, key=lambda word: word[0])


def _lines(words: list[tuple[int, str, Polygon]]) -> list[list[tuple[int, str, Polygon]]]:
    lines: list[list[tuple[int, str, Polygon]]] = []
    for word in words:
        box = word[2]
        if lines:
            first, last = lines[-1][0][2], lines[-1][-1][2]
            # The export holds overlapping words along a row (two readings of one stretch of print), so a step
            # back left within the line's own extent is the same line; only one back past its start opens another.
            if same_row(last, box) and box.bounds[0] >= first.bounds[0] - 0.5 * last.height:
                lines[-1].append(word)
                continue
        lines.append([word])
    return lines


def _column_starts(lines: list[list[tuple[int, str, Polygon]]], height: float, least: int) -> list[float]:
    """Where columns start: x positions, within a word's height, at which at least `least` lines start."""
    starts = sorted(line[0][2].bounds[0] for line in lines)
    columns: list[float] = []
    group: list[float] = []
    for x in starts:
        if group and x - group[0] > height:
            if len(group) >= least:
                columns.append(median(group))
            group = []
        group.append(x)
    if len(group) >= least:
        columns.append(median(group))
    return columns


def _cut_at_columns(lines: list[list[tuple[int, str, Polygon]]], height: float, least: int,
                    body_size: float) -> list[list[tuple[int, str, Polygon]]]:
    """A body-size line that runs on over a gutter is cut where a word of it starts a column: the export's sequence
    goes along the row, and the column's own lines start there. Headline type, set across columns, is kept whole."""
    columns = _column_starts(lines, height, least)
    cut: list[list[tuple[int, str, Polygon]]] = []
    for line in lines:
        if max(word[2].height for word in line) > body_size * height:
            cut.append(line)
            continue
        piece = [line[0]]
        for before, word in pairwise(line):
            x = word[2].bounds[0]
            if x - before[2].bounds[2] >= 0.5 * height and any(abs(x - start) <= 0.5 * height for start in columns):
                cut.append(piece)
                piece = []
            piece.append(word)
        cut.append(piece)
    return cut


def _date(printed: str) -> str | None:
    """The export's date header ("13-DEC-1944") as ISO 8601."""
    try:
        return datetime.strptime(printed, "%d-%b-%Y").date().isoformat()
    except ValueError:
        return None


def read_iarchives(source: Path, image: Path | None = None, config: ExistingOcrConfig | None = None) -> Page:
    """`config`: how columns are found in the word sequence (ExistingOcrConfig.column_start_lines, body_size)."""
    config = config or ExistingOcrConfig()
    raw = source.read_bytes()
    root = parse_xml(raw).getroot()
    if etree.QName(root).namespace != IARCHIVES_NS or etree.QName(root).localname != "page":
        raise IarchivesError(f"not an iArchives page export (root element {root.tag!r})")
    sha256 = hashlib.sha256(raw).hexdigest()
    pid = page_id(source, sha256, 0)
    words = _words(root)
    if not words:
        raise IarchivesError("the export holds no word with a box")
    regions: list[Region] = []
    line_boxes: list[list[Line]] = []
    height = median(box.height for _, _, box in words)
    for k, line_words in enumerate(_cut_at_columns(
            _lines(words), height, config.column_start_lines, config.rebuilt_body_size), start=1):
        box = union_box(w[2] for w in line_words)
        line = Line(id=f"{pid}-l{k}", text=" ".join(w[1] for w in line_words), polygon=box, confidence=1.0,
                    engine="iarchives", words=[Word(id=f"{pid}-l{k}-w{j}", text=text, polygon=word_box,
                                                    confidence=1.0)
                                               for j, (_, text, word_box) in enumerate(line_words, start=1)])
        block = union_box(ln.polygon for ln in line_boxes[-1]) if line_boxes else None
        if block is not None and horizontal_overlap(block, box) > 0 \
                and box.bounds[1] - line_boxes[-1][-1].polygon.bounds[3] <= BLOCK_GAP_LINES * height:
            line_boxes[-1].append(line)
        else:
            line_boxes.append([line])
    for n, lines in enumerate(line_boxes, start=1):
        region_id = f"{pid}-r{n}"
        lines = renumbered(region_id, lines)
        regions.append(Region(id=region_id, type=RegionType.body, polygon=union_box(ln.polygon for ln in lines),
                              confidence=1.0, detector_label=REBUILT_BLOCK, lines=lines))
    named = root.get("image-file")
    if image is not None and image.is_file():
        with Image.open(image) as opened:
            width, height_px = opened.size
    else:
        width = round(max(r.polygon.bounds[2] for r in regions)) + 1
        height_px = round(max(r.polygon.bounds[3] for r in regions)) + 1
    header = {el.get("name"): (el.text or "").strip() for el in root.iter(f"{{{IARCHIVES_NS}}}header-item")}
    page_number = next((int(v) for el in root.iter(f"{{{IARCHIVES_NS}}}header-item")
                        if el.get("name") == "page" and (v := el.get("value", "")).isdigit()), None)
    return Page(id=pid, source=str(source), sha256=sha256, width=width, height=height_px, regions=regions,
                image=str(image) if image is not None else str(source.parent / named) if named else None,
                page_number=page_number,
                issue=guess_metadata(source.parent.parent).model_copy(update={
                    "volume": header.get("volume"), "issue_number": header.get("number"),
                    "date": _date(header.get("date", ""))}),
                steps=[ProcessingStep(stage="ocr", software="iArchives", version="2002/export")])


__all__ = ["IarchivesError", "read_iarchives"]
