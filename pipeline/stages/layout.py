"""Layout: regions from the CDLA model, then newspaper types from geometry once lines are read.

Two stages live here. `Layout` runs before OCR and proposes regions from the layout model
on a downscaled copy. `NewspaperTypes` runs after OCR, when glyph heights are known: the
document model knows nothing of kickers, bylines or pull quotes, but type size and position
relative to headlines and figures do.
"""

from __future__ import annotations

import re
from statistics import median

import cv2
import numpy as np

from pipeline.config import LayoutConfig
from pipeline.engines.base import LayoutBox, LayoutEngine
from pipeline.geometry import Polygon
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
SAME_TYPE_SIZE = 1.3
"""Adjacent lines whose heights differ by more than this factor are set in different type."""
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

    Returns ("horizontal" | "vertical", box) in the image's pixels. A rule must be at least
    a tenth of the page long, so letters and underlines never qualify.
    """
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    height, width = image.shape
    rules: list[tuple[str, tuple[float, float, float, float]]] = []
    for orientation, kernel in (("horizontal", (max(40, width // 10), 1)), ("vertical", (1, max(40, height // 12)))):
        opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(opened)
        for x, y, w, h, _area in stats[1:count]:
            thin = h <= max(6, height // 300) * 3 if orientation == "horizontal" else w <= max(6, width // 300) * 3
            if thin:
                rules.append((orientation, (float(x), float(y), float(x + w), float(y + h))))
    return rules


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
            boxes = resolve_overlaps(self.engine.detect(image))
            figures = [Polygon.from_box(*b.box) for b in boxes if b.label == "figure"]
            boxes += [LayoutBox(label=f"rule-{orientation}", box=box, score=1.0)
                      for orientation, box in detect_rules(image)
                      # Straight edges inside a photo are not printed rules.
                      if not any(Polygon.from_box(*box).overlap_ratio(f) > 0.5 for f in figures)]
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


def line_height(region: Region) -> float:
    return median(line.polygon.height for line in region.lines) if region.lines else 0.0


def _pitch(line: Line) -> float | None:
    """Width per character: the type size a tall box of two merged lines cannot fake."""
    characters = len(line.text.replace(" ", ""))
    return line.polygon.width / characters if characters >= 3 else None


def pitch(region: Region) -> float:
    pitches = [p for line in region.lines if (p := _pitch(line)) is not None]
    return median(pitches) if pitches else 0.0


def body_pitch(page: Page) -> float:
    pitches = sorted(p for region in page.regions for line in region.lines if (p := _pitch(line)) is not None)
    return median(pitches[: max(1, (len(pitches) * 2) // 3)]) if pitches else 0.0


def body_line_height(page: Page) -> float:
    """The commonest line height on the page is the body type's."""
    heights = sorted(line.polygon.height for region in page.regions for line in region.lines)
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
            body = body_line_height(page)
            if body > 0:
                page.regions = classify(page, body, self.config.headline_height_ratio)
                page.regions = merge_fragments(page, body)
        return page


STACKED_FRAGMENTS = frozenset({RegionType.body, RegionType.caption, RegionType.byline})


def _fragments(region: Region, upper: Polygon, lower: Polygon, body: float) -> bool:
    """Two boxes of one block: stacked within a line's gap in one column, or (a running header) one row."""
    if region.type == RegionType.running_header:
        shared = min(upper.bounds[3], lower.bounds[3]) - max(upper.bounds[1], lower.bounds[1])
        return shared >= 0.5 * min(upper.height, lower.height) and upper.center[0] < lower.center[0]
    if region.type not in STACKED_FRAGMENTS:
        return False
    gap = lower.bounds[1] - upper.bounds[3]
    return -0.5 * body <= gap <= 0.8 * body and upper.center[1] < lower.center[1] \
        and _horizontal_overlap(upper, lower) >= 0.8 * min(upper.width, lower.width)


def merge_fragments(page: Page, body: float) -> list[Region]:
    """A block the layout model cut in two (a caption's credit line, a column's last lines) is one region."""
    regions = list(page.regions)
    merged = True
    while merged:
        merged = False
        boxes = {r.id: to_working(page, r.polygon) for r in regions}
        for upper in regions:
            for lower in regions:
                if upper is lower or upper.type != lower.type or not _fragments(upper, boxes[upper.id],
                                                                                    boxes[lower.id], body):
                    continue
                # Lines in reading order: by row, then left to right within a row.
                order = sorted([*upper.lines, *lower.lines],
                               key=lambda ln: (round(to_working(page, ln.polygon).center[1] / body),
                                               to_working(page, ln.polygon).center[0]))
                lines = renumbered(upper.id, order)
                joined = upper.model_copy(update={"lines": lines, "polygon": lines_box(page, lines)})
                regions = [joined if r is upper else r for r in regions if r is not lower]
                merged = True
                break
            if merged:
                break
    return regions


def split_by_type_size(page: Page) -> list[Region]:
    """One layout box often holds a kicker and its headline; lines of another type size are another region."""
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        runs: list[list[Line]] = []
        for line in region.lines:
            if runs and 1 / SAME_TYPE_SIZE <= line.polygon.height / median(
                    ln.polygon.height for ln in runs[-1]) <= SAME_TYPE_SIZE:
                runs[-1].append(line)
            else:
                runs.append([line])
        if len(runs) <= 1:
            regions.append(region)
            continue
        for number, run in enumerate(runs):
            region_id = region.id if number == 0 else next(fresh_ids)
            lines = renumbered(region_id, run)
            regions.append(region.model_copy(update={"id": region_id, "lines": lines,
                                                     "polygon": lines_box(page, lines)}))
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


def classify(page: Page, body: float, headline_ratio: float) -> list[Region]:
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    page_pitch = body_pitch(page)

    def large_type(region: Region, ratio: float) -> bool:
        # Tall boxes alone mislead on tight, noisy scans where two lines merge into one box; larger
        # type also sets fewer characters per width. A region too short to measure goes by height.
        region_pitch = pitch(region)
        wide = not region_pitch or not page_pitch or region_pitch >= (1 + (ratio - 1) / 2) * page_pitch
        return line_height(region) >= ratio * body and wide

    rules = [boxes[r.id] for r in page.regions if r.type == RegionType.separator]
    page_height = page.transform.working_height or page.height
    typed: dict[str, RegionType] = {}
    for region in page.regions:
        if region.type in (RegionType.figure, RegionType.separator, RegionType.table):
            typed[region.id] = region.type
            continue
        if not region.lines:
            typed[region.id] = region.type
            continue
        height = line_height(region)
        box = boxes[region.id]
        in_margin = box.bounds[3] < 0.07 * page_height or box.bounds[1] > 0.95 * page_height
        if in_margin and len(region.lines) <= 2:
            typed[region.id] = RegionType.folio if FOLIO_PATTERN.match(region.text) else RegionType.running_header
        elif len(region.lines) <= 4 and TEASER_PATTERN.search(region.text) and height < headline_ratio * body:
            # Pattern and shape together: a short block pointing to another page.
            typed[region.id] = RegionType.teaser
        elif len(sides := ruled_sides(box, rules, 3 * body)) >= 3 and height < headline_ratio * body:
            typed[region.id] = RegionType.sidebar  # a framed box: 编者按, a fact box
        elif large_type(region, headline_ratio):
            typed[region.id] = RegionType.headline
        elif {"top", "bottom"} <= sides and large_type(region, 1.1) and len(region.lines) <= 8:
            typed[region.id] = RegionType.pull_quote  # larger type set between two rules
        elif large_type(region, 1.2) and len(region.lines) >= 2:
            typed[region.id] = RegionType.pull_quote
        else:
            typed[region.id] = RegionType.body
    headlines = [r for r in page.regions if typed[r.id] == RegionType.headline]
    for small in headlines:
        # A smaller heading stacked on a headline, and centred on it, is its kicker or subheadline;
        # one set flush in a single column below it is the headline of the next story.
        if any(_adjacent_vertically(boxes[small.id], boxes[big.id], 1.5 * body)
               and line_height(small) < 0.75 * line_height(big) and _centred_on(boxes[small.id], boxes[big.id])
               for big in headlines if big is not small):
            typed[small.id] = RegionType.kicker
    for region in page.regions:
        # Larger type heading a column, with body straight under it and none above, is a headline;
        # a pull quote without rules sits inside the column's text.
        if typed[region.id] == RegionType.pull_quote and "top" not in ruled_sides(boxes[region.id], rules, 3 * body):
            box = boxes[region.id]
            texts = [boxes[r.id] for r in page.regions if typed[r.id] == RegionType.body]
            if any(_directly_below(t, box, 1.5 * body) for t in texts) and \
                    not any(_directly_below(box, t, 1.5 * body) for t in texts):
                typed[region.id] = RegionType.headline
    headlines = [r for r in page.regions if typed[r.id] == RegionType.headline]
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
        if near_headline and len(region.lines) <= 4:
            if line_height(region) >= 1.15 * body and len(region.lines) <= 2:
                typed[region.id] = RegionType.kicker
            elif len(region.lines) <= 4 and (BYLINE_PATTERN.search(region.text) or len(region.lines) <= 2):
                typed[region.id] = RegionType.byline
    return [r.model_copy(update={"type": typed[r.id]}) for r in page.regions]


def _centred_on(small: Polygon, big: Polygon) -> bool:
    return small.width >= 0.6 * big.width or abs(small.center[0] - big.center[0]) <= 0.15 * big.width


def _horizontal_overlap(a: Polygon, b: Polygon) -> float:
    return min(a.bounds[2], b.bounds[2]) - max(a.bounds[0], b.bounds[0])


def _directly_below(box: Polygon, above: Polygon, max_gap: float) -> bool:
    gap = box.bounds[1] - above.bounds[3]
    return -0.2 * box.height <= gap <= max_gap and _horizontal_overlap(box, above) > 0.5 * box.width


def _adjacent_vertically(box: Polygon, other: Polygon, max_gap: float) -> bool:
    return _directly_below(box, other, max_gap) or (_directly_below(other, box, max_gap) and \
        _horizontal_overlap(box, other) > 0.5 * box.width)
