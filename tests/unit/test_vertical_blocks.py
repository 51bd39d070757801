"""Vertical pages (issue #18, round 6): text blocks built from OCR columns by geometry, and types by contrast.

Pages are drawn in printed (source) pixels, columns standing; the stages see them turned a quarter.
"""

from __future__ import annotations

from broadsheet.config import ArticlesConfig, TypingConfig, VerticalBlocksConfig, VerticalMarksConfig
from broadsheet.engines.base import EngineLine
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, PreprocessTransform, Region, RegionType
from broadsheet.stages.articles import segment
from broadsheet.stages.ocr import assign_lines, turned_lines
from broadsheet.stages.orientation import VERTICAL_TURNS, turned
from broadsheet.stages.typing.vertical import vertical_types
from broadsheet.stages.vertical_marks import chosen_marks, gap_cells, is_mark

WIDTH, HEIGHT = 1000, 800
BODY = 30
"""Body characters are 30 px wide; columns stand 40 px apart."""


def _page() -> Page:
    upright = PreprocessTransform(working_width=WIDTH, working_height=HEIGHT)
    return Page(id="p-v", source="v.png", width=WIDTH, height=HEIGHT, writing_mode="vertical-rl",
                transform=turned(upright, VERTICAL_TURNS))


def _column(x: float, y0: float, y1: float, text: str, width: float = BODY) -> EngineLine:
    return EngineLine(text=text, confidence=0.9, quad=((x, y0), (x + width, y0), (x + width, y1), (x, y1)), words=())


def _rule(x: float, y0: float, y1: float) -> Region:
    return Region(id=f"p-v-r{int(x)}", type=RegionType.separator, polygon=Polygon.from_box(x, y0, x + 2, y1),
                  confidence=1.0, detector_label="rule-vertical")


def _fold_page(rule: bool) -> list[Region]:
    """Tier 1 (y 100-380): a headline column, five body columns each broken by the detector at a punctuation gap
    (a different height in each), and one column of the next story; tier 2 (y 420-700): five whole columns, each
    in line with one above. A layout box over part of tier 1 stands for the model's fragments."""
    page = _page()
    page.regions = [Region(id="p-v-r1", type=RegionType.body, polygon=Polygon.from_box(740, 100, 840, 250),
                           confidence=0.5, detector_label="text")]
    if rule:
        page.regions.append(_rule(654, 100, 380))
    columns = [_column(880, 100, 340, "大標題字字", width=80)]
    for k in range(5):
        x, cut = 820 - 40 * k, 150 + 30 * k
        columns += [_column(x, 100, cut, f"上{k}"), _column(x, cut + 12, 380, f"下{k}")]
        columns.append(_column(x, 420, 700, f"低{k}"))
    columns.append(_column(620, 100, 380, "另一篇"))
    lines = turned_lines(columns, WIDTH, HEIGHT)
    return [r for r in assign_lines(page, lines, "rapidocr", VerticalBlocksConfig()) if r.lines]


def _texts(regions: list[Region]) -> list[list[str]]:
    return sorted([line.text for line in r.lines] for r in regions)


def test_a_vertical_pages_blocks_are_built_from_its_columns_not_the_layout_boxes() -> None:
    regions = _fold_page(rule=True)
    assert all(r.detector_label == "ocr-columns" for r in regions)
    assert _texts(regions) == sorted([
        ["大標題字字"],  # display type: a block of its own
        [f"上{k}下{k}" for k in range(5)],  # punctuation gaps joined; columns right to left
        [f"低{k}" for k in range(5)],  # the gap between tiers is shared by every column: not joined across
        ["另一篇"],  # past the rule: the next story
    ])


def test_without_the_rule_the_next_column_continues_the_block() -> None:
    texts = _texts(_fold_page(rule=False))
    assert [f"上{k}下{k}" for k in range(5)] + ["另一篇"] in texts


def test_a_horizontal_page_keeps_the_layout_boxes() -> None:
    page = _page().model_copy(update={"writing_mode": "horizontal-tb", "transform": PreprocessTransform(
        working_width=WIDTH, working_height=HEIGHT)})
    page.regions = [Region(id="p-v-r1", type=RegionType.body, polygon=Polygon.from_box(0, 0, 500, 100),
                           confidence=0.9, detector_label="text")]
    lines = [EngineLine(text="a line", confidence=0.9, quad=((10, 10), (490, 10), (490, 40), (10, 40)), words=())]
    regions = assign_lines(page, lines, "rapidocr", VerticalBlocksConfig())
    assert [r.detector_label for r in regions if r.lines] == ["text"]


def _region(rid: str, kind: RegionType, x: float, y0: float, y1: float, width: float, texts: list[str]) -> Region:
    lines = [Line(id=f"{rid}-l{k}", text=t, polygon=Polygon.from_box(x - k * (width + 8), y0, x - k * (width + 8)
                                                                      + width, y1), confidence=0.9, engine="t")
             for k, t in enumerate(texts)]
    box = Polygon.from_box(min(ln.polygon.bounds[0] for ln in lines), y0, x + width, y1)
    return Region(id=rid, type=kind, polygon=box, confidence=0.9, detector_label="ocr-columns", lines=lines,
                  writing_mode="vertical-rl")


def test_heads_by_contrast_on_a_vertical_page() -> None:
    page = _page()
    page.regions = [
        _region("p-v-r1", RegionType.kicker, 900, 120, 320, 50, ["引題字"]),  # display type: the head's kicker
        _region("p-v-r2", RegionType.headline, 830, 100, 400, 70, ["主標題"]),
        _region("p-v-r3", RegionType.byline, 740, 100, 380, BODY, ["一行字"]),  # body size: text, not a byline
        _region("p-v-r4", RegionType.body, 700, 100, 380, BODY, ["正文", "正文", "正文"]),
        _region("p-v-r5", RegionType.section, 960, 0, 790, 40, ["本報具有廿一年的歷史"]),  # down the margin
    ]
    regions = {r.id: r for r in vertical_types(page, BODY, TypingConfig())}
    assert regions["p-v-r2"].type == RegionType.headline
    assert [line.text for line in regions["p-v-r2"].lines] == ["引題字", "主標題"]  # right to left, one headline
    assert "p-v-r1" not in regions
    assert regions["p-v-r3"].type == RegionType.body
    assert regions["p-v-r5"].type == RegionType.running_header
    # A horizontal page is left as it is.
    flat = page.model_copy(update={"writing_mode": "horizontal-tb"})
    assert [r.type for r in vertical_types(flat, BODY, TypingConfig())] == [r.type for r in page.regions]


def _blocks_of(columns: list[EngineLine], rules: list[Region], config: VerticalBlocksConfig) -> list[list[str]]:
    page = _page()
    page.regions = list(rules)
    lines = turned_lines(columns, WIDTH, HEIGHT)
    return _texts([r for r in assign_lines(page, lines, "rapidocr", config) if r.lines])


def _margin_page() -> list[EngineLine]:
    """Round 7: down the page's right edge, a note in display type set in three pieces far apart (晶報's ad rates),
    beside a story of five body columns."""
    columns = [_column(940, 60, 200, "廣告刊例", width=40), _column(940, 300, 460, "每日每方", width=40),
               _column(940, 560, 740, "長行計高", width=40)]
    columns += [_column(820 - 40 * k, 20, 780, f"文{k}") for k in range(5)]
    return columns


def test_a_margin_note_in_spaced_pieces_is_one_column() -> None:
    texts = _blocks_of(_margin_page(), [], VerticalBlocksConfig())
    assert ["廣告刊例每日每方長行計高"] in texts
    assert [f"文{k}" for k in range(5)] in texts


def test_spaced_pieces_short_of_the_margin_run_stay_apart() -> None:
    texts = _blocks_of(_margin_page(), [], VerticalBlocksConfig(margin_run=0.95))  # it runs 680 of 760 px
    assert ["廣告刊例"] in texts and ["每日每方"] in texts


def test_a_margin_row_with_text_beyond_it_is_no_margin() -> None:
    beyond = [_column(985, 100, 700, "更外", width=10)]
    texts = _blocks_of(_margin_page() + beyond, [], VerticalBlocksConfig())
    assert ["廣告刊例每日每方長行計高"] not in texts


def test_columns_ruled_one_from_the_next_but_touching_are_one_block() -> None:
    """A serial set with a rule between every column (晶報's 新上海春秋): the boxes touch, the rules end nothing; a
    rule with white space either side does end the block."""
    touching = [_column(820 - 40 * k, 100, 380, f"說{k}", width=44) for k in range(4)]
    rules = [_rule(818 - 40 * k, 100, 380) for k in range(3)]
    assert [f"說{k}" for k in range(4)] in _blocks_of(touching, rules, VerticalBlocksConfig())
    apart = [_column(820 - 40 * k, 100, 380, f"說{k}", width=30) for k in range(4)]
    assert [f"說{k}" for k in range(4)] not in _blocks_of(apart, rules, VerticalBlocksConfig())


def test_a_block_in_the_tier_below_a_head_goes_on_in_reading_order() -> None:
    """Round 7: a block at the right end of the tier below a head (in the turned frame: beside the head, level
    with its top) is no column of a head set over fewer columns than its story on a vertical page: it continues
    the story before it in reading order (one wrapping into that tier). A horizontal page keeps the rule."""
    page = _page()
    page.regions = [
        _region("p-v-r1", RegionType.headline, 900, 100, 380, 40, ["甲標題"]),
        _region("p-v-r2", RegionType.body, 850, 100, 380, BODY, ["甲文", "甲文", "甲文"]),
        _region("p-v-r3", RegionType.headline, 600, 100, 380, 40, ["乙標題"]),
        _region("p-v-r4", RegionType.body, 550, 100, 380, BODY, ["乙文", "乙文", "乙文"]),
        _region("p-v-r5", RegionType.body, 900, 420, 700, BODY, ["下文", "下文", "下文"]),
    ]
    order = ["p-v-r1", "p-v-r2", "p-v-r3", "p-v-r4", "p-v-r5"]

    def story_of_r5(p: Page) -> str | None:
        articles, _, _ = segment(p, ArticlesConfig(), order)
        return next(a.headline_region_id for a in articles if "p-v-r5" in a.region_ids)

    assert story_of_r5(page) == "p-v-r3"
    assert story_of_r5(page.model_copy(update={"writing_mode": "horizontal-tb"})) == "p-v-r1"


def test_gaps_a_mark_could_stand_in_are_its_cells() -> None:
    """A column (in the working frame: a row) of 30 px characters: a 20 px gap (two thirds of a cell) is a mark's
    cell, the 3 px between characters and an 80 px gap (a tier's edge) are not."""
    boxes = [(0, 0, 30, 30), (33, 0, 63, 30), (83, 1, 113, 31), (193, 0, 223, 30)]
    assert gap_cells(boxes, VerticalMarksConfig()) == [(2, (63, 0, 83, 31))]
    assert gap_cells(boxes[:1], VerticalMarksConfig()) == []


def test_a_column_stopping_short_of_its_blocks_end_has_a_cell_there() -> None:
    """The block's columns run from 0 to 250: a column of 30 px characters ending at 223 leaves a mark's cell
    after its last character (one character long at most), one starting at 0 has none before its first."""
    boxes = [(0, 0, 30, 30), (33, 0, 63, 30), (193, 0, 223, 30)]
    cells = gap_cells(boxes, VerticalMarksConfig(), span=(0, 250))
    assert cells == [(3, (223, 0, 250, 30))]
    assert gap_cells(boxes[1:], VerticalMarksConfig(), span=(0, 300))[0] == (0, (3, 0, 33, 30))
    assert gap_cells(boxes, VerticalMarksConfig(), span=(0, 230)) == []  # 7 px short: no cell


def test_a_mark_read_is_kept_and_a_cell_inked_as_little_gets_the_most_read_mark() -> None:
    readings = [("、", 0.9), ("、", 0.7), ("，", 0.8), ("二", 0.6), ("2", 0.5), ("", 0.0), ("國", 0.9)]
    inks = [0.05, 0.04, 0.06, 0.05, 0.3, 0.0, 0.08]
    chosen = chosen_marks(readings, inks, VerticalMarksConfig())
    assert chosen[:3] == readings[:3]
    assert chosen[3] == ("、", 2 / 3) and chosen[6] == ("、", 2 / 3)  # ticks read as a stroke or a character
    assert chosen[4] is None and chosen[5] is None  # inked as a character; blank
    assert chosen_marks([("二", 0.6)], [0.05], VerticalMarksConfig()) == [None]  # no mark read on the page
    assert not is_mark("1") and is_mark("」、")
