"""Typing and article grouping on hand-built pages whose geometry is known exactly.

Each page is a few regions with lines of realistic size (body type 30 px high, 15 px a
character); the typing, reading-order and article stages run on it as they do on a scan.
"""

from __future__ import annotations

from itertools import count

import pytest

from broadsheet.config import TypingConfig
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, Line, Page, Region, RegionType
from broadsheet.stages.articles import Articles
from broadsheet.stages.reading_order import ReadingOrder
from broadsheet.stages.typing import NewspaperTypes

_ids = count(1)


def _region(kind: RegionType, rows: list[tuple[str, float, float, float, float]]) -> Region:
    region_id = f"r{next(_ids)}"
    lines = [Line(id=f"{region_id}-l{k}", text=text, polygon=Polygon.from_box(x0, y0, x1, y1), confidence=0.95,
                  engine="rapidocr") for k, (text, x0, y0, x1, y1) in enumerate(rows, start=1)]
    box = Polygon.from_box(min(r[1] for r in rows), min(r[2] for r in rows), max(r[3] for r in rows),
                           max(r[4] for r in rows)) if rows else Polygon.from_box(0, 0, 1, 1)
    return Region(id=region_id, type=kind, polygon=box, confidence=0.9, detector_label="text", lines=lines)


def _column(x0: float, y0: float, rows: int, width: float = 280) -> Region:
    """Body text: 30 px lines, 15 px a character, first line indented."""
    chars = int(width / 15)
    indent = [30] + [0] * (rows - 1)
    return _region(RegionType.body, [("x" * chars, x0 + indent[k], y0 + 36 * k, x0 + width, y0 + 36 * k + 30)
                                     for k in range(rows)])


def _heading(text: str, x0: float, y0: float, height: float) -> Region:
    return _region(RegionType.headline, [(text, x0, y0, x0 + len(text) * height / 2, y0 + height)])


def _rule(x0: float, y: float, x1: float) -> Region:
    return Region(id=f"r{next(_ids)}", type=RegionType.separator, polygon=Polygon.from_box(x0, y, x1, y + 3),
                  confidence=0.9, detector_label="rule-horizontal")


def _segment(regions: list[Region]) -> Page:
    page = Page(id="pg", source="pg.png", width=1300, height=2000, regions=regions)
    for stage in (NewspaperTypes(TypingConfig()), ReadingOrder(), Articles()):
        page = stage(page)
    return page


def _owner(page: Page, region: Region) -> str | None:
    return next((a.id for a in page.articles if region.id in a.region_ids), None)


def test_a_deck_as_large_as_its_headline_stays_in_its_story() -> None:
    """Typewritten papers set the deck in the headline's size, cut by the detector into pieces along one row."""
    headline = _heading("EVACUEE PROPERTY OFFICE FUNCTIONS", 100, 100, 54)
    decks = [_heading("Real Estate Information", 130, 170, 52), _heading("Presented", 770, 170, 52)]
    columns = [_column(100 + 320 * k, 250, 20) for k in range(3)]
    page = _segment([headline, *decks, *columns])
    [deck] = [r for r in page.regions if r.type == RegionType.kicker]
    assert deck.text == "Real Estate Information Presented", "the pieces of the deck's row are one deck"
    assert len(page.articles) == 1 and all(_owner(page, c) == page.articles[0].id for c in columns)


def test_a_headline_under_a_wider_one_with_text_beside_it_starts_the_next_story() -> None:
    lead = _heading("PERMITS TO RETURN", 100, 100, 60)  # over two columns
    beside = _column(490, 180, 24)  # the lead's text already runs in the second column
    second = _heading("FAMILIES MAY GO", 100, 175, 50)
    under_second = _column(100, 240, 20)
    page = _segment([lead, beside, second, under_second])
    assert next(r.type for r in page.regions if r.id == second.id) == RegionType.headline
    assert len(page.articles) == 2
    assert _owner(page, beside) == _owner(page, lead) != _owner(page, under_second) == _owner(page, second)


def test_a_pull_quote_between_its_rules_belongs_to_the_story_around_it() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    left, right_top, right_bottom = _column(100, 200, 30), _column(420, 200, 8), _column(420, 700, 14)
    quote = _region(RegionType.body, [("We cannot keep asking", 440, 520, 740, 560),
                                      ("the same three blocks", 440, 570, 740, 610)])
    rules = [_rule(400, 500, 720), _rule(400, 640, 720)]
    page = _segment([headline, left, right_top, quote, right_bottom, *rules])
    assert next(r.type for r in page.regions if r.id == quote.id) == RegionType.pull_quote
    assert len(page.articles) == 1 and _owner(page, quote) == page.articles[0].id
    order = page.articles[0].region_ids
    assert order.index(left.id) < order.index(right_top.id) < order.index(quote.id) < order.index(right_bottom.id)


def test_a_heading_in_a_column_under_the_rule_that_ends_the_story_above_starts_a_story() -> None:
    """Topaz Times: LETTERS PROTEST sits in column three, straight under the last line of the story above."""
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    left, right_top = _column(100, 200, 30), _column(420, 200, 8)
    rule = _rule(420, 492, 700)  # the column's width: the end of the story above
    heading = _region(RegionType.body, [("LETTERS PROTEST", 430, 500, 690, 540),
                                        ("VETERAN OUSTING", 430, 548, 690, 588)])
    right_bottom = _column(420, 600, 14)
    page = _segment([headline, left, right_top, rule, heading, right_bottom])
    assert next(r.type for r in page.regions if r.id == heading.id) == RegionType.headline
    assert _owner(page, right_top) == _owner(page, left) != _owner(page, right_bottom) == _owner(page, heading)


def test_text_continued_from_another_page_under_an_unread_headline_is_a_story_of_its_own() -> None:
    """Topaz Times p. 3: EVACUEES' RECEPTION is hand-lettered and unread; its jump head opens the block."""
    headline = _heading("KEITHAHNS SPEAK ON INDIAN LIFE", 100, 100, 60)
    above = _column(100, 180, 12)
    rest = _region(RegionType.body, [("EVACUEES' RECEPTION", 110, 584, 380, 614),
                                     ("(Continued from page 2)", 130, 620, 360, 650),
                                     *(("x" * 18, 100, 656 + 36 * k, 380, 686 + 36 * k) for k in range(3))])
    under = _column(100, 800, 6)
    page = _segment([headline, above, rest, under])
    assert next(r.type for r in page.regions if r.id == rest.id) == RegionType.body, "no teaser: the story goes on"
    assert rest.id in {r.id for r in page.regions}, "not merged into the story above"
    story = _owner(page, rest)
    assert story is not None and story != _owner(page, above) and _owner(page, under) == story
    continued = next(a for a in page.articles if a.id == story)
    assert continued.headline_region_id is None and continued.region_ids[0] == rest.id


def test_a_headline_typed_in_capitals_in_the_block_of_its_story_starts_that_story() -> None:
    """Topaz Times p. 4: NEW WASH. HOSTEL / EXTENDS INVITATION, in the body's typewriter type, boxed with its text."""
    headline = _heading("WASHINGTON OFFICE SENDS WARNING", 100, 100, 60)
    left, right_top = _column(100, 180, 30), _column(420, 180, 10)
    block = _region(RegionType.body, [("NEW WASH. HOSTEL", 440, 560, 660, 590),
                                      ("EXTENDS INVITATION", 430, 596, 670, 626),
                                      *(("x" * 18, 420, 640 + 36 * k, 700, 670 + 36 * k) for k in range(8))])
    listing = _region(RegionType.body, [("NEW YORK CITY, NEW YORK:", 100, 1300, 380, 1330),
                                        *(("x" * 18, 100, 1336 + 36 * k, 380, 1366 + 36 * k) for k in range(4))])
    page = _segment([headline, left, right_top, block, listing])
    [head] = [r for r in page.regions if r.type == RegionType.headline and r.text.startswith("NEW WASH")]
    rest = next(r for r in page.regions if r.text.startswith("x") and r.polygon.bounds[1] == 640)
    assert _owner(page, rest) == _owner(page, head) != _owner(page, right_top) == _owner(page, left)
    assert any(r.text.startswith("NEW YORK CITY") and r.type == RegionType.body for r in page.regions), \
        "one line of capitals heading a list is no headline"


def test_one_larger_capitals_line_set_apart_heads_its_block_and_a_capitals_dateline_does_not() -> None:
    """Topaz Times p. 2 from its vendor's words: PERSONAL PROPERTY, one line, typed with its text but taller and
    followed by more space; SALT LAKE CITY - The, a dateline as tall, runs on into its text at the text's pitch."""
    headline = _heading("EVACUEE PROPERTY OFFICE FUNCTIONS", 100, 100, 60)
    left = _column(100, 180, 30)
    crosshead = _region(RegionType.body, [("PERSONAL PROPERTY", 426, 600, 700, 636),
                                          *(("x" * 18, 420, 652 + 36 * k, 700, 682 + 36 * k) for k in range(8))])
    dateline = _region(RegionType.body, [("SALT LAKE CITY - The", 420, 1100, 700, 1136),
                                         *(("x" * 18, 420, 1136 + 36 * k, 700, 1166 + 36 * k) for k in range(8))])
    page = _segment([headline, left, _column(420, 180, 10), crosshead, dateline])
    assert any(r.text == "PERSONAL PROPERTY" and r.type == RegionType.headline for r in page.regions)
    assert not any(r.text == "SALT LAKE CITY - The" for r in page.regions), "the dateline stays in its block"


def test_a_long_participant_list_under_a_roundtable_headline_is_its_byline_and_a_first_turn_is_not() -> None:
    names = ["主持人：刘迪本报记者", "嘉宾：张占斌中央党校（国家行政学院）", "中国式现代化研究中心主任、一级教授",
             "殷德生华东师范大学特聘教授、经济与管理", "学院院长", "刘志阳上海财经大学商学院联席教授、创业",
             "学院执行副院长"]
    turn = ["主持人：今年9月，习近平总书记到东北考察"] + ["时提出了一个全新的概念，引起广泛关注。"] * 5
    for texts, kind in ((names, RegionType.byline), (turn, RegionType.body)):
        headline = _heading("新质生产力释放高质量发展新动能", 100, 100, 60)
        block = _region(RegionType.body, [(text, 100, 180 + 36 * k, 100 + 15 * len(text), 210 + 36 * k)
                                          for k, text in enumerate(texts)])
        page = _segment([headline, block, _column(100, 460, 12), _column(420, 180, 20)])
        assert next(r.type for r in page.regions if r.id == block.id) == kind, texts[0]


def test_columns_beside_a_headline_that_start_level_with_its_kicker_join_its_story() -> None:
    upper = _heading("Small Orchards Turn to Drones", 100, 100, 70)
    upper_text = [_column(100 + 320 * k, 200, 12) for k in range(3)]
    rule = _rule(90, 660, 1400)
    kicker = _region(RegionType.body, [("Ridership beats forecasts", 100, 690, 480, 722)])
    headline = _heading("Old Rail", 100, 730, 80)
    under = _column(100, 830, 14)
    beside = [_column(420 + 320 * k, 690, 20) for k in range(3)]  # tops level with the kicker, above the headline
    page = _segment([upper, *upper_text, rule, kicker, headline, under, *beside])
    story = _owner(page, headline)
    assert story is not None and _owner(page, under) == story
    assert all(_owner(page, c) == story for c in beside)
    assert all(_owner(page, c) == _owner(page, upper) != story for c in upper_text)


def test_an_advertisement_under_a_headline_belongs_to_no_article() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    column = _column(100, 200, 20)
    advert = _region(RegionType.advertisement,
                     [("SALE 50% OFF", 420, 300, 900, 400), ("Call 555-0100", 420, 420, 900, 460)])
    page = Page(id="pg", source="pg.png", width=1300, height=2000, regions=[headline, column, advert])
    page = Articles()(ReadingOrder()(page))
    assert _owner(page, column) == page.articles[0].id and _owner(page, advert) is None
    assert advert.id in page.reading_order


def test_the_date_line_under_the_masthead_belongs_to_no_story() -> None:
    """The issue's date line is part of the masthead (furniture); a story's own dateline is the story's."""
    masthead = _region(RegionType.body, [("THE MORNING LEDGER", 300, 20, 1000, 150)])
    date_line = _region(RegionType.body, [("Sunday, October 13, 2024", 450, 170, 850, 200)])
    headline = _heading("Riverside Barrier Wins", 100, 300, 70)
    story_dateline = _region(RegionType.body, [("DENVER, Nov. 11 —", 100, 390, 360, 420)])
    columns = [_column(100 + 320 * k, 440, 30) for k in range(3)]
    page = _segment([masthead, date_line, headline, story_dateline, *columns])
    typed = {r.id: r.type for r in page.regions}
    assert typed[masthead.id] == typed[date_line.id] == RegionType.masthead
    assert typed[story_dateline.id] == RegionType.dateline
    assert _owner(page, date_line) is None and date_line.id in page.reading_order
    assert _owner(page, story_dateline) == _owner(page, columns[0]) == page.articles[0].id
    assert not any(f.code == "text-outside-articles" for f in page.flags)


def test_a_date_line_under_the_masthead_set_as_large_as_a_headline_is_still_the_masthead() -> None:
    """Set large and centred, with a page-wide rule under it, only its date tells it from a lead headline."""
    masthead = _region(RegionType.body, [("THE MORNING LEDGER", 300, 20, 1000, 150)])
    date_line = _region(RegionType.body, [("Sunday, March 2, 1851", 440, 170, 860, 222)])
    rule = _rule(60, 240, 1240)
    headline = _heading("Bridge Closes", 100, 270, 70)
    columns = [_column(100 + 320 * k, 360, 30) for k in range(3)]
    page = _segment([masthead, date_line, rule, headline, *columns])
    typed = {r.id: r.type for r in page.regions}
    assert typed[date_line.id] == RegionType.masthead
    assert _owner(page, date_line) is None
    assert {_owner(page, c) for c in columns} == {_owner(page, headline)}


def test_a_headline_wrapped_a_word_a_line_in_a_narrow_column_is_a_headline() -> None:
    """Seven lines of type half as large again as the body, over its byline and text: a headline, not text."""
    words = ["Small", "Orchards", "Turn to", "Drones", "as Labor", "Grows", "Scarce"]
    headline = _region(RegionType.body, [(w, 100, 100 + 52 * k, 100 + 23 * len(w), 146 + 52 * k)
                                         for k, w in enumerate(words)])
    byline = _region(RegionType.body, [("By Thomas Whitfield", 100, 480, 390, 510)])
    column = _column(100, 540, 25)
    before = _heading("Council Votes", 420, 100, 70)
    other = _column(420, 190, 35)
    page = _segment([before, other, headline, byline, column])
    typed = {r.id: r.type for r in page.regions}
    assert typed[headline.id] == RegionType.headline
    assert _owner(page, column) == _owner(page, headline) != _owner(page, other)


def test_a_quoted_headline_under_a_storys_rule_at_a_column_top_is_no_pull_quote() -> None:
    """A rule across the columns over it opens a story; text over that rule is the story above's, not the text a
    pull quote would be set inside."""
    first = _heading("Harbour Dredging Starts", 100, 100, 70)
    first_columns = [_column(100 + 320 * k, 190, 12) for k in range(3)]
    rule = _rule(60, 640, 1240)
    quoted = _region(RegionType.body, [("\u201cHome\u201d Library", 100, 665, 370, 701),
                                       ("Opens Its Doors", 100, 707, 370, 743)])
    deck = _region(RegionType.body, [("Three hundred reading rooms", 100, 755, 380, 789)])
    columns = [_column(100 + 320 * k, 820, 20) for k in range(3)]
    page = _segment([first, *first_columns, rule, quoted, deck, *columns])
    typed = {r.id: r.type for r in page.regions}
    assert typed[quoted.id] == RegionType.headline
    assert _owner(page, columns[0]) == _owner(page, quoted) != _owner(page, first_columns[0])


def test_a_teasers_label_and_pointer_set_in_other_types_stay_one_teaser() -> None:
    teaser = _region(RegionType.body, [("SCHOOLS", 100, 100, 220, 122),
                                       ("A four-day week, one year on", 100, 128, 520, 160),
                                       ("See page A4", 100, 166, 260, 188)])
    headline = _heading("Bridge Closes", 100, 260, 70)
    columns = [_column(100 + 320 * k, 350, 30) for k in range(3)]
    page = _segment([teaser, headline, *columns])
    assert [r.type for r in page.regions if r.text.startswith("SCHOOLS")] == [RegionType.teaser]
    assert len(page.articles) == 1


def test_a_smaller_headline_under_a_rule_across_the_page_heads_its_own_story() -> None:
    """Under a larger headline over a picture with no text between, a smaller heading could be its pull quote;
    a rule across the page between them parts the two stories."""
    lead = _heading("River Works Finish On Time", 100, 300, 90)
    picture = Region(id=f"r{next(_ids)}", type=RegionType.figure, polygon=Polygon.from_box(420, 410, 1200, 1140),
                     confidence=0.9, detector_label="figure")
    lead_text = _column(100, 410, 20)
    rule = _rule(60, 1200, 1240)
    second = _heading("Library Opens Late", 420, 1230, 60)
    columns = [_column(100 + 320 * k, 1310, 15) for k in range(3)]
    page = _segment([lead, picture, lead_text, rule, second, *columns])
    typed = {r.id: r.type for r in page.regions}
    assert typed[second.id] == RegionType.headline
    assert _owner(page, columns[1]) == _owner(page, second) != _owner(page, lead)


def test_a_jump_line_on_two_lines_heads_no_story() -> None:
    headline = _heading("Bridge Closes", 100, 100, 70)
    column = _column(100, 190, 20)
    jump = _region(RegionType.body, [("Continued on", 120, 930, 400, 972), ("A6", 120, 980, 170, 1022)])
    other = _column(420, 190, 20)
    page = _segment([headline, column, jump, other])
    assert next(r.type for r in page.regions if r.id == jump.id) != RegionType.headline
    assert len(page.articles) == 1


def test_an_advertisement_set_without_a_frame_is_one_advertisement_outside_the_stories() -> None:
    """Lines in several sizes of type, a price and a phone number, no sentence: no headline over its text."""
    headline = _heading("Bridge Closes", 100, 100, 70)
    columns = [_column(100 + 320 * k, 190, 25) for k in range(2)]
    advert = _region(RegionType.body, [("RIVERSIDE HOME STORE", 740, 200, 1200, 262),
                                       ("Winter sale on every sofa and bed", 740, 280, 1200, 310),
                                       ("From $499", 740, 330, 1000, 398),
                                       ("Call 555-0142 or visit riversidehome.com", 740, 420, 1200, 446)])
    page = _segment([headline, *columns, advert])
    ads = [r for r in page.regions if "RIVERSIDE" in r.text]
    assert [r.type for r in ads] == [RegionType.advertisement] and "Call 555-0142" in ads[0].text
    assert len(page.articles) == 1 and _owner(page, ads[0]) is None


def _frame(x0: float, y0: float, x1: float, y1: float) -> list[Region]:
    """A box closed by four printed rules."""
    def rule(box: tuple[float, float, float, float], label: str) -> Region:
        return Region(id=f"r{next(_ids)}", type=RegionType.separator, polygon=Polygon.from_box(*box),
                      confidence=0.9, detector_label=label)
    return [rule((x0, y0, x1, y0 + 3), "rule-horizontal"), rule((x0, y1 - 3, x1, y1), "rule-horizontal"),
            rule((x0, y0, x0 + 3, y1), "rule-vertical"), rule((x1 - 3, y0, x1, y1), "rule-vertical")]


def _conserved(page: Page) -> None:
    """Every region of article text is in exactly one article."""
    claimed = [rid for article in page.articles for rid in article.region_ids]
    content = [r.id for r in page.regions if r.lines and r.type not in OUTSIDE_ARTICLE_TYPES]
    assert all(claimed.count(rid) == 1 for rid in content), [r for r in content if claimed.count(r) != 1]
    assert not any(f.code == "text-outside-articles" for f in page.flags)


def test_a_rule_under_the_headline_block_does_not_end_the_story() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    byline = _region(RegionType.body, [("By Mary Smith", 100, 190, 300, 220)])
    rule = _rule(90, 240, 1040)  # the rule many papers draw between the head block and the text
    columns = [_column(100 + 320 * k, 262, 20) for k in range(3)]
    page = _segment([headline, byline, rule, *columns])
    _conserved(page)
    assert len(page.articles) == 1 and all(_owner(page, c) == page.articles[0].id for c in columns)
    assert page.articles[0].paragraphs


def test_a_rule_between_two_stories_still_ends_the_first() -> None:
    first = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    first_text = [_column(100 + 320 * k, 200, 12) for k in range(3)]
    rule = _rule(90, 660, 1040)
    second = _heading("Old Rail Line Reopens", 100, 690, 70)
    second_text = [_column(100 + 320 * k, 790, 12) for k in range(3)]
    page = _segment([first, *first_text, rule, second, *second_text])
    _conserved(page)
    assert {_owner(page, c) for c in first_text} == {_owner(page, first)}
    assert {_owner(page, c) for c in second_text} == {_owner(page, second)} != {_owner(page, first)}


def test_text_before_any_headline_is_an_untitled_article_and_nothing_is_left_out() -> None:
    rest = _column(100, 100, 10)  # the rest of a story from another page, at the top of the page
    headline = _heading("Old Rail Line Reopens", 100, 520, 70)
    under = _column(100, 620, 10)
    page = _segment([rest, headline, under])
    _conserved(page)
    untitled = next(a for a in page.articles if rest.id in a.region_ids)
    assert untitled.headline_region_id is None and untitled.title_from == "text"
    assert untitled.title.endswith("…") and untitled.paragraphs
    assert _owner(page, under) == _owner(page, headline) != untitled.id


def test_a_block_with_no_headline_over_its_column_continues_the_story_before_it() -> None:
    headline = _heading("Harbour Dredging Starts", 100, 100, 60)  # over the first column only
    first = _column(100, 180, 30)
    # The second column runs on from the first; its top is far below the headline's, so it is not "beside" it.
    second = _column(420, 600, 20)
    page = _segment([headline, first, second])
    _conserved(page)
    assert _owner(page, second) == _owner(page, first) == _owner(page, headline)


def test_a_framed_roundtable_is_a_story_with_every_turn() -> None:
    frame = _frame(80, 80, 1060, 1500)
    headline = _heading("新质生产力释放高质量发展新动能", 120, 120, 70)
    note = _region(RegionType.body, [("编者按：今年9月，习近平总书记提出了一个全新的概念。", 120, 220, 1000, 250)])
    turns = [_region(RegionType.body, [(f"嘉宾{k}：新质生产力是创新起主导作用的先进生产力质态。", 120 + 320 * k,
                                        300 + 36 * j, 400 + 320 * k, 330 + 36 * j) for j in range(25)])
             for k in range(3)]
    page = _segment([*frame, headline, note, *turns])
    _conserved(page)
    assert {_owner(page, t) for t in turns} == {_owner(page, headline)} == {_owner(page, note)}
    assert not any(r.type in (RegionType.sidebar, RegionType.advertisement) for r in page.regions
                   if r.id in {t.id for t in turns})


def test_a_framed_box_without_a_headline_is_a_sidebar_of_the_story_around_it() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    columns = [_column(100, 200, 30), _column(740, 200, 30)]
    frame = _frame(410, 200, 730, 700)
    box = _region(RegionType.body, [("x" * 18, 430, 220 + 36 * k, 710, 250 + 36 * k) for k in range(10)])
    page = _segment([headline, *columns, *frame, box])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == box.id) == RegionType.sidebar
    assert _owner(page, box) == _owner(page, headline)


def test_a_one_line_headline_cut_at_a_full_width_comma_is_one_headline() -> None:
    left = _region(RegionType.headline, [("稳就业，", 300, 100, 540, 180)])
    right = _region(RegionType.headline, [("惠民生", 620, 100, 860, 180)])
    columns = [_column(100 + 320 * k, 220, 20) for k in range(3)]
    page = _segment([left, right, *columns])
    _conserved(page)
    heads = [r for r in page.regions if r.type == RegionType.headline]
    assert [r.text for r in heads] == ["稳就业，惠民生"] and len(page.articles) == 1


def test_two_stories_headlines_side_by_side_stay_two() -> None:
    left = _region(RegionType.headline, [("Port Deal", 100, 100, 380, 160)])
    right = _region(RegionType.headline, [("New Mayor", 420, 100, 700, 160)])
    columns = [_column(100, 200, 20), _column(420, 200, 20)]
    page = _segment([left, right, *columns])
    assert len([r for r in page.regions if r.type == RegionType.headline]) == 2 and len(page.articles) == 2


def test_a_kicker_over_a_headline_at_the_top_of_the_page_is_no_running_header() -> None:
    kicker = _region(RegionType.body, [("SPECIAL REPORT", 100, 60, 400, 92)])
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    columns = [_column(100 + 320 * k, 200, 40) for k in range(3)]
    page = _segment([kicker, headline, *columns])
    assert next(r.type for r in page.regions if r.id == kicker.id) == RegionType.kicker
    assert _owner(page, kicker) == _owner(page, headline)


def test_a_pull_quote_between_two_rules_at_the_top_of_a_column_is_a_pull_quote() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    left = _column(100, 200, 30)
    rules = [_rule(420, 200, 700), _rule(420, 330, 700)]
    quote = _region(RegionType.body, [("“We cannot keep asking", 430, 215, 690, 250),
                                      ("the same three blocks”", 430, 265, 690, 300)])
    right = _column(420, 350, 25)
    page = _segment([headline, left, *rules, quote, right])
    assert next(r.type for r in page.regions if r.id == quote.id) == RegionType.pull_quote
    _conserved(page)
    assert _owner(page, quote) == _owner(page, left) == _owner(page, right)


def test_columns_of_text_the_layout_model_boxed_as_a_table_are_the_story() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    left, right = _column(100, 200, 20), _column(420, 200, 20)
    table = Region(id=f"r{next(_ids)}", type=RegionType.table, polygon=Polygon.from_box(100, 200, 700, 920),
                   confidence=0.9, detector_label="table",
                   lines=[line.model_copy(update={"id": f"t-l{k}"}) for k, line in
                          enumerate([ln for pair in zip(left.lines, right.lines, strict=True) for ln in pair])])
    page = _segment([headline, table])
    _conserved(page)
    assert not any(r.type == RegionType.table for r in page.regions)
    [article] = page.articles
    assert sum(len(p.line_ids) for p in article.paragraphs) == 40


def test_body_size_centred_capitals_between_dash_rules_head_the_items_of_an_1850_page() -> None:
    """Five narrow columns; each item opens with a centred heading in capitals of the body's own size."""
    regions: list[Region] = []
    heads = []
    for k in range(5):
        x0, y = 100 + 240 * k, 100
        for item in range(3):
            head = _region(RegionType.body, [(f"FOREIGN NEWS {item}", x0 + 50, y, x0 + 170, y + 30)])
            text = _column(x0, y + 50, 12, width=220)
            regions += [head, text]
            heads.append((head, text))
            y += 50 + 36 * 12 + 20
            regions.append(_rule(x0 + 70, y, x0 + 150))  # the short rule between items
            y += 30
    page = _segment(regions)
    _conserved(page)
    assert all(next(r.type for r in page.regions if r.id == h.id) == RegionType.headline for h, _ in heads)
    assert len(page.articles) == 15
    assert all(_owner(page, text) == _owner(page, head) for head, text in heads)


def test_a_modern_headline_only_a_third_larger_than_the_body_is_a_headline() -> None:
    headline = _region(RegionType.body, [("Council backs the floodwall plan", 100, 100, 620, 140)])  # 40 px on 30
    columns = [_column(100 + 320 * k, 170, 30) for k in range(2)]
    page = _segment([headline, *columns])
    assert next(r.type for r in page.regions if r.id == headline.id) == RegionType.headline
    _conserved(page)
    assert len(page.articles) == 1 and page.articles[0].title == "Council backs the floodwall plan"


def test_an_english_panel_list_with_semicolons_under_a_roundtable_headline_is_its_byline() -> None:
    headline = _heading("Library Ends Late Fines", 100, 100, 60)
    names = ["Moderator: Marcus Hale, staff writer", "Panel: Tom Brandt, city planner; Ruth Okafor,",
             "professor of economics; Sam Iwata, union organizer"]
    block = _region(RegionType.body, [(text, 100, 180 + 36 * k, 100 + 12 * len(text), 210 + 36 * k)
                                      for k, text in enumerate(names)])
    page = _segment([headline, block, _column(100, 320, 12), _column(420, 320, 12)])
    assert next(r.type for r in page.regions if r.id == block.id) == RegionType.byline


def test_columns_left_of_a_headline_centred_over_the_middle_of_its_story_join_it() -> None:
    """A story under a headline centred over its middle columns starts all its columns on one line."""
    upper = _heading("Small Orchards Turn to Drones", 100, 100, 70)
    upper_text = [_column(100 + 320 * k, 200, 12) for k in range(4)]
    rule = _rule(90, 660, 1400)
    headline = _heading("Harbour Opens", 420, 690, 80)
    columns = [_column(100 + 320 * k, 810, 14) for k in range(4)]  # the first column is under no head
    page = _segment([upper, *upper_text, rule, headline, *columns])
    story = _owner(page, headline)
    assert story is not None and all(_owner(page, column) == story for column in columns)
    assert all(_owner(page, column) == _owner(page, upper) != story for column in upper_text)


def test_a_heading_nearly_as_large_as_the_headline_straight_over_it_is_its_kicker() -> None:
    kicker = _heading("Ridership beats forecasts", 100, 100, 48)
    headline = _heading("Old Rail Corridor Finds New Life", 100, 152, 60)
    columns = [_column(100 + 320 * k, 240, 14) for k in range(3)]
    page = _segment([kicker, headline, *columns])
    assert next(r.type for r in page.regions if r.id == kicker.id) == RegionType.kicker
    assert len(page.articles) == 1


def test_a_line_with_no_height_neither_stops_typing_nor_loses_its_text() -> None:
    """A box cut off at the page's edge may have no height; it measures no type and stays in its block."""
    headline = _heading("Council Votes", 100, 100, 70)
    column = _column(100, 200, 12)
    cut = _region(RegionType.caption, [("A city bus waits at the", 100, 650, 400, 650),
                                       ("terminal.", 100, 650, 250, 650)])
    page = _segment([headline, column, cut])
    assert page.status != "failed" and page.articles
    assert any("terminal." in p.text for a in page.articles for p in a.paragraphs)


def test_body_size_lines_over_a_headline_across_a_rule_end_the_story_above() -> None:
    """The last lines of a story, set apart over the rule that ends it, are no kicker of the headline under the rule."""
    first = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    first_text = [_column(100 + 320 * k, 200, 10) for k in range(3)]
    last_lines = _region(RegionType.body, [("the council will vote on", 100, 614, 380, 644),
                                           ("the plan again next month", 100, 650, 380, 680)])
    rule = _rule(90, 700, 390)
    second = _heading("Rail Reopens", 100, 716, 40)  # over one column
    second_text = [_column(100, 776, 10)]
    page = _segment([first, *first_text, last_lines, rule, second, *second_text])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == last_lines.id) != RegionType.kicker
    assert _owner(page, last_lines) == _owner(page, first) != _owner(page, second)


def test_a_dateline_under_a_byline_goes_with_its_own_headline_not_the_next_a_rule_below() -> None:
    first = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    byline = _region(RegionType.body, [("By Mary Smith", 100, 190, 300, 220)])
    dateline = _region(RegionType.body, [("LONDON, March 3", 100, 228, 330, 258)])
    beside = [_column(420 + 320 * k, 190, 16) for k in range(2)]  # the story's text runs in the next columns
    rule = _rule(90, 282, 390)
    second = _heading("Rail Line Reopens", 100, 300, 70)
    second_text = _column(100, 400, 12)
    page = _segment([first, byline, dateline, *beside, rule, second, second_text])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == dateline.id) == RegionType.dateline
    assert _owner(page, dateline) == _owner(page, byline) == _owner(page, first) != _owner(page, second)


def test_a_continued_from_line_flush_left_under_a_centred_headline_stays_in_its_story() -> None:
    """The rest of a story from another page under its own jump headline: the jump line is that story's."""
    headline = _heading("Council Backs Barrier", 245, 100, 60)  # centred over three columns
    jump = _region(RegionType.body, [("(Continued from page 2)", 100, 194, 360, 224)])
    columns = [_column(100 + 320 * k, 250, 14) for k in range(3)]
    page = _segment([headline, jump, *columns])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == jump.id) == RegionType.teaser
    assert len(page.articles) == 1, "no untitled story opened by the jump line"
    assert all(_owner(page, column) == _owner(page, headline) for column in columns)


def test_text_under_a_picture_captioned_above_it_in_another_face_is_the_column_running_on() -> None:
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    top = _column(100, 200, 6)
    caption = _region(RegionType.body, [("The new barrier seen from the", 100, 420, 380, 442),  # smaller type
                                        ("east bank on Monday.", 100, 448, 300, 470)])
    figure = Region(id=f"r{next(_ids)}", type=RegionType.figure, polygon=Polygon.from_box(100, 480, 380, 700),
                    confidence=0.9, detector_label="figure")
    under = _region(RegionType.body, [("x" * 18, 100, 716 + 36 * k, 380, 746 + 36 * k) for k in range(4)])
    others = [_column(420 + 320 * k, 200, 20) for k in range(2)]
    page = _segment([headline, top, caption, figure, under, *others])
    _conserved(page)
    types = {r.id: r.type for r in page.regions}
    assert types[caption.id] == RegionType.caption and types[under.id] == RegionType.body
    assert len(page.articles) == 1


def _lines_of(page: Page, region: Region) -> list[str]:
    return [line.text for r in page.regions if r.id == region.id for line in r.lines]


def test_a_quote_whose_lines_lack_descenders_stays_one_block() -> None:
    """Ink-tight line boxes: a line with no descending letters is shorter, and the white under it looks wider."""
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    # 15 px a character throughout: one type, one line pitch. The second line has no descenders.
    quote = _region(RegionType.body, [("An inspection of the spring", 100, 200, 505, 230),
                                      ("found cracks in the beams", 100, 236, 475, 260),
                                      ("that hold up the deck, as", 100, 272, 475, 302),
                                      ("they say in June", 100, 308, 340, 338)])
    columns = [_column(100, 360, 14), *(_column(420 + 320 * k, 200, 18) for k in range(2))]
    page = _segment([headline, quote, *columns])
    _conserved(page)
    lines = _lines_of(page, quote)
    assert lines[:4] == [line.text for line in quote.lines], "not split where a box stops at the baseline"


def test_a_credit_line_under_a_picture_is_no_section_label_nor_are_a_storys_last_words() -> None:
    headline = _heading("江海港自动化码头迎来满负荷运行", 100, 100, 60)
    text = _column(100, 190, 8)
    figure = Region(id=f"r{next(_ids)}", type=RegionType.figure, polygon=Polygon.from_box(420, 190, 700, 420),
                    confidence=0.9, detector_label="figure")
    credit = _region(RegionType.body, [("本报记者 李想 摄", 540, 426, 700, 446)])
    last_words = _region(RegionType.body, [("goes on.", 100, 530, 220, 560)])  # set apart from its column
    second = _heading("千亩稻田开镰", 100, 600, 60)
    under = [_column(100 + 320 * k, 690, 8) for k in range(3)]
    page = _segment([headline, text, figure, credit, last_words, second, *under])
    _conserved(page)
    types = {r.id: r.type for r in page.regions}
    assert types[credit.id] == RegionType.caption and types[last_words.id] == RegionType.body


def test_a_byline_flush_left_under_a_short_headline_centred_over_its_story_is_its_byline() -> None:
    """Chinese headlines are short: centred over four columns, the headline ends far from the byline's column."""
    headline = _heading("地铁九号线一期开通城东西通勤", 480, 100, 60)  # 420 px wide, centred over 100-1280
    byline = _region(RegionType.body, [("本报记者 黄晓东", 100, 172, 235, 197)])
    columns = [_column(100 + 300 * k, 240, 10, width=280) for k in range(4)]
    page = _segment([headline, byline, *columns])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == byline.id) == RegionType.byline
    assert len(page.articles) == 1 and _owner(page, byline) == _owner(page, headline)


def test_a_pull_quote_at_a_column_top_under_the_headlines_own_rule_stays_in_its_story() -> None:
    headline = _heading("Library Ends Fines, and the Borrowers Return", 100, 100, 60)
    rule = _rule(90, 180, 1040)  # the headline's own rule, across the page
    quote = _region(RegionType.body, [("Fines kept out", 420, 210, 700, 256),  # half as large again, centred
                                      ("the people we", 430, 262, 690, 308),
                                      ("most wanted", 450, 314, 670, 360)])
    beside = [_column(100, 200, 20), _column(740, 200, 20)]
    under = _column(420, 400, 14)
    page = _segment([headline, rule, quote, *beside, under])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == quote.id) == RegionType.pull_quote
    assert len(page.articles) == 1


def test_a_speakers_label_on_a_line_of_its_own_opens_a_turn_and_heads_no_item() -> None:
    headline = _heading("Riverside Barrier: Four Voices", 100, 100, 70)
    turn = _region(RegionType.body, [("MODERATOR:", 170, 200, 310, 230),  # centred by its indent and shortness
                                     *(("x" * 18, 100, 236 + 36 * k, 380, 266 + 36 * k) for k in range(12))])
    others = [_column(420 + 320 * k, 200, 13) for k in range(2)]
    page = _segment([headline, turn, *others])
    _conserved(page)
    assert _lines_of(page, turn)[0] == "MODERATOR:" and len(_lines_of(page, turn)) == 13
    assert len(page.articles) == 1


def test_a_short_label_with_a_rule_running_on_from_it_is_a_sections_banner() -> None:
    above = [_heading("江海港自动化码头迎来满负荷运行", 100, 100, 60), _column(100, 190, 5)]
    label = _region(RegionType.body, [("文化", 100, 400, 160, 436)])  # set larger than the body, alone on its row
    banner = _rule(176, 417, 1040)
    continued = _region(RegionType.teaser, [("（上接第8版）", 100, 460, 240, 486)])
    columns = [_column(100 + 320 * k, 510, 8) for k in range(3)]
    headline = _heading("地铁九号线一期开通城东城西通勤缩短", 100, 840, 60)
    under = [_column(100 + 320 * k, 930, 10) for k in range(3)]
    page = _segment([*above, label, banner, continued, *columns, headline, *under])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == label.id) == RegionType.section
    assert _owner(page, label) is None and _owner(page, columns[0]) != _owner(page, headline)


def test_a_headline_wrapped_in_a_narrow_column_at_a_full_width_comma_stays_one_headline() -> None:
    """整治， ends at the comma's ink, a fraction into its em: counted whole, its characters measured a quarter
    narrower than the lines round it, and the line was split off as type of another size."""
    rows = [("城市河", 0, 57), ("道综合", 64, 57), ("整治，", 128, 65), ("水清岸", 193, 58), ("绿景色", 258, 58)]
    headline = _region(RegionType.body, [(text, 100, 900 + y, 100 + (125 if text.endswith("，") else 165),
                                          900 + y + height) for text, y, height in rows])
    byline = _region(RegionType.body, [("本报记者 赵明", 100, 1240, 220, 1265)])
    column = _column(100, 1300, 12, width=165)
    beside = [_column(300 + 200 * k, 900, 22, width=165) for k in range(2)]
    page = _segment([headline, byline, column, *beside])
    _conserved(page)
    assert _lines_of(page, headline) == [text for text, _, _ in rows]
    assert next(r.type for r in page.regions if r.id == headline.id) == RegionType.headline


def _vertical_segment(regions: list[Region]) -> Page:
    """A vertical page already seen turned (working frame = source here): columns lie as 30 px rows, a tier of the
    page is a run across x. The articles stage alone, in the regions' order."""
    page = Page(id="pv", source="pv.png", width=2600, height=1000, writing_mode="vertical-rl", regions=regions)
    return Articles()(page.model_copy(update={"reading_order": [r.id for r in regions]}))


def _rows(x0: float, x1: float, y0: float, rows: int) -> Region:
    """Body columns of a vertical page, seen turned: rows 30 px high from x0 to x1."""
    return _region(RegionType.body, [("字" * int((x1 - x0) / 30), x0, y0 + 36 * k, x1, y0 + 36 * k + 30)
                                     for k in range(rows)])


def test_a_vertical_head_claims_no_block_reaching_up_past_its_tier() -> None:
    """The end of a story in the tier above, set round the next story's head: its columns start far above the
    head's top, and the head over part of them is not theirs (晶報: 日捕加薪's end under 江海關's head)."""
    upper = _heading("公共租界日捕加薪與西捕同待遇", 400, 100, 60)
    upper_body = _rows(400, 900, 170, 6)
    head = _heading("江海關對外貿易", 1000, 100, 100)
    own = _rows(1000, 1400, 210, 5)
    run_on = _rows(400, 1300, 420, 5)  # a third of it under the head, starting twenty characters above its top
    page = _vertical_segment([upper, upper_body, head, own, run_on])
    _conserved(page)
    assert _owner(page, own) == _owner(page, head) and _owner(page, run_on) == _owner(page, upper)


def test_a_vertical_head_claims_no_block_running_mostly_outside_its_tier() -> None:
    """A head set over the first characters of a block that runs on through the tier below heads none of it."""
    head = _heading("江海關對外貿易第一季統計", 1000, 100, 100)
    own = _rows(1000, 1600, 210, 5)
    other = _heading("淪陷區公產傳維新政府有接收說", 1300, 100, 60)
    below = _rows(1300, 2500, 420, 5)  # a quarter of its run within the head's
    page = _vertical_segment([head, own, other, below])
    _conserved(page)
    assert _owner(page, below) == _owner(page, other) != _owner(page, head)


def test_a_vertical_storys_end_wrapped_into_the_next_tier_skips_the_head_set_after_it() -> None:
    """The end of a story run on to the start of the tier below, before that tier's first head: it continues the
    story above, not the one whose head follows it (晶報: 秦潤卿's end before 潘承坰's head)."""
    head = _heading("秦潤卿有子不肖", 400, 100, 60)
    own = _rows(400, 900, 170, 10)
    tail = _rows(1000, 1400, 170, 6)  # the next tier's first columns, under no head
    later = _heading("潘承坰昨被擲糞", 1000, 420, 60)
    later_body = _rows(1000, 1400, 490, 6)
    page = _vertical_segment([head, own, later, later_body, tail])
    _conserved(page)
    assert _owner(page, tail) == _owner(page, head) != _owner(page, later_body)


@pytest.mark.parametrize(("broken_off", "going_on"), [
    ("argued that the path could", "become an attraction in its"),
    # The wing cost / [quote] / $9 million, raised...: what goes on opens with a figure, not a lower-case letter.
    ("and the wing cost", "$9 million, raised mostly by"),
])
def test_a_quote_on_a_tint_that_a_sentence_runs_across_is_a_pull_quote_of_the_story(broken_off: str,
                                                                                    going_on: str) -> None:
    """The tint's margins set it further from the text than `stacked_gap`: the sentence broken off over it and going
    on under it, without a capital, tells that it stands inside the story's text."""
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    upper = _region(RegionType.body, [*(("x" * 18, 100, 200 + 36 * k, 380, 230 + 36 * k) for k in range(7)),
                                      (broken_off, 100, 452, 380, 482)])
    quote = _region(RegionType.body, [("We cannot keep", 115, 545, 365, 587),  # larger type, centred, no stop
                                      ("asking the same", 110, 593, 370, 635),
                                      ("three blocks", 135, 641, 345, 683)])
    lower = _region(RegionType.body, [(going_on, 100, 745, 380, 775),
                                      *(("x" * 18, 100, 781 + 36 * k, 380, 811 + 36 * k) for k in range(8))])
    others = [_column(420 + 320 * k, 200, 24) for k in range(2)]
    page = _segment([headline, upper, quote, lower, *others])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == quote.id) == RegionType.pull_quote
    assert len(page.articles) == 1


# -- Round 10: ink-tight line boxes, wrapped heads and decks, masthead rules, quotes inside a column's text --------
GLYPH_SHARE = {"both": 1.0, "up": 0.84, "neither": 0.67}
"""Share of its type's height a line's ink covers, by which way its glyphs reach (measure.glyph_profile)."""


def _inked(text: str, x0: float, top: float, per_char: float, full: float) -> tuple[str, float, float, float, float]:
    """An ink-tight line box: as tall as the type where the glyphs reach up and down; a line with no descender stops
    at its baseline, one of x-height letters (as) at the x-height too."""
    from broadsheet.stages.typing.measure import glyph_profile

    share = GLYPH_SHARE[glyph_profile(text) or "both"]
    offset = 0.17 * full if share < GLYPH_SHARE["up"] else 0.0
    return (text, x0, top + offset, x0 + per_char * len(text), top + offset + share * full)


def _inked_column(x0: float, y0: float, rows: int) -> Region:
    """Body text in ink-tight boxes: 30 px type, 36 px pitch, lines with descenders and lines without by turns."""
    texts = ["body copy by day", "the bald kite hit"]
    return _region(RegionType.body, [_inked(texts[k % 2], x0, y0 + 36 * k, 17.5, 30) for k in range(rows)])


def test_a_wrapped_headline_line_of_x_height_letters_is_measured_in_its_headlines_type() -> None:
    """Cooling / Centers / as / Heat / Builds: "as" inks only its x-height, a third less than its type; on a page whose
    line boxes are ink-tight (its body lines without descenders are a sixth shorter) it is the headline's size."""
    words = ["Cooling", "Centers", "as", "Heat", "Builds"]
    headline = _region(RegionType.body, [_inked(w, 100, 100 + 62 * k, 34, 54) for k, w in enumerate(words)])
    column = _inked_column(100, 430, 30)
    others = [_inked_column(420 + 320 * k, 100, 40) for k in range(2)]
    before = _heading("Council Votes to Expand Bus Service", 420, 30, 50)
    page = _segment([before, *others, headline, column])
    _conserved(page)
    [head] = [r for r in page.regions if r.type == RegionType.headline and r.text.startswith("Cooling")]
    assert [line.text for line in head.lines] == words, "one headline, not cut at its x-height line"
    assert _owner(page, column) == _owner(page, head) != _owner(page, others[0])


def test_a_headline_wrapped_over_ten_lines_of_a_word_each_is_a_headline() -> None:
    """Headline type past `display_max_lines`, a word a line: a headline wrapped in a narrow column, not text."""
    words = ["Ferry", "Supply", "Lights", "Keep", "Dying", "Nightly", "Boys", "Play", "High", "Jumps"]
    headline = _region(RegionType.body, [(w, 100, 100 + 58 * k, 100 + 26 * len(w), 152 + 58 * k)
                                         for k, w in enumerate(words)])
    column = _column(100, 700, 20)
    before = _heading("Council Votes", 420, 100, 70)
    other = _column(420, 190, 40)
    page = _segment([before, other, headline, column])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == headline.id) == RegionType.headline
    assert _owner(page, column) == _owner(page, headline) != _owner(page, other)


def test_a_pull_quote_set_large_all_along_is_not_cut_at_its_short_centred_first_lines() -> None:
    """Its short first lines are centred over a wider one, but in the type of all the rest: they head none of it."""
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    upper = _column(100, 200, 8)
    # 42 px type, 18 px a character: larger than the body (30 px, 15 px) throughout.
    quote = _region(RegionType.body, [("Keep the pay", 132, 520, 348, 562),
                                      ("high and dry", 132, 570, 348, 612),
                                      ("they said by the", 100, 620, 388, 662),
                                      ("jetty on the day", 100, 670, 388, 712),
                                      ("it had its way.", 100, 720, 388, 762)])
    lower = _column(100, 800, 10)
    others = [_column(420 + 320 * k, 200, 24) for k in range(2)]
    page = _segment([headline, upper, quote, lower, *others])
    _conserved(page)
    assert _lines_of(page, quote) == [line.text for line in quote.lines], "one block, not a head over the rest"
    assert len(page.articles) == 1


def test_a_kicker_under_the_rule_below_the_masthead_lines_is_the_first_storys() -> None:
    """Masthead, its date line, a rule across the page, then the lead story's kicker: the rule ends the masthead."""
    masthead = _region(RegionType.body, [("THE MORNING LEDGER", 300, 20, 1000, 150)])
    date_line = _region(RegionType.body, [("Sunday, October 13, 2024", 450, 170, 850, 200)])
    rule = _rule(60, 215, 1240)
    kicker = _region(RegionType.body, [("Farmers say the contracts give them a buyer", 180, 235, 825, 265)])
    headline = _heading("Schools Add Local Produce", 150, 275, 70)
    columns = [_column(100 + 320 * k, 370, 30) for k in range(3)]
    page = _segment([masthead, date_line, rule, kicker, headline, *columns])
    _conserved(page)
    typed = {r.id: r.type for r in page.regions}
    assert typed[date_line.id] == RegionType.masthead
    assert typed[kicker.id] == RegionType.kicker
    assert _owner(page, kicker) == _owner(page, headline) == _owner(page, columns[0])


def test_a_deck_wrapped_over_five_lines_over_a_narrow_columns_headline_is_its_kicker() -> None:
    """Ridership on the / reopened line / beats forecasts / in its first month, straight over its headline, under
    the rule that ends the story above: the new story's deck, not the old one's last lines."""
    upper_head = _heading("Council Votes", 100, 100, 70)
    upper = [_column(100 + 320 * k, 190, 14) for k in range(3)]
    rule = _rule(90, 705, 1040)
    deck = _region(RegionType.body, [(t, 420, 725 + 36 * k, 420 + 16 * len(t), 757 + 36 * k) for k, t in
                                     enumerate(["Ridership on the", "reopened line", "beats forecasts",
                                                "in its first", "month"])])
    headline = _region(RegionType.headline, [(w, 420, 915 + 62 * k, 420 + 27 * len(w), 969 + 62 * k)
                                             for k, w in enumerate(["Old Rail", "Corridor", "Finds Life"])])
    column = _column(420, 1110, 20)
    page = _segment([upper_head, *upper, rule, deck, headline, column])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == deck.id) == RegionType.kicker
    assert _owner(page, deck) == _owner(page, headline) == _owner(page, column) != _owner(page, upper[1])


def test_a_quote_at_a_columns_top_over_text_in_lower_case_is_a_pull_quote_of_the_story() -> None:
    """A quote on a tint at the top of a story's column, under the rule below its head block, the column's text going
    on under it in lower case from the column before: no story opens mid-sentence under its head, so it heads none."""
    headline = _heading("Riverside Barrier Wins Approval", 100, 100, 70)
    byline = _region(RegionType.body, [("By Daniel Webb", 100, 180, 310, 210)])
    dateline = _region(RegionType.body, [("DENVER, March 23 —", 100, 218, 370, 248)])
    rule = _rule(90, 275, 1040)
    left = _region(RegionType.body, [*(("x" * 18, 100, 310 + 36 * k, 380, 340 + 36 * k) for k in range(20)),
                                     ("raised mostly from private", 100, 1030, 380, 1060)])
    quote = _region(RegionType.body, [("These are the", 445, 340, 675, 382),  # a tint's margin under the rule
                                      ("records of ordinary", 425, 388, 695, 430),
                                      ("people at work", 440, 436, 680, 478)])
    right = _region(RegionType.body, [("donors, the museum said.", 420, 540, 700, 570),
                                      *(("x" * 18, 420, 576 + 36 * k, 700, 606 + 36 * k) for k in range(12))])
    page = _segment([headline, byline, dateline, rule, left, quote, right])
    _conserved(page)
    assert next(r.type for r in page.regions if r.id == quote.id) == RegionType.pull_quote
    assert len(page.articles) == 1


def test_the_white_under_a_head_blocks_own_rule_ends_no_story_for_a_head_beside() -> None:
    """A one-column story's head, byline and rule, then space before its text; a wide headline to the left, level
    with that text: the white under the head's block is its own, not the end of its story, so its text is its own."""
    head = _heading("Ferry Returns", 740, 1000, 60)
    byline = _region(RegionType.body, [("By Olivia Grant", 740, 1070, 965, 1100)])
    rule = _rule(740, 1106, 1020)
    column = _column(740, 1150, 20)
    beside = _heading("Riverside Barrier", 100, 1140, 70)
    beside_columns = [_column(100 + 320 * k, 1230, 16) for k in range(2)]
    page = _segment([head, byline, rule, column, beside, *beside_columns])
    _conserved(page)
    assert _owner(page, column) == _owner(page, head) != _owner(page, beside_columns[1])
    assert _owner(page, beside_columns[0]) == _owner(page, beside)


def test_a_byline_under_the_jump_line_under_a_centred_headline_is_in_its_head_block() -> None:
    """Headline centred over the story's middle columns; flush left under it its jump line, then its byline, then the
    head's rule across the story: jump line and byline are lines of the head block, the rule under them is its own."""
    headline = _heading("Harbour Runs Day and Night", 420, 100, 70)
    jump = _region(RegionType.body, [("Continued from Page 14", 100, 180, 400, 210)])
    byline = _region(RegionType.body, [("By Wang Xiaoming", 100, 218, 340, 248)])
    rule = _rule(90, 262, 1360)
    columns = [_column(100 + 320 * k, 290, 24) for k in range(4)]
    page = _segment([headline, jump, byline, rule, *columns])
    _conserved(page)
    typed = {r.id: r.type for r in page.regions}
    assert typed[jump.id] == RegionType.teaser and typed[byline.id] == RegionType.byline
    assert len(page.articles) == 1
    assert {_owner(page, c) for c in columns} == {_owner(page, headline)} == {_owner(page, byline)}


def test_line_heights_are_corrected_for_glyphs_only_where_the_pages_boxes_are_clearly_ink_tight() -> None:
    """Lines without descenders a sixth shorter than those with (the generator's, Tesseract's boxes): corrected; only
    a twelfth shorter (padded vendor word boxes, as Topaz's): taken as they are."""
    from broadsheet.stages.typing.measure import glyph_shares, type_height

    def page_of(up_height: float) -> Page:
        rows = [("body copy by day", 100, 100 + 36 * k, 380, 130 + 36 * k) if k % 2 else
                ("the bald kite hit", 100, 100 + 36 * k, 380, 100 + 36 * k + up_height) for k in range(24)]
        return Page(id="pg", source="pg.png", width=1300, height=2000, regions=[_region(RegionType.body, rows)])

    config = TypingConfig()
    tight = page_of(25.2)
    assert abs(glyph_shares(tight, config)["up"] - 0.84) < 0.01
    assert abs(type_height(tight, tight.regions[0].lines[0], config) - 30) < 0.5
    loose = page_of(27.6)
    assert glyph_shares(loose, config) == {}
    assert abs(type_height(loose, loose.regions[0].lines[0], config) - 27.6) < 1e-6


def test_a_centred_capitals_heading_broken_over_a_short_word_line_inside_a_boxed_column_heads_its_item() -> None:
    """An 1850 column the layout model boxed whole; the second item's heading breaks as THE / LEGISLATURE., a line of
    three capitals (an acronym's length) over the rest. The heading, in capitals as a block, still heads its item."""
    x0, width = 100, 250
    rows = [("x" * 16, x0 + (30 if k == 0 else 0), 100 + 36 * k, x0 + width, 130 + 36 * k) for k in range(12)]
    y = 100 + 36 * 12 + 20
    rows += [("THE", x0 + 100, y, x0 + 150, y + 30), ("LEGISLATURE.", x0 + 30, y + 36, x0 + 220, y + 66)]
    rows += [("x" * 16, x0 + (30 if k == 0 else 0), y + 90 + 36 * k, x0 + width, y + 120 + 36 * k) for k in range(12)]
    column = _region(RegionType.body, rows)
    others = [_column(400 + 300 * k, 100, 30, width=250) for k in range(2)]
    page = _segment([_heading("CITY ITEMS.", 420, 40, 40), column, *others])
    _conserved(page)
    heads = [r for r in page.regions if r.type == RegionType.headline]
    assert any([line.text for line in r.lines] == ["THE", "LEGISLATURE."] for r in heads)
    item = next(a for a in page.articles if a.title == "THE LEGISLATURE.")
    holding = {round(line.polygon.bounds[1]): r.id for r in page.regions for line in r.lines
               if r.polygon.bounds[2] < 400}  # the boxed column's parts, not the columns beside it
    first, last = (round(line.polygon.bounds[1]) for line in (column.lines[0], column.lines[-1]))
    assert holding[first] not in item.region_ids, "the item above ends at the heading"
    assert holding[last] in item.region_ids
