"""Layout and newspaper typing on pixels and page models built for each case: no OCR, so these run in seconds."""

from __future__ import annotations

import numpy as np
import pytest

from broadsheet.config import LayoutConfig, TypingConfig
from broadsheet.engines.base import LayoutBox
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, PreprocessTransform, Region, RegionType
from broadsheet.stages.layout import (
    cut_at_insets,
    cut_at_rules,
    detect_photos,
    detect_rules,
    split_at_column_gutters,
    with_photos,
)
from broadsheet.stages.typing import NewspaperTypes
from broadsheet.stages.typing.blocks import in_rows
from evaluation.generated import region_errors
from samples.generator import generate_page
from tests.shared_data import needs_shared, shared_path

WIDTH, HEIGHT = 2480, 3508
REAL = shared_path("real")


def _region(number: int, kind: RegionType, box: tuple[float, float, float, float],
            texts: list[str] = (), line_height: float = 0.0) -> Region:
    """A region whose lines are stacked from its top, each `line_height` tall and as wide as the region."""
    x0, y0, x1, _ = box
    step = line_height * 1.3
    lines = [Line(id=f"p-r{number}-l{k}", text=text, confidence=0.9, engine="test",
                  polygon=Polygon.from_box(x0, y0 + k * step, x1, y0 + k * step + line_height))
             for k, text in enumerate(texts)]
    return Region(id=f"p-r{number}", type=kind, polygon=Polygon.from_box(*box), confidence=0.9,
                  detector_label="text", lines=lines)


def _front_page() -> Page:
    """Page one: nameplate, its date line, a headline with byline and dateline in one block, body, a framed ad."""
    regions = [
        _region(1, RegionType.body, (700, 120, 1780, 300), ["长河日报"], 180),
        _region(2, RegionType.body, (900, 330, 1580, 375), ["2024年5月6日 星期一 第 8127 期"], 45),
        _region(3, RegionType.headline, (150, 500, 1500, 650), ["千亩连片稻田开镰秋粮丰收在望"], 150),
        _region(4, RegionType.body, (150, 700, 600, 805), ["本报记者 李娜 实习生 周雨桐", "本报上海7月23日电"], 45),
    ]
    for column in range(4):  # body text fixes the page's body type size: 45 px lines of 11 characters
        x = 150 + column * 550
        lines = ["农机农艺融合一喷多促"] * 30
        regions.append(_region(10 + column, RegionType.body, (x, 900, x + 400, 2700), lines, 45))
    frame = [(150, 2900, 2330, 2907), (150, 3300, 2330, 3307), (150, 2900, 157, 3307), (2323, 2900, 2330, 3307)]
    regions += [_region(20 + k, RegionType.separator, box) for k, box in enumerate(frame)]
    regions += [
        Region(id="p-r30", type=RegionType.figure, polygon=Polygon.from_box(180, 2930, 700, 3280), confidence=0.9,
               detector_label="figure"),
        _region(31, RegionType.body, (760, 2940, 1700, 3040), ["长河家电 冬季焕新"], 100),
        _region(32, RegionType.body, (760, 3060, 1500, 3105), ["节能冰箱 以旧换新"], 45),
        _region(33, RegionType.body, (760, 3120, 1100, 3200), ["¥2,999 起"], 80),
        _region(34, RegionType.body, (760, 3220, 1400, 3265), ["订购热线：400-820-5566"], 45),
    ]
    return Page(id="p", source="front.png", width=WIDTH, height=HEIGHT, regions=regions,
                transform=PreprocessTransform(working_width=WIDTH, working_height=HEIGHT))


def test_masthead_datelines_and_advertisement_are_typed() -> None:
    typed = NewspaperTypes(TypingConfig())(_front_page())
    by_text = {region.text: region for region in typed.regions}
    assert by_text["长河日报"].type == RegionType.masthead
    assert by_text["2024年5月6日 星期一 第 8127 期"].type == RegionType.masthead  # the masthead's date line
    assert by_text["本报记者 李娜 实习生 周雨桐"].type == RegionType.byline
    assert by_text["本报上海7月23日电"].type == RegionType.dateline  # split off the byline's block
    [advert] = [r for r in typed.regions if r.type == RegionType.advertisement]
    assert advert.text.splitlines() == ["长河家电 冬季焕新", "节能冰箱 以旧换新", "¥2,999 起", "订购热线：400-820-5566"]
    assert advert.polygon.bounds == (180, 2930, 1700, 3280), "the ad holds its picture"
    assert not any(r.type == RegionType.figure for r in typed.regions), "the picture is part of the ad"
    assert sum(r.type == RegionType.separator for r in typed.regions) == 4, "the frame stays as rules"
    lines = [line.id for region in typed.regions for line in region.lines]
    assert len(lines) == len(set(lines)) == sum(len(r.lines) for r in _front_page().regions)


def test_a_framed_box_of_body_type_is_a_sidebar_not_an_ad() -> None:
    page = _front_page()
    boxed = _region(35, RegionType.body, (180, 2930, 2300, 3280), ["编者按：订购热线：400-820-5566"] * 6, 45)
    plain = [r for r in page.regions if int(r.id.rsplit("r", 1)[1]) < 30] + [boxed]
    typed = NewspaperTypes(TypingConfig())(page.model_copy(update={"regions": plain}))
    assert not any(r.type == RegionType.advertisement for r in typed.regions), "a phone number alone makes no ad"
    assert typed.region("p-r35").type == RegionType.sidebar


def test_short_vertical_rules_are_found_but_letter_stems_are_not() -> None:
    image = np.full((1400, 1000), 255, np.uint8)
    image[100:180, 500:503] = 0  # a rule between two teaser boxes: short, alone in white space
    image[100:180, 200:204] = 0  # the stem of a large character, with strokes joining it
    for y in (100, 140, 176):
        image[y:y + 4, 180:230] = 0
    image[600:604, 100:900] = 0  # a horizontal rule
    found = detect_rules(image)
    assert ("vertical", (500.0, 100.0, 503.0, 180.0)) in found
    assert not any(box[0] <= 204 and box[2] >= 200 for kind, box in found if kind == "vertical")
    assert ("horizontal", (100.0, 600.0, 900.0, 604.0)) in found


def test_a_text_box_across_two_columns_is_cut_at_the_gutter() -> None:
    image = np.full((HEIGHT, WIDTH), 255, np.uint8)
    for top in range(500, 1000, 50):
        image[top:top + 30, 150:1150] = 0
        image[top:top + 30, 1200:2200] = 0
    image[450:1050, 1173:1176] = 0  # a column rule in the gutter does not hide it
    two_columns = LayoutBox("text", (140, 490, 2210, 1010), 0.9)
    title = LayoutBox("title", (140, 490, 2210, 1010), 0.9)
    parts = split_at_column_gutters(image, [two_columns, title], [(1173, 450, 1176, 1050)])
    assert [p.label for p in parts] == ["text", "text", "title"]
    (left, *_), (right_x0, *_) = parts[0].box, parts[1].box
    assert left == 140 and 1150 <= right_x0 <= 1200 and parts[0].box[2] == right_x0


def test_a_column_box_drawn_over_its_picture_or_a_headline_is_cut_above_and_below_it() -> None:
    column = LayoutBox("text", (1487, 2248, 1933, 3366), 0.9)
    picture = LayoutBox("figure", (1504, 2382, 1913, 2643), 0.8)
    beside = LayoutBox("text", (1000, 2248, 1450, 3366), 0.9)  # the next column: no picture in it
    heading = LayoutBox("title", (1010, 2700, 1440, 2780), 0.9)  # a headline inside the next column's box
    parts = cut_at_insets([column, picture, beside, heading])
    assert [p.box for p in parts] == [(1487, 2248, 1933, 2382), (1487, 2643, 1933, 3366), picture.box,
                                      (1000, 2248, 1450, 2700), (1000, 2780, 1450, 3366), heading.box]


def test_a_text_box_drawn_across_a_horizontal_rule_is_cut_at_the_rule() -> None:
    """d006_zh of designed seed 5150 at 300 dpi: the model's box ran from an editor's note down past the frame's
    bottom rule into the roundtable's first turn, and the note and the turn became one body region."""
    config = LayoutConfig()
    note_and_turn = LayoutBox("text", (893, 2007, 1962, 2801), 0.9)
    grazed = LayoutBox("text", (100, 1200, 700, 1800), 0.9)  # a rule at its top edge: nothing to cut
    narrow = LayoutBox("text", (1000, 500, 1900, 1100), 0.9)  # a short rule under part of it only
    title = LayoutBox("title", (893, 2007, 1962, 2801), 0.9)  # a heading's own rule is typing's to weigh
    rules = [(907.0, 2530.0, 1985.0, 2560.0), (90.0, 1195.0, 710.0, 1210.0), (1000.0, 800.0, 1300.0, 805.0)]
    parts = cut_at_rules([note_and_turn, grazed, narrow, title], rules, (3508, 2480), config)
    assert [p.box for p in parts] == [(893, 2007, 1962, 2530.0), (893, 2560.0, 1962, 2801), grazed.box, narrow.box,
                                      title.box]


def test_a_table_box_is_cut_only_by_a_rule_running_past_both_its_sides() -> None:
    """d004_zh of designed seed 5150: the model boxed a column of two stories as a "table" down the page, across the
    page-wide rule under the first story; a real table's row rules end at its sides."""
    column = LayoutBox("table", (857, 240, 1248, 3005), 0.9)
    table = LayoutBox("table", (1300, 2000, 2300, 2600), 0.9)
    rules = [(148.0, 1257.0, 2345.0, 1292.0), (1300.0, 2300.0, 2300.0, 2303.0)]
    parts = cut_at_rules([column, table], rules, (3508, 2480), LayoutConfig())
    assert [p.box for p in parts] == [(857, 240, 1248, 1257.0), (857, 1292.0, 1248, 3005), table.box]


def _stacked_lines(region_number: int, x0: float, top: float, rows: list[tuple[str, float, float]]) -> list[Line]:
    """Lines of (text, height, width) set one under another from `top`, a tenth of a line apart."""
    lines, y = [], top
    for k, (text, height, width) in enumerate(rows, start=1):
        lines.append(Line(id=f"p-r{region_number}-l{k}", text=text, confidence=0.9, engine="test",
                          polygon=Polygon.from_box(x0, y, x0 + width, y + height)))
        y += height * 1.1
    return lines


def _captioned_column(gap: float, caption_height: float, caption_pitch: float) -> Page:
    """A picture, then one box the model drew over its caption and the column under it."""
    caption = [("资料图片市民在地铁九号线", caption_height, 12 * caption_pitch)] * 3
    column = [("农机农艺融合一喷多促见效", 45, 12 * 41)] * 8
    lines = _stacked_lines(5, 150, 1000, caption)
    lines += _stacked_lines(5, 150, lines[-1].polygon.bounds[3] + gap, column)
    lines = [line.model_copy(update={"id": f"p-r5-l{k}"}) for k, line in enumerate(lines, start=1)]
    boxed = Region(id="p-r5", type=RegionType.body, confidence=0.9, detector_label="text", lines=lines,
                   polygon=Polygon.from_box(150, 1000, 150 + 12 * 41, lines[-1].polygon.bounds[3]))
    picture = Region(id="p-r4", type=RegionType.figure, polygon=Polygon.from_box(150, 600, 642, 990),
                     confidence=0.9, detector_label="figure")
    others = [_region(10 + k, RegionType.body, (700 + 550 * k, 600, 1192 + 550 * k, 2400),
                      ["农机农艺融合一喷多促见效"] * 30, 45) for k in range(3)]
    return Page(id="p", source="p.png", width=WIDTH, height=HEIGHT, regions=[picture, boxed, *others],
                transform=PreprocessTransform(working_width=WIDTH, working_height=HEIGHT))


def test_a_caption_boxed_with_the_column_under_it_is_split_off_at_the_wider_gap() -> None:
    typed = NewspaperTypes(TypingConfig())(_captioned_column(gap=45, caption_height=40, caption_pitch=34))
    [caption] = [r for r in typed.regions if r.type == RegionType.caption]
    assert len(caption.lines) == 3 and caption.id == "p-r5"
    [rest] = [r for r in typed.regions if r.type == RegionType.body and r.text.startswith("农机") and len(r.lines) == 8]
    assert rest.polygon.bounds[1] > caption.polygon.bounds[3]


@pytest.mark.parametrize(("gap", "caption_height", "caption_pitch"), [
    (45, 45, 41),  # a spaced paragraph break: the same type on both sides
    (4, 40, 34),  # smaller type, but set on the column's own leading: no break to split at
])
def test_a_column_stays_whole_without_both_a_wide_gap_and_a_change_of_type(
        gap: float, caption_height: float, caption_pitch: float) -> None:
    typed = NewspaperTypes(TypingConfig())(_captioned_column(gap, caption_height, caption_pitch))
    assert len(typed.region("p-r5").lines) == 11


def test_lines_of_small_type_merged_from_two_boxes_keep_their_rows() -> None:
    """Rows 22 px apart with 26 px boxes: rounding to the body's 43 px rows swapped the lower, further-left line."""
    rows = [(1123, 822, "the plan said they supported flood"), (1145, 823, "protection in principle but worried"),
            (1167, 821, "about the price. About a third of the")]
    lines = [Line(id=f"p-r1-l{k}", text=text, confidence=0.9, engine="test",
                  polygon=Polygon.from_box(x, top, 1180, top + 26)) for k, (top, x, text) in enumerate(rows)]
    page = Page(id="p", source="p.png", width=1240, height=1754,
                transform=PreprocessTransform(working_width=1240, working_height=1754))
    assert [line.text for line in in_rows(page, lines[::-1], TypingConfig())] == [text for _, _, text in rows]


def test_photos_are_found_and_correct_the_model_figures() -> None:
    image = np.full((HEIGHT, WIDTH), 255, np.uint8)
    image[300:800, 300:900] = np.random.default_rng(1).integers(70, 190, (500, 600), dtype=np.uint8)
    image[1000:1030, 300:1200] = 0  # a line of bold type is not a picture
    [photo] = detect_photos(image)
    assert photo == pytest.approx((300, 300, 900, 800), abs=12)
    swallowed = [LayoutBox("figure", (280, 280, 2000, 2000), 0.5), LayoutBox("text", (300, 1000, 1200, 1030), 0.9)]
    assert [b.box for b in with_photos(swallowed, [photo])] == [photo, (300, 1000, 1200, 1030)]
    assert [b.label for b in with_photos([], [photo])] == ["figure"]
    cut_short = [LayoutBox("figure", (300, 500, 900, 800), 0.5)]
    assert with_photos(cut_short, [photo])[0].box == pytest.approx((300, 300, 900, 800), abs=12)


def test_generated_truth_records_pull_quote_rules_and_frame_sides() -> None:
    truth = generate_page("zh", "roundtable", 5, 1240, 1754, 150, degrade=False).truth
    rules = [Polygon.from_box(*r["box"]) for r in truth["regions"] if r["type"] == "separator"]

    def rules_around(kind: str) -> int:
        [box] = [Polygon.from_box(*r["box"]) for r in truth["regions"] if r["type"] == kind]
        grown = Polygon.from_box(box.bounds[0] - 40, box.bounds[1] - 40, box.bounds[2] + 40, box.bounds[3] + 40)
        return sum(rule.overlap_ratio(grown) > 0.9 for rule in rules)

    assert rules_around("pull_quote") == 2, "a pull quote is set between two rules"
    assert rules_around("sidebar") == 4, "a sidebar's frame is four rules"


def test_region_errors_say_how_f1_was_lost() -> None:
    truth = [{"id": "t1", "type": "body", "box": [0, 0, 100, 400]},
             {"id": "t2", "type": "body", "box": [120, 0, 220, 400]},
             {"id": "t3", "type": "headline", "box": [0, 500, 220, 560]}]
    page = Page(id="p", source="p.png", width=300, height=600, regions=[
        _region(1, RegionType.body, (0, 0, 220, 400)), _region(2, RegionType.kicker, (0, 500, 220, 560))])
    assert region_errors(page, truth) == {"merged:body": 2, "wrong_type:headline->kicker": 1, "extra:body": 1}


@needs_shared(REAL)
def test_real_region_truth_is_mapped_to_our_types() -> None:
    from evaluation.real_truth import kant_truth, topaz_truth

    kant = kant_truth(REAL / "kant_aufklaerung_1784" / "data" / "OCR-D-GT-PAGE" / "PAGE_0017_PAGE.xml")
    assert kant["image"] == "INPUT_0017.tif"
    assert [r["type"] for r in kant["regions"]].count("headline") == 5
    assert {r["type"] for r in kant["regions"]} == {"headline", "body", "folio"}, "drop capital left out"
    topaz = REAL / "topaz_times_1944"
    front, zones = topaz_truth(topaz, "ttt_19441101-19450131_0059", 1940)
    assert [(r["type"], r["box"]) for r in front["regions"]] == [("masthead", [0, 0, 1161, 260])]
    assert len(zones) == 7
    inside, _ = topaz_truth(topaz, "ttt_19441101-19450131_0062", 1954)
    assert [r["type"] for r in inside["regions"]] == ["running_header", "section"]
