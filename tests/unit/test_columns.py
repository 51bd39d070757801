"""Gutters inside one layout box: a box over two columns must not interleave or join their lines."""

from __future__ import annotations

import random

from broadsheet.engines.base import EngineLine, EngineWord
from broadsheet.model.geometry import Polygon
from broadsheet.stages.ocr_columns import (
    attach_pieces,
    column_blocks,
    column_gutters,
    group_orphans,
    join_same_baseline,
    spans_gutter,
    split_at_columns,
    split_at_gutters,
    split_columns,
)

LINE_HEIGHT = 46
CHAR_WIDTH = 19


def _justified_words(rng: random.Random, left: float, right: float, y: float) -> list[EngineWord]:
    """Words of random lengths spread over [left, right], as a justified line sets them."""
    lengths: list[int] = []
    while sum(lengths) * CHAR_WIDTH + 10 * len(lengths) < right - left - 6 * CHAR_WIDTH:
        lengths.append(rng.randint(2, 9))
    spare = (right - left) - sum(lengths) * CHAR_WIDTH
    gap = spare / max(len(lengths) - 1, 1)
    words, x = [], left
    for length in lengths:
        width = length * CHAR_WIDTH
        words.append(EngineWord("w" * length, 0.95, Polygon.from_box(x, y, x + width, y + LINE_HEIGHT).points))
        x += width + gap
    return words


def _line(words: list[EngineWord], joiner: str = " ") -> EngineLine:
    box = Polygon.from_points([p for w in words for p in w.quad])
    return EngineLine(joiner.join(w.text for w in words), 0.95, box.points, tuple(words))


def _two_column_block(rng: random.Random, rows: int, gutter: float) -> list[EngineLine]:
    """Each row read straight across the gutter, as the detector does when the gutter is narrow."""
    lines = []
    for row in range(rows):
        y = 100 + row * LINE_HEIGHT
        left = _justified_words(rng, 100, 800, y)
        right = _justified_words(rng, 800 + gutter, 1500 + gutter, y)
        lines.append(_line(left + right))
    return lines


def test_a_narrow_gutter_read_across_splits_into_two_columns() -> None:
    rng = random.Random(7)
    lines = _two_column_block(rng, rows=12, gutter=24)
    gutters = column_gutters(lines)
    assert len(gutters) == 1 and 800 <= gutters[0] <= 824
    columns = split_columns([part for line in lines for part in split_at_columns(line, gutters)])
    assert [len(column) for column in columns] == [12, 12]
    assert all(Polygon.from_points(line.quad).bounds[2] <= 801 for line in columns[0])
    assert all(Polygon.from_points(line.quad).bounds[0] >= 823 for line in columns[1])


def test_word_spaces_of_one_column_are_not_gutters() -> None:
    rng = random.Random(11)
    lines = [_line(_justified_words(rng, 100, 800, 100 + row * LINE_HEIGHT)) for row in range(30)]
    assert column_gutters(lines) == []
    assert split_at_columns(lines[0], column_gutters(lines)) == [lines[0]]


def test_too_few_lines_to_tell_a_gutter() -> None:
    lines = _two_column_block(random.Random(3), rows=3, gutter=40)
    assert column_gutters(lines) == []


def test_a_caption_set_across_both_columns_becomes_a_block_of_its_own() -> None:
    """The detector read each column's lines apart; only the caption over both runs through the gutter."""
    rng = random.Random(5)
    caption = [_line(_justified_words(rng, 100, 1524, 100 + row * LINE_HEIGHT)) for row in range(2)]
    body = [_line(_justified_words(rng, left, left + 700, 100 + row * LINE_HEIGHT))
            for row in range(2, 14) for left in (100, 824)]
    lines = caption + body
    gutters = column_gutters(lines)
    assert len(gutters) == 1 and 800 <= gutters[0] <= 824
    parts = [part for line in lines for part in split_at_columns(line, gutters)]
    assert [line for line in parts if spans_gutter(line, gutters)] == caption
    columns = split_columns([line for line in parts if not spans_gutter(line, gutters)])
    assert [len(column) for column in columns] == [12, 12]


def test_two_body_lines_split_at_wide_justified_spaces_stay_one_column() -> None:
    """'replacing      bridges, / rebuilding      five': the detector's pieces, not two columns."""
    rows = [[(100, 290), (333, 495)], [(100, 277), (416, 497)]]
    pieces = [_line([EngineWord("w" * 8, 0.95, Polygon.from_box(x0, y, x1, y + LINE_HEIGHT).points)])
              for row, y in zip(rows, (100, 150), strict=True) for x0, x1 in row]
    [column] = column_blocks(pieces, body_text=True)
    assert len(column) == 2 and all(len(line.words) == 2 for line in column)
    assert len(column_blocks(pieces)) == 2, "headlines of two stories may stand side by side in one box"


def test_a_line_run_across_a_tight_typewritten_gutter_is_cut_between_the_two_columns_boxes() -> None:
    """Topaz Times: 'Sakanari,' ends 4 px before 'Japanese' starts, each in its own column's layout box."""
    spans = [("George", 138, 212), ("Ryoichi", 222, 308), ("Sakanari,", 318, 434), ("Japanese", 438, 536),
             ("American", 558, 656), ("Commit-", 666, 752)]
    line = _line([EngineWord(text, 0.9, Polygon.from_box(x0, 1222, x1, 1259).points) for text, x0, x1 in spans])
    columns = [Polygon.from_box(91, 241, 433, 1422), Polygon.from_box(415, 1050, 760, 1310)]
    left, right = split_at_gutters(line, columns)
    assert (left.text, right.text) == ("George Ryoichi Sakanari,", "Japanese American Commit-")
    one_box = [Polygon.from_box(91, 1200, 760, 1300)]
    assert split_at_gutters(line, one_box) == [line], "words in one box are one column's"


def test_a_gutter_whose_edge_a_few_long_words_run_into_is_still_found() -> None:
    """Typewritten columns end ragged: two of eight lines reach a few pixels into the white band."""
    rng = random.Random(5)
    rows = []
    for row, end in enumerate([748, 745, 753, 757, 751, 762, 754, 763]):
        y = 100 + row * LINE_HEIGHT
        rows.append(_line([*_justified_words(rng, 100, end, y), *_justified_words(rng, 773, 1300, y)]))
    [gutter] = column_gutters(rows)
    assert 757 <= gutter <= 773
    assert [len(block) for block in column_blocks(rows)] == [8, 8]


CJK_CHAR = 42


def _cjk_words(text: str, left: float, y: float, size: float = CJK_CHAR) -> list[EngineWord]:
    """Solid-set CJK: one engine word per character, cell after cell."""
    return [EngineWord(char, 0.95, Polygon.from_box(left + k * size, y, left + (k + 1) * size, y + size).points)
            for k, char in enumerate(text)]


def test_a_cjk_box_over_two_stories_columns_is_read_column_by_column_above_and_under_the_headline() -> None:
    # One layout box: story A's two columns, then story B's headline printed across, then B's two columns. No white
    # band runs down the whole box, but each story's rows show the gutter (one character wide).
    gutter_left = 100 + 8 * CJK_CHAR
    right = gutter_left + CJK_CHAR
    lines = []
    for row in range(7):
        y = 100 + row * 60
        words = _cjk_words(f"甲左{row}行文字内容", 100, y) + _cjk_words(f"甲右{row}行文字内容", right, y)
        lines.append(_line(words, joiner=""))
    lines.append(_line(_cjk_words("乙的大标题横跨两栏", 100, 540, size=90), joiner=""))
    for row in range(7):
        y = 660 + row * 60
        words = _cjk_words(f"乙左{row}行文字内容", 100, y) + _cjk_words(f"乙右{row}行文字内容", right, y)
        lines.append(_line(words, joiner=""))
    assert column_gutters(lines) == []
    # Each column of each story a block of its own, the headline another (the reading-order stage orders them).
    blocks = sorted([line.text for line in block] for block in column_blocks(lines))
    assert blocks == sorted([
        [f"甲左{row}行文字内容" for row in range(7)], [f"甲右{row}行文字内容" for row in range(7)],
        ["乙的大标题横跨两栏"],
        [f"乙左{row}行文字内容" for row in range(7)], [f"乙右{row}行文字内容" for row in range(7)],
    ])


def test_a_cjk_line_cut_at_a_gutter_keeps_its_digits_together() -> None:
    words = _cjk_words("本报清河10月", 100, 100) + _cjk_words("翻滚六台", 100 + 9 * CJK_CHAR, 100)
    line = _line(words, joiner="")
    assert [part.text for part in split_at_gutters(line, [])] == ["本报清河10月", "翻滚六台"]


def test_a_piece_of_an_orphan_line_cut_at_a_wide_word_space_stays_in_its_line() -> None:
    # A narrow justified column no layout box claimed; the detector cut "officials urged" at its wide space, and
    # "urged" starts a hair lower than "officials", so it sorts after it.
    rows = ["90s, and health", "officials", "to stay", "indoors"]
    lines = [_line([EngineWord(text, 0.95, Polygon.from_box(140, 100 + k * 50, 480, 146 + k * 50).points)])
             for k, text in enumerate(rows)]
    lines[1] = _line([EngineWord("officials", 0.95, Polygon.from_box(140, 150, 310, 196).points)])
    piece = _line([EngineWord("urged", 0.95, Polygon.from_box(345, 156, 480, 200).points)])
    blocks = group_orphans([*lines, piece])
    assert len(blocks) == 1
    assert [line.text for line in join_same_baseline(blocks[0])] == ["90s, and health", "officials urged", "to stay",
                                                                     "indoors"]


def _box_line(text: str, left: float, top: float, right: float, bottom: float) -> EngineLine:
    return _line([EngineWord(text, 0.95, Polygon.from_box(left, top, right, bottom).points)])


def test_unclaimed_pieces_and_lines_inside_a_blocks_column_join_that_block() -> None:
    # A narrow justified column a layout box claimed all but a few of: "from" cut off the first line at its wide
    # space, and the line "cannery." between two of its lines, fell outside the box. They are the column's text,
    # not blocks of their own; a headline-size line there, and a line beside the column, are not.
    block = [_box_line("the rail", 620, 100, 860, 146), _box_line("bridge to the old", 520, 150, 860, 196),
             _box_line("Engineers told", 520, 250, 860, 296), _box_line("the council that", 520, 300, 860, 346)]
    piece, line = _box_line("from", 520, 102, 600, 146), _box_line("cannery.", 520, 200, 700, 246)
    display, beside = _box_line("We cannot", 540, 200, 840, 290), _box_line("elsewhere", 900, 150, 1100, 196)
    blocks = [list(block)]
    assert attach_pieces(blocks, [piece, line, display, beside]) == [display, beside]
    assert [ln.text for ln in join_same_baseline(blocks[0])] == ["from the rail", "bridge to the old", "cannery.",
                                                                 "Engineers told", "the council that"]


def test_a_printed_rule_between_two_lines_of_a_column_ends_its_block() -> None:
    # The rule under a pull quote set in a column: the body line under it is not the quote's last line.
    rows = ["to bail", "themselves", "out every", "February", "schedule the", "noisiest work"]
    lines = [_box_line(text, 1630, 100 + k * 60, 1960, 140 + k * 60) for k, text in enumerate(rows)]
    rule = Polygon.from_box(1633, 324, 1962, 334)
    assert [[ln.text for ln in block] for block in column_blocks(lines)] == [rows]
    assert [[ln.text for ln in block] for block in column_blocks(lines, printed_rules=(rule,))] == [rows[:4], rows[4:]]


def test_degenerate_lines_keep_their_text_through_the_column_rules() -> None:
    """Boxes with no height, lines with no word boxes, words with no text: nothing crashes and no text is lost."""
    flat = Polygon.from_box(0, 0, 0, 0).points
    cases = [
        [],
        [EngineLine("文", 0.9, flat, (EngineWord("文", 0.9, flat),)) for _ in range(10)],
        [EngineLine("文字内容", 0.9, Polygon.from_box(0, 50 * k, 160, 50 * k + 40).points, ()) for k in range(10)],
        [_line([EngineWord("", 0.9, Polygon.from_box(0, 50 * k, 10, 50 * k + 40).points),
                EngineWord("", 0.9, Polygon.from_box(300, 50 * k, 310, 50 * k + 40).points)]) for k in range(8)],
    ]
    for lines in cases:
        for body_text in (False, True):
            read = "".join(line.text for block in column_blocks(lines, body_text) for line in block)
            assert sorted(read.replace(" ", "")) == sorted("".join(line.text for line in lines).replace(" ", ""))
        assert sum(len(block) for block in group_orphans(lines)) == len(lines)
