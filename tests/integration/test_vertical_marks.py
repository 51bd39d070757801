"""Vertical pages (issue #18): a mark the recogniser left out of a column, read back from its gap by PP-OCRv6's
recogniser alone (rapidocr, the wheel's models) and put into the line."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from broadsheet.config import RapidOcrConfig, VerticalMarksConfig
from broadsheet.engines.rapid_ocr import RapidOcrEngine
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, PreprocessTransform, Region, RegionType, Word
from broadsheet.stages.orientation import VERTICAL_TURNS, turned
from broadsheet.stages.vertical_marks import with_marks
from samples.fonts import find_font

WIDTH, HEIGHT, CELL = 60, 200, 36
CHARACTERS = [("國", 30), ("家", 68), ("、", 104), ("安", 140)]
"""A column as printed: characters and their cells' centres down it (the mark in a cell of its own)."""


def test_a_mark_left_out_of_a_column_is_read_back_from_its_gap() -> None:
    upright = Image.new("L", (WIDTH, HEIGHT), 255)
    draw, font = ImageDraw.Draw(upright), ImageFont.truetype(str(find_font("serif")), CELL)
    for text, y in CHARACTERS:
        draw.text((WIDTH / 2, y), text, font=font, fill=0, anchor="mm")
    working = np.ascontiguousarray(np.rot90(np.asarray(upright), VERTICAL_TURNS))
    page = Page(id="p-m", source="m.png", width=WIDTH, height=HEIGHT, writing_mode="vertical-rl",
                transform=turned(PreprocessTransform(working_width=WIDTH, working_height=HEIGHT), VERTICAL_TURNS))
    # What the engine read: the characters, and the mark's cell skipped.
    words = [Word(id=f"p-m-r1-l1-w{k}", text=text, polygon=Polygon.from_box(12, y - CELL / 2, 48, y + CELL / 2),
                  confidence=0.9)
             for k, (text, y) in enumerate((c for c in CHARACTERS if c[0] != "、"), start=1)]
    line = Line(id="p-m-r1-l1", text="國家安", polygon=Polygon.from_box(12, 12, 48, 158), confidence=0.9,
                engine="rapidocr", words=words)
    region = Region(id="p-m-r1", type=RegionType.body, polygon=line.polygon, confidence=0.9,
                    detector_label="ocr-columns", lines=[line], writing_mode="vertical-rl")
    [read], count = with_marks(page, [region], working, RapidOcrEngine(RapidOcrConfig()), VerticalMarksConfig())
    assert count == 1 and read.lines[0].text == "國家、安"
    assert [w.text for w in read.lines[0].words] == ["國", "家", "、", "安"]
    mark = read.lines[0].words[2].polygon.bounds
    assert (mark[1], mark[3]) == (86, 122)  # where it is printed, between 家 and 安
    [unread], none = with_marks(page, [region], working, RapidOcrEngine(RapidOcrConfig()),
                                VerticalMarksConfig(enabled=True, min_gap=2.0))
    assert none == 0 and unread.lines[0].text == "國家安"  # no gap as long as that
