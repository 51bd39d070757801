"""Existing OCR from archives: ALTO of every version and unit, resolutions in order, and its bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from pipeline.cli import main
from pipeline.config import ExistingOcrConfig, OcrConfig, Settings, TesseractConfig
from pipeline.model import Page, PageStatus, RegionType
from pipeline.readers import ExistingPage, digitise_existing, process_existing, read_existing
from pipeline.serialise.alto import read_alto

ALTO_NAMESPACES = {
    "v1-no-namespace": None,
    "v1-ccs": "http://schema.ccs-gmbh.com/ALTO",
    "v2": "http://www.loc.gov/standards/alto/ns-v2#",
    "v3": "http://www.loc.gov/standards/alto/ns-v3#",
    "v4": "http://www.loc.gov/standards/alto/ns-v4#",
}
HEADLINE = "GREAT FIRE AT THE DOCKS"
BODY = ["The warehouses along the river burned through the night and",
        "the firemen worked until dawn to save the ships at anchor there."]


def _string(x: int, y: int, text: str, wc: str = "0.9") -> str:
    return f'<String CONTENT="{text}" HPOS="{x}" VPOS="{y}" WIDTH="{40 * len(text)}" HEIGHT="60" WC="{wc}"/>'


def _line(n: int, x: int, y: int, text: str, wc: str = "0.9") -> str:
    words = "<SP/>".join(_string(x + 60 * k, y, word, wc) for k, word in enumerate(text.split()))
    return f'<TextLine ID="TL{n}" HPOS="{x}" VPOS="{y}" WIDTH="3000" HEIGHT="60">{words}</TextLine>'


def alto(unit: str = "inch1200", namespace: str | None = ALTO_NAMESPACES["v2"], *, width: int = 12000,
         height: int = 16000, settings: str = "", body_wc: str = "0.9") -> bytes:
    """A small newspaper page: a headline and a body block, coordinates in `unit`."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    processing = (f"<OCRProcessing ID='p'><ocrProcessingStep><processingStepSettings>{settings}"
                  "</processingStepSettings></ocrProcessingStep></OCRProcessing>") if settings else ""
    body = "".join(_line(k + 2, 1000, 2400 + 100 * k, text, body_wc) for k, text in enumerate(BODY))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alto{xmlns}>
  <Description><MeasurementUnit>{unit}</MeasurementUnit>{processing}</Description>
  <Layout><Page ID="P1" PHYSICAL_IMG_NR="1" WIDTH="{width}" HEIGHT="{height}"><PrintSpace>
    <TextBlock ID="TB_head" HPOS="1000" VPOS="2000" WIDTH="3000" HEIGHT="60">{_line(1, 1000, 2000, HEADLINE)}
    </TextBlock>
    <TextBlock ID="TB_body" HPOS="1000" VPOS="2400" WIDTH="3000" HEIGHT="160">{body}</TextBlock>
  </PrintSpace></Page></Layout>
</alto>""".encode()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("version", list(ALTO_NAMESPACES))
def test_every_alto_version_is_read(version: str) -> None:
    page = read_alto(alto("pixel", ALTO_NAMESPACES[version]))
    assert [r.id for r in page.regions] == ["TB_head", "TB_body"]
    assert page.regions[0].lines[0].text == HEADLINE


@pytest.mark.parametrize(("unit", "per_inch"), [("inch1200", 1200), ("mm10", 254)])
def test_physical_units_become_pixels_with_the_first_resolution_known(tmp_path: Path, unit: str,
                                                                      per_inch: int) -> None:
    path = _write(tmp_path, "0001.xml", alto(unit))
    config = ExistingOcrConfig(dpi=200)
    by_option = read_existing(ExistingPage(ocr=path), config)
    assert (by_option.unit, by_option.dpi, by_option.resolution_from) == ("pixel", 200, "option")
    assert by_option.width == round(12000 * 200 / per_inch)
    assert by_option.regions[0].polygon.bounds[0] == pytest.approx(1000 * 200 / per_inch)
    by_mets = read_existing(ExistingPage(ocr=path, mets_dpi=300), config)
    assert (by_mets.dpi, by_mets.resolution_from) == (300, "mets")
    # The paired image beats the METS: its pixel size against the page's physical size is the exact mapping.
    image_width = round(12000 * 50 / per_inch)
    Image.new("L", (image_width, round(16000 * 50 / per_inch)), 255).save(tmp_path / "0001.png")
    by_image = read_existing(path, config)
    assert by_image.resolution_from == "image" and by_image.dpi == pytest.approx(50, rel=0.01)
    assert by_image.width == image_width and by_image.image == str(tmp_path / "0001.png")
    # A resolution the ALTO states itself comes first of all.
    stated = read_existing(_write(tmp_path, "0002.xml", alto(unit, settings="resolution: 150")), config)
    assert (stated.dpi, stated.resolution_from) == (150, "alto")


def test_without_a_resolution_every_output_stays_in_the_alto_unit(tmp_path: Path) -> None:
    path = _write(tmp_path, "0001.xml", alto("inch1200"))
    page = read_existing(path)
    assert (page.unit, page.dpi, page.width) == ("inch1200", None, 12000)
    out = tmp_path / "out"
    entries, articles = digitise_existing([path], out, Settings())
    assert articles >= 1 and entries[0].status != PageStatus.failed, entries[0].flags
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pages"][0]["unit"] == "inch1200" and manifest["pages"][0]["dpi"] is None
    ns = {"a": "http://www.loc.gov/standards/alto/ns-v4#", "t": "http://www.tei-c.org/ns/1.0"}
    ours = etree.parse(str(out / entries[0].alto))
    assert ours.findtext("a:Description/a:MeasurementUnit", namespaces=ns) == "inch1200"
    assert ours.find(".//a:TextBlock", ns).get("ID") == "TB_head"  # the source's ids, so links still work
    tei = etree.parse(str(next((out / "tei").glob("*.xml"))))
    graphic = tei.find(".//t:surface/t:graphic", ns)
    assert (graphic.get("width"), graphic.get("height")) == ("10in", "13.3333in")
    assert tei.find(".//t:surface", ns).get("lrx") == "12000"


def test_bad_existing_ocr_fails_the_page_naming_the_file(tmp_path: Path) -> None:
    cases = {
        "no-unit.xml": (alto().replace(b"<MeasurementUnit>inch1200</MeasurementUnit>", b""), "no-unit.xml: the "
                        "ALTO has no Description/MeasurementUnit"),
        "odd-unit.xml": (alto("furlong"), "MeasurementUnit 'furlong' is unknown"),
        "dtd.xml": (b'<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    + alto().split(b"?>", 1)[1].replace(b"P1", b"&x;"), "entities"),
    }
    for name, (data, reason) in cases.items():
        page = read_existing(_write(tmp_path, name, data))
        assert page.status == PageStatus.failed and reason in page.flags[0].reason, (name, page.flags)
    # A pixel ALTO larger than its image, and one over the configured size limit.
    big = _write(tmp_path, "big.xml", alto("pixel"))
    Image.new("L", (600, 800), 255).save(tmp_path / "big.png")
    page = read_existing(big)
    assert page.status == PageStatus.failed and "larger than its image" in page.flags[0].reason
    page = read_existing(ExistingPage(ocr=big), ExistingOcrConfig(max_bytes=1000))
    assert page.flags[0].code == "ocr-too-large" and "big.xml" in page.flags[0].reason


def _page_image(path: Path, rule_y: int | None = None) -> None:
    """The small page of `alto("pixel")` drawn for real: its lines' text at their boxes, a rule under the story."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("L", (5000, 6000), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 52)
    for y, text in [(2000, HEADLINE), *((2400 + 100 * k, line) for k, line in enumerate(BODY))]:
        draw.text((1000, y), text, fill=0, font=font)
    if rule_y is not None:
        draw.rectangle((1000, rule_y, 4000, rule_y + 6), fill=0)
    image.save(path)


def test_an_image_with_its_ocr_takes_rules_from_the_pixels_and_text_from_the_ocr(tmp_path: Path) -> None:
    folder = tmp_path / "issue"
    folder.mkdir()
    ocr = _write(folder, "0001.xml", alto("pixel", width=5000, height=6000, body_wc="0.2"))
    _page_image(folder / "0001.png", rule_y=2700)
    out = tmp_path / "out"
    # An image and an OCR file of one name in an issue folder pair by themselves (`--ocr` pairs loose files).
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    assert main(["run", str(folder / "0001.png"), "--ocr", str(ocr), "--ocr", str(ocr), "--out", str(out)]) == 2
    entry = json.loads((out / "manifest.json").read_text())["pages"][0]
    page = Page.model_validate_json((out / entry["model"]).read_bytes())
    assert page.source == str(folder / "0001.png") and page.unit == "pixel"
    assert any(step.stage == "existing-ocr" and step.settings["ocr_file"] == str(ocr) for step in page.steps)
    rules = [r for r in page.regions if r.type == RegionType.separator]
    assert len(rules) == 1 and 2690 <= rules[0].polygon.bounds[1] <= 2710
    texts = [line.text for region in page.regions for line in region.lines]
    assert texts[0] == HEADLINE and texts[1:] == BODY  # the OCR's words, never read again
    assert not list((out / ".work").glob("*.png"))  # the working image does not outlive the page


def test_lines_the_ocr_read_poorly_are_read_again_and_the_original_kept(tmp_path: Path) -> None:
    misread = alto("pixel", width=5000, height=6000, body_wc="0.2").replace(b'CONTENT="The"', b'CONTENT="Tbe"')
    ocr = _write(tmp_path, "0001.xml", misread)
    _page_image(tmp_path / "0001.png")
    settings = Settings(existing=ExistingOcrConfig(reocr_below=0.5),
                        ocr=OcrConfig(engine=TesseractConfig(languages="eng")))
    page = process_existing(ExistingPage(ocr=ocr, image=tmp_path / "0001.png"), settings, tmp_path / "work")
    lines = {line.id: line for region in page.regions for line in region.lines}
    assert lines["TL1"].reread is None and lines["TL1"].text == HEADLINE  # WC 0.9: kept as the OCR read it
    assert lines["TL2"].reread.startswith("Tbe warehouses") and lines["TL2"].text.startswith("The warehouses")
    step = next(step for step in page.steps if step.stage == "reocr")
    assert step.settings["lines_read_again"] == 2 and step.software == "tesseract"
