"""How a page Tesseract segmented itself is put together: the engine's order of the regions, long s kept or folded."""

from __future__ import annotations

import numpy as np

from broadsheet.engines.base import EngineLine
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.stages.ocr import ENGINE_ORDER, engine_regions, fold_long_s
from broadsheet.stages.reading_order import ReadingOrder


def _region(region_id: str, box: tuple[float, float, float, float], text: str = "Text") -> Region:
    polygon = Polygon.from_box(*box)
    line = Line(id=f"{region_id}-l1", text=text, polygon=polygon, confidence=0.9, engine="tesseract",
                words=[Word(id=f"{region_id}-l1-w{k}", text=word, polygon=polygon, confidence=0.9)
                       for k, word in enumerate(text.split(), start=1)])
    return Region(id=region_id, type=RegionType.body, polygon=polygon, confidence=0.9, detector_label="text",
                  lines=[line])


def _page(regions: list[Region], order: list[str], ocr_settings: dict[str, str | int | float | bool | None]) -> Page:
    step = ProcessingStep(stage="ocr", software="tesseract", version="5", settings=ocr_settings)
    return Page(id="pg", source="pg.png", width=1000, height=1000, regions=regions, reading_order=order, steps=[step])


def _read(box: tuple[float, float, float, float], block: int) -> EngineLine:
    return EngineLine(text="Zeile", confidence=0.9, quad=Polygon.from_box(*box).points, words=(), block=block)


# A headline box over the right column only, beside a left column that runs the page's height: XY-cut reads the
# left column, then the headline and its column; the engine read the headline first.
LEFT, HEAD, RIGHT = (0, 100, 400, 900), (500, 100, 900, 200), (500, 250, 900, 900)


def test_the_engines_blocks_become_the_regions_in_its_order_typed_as_the_layout_box_they_lie_in() -> None:
    """A layout box run across both columns would gather the lines of both; the engine's blocks keep to each."""
    across = Region(id="pg-r1", type=RegionType.headline, polygon=Polygon.from_box(0, 100, 900, 200), confidence=0.8,
                    detector_label="title")
    rule = Region(id="pg-r2", type=RegionType.separator, polygon=Polygon.from_box(450, 100, 452, 900), confidence=0.9,
                  detector_label="line")
    page = Page(id="pg", source="pg.png", width=1000, height=1000, regions=[across, rule])
    read = [_read((510, 110, 890, 190), 0), _read((10, 110, 390, 150), 1), _read((10, 160, 390, 200), 1),
            _read((510, 260, 890, 300), 2)]
    regions = engine_regions(page, read, "tesseract")
    text = [r for r in regions if r.lines]
    assert [len(r.lines) for r in text] == [1, 2, 1]
    assert [r.type for r in text] == [RegionType.headline, RegionType.headline, RegionType.body]
    assert text[0].polygon.bounds[0] > 450 and text[1].polygon.bounds[2] < 450
    assert len({r.id for r in regions}) == len(regions) and rule in regions


def test_the_engines_order_stands_where_it_saw_the_whole_page_and_xy_cut_decides_elsewhere() -> None:
    figure = Region(id="fig", type=RegionType.figure, polygon=Polygon.from_box(0, 920, 900, 990), confidence=0.9,
                    detector_label="figure")
    regions = [_region("left", LEFT), _region("head", HEAD), _region("right", RIGHT), figure]
    engine = ["head", "left", "right"]
    assert ReadingOrder()(_page(regions, engine, {"reading_order": ENGINE_ORDER})).reading_order == [*engine, "fig"]
    assert ReadingOrder()(_page(regions, engine, {})).reading_order == ["left", "head", "right", "fig"]


def test_long_s_is_folded_to_s_in_lines_and_words_only_when_asked() -> None:
    region = _region("r", LEFT, "Das iſt ſehr gewiß")
    folded = fold_long_s(region)
    assert folded.text == "Das ist sehr gewiß"
    assert [w.text for w in folded.lines[0].words] == ["Das", "ist", "sehr", "gewiß"]
    assert region.text == "Das iſt ſehr gewiß"


def test_punctuation_specks_read_without_confidence_are_dropped_and_real_marks_kept() -> None:
    from broadsheet.engines.base import EngineWord
    from broadsheet.stages.ocr import without_punctuation_noise

    def word(text: str, x: float, confidence: float) -> EngineWord:
        return EngineWord(text=text, confidence=confidence, quad=Polygon.from_box(x, 0, x + 40, 30).points)

    line = EngineLine(text="", confidence=0.5, quad=Polygon.from_box(0, 0, 400, 30).points, block=3,
                      words=(word("<<“", 0, 0.2), word("Preis", 50, 0.9), word("–", 100, 0.95), word("5", 150, 0.1)))
    cleaned = without_punctuation_noise(line, "tesseract", 0.9)
    assert cleaned is not None and cleaned.text == "Preis – 5" and cleaned.block == 3
    assert cleaned.quad[0][0] == 50
    assert without_punctuation_noise(EngineLine("„", 0.2, line.quad, (word("„", 0, 0.2),)), "tesseract", 0.9) is None
    assert without_punctuation_noise(cleaned, "tesseract", 0.9) is cleaned


def test_a_part_typing_split_off_follows_the_region_above_it_in_its_column() -> None:
    """Typing cut the right column's block into a headline (the engine's id) and its text (a fresh id)."""
    regions = [_region("left", LEFT), _region("head", HEAD), _region("right-text", RIGHT)]
    page = _page(regions, ["head", "left"], {"reading_order": ENGINE_ORDER})
    assert ReadingOrder()(page).reading_order == ["head", "right-text", "left"]


def test_a_split_off_part_follows_its_own_column_not_a_neighbour_reaching_into_it() -> None:
    """NZZ 1943: the left column's box reaches a few pixels into the right column and runs further down than the
    right column's first line (typed a caption), which the rest of that column (a fresh id) follows."""
    regions = [_region("left", (0, 100, 420, 900)), _region("caption", (400, 100, 900, 140)),
               _region("right-rest", (400, 150, 900, 900))]
    page = _page(regions, ["left", "caption"], {"reading_order": ENGINE_ORDER})
    assert ReadingOrder()(page).reading_order == ["left", "caption", "right-rest"]


def test_fragments_are_not_joined_across_a_block_that_lies_between_them() -> None:
    """NZZ 1780: a story's first line, typed apart (a pull quote), lies between the story above and its own second
    line; joined to the story above, its second line would be read before it. With nothing between, they join."""
    from broadsheet.config import TypingConfig
    from broadsheet.stages.typing.blocks import merge_fragments

    upper, lead, rest = _region("upper", (0, 100, 400, 300)), _region("lead", (0, 296, 400, 334)), \
        _region("rest", (0, 330, 400, 500))
    lead = lead.model_copy(update={"type": RegionType.pull_quote})
    apart = merge_fragments(_page([upper, lead, rest], [], {}), 40.0, TypingConfig())
    assert [r.id for r in apart] == ["upper", "lead", "rest"]
    joined = merge_fragments(_page([upper, rest], [], {}), 40.0, TypingConfig())
    assert [r.id for r in joined] == ["upper"] and len(joined[0].lines) == 2


def _tesseract(**options: object) -> object:
    import pytest

    from broadsheet.config import TesseractConfig
    from broadsheet.engines.base import EngineUnavailableError
    from broadsheet.engines.tesseract import TesseractEngine

    try:
        return TesseractEngine(TesseractConfig(languages="eng", **options))
    except EngineUnavailableError as error:
        pytest.skip(f"no Tesseract here: {error}")


def _printed(height: int, width: int, margin: int) -> np.ndarray:
    """A white page with lines of black bars (words) inside `margin` px of paper."""
    page = np.full((height, width), 255, np.uint8)
    for top in range(margin, height - margin - 20, 40):
        for left in range(margin, width - margin - 60, 80):
            page[top:top + 20, left:left + 60] = 0
    return page


def test_a_page_read_whole_is_cropped_and_padded_only_where_it_has_paper_around_its_ink() -> None:
    from broadsheet.stages.ocr import whole_page_tiles

    engine = _tesseract()
    margined, filled = _printed(1000, 800, 120), _printed(1000, 800, 4)
    [tile] = whole_page_tiles(engine, margined) or []
    assert tile.left > 100 and tile.top > 100 and tile.right < 700  # the paper around the ink is cropped off
    assert whole_page_tiles(engine, filled) is None  # ink to the edges: given as scanned
    # The margin is measured against `pad_min_margin`; pad_whole_page off gives every page as scanned.
    assert whole_page_tiles(_tesseract(pad_min_margin=0.0), filled) is not None
    assert whole_page_tiles(_tesseract(pad_min_margin=0.9), margined) is None
    assert whole_page_tiles(_tesseract(pad_whole_page=False), margined) is None


def test_a_title_read_in_pieces_is_joined_and_read_after_what_lies_over_it_and_before_what_lies_under_it() -> None:
    """NZZ 1943's masthead as Tesseract read it: each piece of the title a block, read with the box under it, the
    dateline over the right-hand piece read after the boxes."""
    from broadsheet.stages.ocr import title_rows_joined

    def line(text: str, box: tuple[float, float, float, float], block: int) -> EngineLine:
        return EngineLine(text=text, confidence=0.8, quad=Polygon.from_box(*box).points, words=(), block=block)

    read = [line("Datum", (100, 50, 900, 90), 0), line("Neue", (100, 120, 900, 520), 1),
            line("Abo", (100, 560, 900, 600), 2), line("Abo 2", (100, 610, 900, 650), 2),
            line("Zürcher", (1000, 110, 2000, 530), 3), line("Redaktion", (1000, 560, 2000, 600), 4),
            line("Jahrgang", (1200, 50, 1800, 90), 5), line("Zeitung", (2100, 130, 3000, 540), 6),
            line("Annoncen", (2100, 560, 3000, 600), 7), line("Text", (100, 700, 1400, 740), 8),
            line("mehr Text", (100, 750, 1400, 790), 8)]
    joined = title_rows_joined(read, 5.0, 0.6)
    assert [ln.text for ln in joined] == ["Datum", "Jahrgang", "Neue Zürcher Zeitung", "Abo", "Abo 2", "Redaktion",
                                          "Annoncen", "Text", "mehr Text"]
    title = joined[2]
    assert title.block not in {ln.block for ln in read} and Polygon.from_points(title.quad).bounds == (100, 110, 3000,
                                                                                                       540)
    # Lines no taller than a headline, or a tall line alone in a narrow column, are left as the engine read them.
    assert title_rows_joined(read, 20.0, 0.6) == read
    assert title_rows_joined(read[:4] + read[8:], 5.0, 0.6) == read[:4] + read[8:]


def test_two_blocks_joined_keep_a_columns_lines_in_order_where_a_tall_first_line_reaches_into_the_next() -> None:
    """NZZ 1943: an indented first line whose opening quotation marks reach half into the line under it, set further
    left, is still read first; two pieces of one printed row side by side are still read left to right."""
    from broadsheet.config import TypingConfig
    from broadsheet.stages.typing.blocks import in_rows

    def line(text: str, box: tuple[float, float, float, float]) -> Line:
        return Line(id=text, text=text, polygon=Polygon.from_box(*box), confidence=0.9, engine="tesseract")

    page = Page(id="pg", source="pg.png", width=3000, height=3000)
    first, second = line("In der Nacht", (1972, 1737, 2735, 1804)), line("ton-Flugzeuge", (1908, 1770, 2746, 1834))
    third = line("Syros", (1912, 1840, 2748, 1897))
    assert [ln.text for ln in in_rows(page, [second, third, first], TypingConfig())] == \
        ["In der Nacht", "ton-Flugzeuge", "Syros"]
    left, right = line("Neue Zürcher", (100, 100, 900, 300)), line("Zeitung", (1000, 110, 1600, 310))
    assert [ln.text for ln in in_rows(page, [right, left], TypingConfig())] == ["Neue Zürcher", "Zeitung"]
    # With any overlap allowed, lines reaching into each other's height are one row again, read left first.
    assert [ln.text for ln in in_rows(page, [first, second], TypingConfig(stacked_line_overlap=1.0))] == \
        ["ton-Flugzeuge", "In der Nacht"]


def test_a_columns_last_line_the_engine_cut_off_as_a_block_is_joined_back_but_a_centred_heading_is_not() -> None:
    """NZZ 1900: Tesseract cut the row of the columns' last lines off as blocks of their own; at the page's foot they
    were typed a running footer and read before the columns they end."""
    from broadsheet.config import TypingConfig
    from broadsheet.stages.typing.blocks import join_column_tails

    def block(region_id: str, left: float, top: float, count: int, width: float = 800) -> Region:
        lines = [Line(id=f"{region_id}-l{k}", text="Zeile Text", polygon=Polygon.from_box(
            left, top + 40 * k, left + width, top + 40 * k + 36), confidence=0.9, engine="tesseract")
            for k in range(count)]
        return Region(id=region_id, type=RegionType.body, polygon=Polygon.from_box(
            left, top, left + width, top + 40 * count - 4), confidence=0.0, detector_label="ocr-lines", lines=lines)

    column, other = block("pg-r1", 100, 100, 10), block("pg-r2", 1000, 100, 10)
    tail, heading = block("pg-r3", 100, 500, 1), block("pg-r4", 1300, 500, 1, width=200)
    page = _page([column, other, tail, heading], ["pg-r1", "pg-r2", "pg-r3", "pg-r4"], {"reading_order": ENGINE_ORDER})
    regions = join_column_tails(page, TypingConfig())
    assert [(r.id, len(r.lines)) for r in regions] == [("pg-r1", 11), ("pg-r2", 10), ("pg-r4", 1)]
    assert regions[0].polygon.bounds[3] >= 536
    # A line further down than `fragment_gap` lines is a block of its own.
    far = block("pg-r3", 100, 560, 1)
    assert len(join_column_tails(_page([column, far], ["pg-r1", "pg-r3"], {}), TypingConfig())) == 2


def _lines_block(region_id: str, rows: list[tuple[float, float, float, str]]) -> Region:
    """A block of lines (left, top, right, text), each 36 px tall."""
    lines = [Line(id=f"{region_id}-l{k}", text=text, polygon=Polygon.from_box(x0, y0, x1, y0 + 36), confidence=0.9,
                  engine="tesseract") for k, (x0, y0, x1, text) in enumerate(rows, start=1)]
    box = Polygon.from_box(min(r[0] for r in rows), min(r[1] for r in rows), max(r[2] for r in rows),
                           max(r[1] for r in rows) + 36)
    return Region(id=region_id, type=RegionType.body, polygon=box, confidence=0.0, detector_label="ocr-lines",
                  lines=lines)


def test_a_tables_row_pieces_the_engine_cut_into_blocks_are_read_row_by_row() -> None:
    """NZZ 1943's subscription table: Tesseract read the rows' names as one block, the columns of prices as another;
    a heading's second word, set in the box of the rows under it, as a block of its own."""
    from broadsheet.config import TypingConfig
    from broadsheet.stages.typing.blocks import join_table_rows

    names = _lines_block("pg-r1", [(100, 100 + 40 * k, 600, f"Zeile {k} Fr.") for k in range(4)])
    prices = _lines_block("pg-r2", [(640, 104 + 40 * k, 840, f"{k}.15 2{k}.80") for k in range(4)])
    words = _lines_block("pg-r3", [(640, 104 + 40 * k, 840, f"und Wort {k}") for k in range(4)])
    heading = _lines_block("pg-r4", [(300, 300, 500, "Preis der"), (100, 340, 800, "für lokale Geschäfte 25")])
    second = _lines_block("pg-r5", [(520, 302, 700, "Millimeterzeile")])
    config = TypingConfig()
    regions = join_table_rows(_page([names, prices, heading, second], [], {"reading_order": ENGINE_ORDER}), config)
    assert [[line.text for line in r.lines] for r in regions] == [
        [f"Zeile {k} Fr. {k}.15 2{k}.80" for k in range(4)],
        ["Preis der Millimeterzeile", "für lokale Geschäfte 25"]]
    # A column of words beside is another column, however well its lines keep to the rows.
    assert len(join_table_rows(_page([names, words], [], {}), config)) == 2
    # A line within another block's box but not within its lines along x (the box drawn over two columns, as its
    # last line was read across them) stays apart; so does a speck as tall as two of the lines it lies in.
    across = _lines_block("pg-r6", [*[(100, 100 + 40 * k, 400, "linke Spalte") for k in range(4)],
                                    (100, 260, 900, "eine Zeile über zwei Spalten")])
    other = _lines_block("pg-r7", [(500, 142, 900, "rechte Spalte")])
    speck = _lines_block("pg-r8", [(405, 150, 420, "e")])
    speck.lines[0].polygon = Polygon.from_box(405, 145, 420, 215)
    speck.polygon = speck.lines[0].polygon
    assert len(join_table_rows(_page([across, other, speck], [], {}), config)) == 3
    # Set within the left column's lines, it is joined to the block.
    inside = _lines_block("pg-r9", [(250, 143, 390, "Wort")])
    assert len(join_table_rows(_page([across, inside], [], {}), config)) == 1


def test_a_price_box_cut_into_overlapping_blocks_is_read_row_by_row() -> None:
    """NZZ 1900's advertising rates: Tesseract cut them into blocks whose boxes overlap, each row's start in one and
    its end in another; a tall parenthesis reaches into the row over its own."""
    from broadsheet.config import TypingConfig
    from broadsheet.stages.typing.blocks import join_table_rows

    upper = _lines_block("pg-r1", [(400, 100, 800, "Preise"), (300, 140, 900, "Per Zeile oder Raum"),
                                   (600, 180, 900, "Rp., Ausland 40 Rp.")])
    left = _lines_block("pg-r2", [(350, 182, 580, "Schweiz 25"), (200, 216, 580, "Lokal 20 Rp.")])
    right = _lines_block("pg-r3", [(600, 200, 950, "u. Chiffre"), (300, 260, 700, "Alleinige Annahme")])
    right.lines[0].polygon = Polygon.from_box(600, 196, 950, 252)  # its bottom on the row of "Lokal"
    regions = join_table_rows(_page([upper, left, right], [], {"reading_order": ENGINE_ORDER}), TypingConfig())
    assert [[line.text for line in r.lines] for r in regions] == [
        ["Preise", "Per Zeile oder Raum", "Schweiz 25 Rp., Ausland 40 Rp.", "Lokal 20 Rp. u. Chiffre",
         "Alleinige Annahme"]]
    # Two columns side by side, their boxes apart, stay two blocks.
    column = _lines_block("pg-r4", [(1000, 100 + 40 * k, 1400, "Spalte") for k in range(3)])
    assert len(join_table_rows(_page([upper, column], [], {}), TypingConfig())) == 2


def test_a_block_joined_to_a_tables_rows_leaves_the_engines_order() -> None:
    """Its id is free again for the next block typing splits off, which would otherwise be read in its place (Kant
    0020: 6.7% -> 25.1% CER)."""
    from broadsheet.config import TypingConfig
    from broadsheet.stages.typing import NewspaperTypes

    names = _lines_block("pg-r1", [(100, 100 + 40 * k, 600, f"Zeile {k} Fr.") for k in range(4)])
    prices = _lines_block("pg-r2", [(640, 104 + 40 * k, 840, f"{k}.15 2{k}.80") for k in range(4)])
    page = NewspaperTypes(TypingConfig())(_page([names, prices], ["pg-r1", "pg-r2"], {"reading_order": ENGINE_ORDER}))
    assert [r.id for r in page.regions if r.lines] == ["pg-r1"]
    assert page.reading_order == ["pg-r1"]


def test_a_rule_printed_across_every_column_ends_what_is_above_it_for_every_column() -> None:
    """NZZ 1900: the engine read the left column from the masthead's table down into the first story, then the
    masthead's right-hand box. A rule across the page under the masthead (found in two pieces, a step apart, as on a
    skewed scan) puts the box first; a rule across one column only does not."""
    from broadsheet.model.page import BodyType

    regions = [_region("table", (0, 100, 400, 200)), _region("story", (0, 260, 400, 900)),
               _region("box", (500, 100, 900, 200)), _region("right", (500, 260, 900, 900))]

    def rule(rule_id: str, box: tuple[float, float, float, float]) -> Region:
        return Region(id=rule_id, type=RegionType.separator, polygon=Polygon.from_box(*box), confidence=0.9,
                      detector_label="line")

    engine = ["table", "story", "box", "right"]
    across = [rule("rule-a", (0, 228, 470, 232)), rule("rule-b", (460, 236, 900, 240))]
    page = _page([*regions, *across], engine, {"reading_order": ENGINE_ORDER})
    page.body_type = BodyType(line_height=30, pitch=12)
    assert ReadingOrder()(page).reading_order[:4] == ["table", "box", "story", "right"]
    one_column = page.model_copy(update={"regions": [*regions, rule("rule-a", (0, 228, 400, 232))]})
    assert ReadingOrder()(one_column).reading_order[:4] == engine
