"""Blocks the layout model drew wrong, made right before they are typed: one box holding two types is split,
two boxes of one block are joined.

The layout model sees pixels at a sixth of their size and knows nothing of newspapers: it boxes a
kicker with its headline, a caption with the column under it, a typewritten headline with its
story, two columns of running text as one "table"; and it cuts a caption's credit line, a column's
last lines or a headline at a wide space into boxes of their own.
"""

from __future__ import annotations

import re
from bisect import insort
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

import numpy as np

from broadsheet.config import TypingConfig
from broadsheet.model.geometry import Polygon, horizontal_overlap, same_row, union_box, vertical_overlap
from broadsheet.model.ids import renumbered
from broadsheet.model.page import Line, Page, Region, RegionType
from broadsheet.stages.base import lines_box, region_ids, to_working
from broadsheet.stages.jumps import opens_continued_story
from broadsheet.stages.typing.measure import (
    TypeMeter,
    block_capitals,
    capitals,
    line_height,
    line_pitch,
    room_below,
    type_height,
    upright,
)
from broadsheet.text.script import CJK_SHARE, cjk_share, join_fragments

DATELINE_PATTERN = re.compile(
    r"本报\S{0,8}?\d{1,2}月\d{1,2}日电|(^|\n)[A-Z][A-Z.' -]{2,}, ([A-Z][a-z]{2,4}\.?|May|June|July) \d{1,2}\b")
"""本报北京3月5日电, WASHINGTON, Dec. 12: a place-and-date line, as a story's dateline opens."""
TEASER_PATTERN = re.compile(r"(→|➡|►)\s*\d+\s*版|第\s*\d+\s*版|[Ss]ee\s+(page\s+)?[A-Z]?\d+|[Pp]age\s+[A-Z]?\d+\b")
"""A pointer to another page: → 5版, See page A4."""
STACKED_FRAGMENTS = frozenset({RegionType.body, RegionType.caption, RegionType.byline})
HEADINGS = frozenset({RegionType.headline, RegionType.kicker})
"""Types whose one-line pieces on one row are one heading cut at a wide space."""


def directly_below(box: Polygon, above: Polygon, max_gap: float) -> bool:
    gap = box.bounds[1] - above.bounds[3]
    # Noisy scans give tall line boxes, so stacked regions may overlap by part of the smaller one's height.
    return -0.5 * min(box.height, above.height) <= gap <= max_gap and horizontal_overlap(box, above) > 0.5 * box.width


def adjacent_vertically(box: Polygon, other: Polygon, max_gap: float) -> bool:
    """Stacked one over the other within `max_gap`, either way round, over half of the narrower one's width."""
    gap = max(box.bounds[1] - other.bounds[3], other.bounds[1] - box.bounds[3])
    return -0.5 * min(box.height, other.height) <= gap <= max_gap \
        and horizontal_overlap(box, other) > 0.5 * min(box.width, other.width)


def is_grid(page: Page, region: Region, config: TypingConfig) -> bool:
    """A table: short cells side by side in at least two rows.

    A stack of lines the model called a table has no cells side by side; two columns of running text
    do, but their lines are long.
    """
    if rows_with_cells(page, region) < 2:
        return False
    return median(len(line.text.replace(" ", "")) for line in region.lines) < config.table_cell_chars


def rows_with_cells(page: Page, region: Region) -> int:
    """Rows of the region holding two lines or more side by side."""
    boxes = sorted((to_working(page, line.polygon) for line in region.lines), key=lambda b: b.center[1])
    rows = 0
    for index, box in enumerate(boxes):
        rows += any(abs(other.center[1] - box.center[1]) < 0.5 * box.height and horizontal_overlap(box, other) < 0
                    for other in boxes[index + 1:])
    return rows


def running_text(page: Page, region: Region, config: TypingConfig) -> bool:
    """Text set in lines, as the model typed it: body, a caption, or a "table" that is no grid."""
    return region.type in (RegionType.body, RegionType.caption) or \
        (region.type == RegionType.table and not is_grid(page, region, config))


def split_into_runs(page: Page, region: Region, runs: list[list[Line]], fresh_ids: Iterator[str]) -> list[Region]:
    """One region per run of lines; the first keeps the region's id, each box shrinks to its lines. An
    advertisement is one block, however many types it is set in."""
    if len(runs) <= 1 or region.type == RegionType.advertisement:
        return [region]
    parts = []
    for number, run in enumerate(runs):
        region_id = region.id if number == 0 else next(fresh_ids)
        lines = renumbered(region_id, run)
        parts.append(region.model_copy(update={"id": region_id, "lines": lines, "polygon": lines_box(page, lines)}))
    return parts


def pointer_block(region: Region, config: TypingConfig) -> bool:
    """A short block pointing to another page (a teaser: its label, its line, "See page A4"), not the story
    continued here: pattern and shape together."""
    return len(region.lines) <= config.teaser_max_lines and TEASER_PATTERN.search(region.text) is not None \
        and not opens_continued_story(region.lines)


def split_by_type_size(page: Page, config: TypingConfig) -> list[Region]:
    """One layout box often holds a kicker and its headline; lines of another type size are another region. A
    teaser's label and pointer are set in other types than its line, but the teaser is one block."""
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        if pointer_block(region, config):
            regions.append(region)
            continue
        runs: list[list[Line]] = []
        run = _Run([], [])
        for line in region.lines:
            height = type_height(page, line, config)
            if height <= 0:  # a box with no height (cut off at the page's edge) measures no type: it stays in its run
                runs[-1:] = [[*runs[-1], line]] if runs else [[line]]
                continue
            pitch = line_pitch(page, line) if cjk_share(line.text) >= config.cjk_pitch_share else None
            if runs and (not run.heights or _same_size(height, pitch, run, config)):
                runs[-1].append(line)
                insort(run.heights, height)
                if pitch:
                    run.pitches.append(pitch)
            else:
                runs.append([line])
                run = _Run([height], [pitch] if pitch else [])
        regions += split_into_runs(page, region, runs, fresh_ids)
    return regions


@dataclass
class _Run:
    """A run of lines' heights (kept sorted, for their median) and the widths per character of its CJK lines."""

    heights: list[float]
    pitches: list[float]


def _same_size(height: float, pitch: float | None, run: _Run, config: TypingConfig) -> bool:
    """A line in the type of the run above it: as tall; or, where both are set in CJK (each character an em wide,
    so width per character is the type's size) and the heights differ a little, as wide per character too."""
    heights, middle = run.heights, len(run.heights) // 2
    ratio = height / (heights[middle] if len(heights) % 2 else (heights[middle - 1] + heights[middle]) / 2)
    if not 1 / config.same_type_size <= ratio <= config.same_type_size:
        return False
    if 1 / config.close_type_size <= ratio <= config.close_type_size:
        return True
    return pitch is None or not run.pitches or \
        1 / config.same_type_size <= pitch / median(run.pitches) <= config.same_type_size


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
        regions += split_into_runs(page, region, runs, fresh_ids)
    return regions


def split_capital_heads(page: Page, config: TypingConfig) -> list[Region]:
    """Headline lines typed in capitals at the top of a block of text are a region of their own.

    A typewritten paper sets its headlines in the body's type, in capitals, and the model often
    boxes them with the story under them. It takes two lines of capitals (a place name heading a
    list is one, in the list's type) over at least two lines that are not, or one line of capitals
    set larger than the lines under it (a crosshead typed with its story's text).
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        ordered = sorted(region.lines, key=lambda line: upright(page, line).bounds[1])
        head = next((k for k, line in enumerate(ordered) if not capitals(line.text, config)), len(ordered))
        larger = head == 1 and len(ordered) >= 3 and _set_apart_larger(page, ordered, config)
        if not running_text(page, region, config) or (head < 2 and not larger) or len(ordered) - head < 2 \
                or capitals(ordered[head + 1].text, config):
            regions.append(region)
            continue
        regions += split_into_runs(page, region, [ordered[:head], ordered[head:]], fresh_ids)
    return regions


def _set_apart_larger(page: Page, ordered: list[Line], config: TypingConfig) -> bool:
    """The block's first line is set larger than the lines under it and apart from them: a crosshead, where a
    dateline in capitals (SALT LAKE CITY - The) runs on into its text at the text's own line pitch."""
    boxes = [upright(page, line) for line in ordered]
    pitches = [lower.bounds[1] - upper.bounds[1] for upper, lower in pairwise(boxes[1:])]
    return boxes[0].height >= config.larger_type * median(b.height for b in boxes[1:]) \
        and boxes[1].bounds[1] - boxes[0].bounds[1] >= config.crosshead_pitch * median(pitches)


def split_running_grids(page: Page, config: TypingConfig) -> list[Region]:
    """Columns of running text the model boxed as one "table" are columns: one body region each.

    Left whole, the story's text would be written as a table beside the story, not in its paragraphs.
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        if region.type != RegionType.table or is_grid(page, region, config) or rows_with_cells(page, region) < 2:
            regions.append(region)
            continue
        columns: list[list[tuple[Polygon, Line]]] = []
        for box, line in sorted(((upright(page, ln), ln) for ln in region.lines), key=lambda item: item[0].bounds[0]):
            column = next((c for c in columns if horizontal_overlap(box, union_of(c)) > 0.3 * box.width), None)
            if column is None:
                columns.append([(box, line)])
            else:
                column.append((box, line))
        runs = [[line for _, line in sorted(column, key=lambda item: item[0].bounds[1])] for column in columns]
        regions += [part.model_copy(update={"type": RegionType.body})
                    for part in split_into_runs(page, region, runs, fresh_ids)]
    return regions


def split_at_centred_heads(page: Page, meter: TypeMeter, config: TypingConfig) -> list[Region]:
    """Headings set in a column's flow, which the layout model boxed with the text around them, are regions of
    their own: a run of at most `heading_max_lines` lines centred in the column, set in capitals, bold or larger
    type, with text of the column under it.

    An 1850 page runs its items down the column this way, each under a centred heading in the body's size;
    the last line of a paragraph is short too, but it starts at the column's edge.
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        if not running_text(page, region, config) or len(region.lines) < 4:
            regions.append(region)
            continue
        regions += split_into_runs(page, region, _heading_runs(page, region, meter, config), fresh_ids)
    return regions


def _heading_runs(page: Page, region: Region, meter: TypeMeter, config: TypingConfig) -> list[list[Line]]:
    """A column's lines as runs: text, a centred heading, text, ..."""
    ordered = sorted(region.lines, key=lambda line: upright(page, line).bounds[1])
    boxes = [upright(page, line) for line in ordered]
    left = sorted(b.bounds[0] for b in boxes)[len(boxes) // 4]
    right = sorted(b.bounds[2] for b in boxes)[(3 * len(boxes)) // 4]
    width = right - left
    if width <= 0:
        return [ordered]
    # A heading's longer lines may come near both edges; one of its lines at least stands well clear of them.
    margin = [min(b.bounds[0] - left, right - b.bounds[2]) / width for b in boxes]
    centred = [m >= config.centred_margin / 2 and abs((b.bounds[0] - left) - (right - b.bounds[2]))
               <= config.centred_balance * width for m, b in zip(margin, boxes, strict=True)]
    runs: list[list[Line]] = [[]]
    k = 0
    while k < len(ordered):
        end = k
        while end < len(ordered) and end - k < config.display_max_lines and centred[end]:
            end += 1
        head = ordered[k:end]
        probe = region.model_copy(update={"lines": head})
        # Bold or larger than the text it heads: the centred lines of a pull quote set large all along (a short
        # line of it centred over a wider one) head none of the rest.
        under = region.model_copy(update={"lines": ordered[end:end + config.heading_max_lines]})
        # A speaker's label on a line of its own (MODERATOR:) introduces the turn under it: it heads no item.
        if head and len(ordered) - end >= 2 and max(margin[k:end]) >= config.centred_margin \
                and not head[-1].text.rstrip().endswith((":", "：")) \
                and (block_capitals([line.text for line in head], config)
                     or (meter.bold(probe) and not meter.bold(under))
                     or (meter.large(probe, config.larger_type) and not meter.large(under, config.larger_type))):
            runs += [head, []]
            k = end
            continue
        runs[-1].append(ordered[k])
        k += 1
    return [run for run in runs if run]


def union_of(items: list[tuple[Polygon, Line]]) -> Polygon:
    return union_box(box for box, _ in items)


def smaller_type(page: Page, upper: list[Line], lower: list[Line], config: TypingConfig) -> bool:
    """Whether the upper block is set in smaller type than the lower: lower lines, or narrower characters."""
    heights = [median(type_height(page, line, config) for line in block) for block in (upper, lower)]
    if heights[1] >= config.close_type_size * heights[0]:
        return True
    # One line against one line tells too little: a heading may be letter-spaced.
    pitches = [[p for line in block if (p := line_pitch(page, line)) is not None] for block in (upper, lower)]
    return all(pitches) and max(map(len, pitches)) >= 2 \
        and median(pitches[1]) >= config.close_type_size * median(pitches[0])


def split_at_spaced_type_changes(page: Page, body: float, config: TypingConfig) -> list[Region]:
    """A caption the model boxed with the column under it ends at a wider gap, where the type grows.

    Caption type is often only a point smaller than the body's, too close for
    `split_by_type_size`, so a change of size counts only together with a gap of
    `spaced_break` lines; blocks of one type either side of a gap (spaced paragraphs) stay one,
    and so does a larger heading over its text, which the book and typewritten pages set in
    type too close to the body's to be typed a headline once alone.
    """
    regions: list[Region] = []
    fresh_ids = region_ids(page)
    for region in page.regions:
        boxes = [upright(page, line) for line in region.lines]
        one_column = all(horizontal_overlap(a, b) > 0.5 * min(a.width, b.width) for a, b in pairwise(boxes))
        if not running_text(page, region, config) or len(region.lines) < 2 or not one_column:
            regions.append(region)
            continue
        ordered = sorted(region.lines, key=lambda line: upright(page, line).bounds[1])
        blocks: list[list[Line]] = [[ordered[0]]]
        for below in ordered[1:]:
            if _spaced(page, blocks[-1], below, config.spaced_break * body, config):
                blocks.append([below])
            else:
                blocks[-1].append(below)
        runs = [blocks[0]]
        for block in blocks[1:]:
            if smaller_type(page, runs[-1], block, config):
                runs.append(block)
            else:
                runs[-1] += block
        regions += split_into_runs(page, region, runs, fresh_ids)
    return regions


def _spaced(page: Page, block: list[Line], below: Line, spacing: float, config: TypingConfig) -> bool:
    """White of `spacing` or more between a block's last line and the next, unless the block's lines run at that
    step already: a line without descenders has a shorter box, and the white under it looks wider than it is (its
    type's descent is counted as the line's, not as white)."""
    boxes = [upright(page, line) for line in block]
    top = upright(page, below).bounds[1]
    if top - boxes[-1].bounds[3] - room_below(page, block[-1], config) < spacing:
        return False
    steps = [b.bounds[1] - a.bounds[1] for a, b in pairwise(boxes)]
    return not steps or top - boxes[-1].bounds[1] > median(steps) + spacing


def join_column_tails(page: Page, config: TypingConfig) -> list[Region]:
    """On a page the OCR engine segmented itself, a block of one line set straight under a block of its column (within
    `fragment_gap` of its lines, overlapping it along x by `fragment_overlap` of the narrower, its type within
    `close_type_size` both ways, flush left with it within `column_tail_indent`) is that column's last line, joined to
    it before any block is typed; a heading centred under a column is not flush left.

    Tesseract cuts the row of the columns' last lines across a page off as blocks of their own and reads them
    together after the last column but one (NZZ 1900); at the foot of the page they were then typed a running
    footer and read before the columns they end."""
    regions = list(page.regions)
    boxes = {r.id: to_working(page, r.polygon) for r in regions}
    columns = [r for r in regions if r.type == RegionType.body and len(r.lines) >= 2]
    joined: dict[str, list[Line]] = {}
    taken: set[str] = set()
    for tail in regions:
        if len(tail.lines) != 1 or tail.type in (RegionType.figure, RegionType.separator):
            continue
        box = boxes[tail.id]
        for column in columns:
            above = boxes[column.id]
            height = median(upright(page, line).height for line in column.lines)
            if column.id in taken or not (-0.5 * height <= box.bounds[1] - above.bounds[3]
                                          <= config.fragment_gap * height) \
                    or horizontal_overlap(box, above) < config.fragment_overlap * min(box.width, above.width) \
                    or abs(box.bounds[0] - above.bounds[0]) > config.column_tail_indent * height \
                    or smaller_type(page, column.lines, tail.lines, config) \
                    or smaller_type(page, tail.lines, column.lines, config):
                continue
            joined[column.id] = [*column.lines, *tail.lines]
            taken |= {tail.id, column.id}
            break
    result = []
    for region in regions:
        if region.id in joined:
            lines = renumbered(region.id, joined[region.id])
            result.append(region.model_copy(update={"lines": lines, "polygon": lines_box(page, lines)}))
        elif region.id not in taken:
            result.append(region)
    return result


def _digit_share(region: Region) -> float:
    """Share of a block's letters and digits that are digits."""
    characters = [c for c in region.text if c.isalnum()]
    return sum(c.isdigit() for c in characters) / len(characters) if characters else 0.0


def _row_piece_of(page: Page, piece: Region, block: Region, boxes: dict[str, Polygon], text: list[Region],
                  config: TypingConfig) -> bool:
    """Whether a block is part of another block's rows: one line within its box (`nested_block_share` of its area),
    set in its lines (`_in_lines`), on the row of one of them at most; two lines or more partly in its box
    (`interleaved_share`), one of them beside one of its lines; or a column of figures beside it (two lines or more,
    `table_digit_share` of its characters digits, clear of it along x, no other block of `text` centred between
    them) whose every line shares a row with one of the block's lines."""
    inner, outer = boxes[piece.id], boxes[block.id]
    rows = [upright(page, line) for line in block.lines]
    pieces = [upright(page, line) for line in piece.lines]
    share = inner.overlap_ratio(outer)
    if share >= config.nested_block_share and len(pieces) == 1:
        return _in_lines(inner, median(line.height for line in pieces), rows, config) \
            and all(sum(same_row(line, row) for row in rows) <= 1 for line in pieces)
    if share >= config.interleaved_share and len(pieces) >= 2:
        return any(_beside(line, row, config) for line in pieces for row in rows)
    if len(pieces) < 2 or _digit_share(piece) < config.table_digit_share or horizontal_overlap(inner, outer) > 0 \
            or vertical_overlap(inner, outer) <= 0 \
            or not all(any(same_row(line, row) for row in rows) for line in pieces):
        return False
    x0, x1 = sorted([min(inner.bounds[2], outer.bounds[2]), max(inner.bounds[0], outer.bounds[0])])
    gap = Polygon.from_box(x0, inner.bounds[1], x1, inner.bounds[3])
    return not any(gap.bounds[0] < boxes[other.id].center[0] < gap.bounds[2]
                   and gap.bounds[1] < boxes[other.id].center[1] < gap.bounds[3]
                   for other in text if other is not piece and other is not block)


def _beside(line: Polygon, other: Polygon, config: TypingConfig) -> bool:
    """Two lines side by side on one row: sharing half their height, overlapping along x by at most
    `stacked_line_overlap` of the narrower."""
    return same_row(line, other) and horizontal_overlap(line, other) <= config.stacked_line_overlap * min(
        line.width, other.width)


def _in_lines(piece: Polygon, height: float, lines: list[Polygon], config: TypingConfig) -> bool:
    """Whether a box lies along x within the nearest of the lines over it or the nearest under it (those not on its
    row), widened by `nested_line_reach` of its line height: set in their column. A block's box drawn across two
    columns, as one line of it was read across them, holds the other column's blocks too."""
    off_row = [line for line in lines if not same_row(line, piece)]
    over = [line for line in off_row if line.center[1] < piece.center[1]]
    under = [line for line in off_row if line.center[1] > piece.center[1]]
    nearest = [max(over, key=lambda line: line.center[1])] if over else []
    nearest += [min(under, key=lambda line: line.center[1])] if under else []
    reach = config.nested_line_reach * height
    return any(line.bounds[0] - reach <= piece.bounds[0] and piece.bounds[2] <= line.bounds[2] + reach
               for line in nearest)


def join_table_rows(page: Page, config: TypingConfig) -> list[Region]:
    """On a page the OCR engine segmented itself, a block that is part of another's rows (`_row_piece_of`) is joined
    to it, the pieces of each row one line, left to right.

    Tesseract cuts a table's rows at its wide gaps into blocks and reads them one after the other: NZZ 1943's
    subscription table as the rows' names, then its columns of prices; "Preis der" and "Seit 1. Januar 1942:", set
    within the box of the advertising rates they head, after those rates; NZZ 1900's advertising rates in three
    overlapping blocks. The closest block along x takes a piece beside it; a block nested in several, the
    smallest."""
    regions = list(page.regions)
    merged = True
    while merged:
        merged = False
        boxes = {r.id: to_working(page, r.polygon) for r in regions}
        text = [r for r in regions if r.lines and r.type not in (RegionType.figure, RegionType.separator)]
        for piece in text:
            hosts = [b for b in text if b is not piece and len(b.lines) >= 2
                     and _row_piece_of(page, piece, b, boxes, text, config)]
            if not hosts:
                continue
            inner = boxes[piece.id]
            host = min(hosts, key=lambda b: (max(0.0, -horizontal_overlap(inner, boxes[b.id])),
                                             boxes[b.id].width * boxes[b.id].height))
            lines = renumbered(host.id, rows_joined(page, host.lines, piece.lines, config))
            joined = host.model_copy(update={"lines": lines, "polygon": lines_box(page, lines)})
            regions = [joined if r is host else r for r in regions if r is not piece]
            merged = True
            break
    return regions


def rows_joined(page: Page, lines: list[Line], pieces: list[Line], config: TypingConfig) -> list[Line]:
    """A block's lines with another's pieces of their rows: each piece joined, left to right, to the line it shares
    most height with among those side by side with it on its row (`stacked_line_overlap`); a piece on no line's row
    set between the lines over and under it."""
    boxes = [upright(page, line) for line in lines]
    rows: list[list[Line]] = [[line] for line in lines]
    for piece in pieces:
        box = upright(page, piece)
        beside = [k for k, row in enumerate(boxes) if _beside(box, row, config)]
        if beside:
            # The nearest baseline: a tall parenthesis or capital reaches into the row over its own.
            rows[min(beside, key=lambda k: abs(box.bounds[3] - boxes[k].bounds[3]))].append(piece)
            continue
        at = next((k for k, row in enumerate(boxes) if row.center[1] > box.center[1]), len(boxes))
        boxes.insert(at, box)
        rows.insert(at, [piece])
    return [row[0] if len(row) == 1 else _row_line(sorted(row, key=lambda line: upright(page, line).bounds[0]))
            for row in rows]


def in_rows(page: Page, lines: list[Line], config: TypingConfig) -> list[Line]:
    """Lines in reading order: row by row, left to right within a row.

    A row is lines sharing half their height, side by side (`stacked_line_overlap`); rounding positions to rows of
    the body's height instead would put two lines of small type in one row and swap them.
    """
    rows: list[list[tuple[Polygon, Line]]] = []
    for box, line in sorted(((upright(page, ln), ln) for ln in lines), key=lambda item: item[0].center[1]):
        last = rows[-1][-1][0] if rows else None
        if last is not None and _beside(box, last, config):
            rows[-1].append((box, line))
        else:
            rows.append([(box, line)])
    return [line for row in rows for _, line in sorted(row, key=lambda item: item[0].bounds[0])]


def _fragments(page: Page, upper: Region, lower: Region, boxes: dict[str, Polygon], body: float,
               config: TypingConfig) -> bool:
    """Two boxes of one block: stacked within a line's gap in one column, or (a running header) one row.

    A column of several lines does not continue in a block half as wide again: that one runs
    on into the next column (a box the model drew over two columns' ends). Nor does a short block continue in a
    longer one in smaller type, lower and narrower (a headline over its list of people, both still typed body),
    though a column may in a smaller line (its jump line, a credit).
    """
    top, bottom = boxes[upper.id], boxes[lower.id]
    if upper.type == RegionType.running_header:
        return same_row(top, bottom) and top.center[0] < bottom.center[0]
    if upper.type not in STACKED_FRAGMENTS:
        return False
    if upper.lines and lower.lines and len(upper.lines) <= len(lower.lines):
        # Larger type is taller and wider per character: a tall box of two lines read as one is not.
        heights = [median(type_height(page, line, config) for line in region.lines) for region in (upper, lower)]
        widths = [median(upright(page, line).width / max(1, len(line.text)) for line in region.lines)
                  for region in (upper, lower)]
        if heights[0] > config.same_type_size * heights[1] and widths[0] > config.close_type_size * widths[1]:
            return False
    narrow, wide = sorted([(top.width, len(upper.lines)), (bottom.width, len(lower.lines))])
    if wide[0] > 1.5 * narrow[0] and narrow[1] >= 3:
        return False
    gap = bottom.bounds[1] - top.bounds[3]
    return -0.5 * body <= gap <= config.fragment_gap * body and top.center[1] < bottom.center[1] \
        and horizontal_overlap(top, bottom) >= config.fragment_overlap * min(top.width, bottom.width)


def _block_between(upper: Region, lower: Region, near: list[Region], boxes: dict[str, Polygon], body: float,
                   config: TypingConfig) -> bool:
    """Whether another block of text lies between two stacked fragments, in their column, its middle in the gap
    between them (a story's first line typed apart as its lead, a heading): joined, the lower one's lines would be
    read before it (NZZ 1780: a story's second line before its first). Blocks of CJK are not judged: set vertically,
    their columns run side by side, not one below the other."""
    if cjk_share(upper.text + lower.text) >= CJK_SHARE:
        return False
    top, bottom = boxes[upper.id], boxes[lower.id]
    for other in near:
        if other is upper or other is lower or not other.lines or other.type in (RegionType.figure,
                                                                               RegionType.separator):
            continue
        box = boxes[other.id]
        if top.bounds[3] < box.center[1] < bottom.bounds[1] and all(
                horizontal_overlap(box, b) >= config.fragment_overlap * min(box.width, b.width) for b in (top, bottom)):
            return True
    return False


def _headline_pieces(left: Region, right: Region, boxes: dict[str, Polygon], rules: list[Polygon],
                     columns: list[Polygon], config: TypingConfig) -> bool:
    """Two pieces of one heading row (a headline, a kicker), cut at a wide space: same row and size, close, no rule
    between them.

    Two stories' headlines set flush over two columns side by side each start where a column of text
    under them starts; the cut in one headline falls anywhere.
    """
    if left.type not in HEADINGS or right.type != left.type or len(left.lines) != 1 \
            or len(right.lines) != 1:
        return False
    a, b = boxes[left.id], boxes[right.id]
    if not same_row(a, b, 0.7) or not a.center[0] < b.center[0]:
        return False
    if max(a.height, b.height) > config.close_type_size * min(a.height, b.height):
        return False
    gap = b.bounds[0] - a.bounds[2]
    starts = [c.bounds[0] for c in columns if c.bounds[1] >= a.bounds[3] - 0.5 * a.height]
    if all(any(abs(piece.bounds[0] - x) <= 0.3 * piece.height for x in starts) for piece in (a, b)):
        return False
    between = Polygon.from_box(a.bounds[2], min(a.bounds[1], b.bounds[1]), max(b.bounds[0], a.bounds[2] + 1),
                               max(a.bounds[3], b.bounds[3]))
    return gap <= config.same_headline_gap * min(a.height, b.height) and not any(
        rule.height > rule.width and horizontal_overlap(rule, between) >= 0 and
        vertical_overlap(rule, between) > 0 for rule in rules)


def stacked_heading_lines(page: Page, upper: Region, lower: Region, config: TypingConfig) -> bool:
    """Lines of one headline the detector boxed apart: one size, stacked as tightly as lines of one block, on one
    axis or flush; a deck in the headline's own size (typewritten papers) is set in other case, or further off."""
    top, bottom = to_working(page, upper.polygon), to_working(page, lower.polygon)
    heights = [line_height(page, upper, config), line_height(page, lower, config)]
    if min(heights) <= 0 or max(heights) > config.close_type_size * min(heights):
        return False
    gap = bottom.bounds[1] - top.bounds[3]
    if not -0.5 * min(heights) <= gap <= config.headline_leading * min(heights):
        return False
    if capitals(" ".join(line.text for line in upper.lines), config) != \
            capitals(" ".join(line.text for line in lower.lines), config):
        return False
    aligned = abs(top.center[0] - bottom.center[0]) <= 0.15 * max(top.width, bottom.width) \
        or abs(top.bounds[0] - bottom.bounds[0]) <= 0.5 * min(heights)
    return aligned and horizontal_overlap(top, bottom) > 0.5 * min(top.width, bottom.width)


def merge_stacked_headings(page: Page, config: TypingConfig) -> list[Region]:
    """A headline's lines, boxed apart by the detector, are one headline (not a headline and its same-size decks)."""
    regions = list(page.regions)
    merged = True
    while merged:
        merged = False
        boxes = {r.id: to_working(page, r.polygon) for r in regions}
        for upper in regions:
            if upper.type != RegionType.headline:
                continue
            lower = next((r for r in regions if r is not upper and r.type == RegionType.headline
                          and boxes[upper.id].center[1] < boxes[r.id].center[1]
                          and stacked_heading_lines(page, upper, r, config)), None)
            if lower is None:
                continue
            lines = renumbered(upper.id, in_rows(page, [*upper.lines, *lower.lines], config))
            joined = upper.model_copy(update={"lines": lines, "polygon": lines_box(page, lines)})
            regions = [joined if r is upper else r for r in regions if r is not lower]
            merged = True
            break
    return regions


def merge_fragments(page: Page, body: float, config: TypingConfig) -> list[Region]:
    """A block the layout model or OCR cut in two is one region: a caption's credit line, a column's last lines,
    the two halves of a one-line headline cut at a full-width comma."""
    regions = list(page.regions)
    # Each pass after a merge weighs the same pairs again: what depends on a block alone or on a pair alone is
    # kept, keyed by the blocks' objects (`weighed` keeps every one alive, so no id() is reused).
    weighed: dict[int, tuple[Region, Polygon, bool]] = {}
    pairs: dict[tuple[int, int], bool] = {}

    def seen(region: Region) -> tuple[Region, Polygon, bool]:
        if id(region) not in weighed:
            # A block opening with "Continued from page 2" is another story's rest, whatever its spacing.
            weighed[id(region)] = (region, to_working(page, region.polygon), opens_continued_story(region.lines))
        return weighed[id(region)]

    def fragments(upper: Region, lower: Region, boxes: dict[str, Polygon]) -> bool:
        key = (id(upper), id(lower))
        if key not in pairs:
            pairs[key] = _fragments(page, upper, lower, boxes, body, config)
        return pairs[key]

    merged = True
    while merged:
        merged = False
        boxes = {r.id: seen(r)[1] for r in regions}
        rules = [boxes[r.id] for r in regions if r.type == RegionType.separator]
        columns = [boxes[r.id] for r in regions if r.type == RegionType.body and len(r.lines) >= 3]
        continued = {id(r) for r in regions if seen(r)[2]}
        # Fragments lie within `fragment_gap` lines of each other vertically and heading pieces on one row, so only
        # blocks that near are weighed (in page order, as before): a page of 300 blocks is not 90,000 pairs a pass.
        tops = np.array([boxes[r.id].bounds[1] for r in regions])
        bottoms = np.array([boxes[r.id].bounds[3] for r in regions])
        reach = max(config.fragment_gap * body, 0.0)
        for n, upper in enumerate(regions):
            near = np.flatnonzero(np.minimum(bottoms, bottoms[n]) - np.maximum(tops, tops[n]) >= -reach)
            below = [r for r in (regions[k] for k in near) if r is not upper and r.type == upper.type
                     and id(r) not in continued
                     and ((fragments(upper, r, boxes)
                           and not _block_between(upper, r, [regions[k] for k in near], boxes, body, config))
                          or _headline_pieces(upper, r, boxes, rules, columns, config))]
            for lower in below:
                # A block over two columns side by side (a caption under a wide photo) is no fragment of either.
                if upper.type not in HEADINGS and any(
                        horizontal_overlap(boxes[other.id], boxes[lower.id]) <= 0 for other in below):
                    continue
                lines = renumbered(upper.id, in_rows(page, [*upper.lines, *lower.lines], config))
                if upper.type in HEADINGS:
                    lines = _one_row(upper.id, lines)
                joined = upper.model_copy(update={"lines": lines, "polygon": lines_box(page, lines)})
                regions = [joined if r is upper else r for r in regions if r is not lower]
                merged = True
                break
            if merged:
                break
    return regions


def _one_row(region_id: str, lines: list[Line]) -> list[Line]:
    """Pieces of one printed headline line read as one line."""
    if len(lines) <= 1:
        return lines
    return renumbered(region_id, [_row_line(lines)])


def _row_line(lines: list[Line]) -> Line:
    """Pieces of one printed line, left to right, as one line."""
    return lines[0].model_copy(update={
        "text": join_fragments(line.text for line in lines),
        "polygon": union_box(line.polygon for line in lines),
        "words": [word for line in lines for word in line.words],
        "confidence": min(line.confidence for line in lines)})
