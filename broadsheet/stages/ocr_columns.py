"""Columns inside one layout box: gutters found from the words, lines read across them cut, blocks read one after
another. The layout model may draw one box over several columns or stories; OCR's lines must not interleave them."""

from __future__ import annotations

from itertools import pairwise
from statistics import median

import numpy as np

from broadsheet.config import OcrColumnsConfig
from broadsheet.engines.base import EngineLine, EngineWord
from broadsheet.model.geometry import Polygon, horizontal_overlap, same_row, span_overlap, union_box
from broadsheet.text.script import is_cjk, join_fragments

DEFAULT_RULES = OcrColumnsConfig()


def _regions_at(point: tuple[float, float], boxes: list[Polygon]) -> set[int]:
    x, y = point
    return {index for index, box in enumerate(boxes)
            if box.bounds[0] <= x <= box.bounds[2] and box.bounds[1] <= y <= box.bounds[3]}


def split_at_gutters(line: EngineLine, region_boxes: list[Polygon],
                     rules: OcrColumnsConfig = DEFAULT_RULES) -> list[EngineLine]:
    """A detector can run one line across a narrow gutter into the next column; cut it there.

    CJK is set solid, so a gap of more than 0.6 line heights between two CJK characters is a
    gutter. Justified Latin text opens wide word spaces, so there a gap is a gutter only
    where the words on its two sides fall in different layout regions, side by side: no region
    holds both. The gap may then be as narrow as the engine's word boxes leave it (a tightly
    set typewritten page).
    """
    if len(line.words) < 2:
        return [line]
    polygon = Polygon.from_points(line.quad)
    height = polygon.height
    words = sorted(line.words, key=lambda w: Polygon.from_points(w.quad).bounds[0])
    groups: list[list[EngineWord]] = [[words[0]]]
    for previous, word in pairwise(words):
        before, after = Polygon.from_points(previous.quad), Polygon.from_points(word.quad)
        gap = after.bounds[0] - before.bounds[2]
        cjk = bool(previous.text) and bool(word.text) and is_cjk(previous.text[-1]) and is_cjk(word.text[0])
        left, right = _regions_at(before.center, region_boxes), _regions_at(after.center, region_boxes)
        if left & right:
            pass  # both sides in one column: a wide space after 、or in a loose line, not a gutter
        elif (cjk and gap > rules.cjk_gutter_ratio * height) or (not cjk and gap >= 0 and left and right):
            # Solid-set CJK has no word spaces, so only a wide gap is a gutter, whatever the layout boxes say.
            groups.append([])
        groups[-1].append(word)
    if len(groups) == 1:
        return [line]
    return [line_of_words(group, line) for group in groups]


def line_of_words(words: list[EngineWord], line: EngineLine) -> EngineLine:
    """Part of a line: these words, at the full line's height, in its block."""
    x0, _, x1, _ = union_box(Polygon.from_points(w.quad) for w in words).bounds
    _, y0, _, y1 = Polygon.from_points(line.quad).bounds
    return EngineLine(
        text=_text_of_words(words, line),
        confidence=float(np.mean([w.confidence for w in words])),
        quad=Polygon.from_box(x0, y0, x1, y1).points,
        words=tuple(words),
        block=line.block,
    )


def _text_of_words(words: list[EngineWord], line: EngineLine) -> str:
    """These words' stretch of the line's own text, its spacing kept where the words spell the line out: CJK
    engines give a word per character, and joined anew the digits of a date ("10月") would be spaced apart."""
    spelled = "".join(w.text for w in line.words)
    first, last = line.words.index(words[0]), line.words.index(words[-1])
    if spelled != line.text.replace(" ", "") or last - first + 1 != len(words):
        return join_fragments(w.text for w in words)
    start = sum(len(w.text) for w in line.words[:first])
    end = start + sum(len(w.text) for w in line.words[first:last + 1])
    positions = [i for i, char in enumerate(line.text) if char != " "]
    return line.text[positions[start]:positions[end - 1] + 1]


def column_gutters(lines: list[EngineLine], rules: OcrColumnsConfig = DEFAULT_RULES) -> list[float]:
    """The x of each white band that runs down a block between text on both sides: a gutter a layout box spans.

    Words, not line boxes, tell it: the detector may read straight across a narrow gutter, so a line
    box can cross it while its words do not. A word space in justified text lines up with a space in
    the next line only by chance, so a band counts only when nearly every line leaves it free. A few
    lines may run through it with ink (a caption set across both columns in the same box) when the
    block is long enough to tell them from chance.
    """
    worded = [(Polygon.from_points(line.quad), line) for line in lines if line.words]
    if len(worded) < rules.gutter_min_lines:
        return []
    text = "".join(line.text for _, line in worded)
    # Solid-set CJK character boxes leave thin white bands at every character boundary, the same in every line.
    cjk = sum(map(is_cjk, text)) > 0.5 * len(text)
    height = median(box.height for box, _ in worded)
    min_width = (rules.cjk_gutter_ratio if cjk else rules.gutter_min_width) * height
    # An engine's word box may reach past its line box (PP-OCR reading a Tesseract region again): span both.
    spanned = [box.bounds for box, _ in worded]
    spanned += [Polygon.from_points(word.quad).bounds for _, line in worded for word in line.words]
    left = min(b[0] for b in spanned)
    width = int(max(b[2] for b in spanned) - left) + 2
    inked, starts, ends = np.zeros(width), np.zeros(width), np.zeros(width)
    word_starts, word_ends = np.zeros(width), np.zeros(width)
    for _, line in worded:
        spans = [Polygon.from_points(word.quad).bounds for word in line.words]
        for x0, _, x1, _ in spans:
            inked[int(x0 - left):int(x1 - left) + 1] += 1
            word_starts[int(x0 - left)] += 1
            word_ends[int(x1 - left)] += 1
        starts[int(min(b[0] for b in spans) - left)] += 1
        ends[int(max(b[2] for b in spans) - left)] += 1
    ink_left = np.cumsum(starts)  # lines with a word left of x
    ink_right = len(worded) - np.cumsum(ends)  # lines with a word right of x
    # Ink is weighed against the columns on either side: a block may hold many columns of unequal length.
    reach = int(3 * height)
    nearby = np.lib.stride_tricks.sliding_window_view(np.pad(inked, reach), 2 * reach + 1).max(axis=1)
    allowed = np.where(nearby >= 2 * rules.gutter_min_lines, np.floor(rules.gutter_inked_share * nearby), 0)
    sides = rules.gutter_min_lines
    white = (inked <= allowed) & (ink_left - inked >= sides) & (ink_right - inked >= sides)
    gutters: list[float] = []
    start = None
    for x, is_white in enumerate([*white, False]):
        if is_white and start is None:
            start = x
        elif not is_white and start is not None:
            # Columns are justified: lines end flush just before a gutter and start flush just after it.
            # Lines read across it end and start there in their words; they leave it without any ink.
            before, after = slice(max(0, start - int(height / 2)), start + 1), slice(x, x + int(height / 2) + 1)
            lines_flush = min(ends[before].sum(), starts[after].sum()) >= sides
            # The band may begin in the ragged ends of a few long words; the words must leave its core bare.
            core = np.flatnonzero(inked[start:x] == 0)
            words_flush = False
            if core.size:
                bare_start, bare_end = start + int(core[0]), start + int(core[-1]) + 1
                bare_before = slice(max(0, bare_start - int(height / 2)), bare_start + 1)
                bare_after = slice(bare_end, bare_end + int(height / 2) + 1)
                words_flush = min(word_ends[bare_before].sum(), word_starts[bare_after].sum()) >= sides \
                    and not inked[bare_start:bare_end].any()
            if x - start >= min_width and start >= 3 * height and x <= width - 3 * height \
                    and (lines_flush or words_flush):
                gutters.append(left + (start + x) / 2)
            start = None
    return gutters


def spans_gutter(line: EngineLine, gutters: list[float]) -> bool:
    """A line printed across a gutter (a word lies on it), not one the detector read across."""
    return any(Polygon.from_points(w.quad).bounds[0] < gutter < Polygon.from_points(w.quad).bounds[2]
               for w in line.words for gutter in gutters)


def split_at_columns(line: EngineLine, gutters: list[float]) -> list[EngineLine]:
    """A line read across gutters, cut into one part per column; a line printed across them stays whole."""
    if not gutters or not line.words or spans_gutter(line, gutters):
        return [line]
    parts: dict[int, list[EngineWord]] = {}
    for word in sorted(line.words, key=lambda w: Polygon.from_points(w.quad).center[0]):
        column = sum(Polygon.from_points(word.quad).center[0] > gutter for gutter in gutters)
        parts.setdefault(column, []).append(word)
    if len(parts) == 1:
        return [line]
    return [line_of_words(words, line) for _, words in sorted(parts.items())]


def group_orphans(lines: list[EngineLine], same_size: bool = True) -> list[list[EngineLine]]:
    """Lines no region claimed, stacked into blocks: same column, vertically close.

    The detector cuts a line of a narrow justified column at its wide word spaces: a piece beside the block's last
    line, on its row and inside the column the block's lines already span (within half a line height), is part of
    that line, not the top of a column of its own (it took the words it holds out of their sentence). With
    `same_size` off, lines of any size stack: a headline's lines, its kicker and byline."""
    boxes = sorted(((Polygon.from_points(ln.quad), ln) for ln in lines), key=lambda item: item[0].bounds[1])
    blocks: list[list[tuple[Polygon, EngineLine]]] = []
    for box, line in boxes:
        for block in blocks:
            # The block's last row, all its pieces: a line under it need not lie under the last piece.
            last_box = union_box(b for b, _ in block if same_row(b, block[-1][0]))
            heights = median([b.height for b, _ in block])
            vertical_gap = box.bounds[1] - last_box.bounds[3]
            left, right = min(b.bounds[0] for b, _ in block), max(b.bounds[2] for b, _ in block)
            in_column = left - 0.5 * heights <= box.bounds[0] and box.bounds[2] <= right + 0.5 * heights
            piece_of_last = len(block) > 1 and in_column and same_row(box, last_box)
            if (horizontal_overlap(box, last_box) > 0.5 * min(box.width, last_box.width) or piece_of_last) \
                    and vertical_gap < 1.0 * heights and (abs(box.height - heights) < 0.4 * heights or not same_size):
                block.append((box, line))
                break
        else:
            blocks.append([(box, line)])
    return [[line for _, line in block] for block in blocks]


def attach_pieces(blocks: list[list[EngineLine]], orphans: list[EngineLine],
                  rules: OcrColumnsConfig = DEFAULT_RULES) -> list[EngineLine]:
    """Give a block the unclaimed lines and pieces of lines inside its column; return the other orphans.

    The detector cuts a line of a narrow justified column at its wide word spaces, and a piece (or a short line)
    can fall outside the layout box that claims the rest of the column. Inside the column the block's lines span
    (within `piece_reach` line heights), between its first and last line, in the body's size, and over none of its
    lines' words, it is part of that column, not a block of its own (one word alone, it would break the column's
    reading order). A piece on a line's row is joined into it by `join_same_baseline`."""
    spans = []
    for block in blocks:
        boxes = [Polygon.from_points(line.quad) for line in block]
        if len(boxes) < 2:
            spans.append(None)
            continue
        height = median(box.height for box in boxes)
        spans.append((boxes, height, min(box.bounds[0] for box in boxes) - rules.piece_reach * height,
                      max(box.bounds[2] for box in boxes) + rules.piece_reach * height,
                      min(box.bounds[1] for box in boxes), max(box.bounds[3] for box in boxes)))
    rest: list[EngineLine] = []
    for line in orphans:
        box = Polygon.from_points(line.quad)
        home = next((index for index, span in enumerate(spans) if span is not None
                     and span[2] <= box.bounds[0] and box.bounds[2] <= span[3]
                     and span[4] <= box.center[1] <= span[5]
                     and abs(box.height - span[1]) < rules.piece_size_share * span[1]
                     and not any(same_row(box, other) and horizontal_overlap(box, other)
                                 > rules.piece_row_overlap * min(box.width, other.width) for other in span[0])), None)
        if home is None:
            rest.append(line)
        else:
            blocks[home].append(line)
    return rest


def column_blocks(lines: list[EngineLine], body_text: bool = False, rules: OcrColumnsConfig = DEFAULT_RULES,
                  printed_rules: tuple[Polygon, ...] = ()) -> list[list[EngineLine]]:
    """A region's lines as blocks: each column, cut where a headline printed across it stands; the headlines; then
    the other lines printed across the columns.

    Lines printed across the gutter (a caption under a two-column photo) are a block of their own:
    kept among the columns they would chain them into one. A line printed across it in display type, or across
    a gutter its band shows and the whole box does not (a kicker, a headline), heads what is under it: the
    columns above it and those under it are separate blocks. A box of body text a few lines tall
    cannot show a gutter apart from the wide spaces of justified lines (often wider than a gutter),
    so it is one column, as the layout model drew it; headlines of two stories do stand side by
    side in one box. A printed horizontal rule between two lines of a column (`printed_rules`, in the lines'
    coordinates) also ends a block: the rule under a pull quote set in the column, say. Whether the text under it
    goes on with the story is the article stage's decision, not the block's.
    """
    if body_text and len(rows := join_same_baseline(lines)) < rules.gutter_min_lines:
        return [rows] if rows else []
    whole, beside, under = line_gutters(lines, rules)
    parts = sorted(((part, near) for line, own, near in zip(lines, beside, under, strict=True)
                    for part in split_at_columns(line, own)),
                   key=lambda item: Polygon.from_points(item[0].quad).bounds[1])
    body_height = median(Polygon.from_points(line.quad).height for line, _ in parts) if parts else 0.0
    across: list[EngineLine] = []
    heads: list[EngineLine] = []
    within: list[EngineLine] = []
    for line, near in parts:
        if not spans_gutter(line, near):
            within.append(line)
        elif Polygon.from_points(line.quad).height > rules.display_across_ratio * body_height \
                or not spans_gutter(line, whole):
            heads.append(line)
        else:
            across.append(line)
    # A headline printed across the columns (with its kicker, deck, byline), or across a gutter of the band above
    # only, ends the columns above it that it spans: those under it are another story's.
    head_blocks = group_orphans(heads, same_size=False)
    head_boxes = [union_box(Polygon.from_points(line.quad) for line in block) for block in head_blocks]
    head_boxes += [rule for rule in printed_rules if rule.width > rule.height]
    blocks: list[list[EngineLine]] = []
    for column in split_columns(within):
        segment: list[EngineLine] = []
        for line in column:
            box = Polygon.from_points(line.quad)
            if segment and any(horizontal_overlap(head, box) > 0
                               and Polygon.from_points(segment[-1].quad).center[1] < head.center[1] < box.bounds[1]
                               for head in head_boxes):
                blocks.append(segment)
                segment = []
            segment.append(line)
        blocks.append(segment)
    return [join_same_baseline(block) for block in [*blocks, *head_blocks, *([across] if across else [])] if block]


def line_gutters(lines: list[EngineLine],
                 rules: OcrColumnsConfig = DEFAULT_RULES) -> tuple[list[float], list[list[float]], list[list[float]]]:
    """The gutters of the whole box; those that run beside each line (the box's, and in solid-set CJK those of its
    band), where a line read across is cut; and those a line is printed across, which it may not be cut at.

    The layout model may draw one box ("table") over several stories' columns, their headlines printed across
    a gutter: no white band runs down the whole box there, yet the rows of each story, `gutter_window_lines`
    line heights at a time, show it. A band's gutter holds only for the lines of that band, so a story under
    it set to other widths is not cut at it. Solid-set CJK has no word spaces, so a white band that many
    lines leave free at the width of a gutter (`cjk_gutter_ratio` line heights) is one; justified Latin's word
    spaces line up in rivers over a few lines, so Latin keeps the whole box's test.
    """
    whole = column_gutters(lines, rules)
    gutters = [list(whole) for _ in lines]
    worded = [index for index, line in enumerate(lines) if line.words]
    text = "".join(lines[index].text for index in worded)
    if len(worded) <= rules.gutter_window_lines or sum(map(is_cjk, text)) <= 0.5 * len(text):
        return whole, gutters, gutters
    tops = {index: Polygon.from_points(lines[index].quad).bounds[1] for index in worded}
    height = median(Polygon.from_points(lines[index].quad).height for index in worded)
    band = rules.gutter_window_lines * rules.gutter_row_pitch * height
    last_start = -np.inf
    for start in sorted(worded, key=tops.__getitem__):
        if tops[start] < last_start + height / 2:
            continue  # a window on the same rows
        last_start = tops[start]
        window = [index for index in worded if tops[start] <= tops[index] < tops[start] + band]
        for x in column_gutters([lines[index] for index in window], rules):
            for index in window:
                if all(abs(x - seen) > height for seen in gutters[index]):
                    gutters[index].append(x)
    # A headline's ink fills the gutter of the rows next to it, so no band holding it shows that gutter: a line
    # takes the gutters of the line just above it that it is printed across, and so on down a headline's lines;
    # it is not cut at them (a wide space after a headline's 、 may fall on one).
    across = [list(own) for own in gutters]
    boxes = {index: Polygon.from_points(lines[index].quad) for index in worded}
    placed: list[int] = []
    for index in sorted(worded, key=tops.__getitem__):
        box = boxes[index]
        above = [other for other in placed if boxes[other].bounds[3] - 0.5 * height <= box.bounds[1]
                 < boxes[other].bounds[3] + rules.gutter_inherit_gap * height
                 and horizontal_overlap(box, boxes[other]) > 0]
        if above:
            nearest = max(above, key=lambda other: boxes[other].bounds[3])
            across[index].extend(x for x in across[nearest] if box.bounds[0] < x < box.bounds[2]
                                 and all(abs(x - seen) > height for seen in across[index]))
        placed.append(index)
    return whole, [sorted(own) for own in gutters], [sorted(near) for near in across]


def split_columns(lines: list[EngineLine], share: float = 0.3) -> list[list[EngineLine]]:
    """A layout box spanning two columns would interleave their lines; split it at the gutter. Lines overlapping
    across more than `share` of the narrower are one column; columns left to right, each top to bottom."""
    boxes = sorted(((Polygon.from_points(ln.quad), ln) for ln in lines), key=lambda item: item[0].bounds[0])
    columns: list[tuple[float, float, list[tuple[Polygon, EngineLine]]]] = []
    for box, line in boxes:
        x0, _, x1, _ = box.bounds
        for index, (left, right, members) in enumerate(columns):
            if span_overlap(x0, x1, left, right) > share * min(x1 - x0, right - left):
                members.append((box, line))
                columns[index] = (min(left, x0), max(right, x1), members)
                break
        else:
            columns.append((x0, x1, [(box, line)]))
    return [
        [line for _, line in sorted(members, key=lambda item: item[0].bounds[1])]
        for _, _, members in sorted(columns, key=lambda c: c[0])
    ]


def join_same_baseline(lines: list[EngineLine]) -> list[EngineLine]:
    """Pieces of one printed line, split by the detector at wide justified spaces, become one line.

    Only call this within one column: pieces side by side in different columns are different lines.
    """
    boxes = sorted(((Polygon.from_points(ln.quad), ln) for ln in lines), key=lambda item: item[0].center[1])
    rows: list[list[tuple[Polygon, EngineLine]]] = []
    for box, line in boxes:
        if rows:
            last = rows[-1][-1][0]
            if same_row(box, last):
                rows[-1].append((box, line))
                continue
        rows.append([(box, line)])
    joined = []
    for row in rows:
        if len(row) == 1:
            joined.append(row[0][1])
            continue
        row.sort(key=lambda item: item[0].bounds[0])
        pieces = [line for _, line in row]
        weights = [max(len(p.text), 1) for p in pieces]
        joined.append(EngineLine(
            text=join_fragments(p.text for p in pieces),
            confidence=sum(p.confidence * w for p, w in zip(pieces, weights, strict=True)) / sum(weights),
            quad=union_box(box for box, _ in row).points,
            words=tuple(w for p in pieces for w in p.words),
        ))
    return joined
