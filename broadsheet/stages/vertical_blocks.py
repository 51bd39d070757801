"""Text blocks of a vertical page built from its OCR columns by geometry (issue #18).

The layout model draws nothing useful on a vertical-rl page seen turned a quarter (ECPO 晶報: every text line
was left to the orphan grouping, 897 fragments against 323 human-drawn regions), and the detector breaks each
printed column at its punctuation. So, in the turned working frame, where a column lies as a line does on a
horizontal page (the column's top on the left, the page's rightmost column on top):

1. pieces of one column (same row, same character size, a small gap along it, no rule between) are joined;
2. columns are stacked into blocks as a horizontal page's lines are into a paragraph: the next column lies just
   below (a gap of at most a fraction of the character size), shares most of its run with the block, starts where
   the block's columns start (give or take a paragraph indent) and is set in the same character size. A rule
   between, a clear gap, a change of character size or a column starting elsewhere ends the block.

Headlines are then set apart from the body by their character size (the typing stage measures line height,
which here is the characters' width). Lines that run across the page (horizontal headlines and advertisements
on a vertical page: tall in the working frame) are built the same way with the axes swapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from broadsheet.config import VerticalBlocksConfig
from broadsheet.engines.base import EngineLine
from broadsheet.model.geometry import Polygon, span_overlap, union_box
from broadsheet.text.script import join_fragments

Box = tuple[float, float, float, float]


def _swap(box: Box) -> Box:
    x0, y0, x1, y1 = box
    return y0, x0, y1, x1


@dataclass
class _Column:
    """One printed column (in the working frame: a row), its pieces left to right."""

    pieces: list[tuple[Box, EngineLine]] = field(default_factory=list)
    margin: bool = False
    """A note down the page's edge (`_margin_rows`): a block of its own."""

    @property
    def box(self) -> Box:
        xs0, ys0, xs1, ys1 = zip(*(b for b, _ in self.pieces), strict=True)
        return min(xs0), min(ys0), max(xs1), max(ys1)

    @property
    def size(self) -> float:
        """The character size: the pieces' median height (across the column)."""
        return float(median(b[3] - b[1] for b, _ in self.pieces))


@dataclass
class _Block:
    columns: list[_Column] = field(default_factory=list)

    @property
    def size(self) -> float:
        return float(median(c.size for c in self.columns))

    @property
    def start(self) -> float:
        """Where its columns start (the tier's top on the page): the median of their starts."""
        return float(median(c.box[0] for c in self.columns))

    @property
    def span(self) -> tuple[float, float]:
        return min(c.box[0] for c in self.columns), max(c.box[2] for c in self.columns)


def _rule_between(a: Box, b: Box, rules: Sequence[Box], along: bool) -> bool:
    """Whether a rule lies between two boxes: between them along x (`along`) or across (y), over their shared run."""
    for r in rules:
        if along:  # a rule standing across the row, between the end of one piece and the start of the next
            lo, hi = min(a[2], b[2]), max(a[0], b[0])
            shared = span_overlap(r[1], r[3], max(a[1], b[1]), min(a[3], b[3]))
            if lo - 1 <= (r[0] + r[2]) / 2 <= hi + 1 and shared > 0:
                return True
        else:  # a rule lying along the columns, between the upper one and the lower one
            lo, hi = sorted(((a[1] + a[3]) / 2, (b[1] + b[3]) / 2))
            if lo < (r[1] + r[3]) / 2 < hi and span_overlap(r[0], r[2], max(a[0], b[0]), min(a[2], b[2])) > 0:
                return True
    return False


def _gap_runs_on(left: Box, right: Box, boxes: Sequence[Box], config: VerticalBlocksConfig) -> bool:
    """Whether the gap between two pieces of a row is one its neighbouring rows share: the edge of a tier or of a
    box, not the punctuation the detector broke a column at (which falls anywhere along the neighbours' text)."""
    size = max(left[3] - left[1], right[3] - right[1])
    reach = config.gap_rows * size
    y0, y1 = min(left[1], right[1]) - reach, max(left[3], right[3]) + reach
    near = [b for b in boxes if b[1] >= y0 and b[3] <= y1 and b is not left and b is not right]
    # Text running on through the whole gap (a neighbour's piece ending short of it or starting past it does not).
    crossing = sum(b[0] < left[2] and b[2] > right[0] for b in near)
    return crossing < config.gap_crossings


def _columns(lines: Sequence[tuple[Box, EngineLine]], rules: Sequence[Box],
             config: VerticalBlocksConfig) -> list[_Column]:
    """Pieces of one column joined, left to right along it."""
    columns: list[_Column] = []
    boxes = [box for box, _ in lines]
    for box, line in sorted(lines, key=lambda item: item[0][0]):
        height = box[3] - box[1]
        best: tuple[float, _Column] | None = None
        for column in columns:
            last = column.pieces[-1][0]
            size = column.size
            overlap = span_overlap(box[1], box[3], last[1], last[3])
            gap = box[0] - last[2]
            if overlap < config.join_overlap * min(height, last[3] - last[1]) \
                    or abs(height - size) > config.size_tolerance * max(height, size) \
                    or gap > config.join_gap * size or _rule_between(last, box, rules, along=True) \
                    or (gap > config.free_gap * size and _gap_runs_on(last, box, boxes, config)):
                continue
            if best is None or gap < best[0]:
                best = (gap, column)
        if best is None:
            columns.append(_Column([(box, line)]))
        else:
            best[1].pieces.append((box, line))
    return columns


def _same_row(a: _Column, b: _Column, config: VerticalBlocksConfig) -> bool:
    """Two columns one after another along one row, in one size (pieces of a line set with wide spaces)."""
    ra, rb = a.box, b.box
    return span_overlap(ra[1], ra[3], rb[1], rb[3]) >= config.join_overlap * min(ra[3] - ra[1], rb[3] - rb[1]) \
        and span_overlap(ra[0], ra[2], rb[0], rb[2]) <= 0 \
        and abs(a.size - b.size) <= config.size_tolerance * max(a.size, b.size)


def _margin_rows(columns: list[_Column], config: VerticalBlocksConfig) -> list[_Column]:
    """Columns lying in one row at the outer edge of the page's text and running most of its length, one after
    another, are one margin column (晶報: the ad rates down a page's right edge, "廣告刊例：…每日每方二十元…",
    spaced out in pieces the gap test keeps apart; each piece, set larger than the body, headed the story beside
    it). Other columns lying beyond the row (nearer the edge) may cover only a little of its run."""
    if not columns:
        return columns
    boxes = [c.box for c in columns]
    length = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    rows: list[list[_Column]] = []
    for column in sorted(columns, key=lambda c: c.box[0]):
        row = next((r for r in rows if all(_same_row(c, column, config) for c in r)), None)
        if row is None:
            rows.append([column])
        else:
            row.append(column)
    merged: set[int] = set()
    out: list[_Column] = []
    for row in rows:
        if len(row) < 2:
            continue
        x0, y0 = min(c.box[0] for c in row), min(c.box[1] for c in row)
        x1, y1 = max(c.box[2] for c in row), max(c.box[3] for c in row)
        if x1 - x0 < config.margin_run * length:
            continue
        members = {id(c) for c in row}
        others = [c.box for c in columns if id(c) not in members]
        for beyond in ([b for b in others if b[3] <= y0], [b for b in others if b[1] >= y1]):
            covered = sum(max(0.0, span_overlap(b[0], b[2], x0, x1)) for b in beyond)
            if covered <= config.margin_beyond * (x1 - x0):
                out.append(_Column(sorted((p for c in row for p in c.pieces), key=lambda item: item[0][0]),
                                   margin=True))
                merged |= members
                break
    return [c for c in columns if id(c) not in merged] + out


def _continues(block: _Block, column: _Column, rules: Sequence[Box], config: VerticalBlocksConfig,
               display: float) -> float | None:
    """How far below the block's last column this one lies, when it continues the block; else None. Columns in
    display type (`display` and larger) and in text type never share a block."""
    if (column.size >= display) != (block.columns[0].size >= display) or column.margin or block.columns[0].margin:
        return None
    last = block.columns[-1].box
    box, size = column.box, block.size
    gap = box[1] - last[3]
    start, end = block.span
    run = span_overlap(box[0], box[2], start, end)
    if gap > config.column_gap * size or box[1] < last[1] \
            or abs(column.size - size) > config.block_size_tolerance * max(column.size, size) \
            or run < config.run_overlap * min(box[2] - box[0], end - start) \
            or abs(box[0] - block.start) > config.start_tolerance * size \
            or (gap >= config.ruled_gap * size and _rule_between(last, box, rules, along=False)):
        return None
    return gap


def _blocks(columns: list[_Column], rules: Sequence[Box], config: VerticalBlocksConfig) -> list[_Block]:
    # The text type is the size most characters are set in; a column a quarter larger is display type (a small
    # story's head is set only that much larger, within what body columns vary by).
    weighted = [column.size for column in columns for _ in range(sum(len(line.text) for _, line in column.pieces))]
    display = config.display_contrast * median(weighted) if weighted else float("inf")
    blocks: list[_Block] = []
    for column in sorted(columns, key=lambda c: (c.box[1] + c.box[3]) / 2):
        fits = [(gap, block) for block in blocks
                if (gap := _continues(block, column, rules, config, display)) is not None]
        if fits:
            min(fits, key=lambda item: item[0])[1].columns.append(column)
        else:
            blocks.append(_Block([column]))
    return blocks


def _inside(inner: Box, outer: Box) -> float:
    """The share of `inner`'s area that lies within `outer`."""
    w = span_overlap(inner[0], inner[2], outer[0], outer[2])
    h = span_overlap(inner[1], inner[3], outer[1], outer[3])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return max(0.0, w) * max(0.0, h) / area if area > 0 else 0.0


def _absorbed(blocks: list[_Block], config: VerticalBlocksConfig) -> list[_Block]:
    """A block lying within another block's box is pieces of its columns that did not join (a gap their neighbours
    happened to share, a paragraph's end beside them): each piece goes to the column whose row it lies on, or
    stands as a column of its own there, in order."""
    def box(block: _Block) -> Box:
        start, end = block.span
        return start, min(c.box[1] for c in block.columns), end, max(c.box[3] for c in block.columns)

    kept: list[_Block] = []
    for block in sorted(blocks, key=lambda b: -sum(len(c.pieces) for c in b.columns)):
        host = next((k for k in kept if len(block.columns) <= config.absorbed_columns
                     and not block.columns[0].margin and not k.columns[0].margin
                     and _inside(box(block), box(k)) >= config.inside_share
                     and abs(k.size - block.size) <= config.block_size_tolerance * max(k.size, block.size)), None)
        if host is None:
            kept.append(block)
            continue
        for column in block.columns:
            inner = column.box
            rows = [c for c in host.columns if span_overlap(inner[1], inner[3], c.box[1], c.box[3])
                    >= config.join_overlap * min(inner[3] - inner[1], c.box[3] - c.box[1])
                    and span_overlap(inner[0], inner[2], c.box[0], c.box[2]) <= 0]
            if rows:
                row = max(rows, key=lambda c: span_overlap(inner[1], inner[3], c.box[1], c.box[3]))
                row.pieces = sorted([*row.pieces, *column.pieces], key=lambda item: item[0][0])
            else:
                host.columns = sorted([*host.columns, column], key=lambda c: (c.box[1] + c.box[3]) / 2)
    return kept


def _joined(column: _Column) -> EngineLine:
    pieces = [line for _, line in column.pieces]
    if len(pieces) == 1:
        return pieces[0]
    weights = [max(len(p.text), 1) for p in pieces]
    return EngineLine(
        text=join_fragments(p.text for p in pieces),
        confidence=sum(p.confidence * w for p, w in zip(pieces, weights, strict=True)) / sum(weights),
        quad=union_box(Polygon.from_points(p.quad) for p in pieces).points,
        words=tuple(w for p in pieces for w in p.words),
    )


def runs_across(box: Box, text: str, config: VerticalBlocksConfig) -> bool:
    """A line printed across a vertical page: tall in the working frame (where the page's columns lie as rows)."""
    return len(text.strip()) >= 2 and (box[3] - box[1]) > config.across_ratio * (box[2] - box[0])


def vertical_blocks(lines: Sequence[EngineLine], rules: Sequence[Polygon],
                    config: VerticalBlocksConfig) -> list[list[EngineLine]]:
    """The lines of a vertical page (in the turned working frame) as text blocks, each its columns in order (top to
    bottom in that frame: right to left on the page), pieces of a column joined. `rules`: printed rules and frames,
    which no block or column crosses."""
    down: list[tuple[Box, EngineLine]] = []
    across: list[tuple[Box, EngineLine]] = []
    for line in lines:
        box = Polygon.from_points(line.quad).bounds
        (across if runs_across(box, line.text, config) else down).append((box, line))
    rule_boxes = [r.bounds for r in rules]
    built = _absorbed(_blocks(_margin_rows(_columns(down, rule_boxes, config), config), rule_boxes, config), config)
    blocks = [[_joined(c) for c in b.columns] for b in built]
    # Lines across the page are the same problem turned: their pieces run down the working frame, their lines
    # stack along it. Their order inside a block is kept as a horizontal block's would be (left to right).
    turned = [(_swap(box), line) for box, line in across]
    turned_rules = [_swap(r) for r in rule_boxes]
    for block in _blocks(_columns(turned, turned_rules, config), turned_rules, config):
        blocks.append([_joined(c) for c in block.columns])
    return blocks
