"""Existing OCR from archives: ALTO of every version and unit, resolutions in order, and its bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from pipeline.config import ExistingOcrConfig, Settings
from pipeline.model import PageStatus
from pipeline.readers import ExistingPage, digitise_existing, read_existing
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
