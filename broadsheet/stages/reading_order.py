"""Reading order: recursive XY-cut over region boxes in the deskewed working image.

Newspapers are cut horizontally first (a spanning headline or a rule between articles is
a full-width gap), then into columns, which are read top to bottom, left to right.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from statistics import median

import numpy as np

from broadsheet.config import ReadingOrderConfig
from broadsheet.model.geometry import Polygon, horizontal_overlap, span_overlap
from broadsheet.model.page import Page, RegionType
from broadsheet.stages.base import recorded_step, rules_version, to_working
from broadsheet.stages.ocr import ENGINE_ORDER

Item = tuple[str, Polygon]


def _groups_along(items: Sequence[Item], axis: int, min_gap: float) -> list[list[Item]]:
    """Split items where their projections onto one axis leave a gap."""
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    ordered = sorted(items, key=lambda item: item[1].bounds[lo])
    groups: list[list[Item]] = [[ordered[0]]]
    reach = ordered[0][1].bounds[hi]
    for item in ordered[1:]:
        start = item[1].bounds[lo]
        # Boxes that barely touch (a few pixels of padding) do not join two columns.
        if start > reach - min_gap:
            groups.append([])
        groups[-1].append(item)
        reach = max(reach, item[1].bounds[hi])
    return groups


def _least_straddled_cut(items: Sequence[Item]) -> list[list[Item]] | None:
    """Where no clean cut exists, the cut that the fewest items straddle (a header piece the layout model boxed
    with the column under it, a caption across a gutter): straddling items go to the side of their centre.

    Columns come before rows here: a clean row cut would already have been taken.
    """
    best: tuple[int, int, int, float] | None = None
    for axis_rank, axis in enumerate((0, 1)):
        lo, hi = (0, 2) if axis == 0 else (1, 3)
        edges = sorted({item[1].bounds[hi] for item in items})
        for edge in edges[:-1]:
            before = sum(item[1].bounds[hi] <= edge for item in items)
            straddle = sum(item[1].bounds[lo] < edge < item[1].bounds[hi] for item in items)
            if before == 0 or before + straddle == len(items):
                continue
            key = (straddle, axis_rank, -min(before, len(items) - before - straddle), edge)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    _, axis_rank, _, edge = best
    axis = (0, 1)[axis_rank]
    first = [item for item in items if item[1].center[axis] <= edge]
    second = [item for item in items if item[1].center[axis] > edge]
    return [first, second] if first and second else None


def xy_cut(items: Sequence[Item], min_gap: float = 4.0) -> list[str]:
    if len(items) <= 1:
        return [item_id for item_id, _ in items]
    for axis in (1, 0):
        groups = _groups_along(items, axis, min_gap)
        if len(groups) > 1:
            return [item_id for group in groups for item_id in xy_cut(group, min_gap)]
    groups = _least_straddled_cut(items)
    if groups is not None:
        return [item_id for group in groups for item_id in xy_cut(group, min_gap)]
    return [item_id for item_id, _ in sorted(items, key=lambda item: (item[1].bounds[1], item[1].bounds[0]))]


class ReadingOrder:
    """The regions' order before articles are known. The articles stage reads it (a block no head claims continues
    the story before it here) and then sets the page's order article by article, as its step records."""

    name = "reading-order"

    def __init__(self, config: ReadingOrderConfig | None = None) -> None:
        self.config = config or ReadingOrderConfig()

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        version = rules_version("xy-cut", (sys.modules[__name__],), self.config)
        with recorded_step(page, self.name, "broadsheet", version, {}):
            # Printed rules are no reading matter, and a page-wide one would block every cut across it.
            cut = xy_cut([(r.id, to_working(page, r.polygon)) for r in page.regions if r.type != RegionType.separator])
            read = engine_read_order(page, self.config.engine_column_share)
            read = by_page_wide_rules(page, read, self.config.band_rule_width, self.config.band_rule_reach)
            # Regions the engine read none of (figures, empty boxes) follow in XY-cut order.
            known = set(read)
            page.reading_order = [*read, *(rid for rid in cut if rid not in known)]
        return page


def engine_read_order(page: Page, column_share: float = ReadingOrderConfig().engine_column_share) -> list[str]:
    """The order the OCR engine read the text regions in, where its layout analysis saw the whole page (Tesseract's
    column finder follows the column rules, which region boxes alone do not show); else none. NZZ front pages, the
    same Tesseract reading: CER in reading order 14.9% in Tesseract's blocks and order (line-matched 11.8%), 43.0%
    gathered into the layout model's boxes and ordered by XY-cut and articles (line-matched 13.2%)."""
    ocr = next((s for s in reversed(page.steps) if s.stage == "ocr"), None)
    if ocr is None or ocr.settings.get("reading_order") != ENGINE_ORDER:
        return []
    present = {r.id for r in page.regions}
    order = [rid for rid in page.reading_order if rid in present]
    if not order:
        return []
    # Typing splits a block into runs of one type size (a headline over its text): a part the engine did not read as
    # a block of its own follows the nearest region above it in its column, as its lines followed that one's. A box
    # of the next column that reaches a little into this one is beside it, not above.
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}
    known = set(order)
    loose_parts = [r.id for r in page.regions if r.lines and r.id not in known]
    for loose in sorted(loose_parts, key=lambda rid: boxes[rid].bounds[1]):
        y0 = boxes[loose].bounds[1]
        above = [k for k, rid in enumerate(order) if boxes[rid].bounds[1] < y0
                 and horizontal_overlap(boxes[loose], boxes[rid])
                 >= column_share * min(boxes[loose].width, boxes[rid].width)]
        at = max(above, key=lambda k: boxes[order[k]].bounds[3]) + 1 if above else len(order)
        order.insert(at, loose)
    return order


def page_wide_rules(page: Page, width: float, reach: float) -> list[float]:
    """The y (working image) of each horizontal rule whose pieces together span `width` of the text's width: a rule
    under a masthead, or over a feuilleton, printed across every column. The layout model finds such a rule in pieces
    where the scan is skewed or the rule broken; pieces within `reach` body lines of one another in height are one."""
    text = [to_working(page, r.polygon).bounds for r in page.regions if r.lines]
    if not text or page.body_type is None:
        return []
    left, right = min(b[0] for b in text), max(b[2] for b in text)
    pieces = sorted((box.center[1], box.bounds[0], box.bounds[2]) for r in page.regions
                    if r.type == RegionType.separator and (box := to_working(page, r.polygon)).width > box.height)
    rows: list[list[tuple[float, float, float]]] = []
    for piece in pieces:
        if rows and piece[0] - rows[-1][-1][0] <= reach * page.body_type.line_height:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    found = []
    for row in rows:
        covered = np.zeros(max(1, int(right - left)), bool)
        for _, x0, x1 in row:
            covered[max(0, int(x0 - left)):max(0, int(x1 - left))] = True
        if covered.mean() >= width:
            found.append(float(median(y for y, _, _ in row)))
    return found


def by_page_wide_rules(page: Page, order: list[str], width: float, reach: float) -> list[str]:
    """The engine's order read band by band between page-wide rules (`page_wide_rules`), each band in that order.

    Tesseract's column finder reads a column from the masthead down: on NZZ 1900 the subscription table under the
    title and the first story's headline were one block, so the story's first lines were read before the masthead's
    right-hand boxes. A rule printed across every column ends what is above it for every column."""
    rules = page_wide_rules(page, width, reach) if order else []
    if not rules:
        return order
    boxes = {r.id: to_working(page, r.polygon) for r in page.regions}

    def band(rid: str) -> int:
        return sum(rule < boxes[rid].center[1] for rule in rules)

    return sorted(order, key=band)


def column_order(items: Sequence[Item]) -> list[str]:
    """An article's parts in newspaper order: each column top to bottom, columns left to right.

    Column slots come from the narrow items (body columns); an item spanning several columns,
    such as a photo across two, is read in its leftmost column at its height, so text that
    flows down a column under a wide photo stays in sequence.
    """
    if len(items) <= 1:
        return [item_id for item_id, _ in items]
    widths = sorted(box.width for _, box in items)
    # A column's width is the narrowest of the blocks, not counting scraps (a last line's few words boxed alone).
    column = min(w for w in widths if w >= 0.5 * median(widths))
    narrow = [box for _, box in items if column <= box.width <= 1.5 * column]
    slots: list[tuple[float, float]] = []
    for box in sorted(narrow, key=lambda b: b.bounds[0]):
        x0, _, x1, _ = box.bounds
        if slots and x0 < slots[-1][1] - 0.3 * (x1 - x0):
            slots[-1] = (slots[-1][0], max(slots[-1][1], x1))
        else:
            slots.append((x0, x1))

    def slot_of(box: Polygon) -> float:
        for index, (left, right) in enumerate(slots):
            if span_overlap(box.bounds[0], box.bounds[2], left, right) > 0.3 * min(box.width, right - left):
                return index
        # In no slot (wide columns the layout model drew as one box): read it where it stands, between slots.
        return sum((left + right) / 2 < box.center[0] for left, right in slots) - 0.5

    return [item_id for item_id, _ in sorted(items, key=lambda item: (slot_of(item[1]), item[1].bounds[1]))]
