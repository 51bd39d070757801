"""Vertical CJK pages (issue #18): the turned working frame, writing modes, reading order, punctuation, script, TEI."""

from __future__ import annotations

import numpy as np

from broadsheet.config import QaConfig
from broadsheet.engines.base import EngineLine
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Flag, Line, Page, PreprocessTransform, Region, RegionType, Severity
from broadsheet.run.output import page_language
from broadsheet.run.qa import qa_flags
from broadsheet.serialise import validate
from broadsheet.serialise.tei import TEI_NS
from broadsheet.stages.base import to_working
from broadsheet.stages.ocr import assign_lines, turned_lines, with_writing_mode
from broadsheet.stages.orientation import VERTICAL_TURNS, turned
from broadsheet.stages.reading_order import xy_cut
from broadsheet.text.normalise import horizontal_punctuation
from broadsheet.text.script import chinese_script
from tests.unit.test_serialise_tei import CREATED, zh_page

WIDTH, HEIGHT = 1000, 800


def _vertical_line(x: float, y0: float, y1: float, text: str) -> EngineLine:
    """A column of characters 30 px wide, in upright working pixels."""
    return EngineLine(text=text, confidence=0.9, quad=((x, y0), (x + 30, y0), (x + 30, y1), (x, y1)), words=())


def _page() -> Page:
    """A vertical page as orientation leaves it: seen turned a quarter."""
    upright = PreprocessTransform(working_width=WIDTH, working_height=HEIGHT)
    return Page(id="p-vert-f0", source="v.png", width=WIDTH, height=HEIGHT, writing_mode="vertical-rl",
                transform=turned(upright, VERTICAL_TURNS))


def test_a_vertical_page_is_seen_turned_with_its_first_column_on_top_and_source_pixels_kept() -> None:
    page = _page()
    right, left = _vertical_line(900, 100, 700, "第一行"), _vertical_line(850, 100, 700, "第二行")
    lines = turned_lines([left, right], WIDTH, HEIGHT)
    boxes = {line.text: Polygon.from_points(line.quad) for line in lines}
    # The rightmost column lies on top, as a line across: wider than tall, read left to right from its top.
    assert boxes["第一行"].bounds[1] < boxes["第二行"].bounds[1]
    assert boxes["第一行"].width > 5 * boxes["第一行"].height
    # Mapped back through the page's transform, it stands where it was printed.
    back = boxes["第一行"].transform(page.transform.to_source).bounds
    assert np.allclose(back, (900, 100, 930, 700), atol=1.5)


def test_columns_of_a_vertical_block_stay_one_region_read_right_to_left() -> None:
    page = _page()
    page.regions = [Region(id="p-vert-f0-r1", type=RegionType.body, polygon=Polygon.from_box(590, 90, 940, 710),
                           confidence=0.9, detector_label="text")]
    columns = [_vertical_line(900 - 50 * k, 100, 700, f"列{k}字字字字字") for k in range(7)]
    # The detector breaks a column at its punctuation: the pieces join again, in their order down the column.
    columns[3:4] = [_vertical_line(750, 100, 380, "列3字字"), _vertical_line(750, 420, 700, "字字字")]
    lines = turned_lines(list(reversed(columns)), WIDTH, HEIGHT)
    regions = [with_writing_mode(r) for r in assign_lines(page, lines, "rapidocr") if r.lines]
    assert len(regions) == 1 and regions[0].writing_mode == "vertical-rl"
    assert [line.text for line in regions[0].lines] == [f"列{k}字字字字字" for k in range(7)]
    # The lines keep their printed geometry in source pixels: tall and narrow.
    assert all(line.polygon.height > 10 * line.polygon.width for line in regions[0].lines)


def test_a_horizontal_headline_on_a_vertical_page_stays_horizontal() -> None:
    headline = Region(id="r", type=RegionType.headline, polygon=Polygon.from_box(0, 0, 400, 60), confidence=0.9,
                      detector_label="title",
                      lines=[Line(id="r-l1", text="各路華軍大擧反攻", polygon=Polygon.from_box(0, 0, 400, 60),
                                  confidence=0.9, engine="rapidocr")])
    assert with_writing_mode(headline).writing_mode == "horizontal-tb"


def test_blocks_of_a_vertical_page_read_by_tiers_then_right_to_left() -> None:
    """Two tiers (bands across the page), each with two blocks: the upper tier first, each right to left."""
    page = _page()
    blocks = {"top-right": (520, 20, 980, 380), "top-left": (20, 20, 480, 380),
              "low-right": (620, 420, 980, 780), "low-left": (20, 420, 580, 780)}
    items = [(name, to_working(page, Polygon.from_box(*b))) for name, b in blocks.items()]
    assert xy_cut(items) == ["top-right", "top-left", "low-right", "low-left"]


def test_vertical_punctuation_becomes_horizontal() -> None:
    assert horizontal_punctuation("﹁晶報﹂︽書名︾︵注︶︐完︒") == "「晶報」《書名》（注），完。"
    assert horizontal_punctuation("「已是橫排」，。") == "「已是橫排」，。"


def test_traditional_and_simplified_text_are_told_apart() -> None:
    assert chinese_script("各路華軍大擧反攻克復石龍包圍南昌國際時事地圖") == "Hant"
    assert chinese_script("各路华军大举反攻克复石龙包围南昌国际时事地图") == "Hans"
    assert chinese_script("中文大人") is None  # the same in both scripts: it does not tell
    page = _page()
    page.regions = [Region(id="r", type=RegionType.body, polygon=Polygon.from_box(0, 0, 30, 600), confidence=0.9,
                           detector_label="text",
                           lines=[Line(id="r-l1", text="法租界懸旗糾紛各商店遵勸今日可望復業", confidence=0.9,
                                       polygon=Polygon.from_box(0, 0, 30, 600), engine="rapidocr")])]
    assert page_language(page) == "zh-Hant"


def test_the_vertical_text_flag_is_information_on_a_page_read_vertically() -> None:
    page = _page()
    columns = [Line(id=f"r-l{k}", text="晶報晶報晶報", polygon=Polygon.from_box(40 * k, 0, 40 * k + 30, 600),
                    confidence=0.9, engine="rapidocr") for k in range(5)]
    page.regions = [Region(id="r", type=RegionType.body, polygon=Polygon.from_box(0, 0, 400, 600), confidence=0.9,
                           detector_label="text", lines=columns)]
    flag = next(f for f in qa_flags(page, QaConfig(), 0.5) if f.code == "vertical-text")
    assert flag.severity == Severity.info
    page.writing_mode = "horizontal-tb"  # vertical lines on a page not read so: a person should look
    flag = next(f for f in qa_flags(page, QaConfig(), 0.5) if f.code == "vertical-text")
    assert flag.severity == Severity.warning and isinstance(flag, Flag)


def test_tei_records_the_vertical_writing_mode_and_validates() -> None:
    from broadsheet.serialise.tei import build_tei

    page, article = zh_page()
    page.regions = [r.model_copy(update={"writing_mode": "vertical-rl"}) for r in page.regions]
    tree = build_tei(article, [page], language="zh-Hant", image_urls={"p1": "p1.jpg"}, created=CREATED)
    text = tree.getroot().find(f"{{{TEI_NS}}}text")
    assert text is not None and text.get("style") == "writing-mode:vertical-rl"
    report = validate.validate_tei(tree)
    assert report.valid, report.errors
