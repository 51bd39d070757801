"""Layout: regions from the CDLA model, then newspaper types from geometry once lines are read.

Two stages live here. `Layout` runs before OCR and proposes regions from the layout model
on a downscaled copy. `NewspaperTypes` runs after OCR, when glyph heights are known: the
document model knows nothing of kickers, bylines or pull quotes, but type size and position
relative to headlines and figures do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from statistics import median

import cv2
import numpy as np

from pipeline.config import LayoutConfig
from pipeline.continuations import opens_continued_story
from pipeline.engines.base import LayoutBox, LayoutEngine
from pipeline.geometry import Polygon, union_box
from pipeline.interviews import LIST_HEADINGS
from pipeline.model import Line, Page, Region, RegionType
from pipeline.stages.base import lines_box, recorded_step, region_ids, renumbered, to_working
from pipeline.stages.preprocess import load_working

CDLA_TO_NEWSPAPER: dict[str, RegionType] = {
    "text": RegionType.body,
    "title": RegionType.headline,
    "figure": RegionType.figure,
    "figure_caption": RegionType.caption,
    "table": RegionType.table,
    "table_caption": RegionType.caption,
    "header": RegionType.running_header,
    "footer": RegionType.folio,
    "reference": RegionType.body,
    "equation": RegionType.body,
}
DUPLICATE_OVERLAP = 0.8
"""A detection lying this much inside another is the same region seen twice."""
RULE_ASPECT = 12
"""A printed rule is at least this many times as long as it is thick."""
RULE_SIDE_INK = 0.1
"""Most ink a vertical rule may have right beside it: a rule stands in white space, a letter's stem does not."""
GUTTER_MIN_WIDTH = 0.012
"""A column gutter is at least this share of the page's width (30 px at 300 dpi A4; a word space is less)."""
COLUMN_MIN_WIDTH = 0.08
"""Each part of a text box cut at a gutter is at least this share of the page wide: a column, not a word."""
MASTHEAD_TOP = 0.15
"""A masthead ends within this share of the page's height from the top."""
MASTHEAD_HEIGHT_RATIO = 2.5
"""A masthead's type is at least this many times the body's line height."""
DATELINE_PATTERN = re.compile(
    r"本报\S{0,8}?\d{1,2}月\d{1,2}日电|(^|\n)[A-Z][A-Z.' -]{2,}, ([A-Z][a-z]{2,4}\.?|May|June|July) \d{1,2}\b")
AD_PATTERN = re.compile(r"[¥$€£]\s?\d|\d\s?元|热线|电话|[Cc]all\s+\d|\d{3}[- ]\d{4}")
PHOTO_MIN_SIDE = 0.08
"""A picture found in the pixels is at least this share of the page's width on each side."""
SAME_TYPE_SIZE = 1.3
"""Adjacent lines whose heights differ by more than this factor are set in different type."""
CLOSE_TYPE_SIZE = 1.1
"""Blocks whose line heights or widths per character differ by this factor are set in different type."""
SPACED_BREAK = 0.4
"""A gap between lines of at least this share of the body's line height can end a block."""
# OCR may space a heading's characters apart (嘉 宾).
PARTICIPANT_LIST = re.compile(r"\s*(" + "|".join(r"\s*".join(heading) for heading in LIST_HEADINGS) + r")\s*[:：]"
                              r"|\s*(Moderator|Host|Participants|Panel)\s*:")
"""How a roundtable's list of its people opens."""
PARTICIPANT_LIST_MAX_LINES = 10
SENTENCE_PUNCTUATION = re.compile(r"[，。！？；]|[a-z][.?!;](\s|$)")
"""Punctuation inside or ending a sentence, which a list of names and posts does not have."""
CAPITALS_MIN_LETTERS = 6
"""A line of capitals needs this many letters to tell a headline's capitals from an acronym."""
FOLIO_PATTERN = re.compile(r"^\s*(第?\s*[0-9０-９]{1,3}\s*版?|[A-Z]?[0-9]{1,3}|Page\s+[0-9]+)\s*$", re.IGNORECASE)
TEASER_PATTERN = re.compile(r"(→|➡|►)\s*\d+\s*版|第\s*\d+\s*版|[Ss]ee\s+(page\s+)?[A-Z]?\d+|[Pp]age\s+[A-Z]?\d+\b")
SECTION_MAX_CHARS = 8
BYLINE_PATTERN = re.compile(r"(记者|通讯员|主持人|嘉\s*宾|^\s*By\s|撰文|编辑)")


def resolve_overlaps(boxes: list[LayoutBox]) -> list[LayoutBox]:
    """Keep one of each pair of near-duplicate detections: overlaps breed duplicated lines."""
    kept: list[LayoutBox] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        polygon = Polygon.from_box(*box.box)
        duplicate = False
        for index, other in enumerate(kept):
            other_polygon = Polygon.from_box(*other.box)
            if polygon.overlap_ratio(other_polygon) >= DUPLICATE_OVERLAP or \
                    other_polygon.overlap_ratio(polygon) >= DUPLICATE_OVERLAP:
                if box.label == other.label:
                    x0, y0, x1, y1 = zip(box.box, other.box, strict=True)
                    kept[index] = LayoutBox(other.label, (min(x0), min(y0), max(x1), max(y1)), other.score)
                duplicate = True
                break
        if not duplicate:
            kept.append(box)
    return kept


def detect_rules(image: np.ndarray) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Printed rules: long thin runs of ink found by morphological opening.

    Returns ("horizontal" | "vertical", box) in the image's pixels. A horizontal rule is at least
    a tenth of the page wide. A vertical one may be as short as a thirtieth of the page's height
    (the rules between teaser boxes are short), so it must also be `RULE_ASPECT` times as long as
    it is thick and stand in white space: the stem of a large headline character has strokes
    joining it from the side.
    """
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = image.shape
    rules: list[tuple[str, tuple[float, float, float, float]]] = []
    # Odd kernel lengths keep the opening centred, so a rule's box is exactly its ink.
    kernels = (("horizontal", (max(41, width // 10 | 1), 1)), ("vertical", (1, max(41, height // 30 | 1))))
    for orientation, kernel in kernels:
        opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(opened)
        for x, y, w, h, _area in stats[1:count]:
            length, thickness = (w, h) if orientation == "horizontal" else (h, w)
            if thickness > max(6, min(height, width) // 300) * 3 or length < RULE_ASPECT * thickness:
                continue
            if orientation == "vertical" and not _stands_alone(ink, x, y, w, h):
                continue
            rules.append((orientation, (float(x), float(y), float(x + w), float(y + h))))
    return rules


def _stands_alone(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """Whether the strips just left and right of a vertical run of ink are nearly blank along its length."""
    margin = max(3, w)
    left = ink[y:y + h, max(0, x - 2 * margin):max(0, x - margin // 2)]
    right = ink[y:y + h, x + w + margin // 2:x + w + 2 * margin]
    return all(strip.size == 0 or float(strip.mean()) / 255 < RULE_SIDE_INK for strip in (left, right))


def detect_photos(image: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Continuous-tone pictures: large solid areas of grey, found on a half-size copy.

    A median filter wipes out the grey edges of printed type, so what stays grey is a picture.
    Bitonal halftones are left to the layout model.
    """
    small = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    width = small.shape[1]
    grey = cv2.medianBlur(small, 5)
    grey = ((grey > 50) & (grey < 205)).astype(np.uint8)
    size = max(5, width // 150)
    grey = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    grey = cv2.morphologyEx(grey, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * size, 2 * size)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grey)
    return [(2.0 * x, 2.0 * y, 2.0 * (x + w), 2.0 * (y + h)) for x, y, w, h, area in stats[1:count]
            if w >= PHOTO_MIN_SIDE * width and h >= PHOTO_MIN_SIDE * width and area >= 0.5 * w * h]


def with_photos(boxes: list[LayoutBox], photos: list[tuple[float, float, float, float]]) -> list[LayoutBox]:
    """The model's figures checked against the pictures found in the pixels.

    A picture the model missed is added; a model figure far larger than the pictures inside it
    (one that swallowed the columns beside a photo) is cut down to them, and one that cut a
    picture short is grown to hold it.
    """
    photo_polygons = [Polygon.from_box(*photo) for photo in photos]
    result: list[LayoutBox] = []
    claimed: set[int] = set()
    for box in boxes:
        if box.label != "figure":
            result.append(box)
            continue
        figure = Polygon.from_box(*box.box)
        inside = [k for k, photo in enumerate(photo_polygons) if photo.overlap_ratio(figure) >= 0.5]
        claimed.update(inside)
        if inside and sum(photo_polygons[k].area for k in inside) < 0.6 * figure.area:
            result += [LayoutBox("figure", photos[k], box.score) for k in inside]
        else:
            grown = union_box([figure, *(photo_polygons[k] for k in inside)]).bounds
            result.append(LayoutBox("figure", grown, box.score))
    return result + [LayoutBox("figure", photo, 1.0) for k, photo in enumerate(photos) if k not in claimed
                     and not any(photo_polygons[k].overlap_ratio(Polygon.from_box(*b.box)) >= 0.5
                                 for b in result if b.label == "figure")]


def split_at_column_gutters(image: np.ndarray, boxes: list[LayoutBox],
                            vertical_rules: list[tuple[float, float, float, float]]) -> list[LayoutBox]:
    """A text box the model drew across two columns is cut at the blank gutter running through it.

    Otherwise the OCR stage sees one region and Latin lines read across the gutter stay whole.
    Only boxes a few lines tall are cut (a one-line box's word spaces are blank top to bottom),
    at a gap wider than `GUTTER_MIN_WIDTH` of the page that is blank through the whole box once
    column rules are set aside; each part must be a column wide.
    """
    height, width = image.shape
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for x0, y0, x1, y1 in vertical_rules:
        ink[int(y0):int(y1) + 1, max(0, int(x0) - 1):int(x1) + 2] = 0
    min_gap, min_part = GUTTER_MIN_WIDTH * width, COLUMN_MIN_WIDTH * width
    result: list[LayoutBox] = []
    for box in boxes:
        x0, y0, x1, y1 = (round(v) for v in box.box)
        if box.label != "text" or y1 - y0 < 0.05 * height or x1 - x0 < 2 * min_part:
            result.append(box)
            continue
        # A column of pixels with almost no ink from the box's top to its bottom is white space.
        blank = (ink[max(0, y0):y1, max(0, x0):x1] > 0).sum(axis=0) <= 0.01 * (y1 - y0)
        cuts = [x0]
        run_start = None
        for offset, is_blank in enumerate([*blank.tolist(), False]):
            if is_blank and run_start is None:
                run_start = offset
            elif not is_blank and run_start is not None:
                middle = x0 + (run_start + offset) / 2
                if offset - run_start >= min_gap and middle - cuts[-1] >= min_part and x1 - middle >= min_part:
                    cuts.append(middle)
                run_start = None
        edges = [*cuts, x1]
        result += [LayoutBox(box.label, (left, box.box[1], right, box.box[3]), box.score)
                   for left, right in pairwise(edges)]
    return result


INSET_LABELS = frozenset({"figure", "title"})
"""Blocks set inside a column's flow that the model may also cover with the column's text box."""


def cut_at_insets(boxes: list[LayoutBox]) -> list[LayoutBox]:
    """A text box the model drew down a column and over a picture or a headline set in it is the text above and below.

    Left whole, its box covers the inset, which is then dropped as a second detection of the
    text: a caption under the picture is read into the column, and a headline the OCR cannot
    read (hand-lettered outline type) no longer ends the story above it.
    """
    insets = sorted((Polygon.from_box(*b.box) for b in boxes if b.label in INSET_LABELS), key=lambda i: i.bounds[1])
    result: list[LayoutBox] = []
    for box in boxes:
        parts = [box.box]
        if box.label == "text":
            for inset in insets:
                ix0, iy0, ix1, iy1 = inset.bounds
                x0, y0, x1, y1 = parts[-1]
                if min(x1, ix1) - max(x0, ix0) >= 0.7 * (x1 - x0) and y0 < iy0 and iy1 < y1:
                    parts[-1:] = [(x0, y0, x1, iy0), (x0, iy1, x1, y1)]
        result += [LayoutBox(box.label, part, box.score) for part in parts]
    return result


class Layout:
    name = "layout"

    def __init__(self, engine: LayoutEngine, config: LayoutConfig) -> None:
        self.engine = engine
        self.config = config

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        settings = {"model": self.engine.model, "detect_side": self.config.detect_side,
                    "confidence": self.config.confidence}
        with recorded_step(page, self.name, self.engine.name, self.engine.version, settings):
            image = load_working(page)
            boxes = with_photos(resolve_overlaps(self.engine.detect(image)), detect_photos(image))
            figures = [Polygon.from_box(*b.box) for b in boxes if b.label == "figure"]
            rules = [LayoutBox(label=f"rule-{orientation}", box=box, score=1.0)
                     for orientation, box in detect_rules(image)
                     # Straight edges inside a photo are not printed rules.
                     if not any(Polygon.from_box(*box).overlap_ratio(f) > 0.5 for f in figures)]
            boxes = split_at_column_gutters(image, cut_at_insets(boxes),
                                            [r.box for r in rules if r.label == "rule-vertical"])
            boxes += rules
            page.regions = [
                Region(
                    id=f"{page.id}-r{index}",
                    type=RegionType.separator if box.label.startswith("rule-")
                    else CDLA_TO_NEWSPAPER.get(box.label, RegionType.body),
                    polygon=Polygon.from_box(*box.box).transform(page.transform.to_source)
                    .clamp(page.width, page.height),
                    confidence=round(box.score, 4),
                    detector_label=box.label,
                )
                for index, box in enumerate(boxes, start=1)
            ]
        return page


def upright(page: Page, line: Line) -> Polygon:
    """A line's box in the deskewed working image: in the source, skew makes a wide line's box taller."""
    return to_working(page, line.polygon)


def line_height(page: Page, region: Region) -> float:
    return median(upright(page, line).height for line in region.lines) if region.lines else 0.0


def _pitch(page: Page, line: Line) -> float | None:
    """Width per character: the type size a tall box of two merged lines cannot fake."""
    characters = len(line.text.replace(" ", ""))
    return upright(page, line).width / characters if characters >= 3 else None


def pitch(page: Page, region: Region) -> float:
    pitches = [p for line in region.lines if (p := _pitch(page, line)) is not None]
    return median(pitches) if pitches else 0.0


def body_pitch(page: Page) -> float:
    pitches = sorted(p for region in page.regions for line in region.lines
                     if (p := _pitch(page, line)) is not None)
    return median(pitches[: max(1, (len(pitches) * 2) // 3)]) if pitches else 0.0


def body_line_height(page: Page) -> float:
    """The commonest line height on the page is the body type's."""
    heights = sorted(upright(page, line).height for region in page.regions for line in region.lines)
    if not heights:
        return 0.0
    # The lower half of the heights holds body text on any page with more body than headlines.
    return median(heights[: max(1, (len(heights) * 2) // 3)])


class NewspaperTypes:
    """Types each region by its glyph size and its place beside headlines and figures."""

    name = "newspaper-types"

    def __init__(self, config: LayoutConfig) -> None:
        self.config = config

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, "broadsheet", "rules-1",
                           {"headline_height_ratio": self.config.headline_height_ratio}):
            page.regions = split_by_type_size(page)
            page.regions = split_datelines(page)
            page.regions = split_capital_heads(page)
            body = body_line_height(page)
            if body > 0:
                page.regions = split_at_spaced_type_changes(page, body)
                page.regions = classify(page, body, self.config.headline_height_ratio)
                page.regions = merge_advertisements(page, body, self.config.headline_height_ratio)
                page.regions = merge_fragments(page, body)
        return page


STACKED_FRAGMENTS = frozenset({RegionType.body, RegionType.caption, RegionType.byline})


def _fragments(upper: Region, lower: Region, boxes: dict[str, Polygon], body: float) -> bool:
    """Two boxes of one block: stacked within a line's gap in one column, or (a running header) one row.

    A column of several lines does not continue in a block half as wide again: that one runs
    on into the next column (a box the model drew over two columns' ends).
    """
    top, bottom = boxes[upper.id], boxes[lower.id]
    if upper.type == RegionType.running_header:
        shared = min(top.bounds[3], bottom.bounds[3]) - max(top.bounds[1], bottom.bounds[1])
        return shared >= 0.5 * min(top.height, bottom.height) and top.center[0] < bottom.center[0]
    if upper.type not in STACKED_FRAGMENTS:
        return False
    narrow, wide = sorted([(top.width, len(upper.lines)), (bottom.width, len(lower.lines))])
    if wide[0] > 1.5 * narrow[0] and narrow[1] >= 3:
        return False
    gap = bottom.bounds[1] - top.bounds[3]
    return -0.5 * body <= gap <= 0.8 * body and top.center[1] < bottom.center[1] \
        and _horizontal_overlap(top, bottom) >= 0.8 * min(top.width, bottom.width)


def merge_fragments(page: Page, body: float) -> list[Region]:
    """A block the layout model cut in two (a caption's credit line, a column's last lines) is one region."""
    regions = list(page.regions)
    merged = True
    while merged:
        merged = False
        boxes = {r.id: to_working(page, r.polygon) for r in regions}
        for upper in regions:
            # A block opening with "Continued from page 2" is another story's rest, whatever its spacing.
            below = [r for r in regions if r is not upper and r.type == upper.type
                     and _fragments(upper, r, boxes, body) and not opens_continued_story(r.lines)]
            for lower in below:
                # A block over two columns side by side (a caption under a wide photo) is no fragment of either.
                if any(_horizontal_overlap(boxes[other.id], boxes[lower.id]) <= 0 for other in below):
                    continue
                lines = renumbered(upper.id, in_rows(page, [*upper.lines, *lower.lines]))
                joined = upper.model_copy(update={"lines": lines, "polygon": lines_box(page, lines)})
                regions = [joined if r is upper else r for r in regions if r is not lower]
                merged = True
                break
            if merged:
                break
    return regions


def in_rows(page: Page, lines: list[Line]) -> list[Line]:
    """Lines in reading order: row by row, left to right within a row.

    A row is lines sharing half their height; rounding positions to rows of the body's height
    instead would put two lines of small type in one row and swap them.
    """
    rows: list[list[tuple[Polygon, Line]]] = []
    for box, line in sorted(((upright(page, ln), ln) for ln in lines), key=lambda item: item[0].center[1]):
        last = rows[-1][-1][0] if rows else None
        if last is not None and min(box.bounds[3], last.bounds[3]) - max(box.bounds[1], last.bounds[1]) \
                >= 0.5 * min(box.height, last.height):
            rows[-1].append((box, line))
        else:
            rows.append([(box, line)])
    return [line for row in rows for _, line in sorted(row, key=lambda item: item[0].bounds[0])]


def split_by_type_size(page: Page) -> list[Region]:
    """One layout box often holds a kicker and its headline; lines of another type size are another region."""
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        runs: list[list[Line]] = []
        for line in region.lines:
            if runs and 1 / SAME_TYPE_SIZE <= upright(page, line).height / median(
                    upright(page, ln).height for ln in runs[-1]) <= SAME_TYPE_SIZE:
                runs[-1].append(line)
            else:
                runs.append([line])
        regions += _split_into_runs(page, region, runs, fresh_ids)
    return regions


def split_at_spaced_type_changes(page: Page, body: float) -> list[Region]:
    """A caption the model boxed with the column under it ends at a wider gap, where the type grows.

    Caption type is often only a point smaller than the body's, too close for
    `split_by_type_size`, so a change of size counts only together with a gap of
    `SPACED_BREAK` lines; blocks of one type either side of a gap (spaced paragraphs) stay one,
    and so does a larger heading over its text, which the book and typewritten pages set in
    type too close to the body's to be typed a headline once alone.
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        boxes = [upright(page, line) for line in region.lines]
        one_column = all(_horizontal_overlap(a, b) > 0.5 * min(a.width, b.width) for a, b in pairwise(boxes))
        if not running_text(page, region) or len(region.lines) < 2 or not one_column:
            regions.append(region)
            continue
        ordered = sorted(region.lines, key=lambda line: upright(page, line).bounds[1])
        blocks: list[list[Line]] = [[ordered[0]]]
        for above, below in pairwise(ordered):
            if upright(page, below).bounds[1] - upright(page, above).bounds[3] >= SPACED_BREAK * body:
                blocks.append([below])
            else:
                blocks[-1].append(below)
        runs = [blocks[0]]
        for block in blocks[1:]:
            if _smaller_type(page, runs[-1], block):
                runs.append(block)
            else:
                runs[-1] += block
        regions += _split_into_runs(page, region, runs, fresh_ids)
    return regions


def running_text(page: Page, region: Region) -> bool:
    """Text set in lines, as the model typed it: body, a caption, or a "table" without cells side by side."""
    return region.type in (RegionType.body, RegionType.caption) or \
        (region.type == RegionType.table and not is_grid(page, region))


def split_capital_heads(page: Page) -> list[Region]:
    """Headline lines typed in capitals at the top of a block of text are a region of their own.

    A typewritten paper sets its headlines in the body's type, in capitals, and the model often
    boxes them with the story under them. It takes two lines of capitals (a place name heading a
    list is one) over at least two lines that are not.
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        ordered = sorted(region.lines, key=lambda line: upright(page, line).bounds[1])
        head = next((k for k, line in enumerate(ordered) if not capitals(line.text)), len(ordered))
        if not running_text(page, region) or head < 2 or len(ordered) - head < 2 or capitals(ordered[head + 1].text):
            regions.append(region)
            continue
        regions += _split_into_runs(page, region, [ordered[:head], ordered[head:]], fresh_ids)
    return regions


def _smaller_type(page: Page, upper: list[Line], lower: list[Line]) -> bool:
    """Whether the upper block is set in smaller type than the lower: lower lines, or narrower characters."""
    heights = [median(upright(page, line).height for line in block) for block in (upper, lower)]
    if heights[1] >= CLOSE_TYPE_SIZE * heights[0]:
        return True
    # One line against one line tells too little: a heading may be letter-spaced.
    pitches = [[p for line in block if (p := _pitch(page, line)) is not None] for block in (upper, lower)]
    return all(pitches) and max(map(len, pitches)) >= 2 and median(pitches[1]) >= CLOSE_TYPE_SIZE * median(pitches[0])


def _split_into_runs(page: Page, region: Region, runs: list[list[Line]], fresh_ids: Iterator[str]) -> list[Region]:
    """One region per run of lines; the first keeps the region's id, each box shrinks to its lines."""
    if len(runs) <= 1:
        return [region]
    parts = []
    for number, run in enumerate(runs):
        region_id = region.id if number == 0 else next(fresh_ids)
        lines = renumbered(region_id, run)
        parts.append(region.model_copy(update={"id": region_id, "lines": lines, "polygon": lines_box(page, lines)}))
    return parts


def split_datelines(page: Page) -> list[Region]:
    """A dateline set in the byline's block, in the byline's type, is a region of its own.

    Only short blocks (a story's header lines) are looked at: a body paragraph that opens with
    本报…电 keeps it, as the lead-in of its first line.
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        if not 2 <= len(region.lines) <= 4 or not any(DATELINE_PATTERN.search(ln.text) for ln in region.lines):
            regions.append(region)
            continue
        runs: list[list[Line]] = []
        for line in region.lines:
            alone = bool(DATELINE_PATTERN.search(line.text))
            if runs and not alone and not DATELINE_PATTERN.search(runs[-1][-1].text):
                runs[-1].append(line)
            else:
                runs.append([line])
        regions += _split_into_runs(page, region, runs, fresh_ids)
    return regions


def ruled_sides(box: Polygon, rules: list[Polygon], reach: float) -> set[str]:
    """Which sides of a box have a printed rule running along them within `reach`."""
    x0, y0, x1, y1 = box.bounds
    sides = set()
    for rule in rules:
        rx, ry = rule.center
        if rule.width > rule.height and _horizontal_overlap(rule, box) >= 0.7 * box.width:
            if y0 - reach <= ry <= y0 + 0.2 * reach:
                sides.add("top")
            elif y1 - 0.2 * reach <= ry <= y1 + reach:
                sides.add("bottom")
        elif rule.height > rule.width and \
                min(rule.bounds[3], y1) - max(rule.bounds[1], y0) >= 0.7 * box.height:
            if x0 - reach <= rx <= x0 + 0.2 * reach:
                sides.add("left")
            elif x1 - 0.2 * reach <= rx <= x1 + reach:
                sides.add("right")
    return sides


def frames(box: Polygon, rules: list[Polygon], reach: float) -> list[Polygon]:
    """The rules that could be sides of a frame around `box`: no longer than its side plus the reach.

    A column rule or a page-wide rule running past the box bounds a column, not a framed box.
    """
    return [rule for rule in rules
            if (rule.width > rule.height and rule.width <= box.width + 2 * reach)
            or (rule.height > rule.width and rule.height <= box.height + 2 * reach)]


def is_grid(page: Page, region: Region) -> bool:
    """A table has cells side by side in at least two rows; a stack of lines the model called a table has not."""
    boxes = sorted((to_working(page, line.polygon) for line in region.lines), key=lambda b: b.center[1])
    rows_with_cells = 0
    for index, box in enumerate(boxes):
        beside = [other for other in boxes[index + 1:] if abs(other.center[1] - box.center[1]) < 0.5 * box.height
                  and _horizontal_overlap(box, other) < 0]
        rows_with_cells += bool(beside)
    return rows_with_cells >= 2


def classify(page: Page, body: float, headline_ratio: float) -> list[Region]:
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    page_pitch = body_pitch(page)

    def large_type(region: Region, ratio: float) -> bool:
        # Tall boxes alone mislead on tight, noisy scans where two lines merge into one box; larger
        # type also sets fewer characters per width. A region too short to measure goes by height.
        region_pitch = pitch(page, region)
        wide = not region_pitch or not page_pitch or region_pitch >= (1 + (ratio - 1) / 2) * page_pitch
        return line_height(page, region) >= ratio * body and wide

    rules = [boxes[r.id] for r in page.regions if r.type == RegionType.separator]
    page_height = page.transform.working_height or page.height
    typed: dict[str, RegionType] = {}
    for region in page.regions:
        if region.type in (RegionType.figure, RegionType.separator) or \
                (region.type == RegionType.table and is_grid(page, region)):
            typed[region.id] = region.type
            continue
        if not region.lines:
            typed[region.id] = region.type
            continue
        height = line_height(page, region)
        box = boxes[region.id]
        in_margin = box.bounds[3] < 0.07 * page_height or box.bounds[1] > 0.95 * page_height
        if is_masthead(page, region, box, body) and not any(
                r.lines and boxes[r.id].bounds[3] < box.bounds[1] for r in page.regions):
            typed[region.id] = RegionType.masthead
        elif in_margin and len(region.lines) <= 2:
            typed[region.id] = RegionType.folio if FOLIO_PATTERN.match(region.text) else RegionType.running_header
        elif len(region.lines) <= 4 and TEASER_PATTERN.search(region.text) and height < headline_ratio * body \
                and not opens_continued_story(region.lines):
            # Pattern and shape together: a short block pointing to another page, not the story continued here.
            typed[region.id] = RegionType.teaser
        elif len(ruled_sides(box, frames(box, rules, 3 * body), 3 * body)) >= 3 and height < headline_ratio * body:
            typed[region.id] = RegionType.sidebar  # a framed box: 编者按, a fact box
        elif large_type(region, headline_ratio):
            typed[region.id] = RegionType.headline
        elif {"top", "bottom"} <= ruled_sides(box, rules, 3 * body) and large_type(region, 1.1) \
                and len(region.lines) <= 8:
            typed[region.id] = RegionType.pull_quote  # larger type set between two rules
        elif large_type(region, 1.2) and len(region.lines) >= 2:
            typed[region.id] = RegionType.pull_quote
        else:
            typed[region.id] = RegionType.body
    for region in page.regions:
        # Larger type heading a column, with body straight under it and none above, is a headline;
        # a pull quote sits inside the column's text, or between two rules. A rule above alone is the
        # rule that ends the previous story, which a headline sits under; a line of capitals is a
        # headline's, as pull quotes quote sentences.
        sides = ruled_sides(boxes[region.id], rules, 3 * body)
        if typed[region.id] == RegionType.pull_quote and not {"top", "bottom"} <= sides:
            box = boxes[region.id]
            texts = [boxes[r.id] for r in page.regions if typed[r.id] == RegionType.body]
            if any(_directly_below(t, box, 1.5 * body) for t in texts) and ("top" in sides or capitals(
                    region.lines[0].text) or not any(_directly_below(box, t, 1.5 * body) for t in texts)):
                typed[region.id] = RegionType.headline
    for region in page.regions:
        # Two to four lines of capitals over the text of a column: a typewritten paper's headline.
        box = boxes[region.id]
        if typed[region.id] == RegionType.body and 2 <= len(region.lines) <= 4 \
                and all(capitals(line.text) for line in region.lines) \
                and any(_directly_below(boxes[r.id], box, 1.5 * body) for r in page.regions
                        if typed[r.id] == RegionType.body and r is not region):
            typed[region.id] = RegionType.headline
    headlines = [r for r in page.regions if typed[r.id] == RegionType.headline]

    def smaller_stacked(small: Region, big: Region) -> bool:
        # A deck set as large as its headline (typewritten papers have one headline size) can only follow it.
        ratio = line_height(page, small) / max(line_height(page, big), 1.0)
        if ratio < 0.75:
            return _adjacent_vertically(boxes[small.id], boxes[big.id], 1.5 * body)
        return ratio <= 1.05 and _directly_below(boxes[small.id], boxes[big.id], 1.5 * body)

    def body_beside(deck: Polygon, big: Polygon) -> bool:
        return any(typed[r.id] == RegionType.body and _horizontal_overlap(boxes[r.id], big) > 0
                   and _horizontal_overlap(boxes[r.id], deck) <= 0 and _same_row(boxes[r.id], deck)
                   for r in page.regions)

    for small in headlines:
        # A smaller heading stacked on a headline, and centred on it, is its kicker or subheadline;
        # one set flush in a single column below it, with the story's text already running beside
        # it, is the headline of the next story. A deck the detector cut into pieces along one row
        # is judged as the whole row.
        for big in (h for h in headlines if h is not small and smaller_stacked(small, h)):
            row = union_box(boxes[h.id] for h in headlines if h is not big and smaller_stacked(h, big)
                            and _same_row(boxes[h.id], boxes[small.id]))
            if _centred_on(row, boxes[big.id]) and not body_beside(row, boxes[big.id]):
                typed[small.id] = RegionType.kicker
    for region in page.regions:
        # A lone short label over the headings is the page's section name (学术圆桌, SPORTS).
        if typed[region.id] in (RegionType.body, RegionType.headline) and len(region.lines) == 1 \
                and len(region.text.replace(" ", "")) <= SECTION_MAX_CHARS \
                and any(0 <= boxes[h.id].bounds[1] - boxes[region.id].bounds[3] <= 6 * body for h in page.regions
                        if typed[h.id] in (RegionType.headline, RegionType.kicker) and h is not region):
            typed[region.id] = RegionType.section
    headlines = [r for r in headlines if typed[r.id] == RegionType.headline]
    figures = [r for r in page.regions if typed[r.id] == RegionType.figure]
    for region in page.regions:
        if typed[region.id] != RegionType.body and typed[region.id] != RegionType.pull_quote:
            continue
        box = boxes[region.id]
        if any(_directly_below(box, boxes[f.id], 2.5 * body) for f in figures) and len(region.lines) <= 4:
            typed[region.id] = RegionType.caption
            continue
        heads = [r for r in page.regions if typed[r.id] in (RegionType.headline, RegionType.kicker)]
        near_headline = [h for h in heads if _adjacent_vertically(box, boxes[h.id], 2.5 * body)]
        if near_headline and is_participant_list(region):
            typed[region.id] = RegionType.byline  # a roundtable's people, one or two lines each
        elif near_headline and len(region.lines) <= 4:
            if line_height(page, region) >= 1.15 * body and len(region.lines) <= 2:
                typed[region.id] = RegionType.kicker
            elif len(region.lines) <= 4 and (BYLINE_PATTERN.search(region.text) or len(region.lines) <= 2):
                typed[region.id] = RegionType.byline
    for region in page.regions:
        if typed[region.id] in (RegionType.body, RegionType.byline, RegionType.kicker) and len(region.lines) == 1 \
                and not large_type(region, headline_ratio) and _under_heading(region, page.regions, typed, boxes, body):
            typed[region.id] = RegionType.dateline
    return [r.model_copy(update={"type": typed[r.id]}) for r in page.regions]


def is_participant_list(region: Region) -> bool:
    """主持人：刘迪 本报记者 / 嘉宾：张占斌 中央党校…: names and posts, no sentence, however many lines it runs to.

    A host's first turn also opens with 主持人：, but as a sentence.
    """
    return len(region.lines) <= PARTICIPANT_LIST_MAX_LINES and bool(PARTICIPANT_LIST.match(region.text)) \
        and not SENTENCE_PUNCTUATION.search(region.text)


def capitals(text: str) -> bool:
    """A line of Latin capitals (SHARECROP OFFERS): a headline's, where a pull quote quotes a sentence."""
    letters = [c for c in text if c.isalpha() and c.isascii()]
    return len(letters) >= CAPITALS_MIN_LETTERS and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _under_heading(region: Region, regions: list[Region], typed: dict[str, RegionType],
                   boxes: dict[str, Polygon], body: float) -> bool:
    """A dateline: the line right under the masthead, or a place-and-date line in a story's header block."""
    box = boxes[region.id]
    above = [r for r in regions if r is not region and _directly_below(box, boxes[r.id], 3 * body)]
    if any(typed[r.id] == RegionType.masthead for r in above):
        return True
    header_types = (RegionType.headline, RegionType.kicker, RegionType.byline)
    return bool(DATELINE_PATTERN.search(region.text)) and any(typed[r.id] in header_types for r in above)


def is_masthead(page: Page, region: Region, box: Polygon, body: float) -> bool:
    """The paper's name plate: one line of very large type, centred across the top of the page.

    The caller also checks that no text stands above it: a story's headline under a running
    header looks the same.
    """
    page_width = page.transform.working_width or page.width
    page_height = page.transform.working_height or page.height
    return len(region.lines) == 1 and box.bounds[3] < MASTHEAD_TOP * page_height \
        and line_height(page, region) >= MASTHEAD_HEIGHT_RATIO * body and box.width >= 0.25 * page_width \
        and abs(box.center[0] - page_width / 2) <= 0.1 * page_width


def find_frames(rules: list[Polygon], tolerance: float) -> list[Polygon]:
    """Boxes closed by printed rules: a top and a bottom rule of one width joined by rules down both sides."""
    horizontal = [r for r in rules if r.width > r.height]
    vertical = [r for r in rules if r.height > r.width]
    found = []
    for top in horizontal:
        for bottom in horizontal:
            (x0, y0, x1, _), (bx0, _, bx1, y1) = top.bounds, bottom.bounds
            if y1 - y0 < 4 * tolerance or abs(x0 - bx0) > tolerance or abs(x1 - bx1) > tolerance:
                continue
            sides = [v for v in vertical if v.bounds[1] <= y0 + tolerance and v.bounds[3] >= y1 - tolerance
                     and v.height <= y1 - y0 + 2 * tolerance]
            if any(abs(v.center[0] - x0) <= tolerance for v in sides) and \
                    any(abs(v.center[0] - x1) <= tolerance for v in sides):
                found.append(Polygon.from_box(x0, y0, x1, y1))
    return found


def merge_advertisements(page: Page, body: float, headline_ratio: float) -> list[Region]:
    """Everything inside a frame that holds large type beside a picture or a price is one advertisement.

    Geometry decides first (a frame, type well above body size); a picture or a price or phone
    number must back it, so neither a framed sidebar with a heading nor a price quoted in a story
    becomes an ad.
    """
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    rules = [boxes[r.id] for r in page.regions if r.type == RegionType.separator]
    regions = list(page.regions)
    for frame in find_frames(rules, body):
        members = [r for r in regions if r.type != RegionType.separator and boxes[r.id].overlap_ratio(frame) >= 0.8]
        text = "\n".join(r.text for r in members)
        large = any(r.lines and line_height(page, r) >= headline_ratio * body for r in members)
        pictured = any(r.type == RegionType.figure for r in members) or bool(AD_PATTERN.search(text))
        if not (large and pictured):
            continue
        order = sorted((ln for r in members for ln in r.lines),
                       key=lambda ln: (upright(page, ln).bounds[0] // (0.5 * frame.width), upright(page, ln).center[1]))
        first = members[0]
        lines = renumbered(first.id, order)
        polygon = union_box(boxes[r.id] for r in members).transform(page.transform.to_source)
        advert = first.model_copy(update={"type": RegionType.advertisement, "lines": lines, "polygon": polygon})
        regions = [advert if r is first else r for r in regions if r is first or r not in members]
    return regions


def _centred_on(small: Polygon, big: Polygon) -> bool:
    """Set on the heading's axis, or flush with its left edge as Latin decks are."""
    return small.width >= 0.6 * big.width or abs(small.center[0] - big.center[0]) <= 0.15 * big.width \
        or abs(small.bounds[0] - big.bounds[0]) <= 0.03 * big.width


def _same_row(a: Polygon, b: Polygon) -> bool:
    return min(a.bounds[3], b.bounds[3]) - max(a.bounds[1], b.bounds[1]) >= 0.5 * min(a.height, b.height)


def _horizontal_overlap(a: Polygon, b: Polygon) -> float:
    return min(a.bounds[2], b.bounds[2]) - max(a.bounds[0], b.bounds[0])


def _directly_below(box: Polygon, above: Polygon, max_gap: float) -> bool:
    gap = box.bounds[1] - above.bounds[3]
    # Noisy scans give tall line boxes, so stacked regions may overlap by part of the smaller one's height.
    return -0.5 * min(box.height, above.height) <= gap <= max_gap and _horizontal_overlap(box, above) > 0.5 * box.width


def _adjacent_vertically(box: Polygon, other: Polygon, max_gap: float) -> bool:
    return _directly_below(box, other, max_gap) or (_directly_below(other, box, max_gap) and \
        _horizontal_overlap(box, other) > 0.5 * box.width)
