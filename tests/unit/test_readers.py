"""Existing OCR as input: plain text in any encoding, ALTO and hOCR; bad input fails the page clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.apps.cli import main
from broadsheet.config import Settings
from broadsheet.ingest.readers import read_existing
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Article, Line, Page, PageStatus, Paragraph, Region, RegionType
from broadsheet.run.existing import process_existing
from broadsheet.serialise.alto import alto_bytes, build_alto

TEXT = "# 港口迎来满负荷运行\n\n本报记者 王晓明\n\n码头的岸桥在夜色中不停运转,集装箱被稳稳吊起。\n"


TRADITIONAL = "# 港口迎來滿負荷運行\n\n本報記者 王曉明\n\n碼頭的岸橋在夜色中不停運轉,集裝箱被穩穩吊起。\n"


@pytest.mark.parametrize(("codec", "text"), [("gb18030", TEXT), ("big5", TRADITIONAL)])
def test_legacy_encodings_are_detected_and_noted(tmp_path: Path, codec: str, text: str) -> None:
    path = tmp_path / f"{codec}.txt"
    path.write_bytes(text.encode(codec))
    page = process_existing(path, Settings())
    assert page.status != PageStatus.failed, page.flags
    assert any(f.code == "legacy-encoding" and codec in f.reason for f in page.flags)
    assert text.splitlines()[-1][:5] in page.articles[0].paragraphs[0].text


def test_bad_input_fails_the_page_with_a_reason(tmp_path: Path) -> None:
    cases = {
        "empty.txt": (b"", "empty"),
        "noise.txt": (bytes(range(128, 256)) * 4, "not UTF-8"),
        "bomb.xml": (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><alto>&b;</alto>',
                     "entities"),
        "xxe.hocr": (b'<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]><html>&x;</html>', "entities"),
        "broken.xml": (b"<alto><Layout>", "not well-formed"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        page = read_existing(path)
        assert page.status == PageStatus.failed and reason in page.flags[0].reason, (name, page.flags)


def _geometry_page() -> Page:
    def region(n: int, kind: RegionType, texts: list[str], top: int, height: int) -> Region:
        lines = [Line(id=f"pg-r{n}-l{k}", text=t, polygon=Polygon.from_box(100, top + k * height, 900,
                                                                           top + (k + 1) * height - 4),
                      confidence=0.9, engine="rapidocr") for k, t in enumerate(texts)]
        return Region(id=f"pg-r{n}", type=kind, polygon=Polygon.from_box(100, top, 900, top + len(texts) * height),
                      confidence=0.9, detector_label="text", lines=lines)

    regions = [region(1, RegionType.headline, ["港口迎来满负荷运行"], 100, 80),
               region(2, RegionType.body, ["码头的岸桥在夜色中不停运转,集装",
                                           "箱被稳稳吊起。码头的岸桥在夜色中不停运转,集装"], 300, 40)]
    return Page(id="pg", source="pg.png", width=1000, height=1000, regions=regions,
                articles=[Article(id="pg-a1", page_ids=["pg"], headline_region_id="pg-r1",
                                  region_ids=["pg-r1", "pg-r2"],
                                  paragraphs=[Paragraph(id="pg-a1-p1", line_ids=["pg-r2-l0", "pg-r2-l1"],
                                                        region_ids=["pg-r2"], text="")])])


def test_alto_input_gets_structure_and_repair(tmp_path: Path) -> None:
    path = tmp_path / "page.xml"
    path.write_bytes(alto_bytes(build_alto(_geometry_page(), image_url="pg.png")))
    page = process_existing(path, Settings())
    assert page.status != PageStatus.failed, page.flags
    assert [s.stage for s in page.steps][-5:] == ["reading-order", "articles", "jumps", "repair", "turns"]
    assert "，" in page.articles[0].paragraphs[0].text and "," not in page.articles[0].paragraphs[0].text


def test_alto_outside_its_page_is_a_clear_failure(tmp_path: Path) -> None:
    data = alto_bytes(build_alto(_geometry_page(), image_url="pg.png")).replace(b'WIDTH="1000"', b'WIDTH="500"', 1)
    path = tmp_path / "outside.xml"
    path.write_bytes(data)
    page = read_existing(path)
    assert page.status == PageStatus.failed and "outside the page" in page.flags[0].reason


HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class="ocr_page" title="image &quot;p.png&quot;; bbox 0 0 1000 1000">
 <div class="ocr_carea" title="bbox 100 100 900 300"><p class="ocr_par" title="bbox 100 100 900 300">
  <span class="ocr_line" title="bbox 100 100 900 140">
   <span class="ocrx_word" title="bbox 100 100 300 140; x_wconf 91">The</span>
   <span class="ocrx_word" title="bbox 320 100 600 140; x_wconf 88">council</span></span>
 </p></div></div></body></html>"""


def test_hocr_is_read_with_its_geometry_and_off_page_boxes_fail(tmp_path: Path) -> None:
    path = tmp_path / "page.hocr"
    path.write_text(HOCR, encoding="utf-8")
    page = read_existing(path)
    assert page.status != PageStatus.failed, page.flags
    line = page.regions[0].lines[0]
    assert line.text == "The council" and line.words[0].confidence == pytest.approx(0.91)
    path.write_text(HOCR.replace("bbox 320 100 600 140", "bbox 320 100 1600 140"), encoding="utf-8")
    failed = read_existing(path)
    assert failed.status == PageStatus.failed and "outside the page" in failed.flags[0].reason


def test_cli_runs_existing_ocr_and_refuses_a_mix(tmp_path: Path) -> None:
    text = tmp_path / "page.txt"
    text.write_text(TEXT, encoding="utf-8")
    assert main(["run", str(text), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert list((tmp_path / "out" / "tei").glob("*.xml"))
    image = tmp_path / "page.png"
    image.write_bytes(b"")
    assert main(["run", str(text), str(image), "--out", str(tmp_path / "out2"), "--quiet"]) == 2
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["run", str(empty), "--out", str(tmp_path / "out3"), "--quiet"]) == 4


def test_a_jump_line_in_a_plain_text_block_does_not_take_the_text_above_it(tmp_path: Path) -> None:
    path = tmp_path / "jump.txt"
    path.write_text("# River barrier approved\n\nThe council voted 7 to 2 on Tuesday night.\n"
                    "Work starts in spring.\nContinued on page 3\n", encoding="utf-8")
    page = process_existing(path, Settings())
    assert "Work starts in spring." in page.articles[0].paragraphs[-1].text
    assert [c.page for c in page.articles[0].continuations] == [3]
    assert not any("Continued" in p.text for p in page.articles[0].paragraphs)
