"""Existing OCR from archives: ALTO of every version and unit, resolutions in order, and its bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from broadsheet.apps.cli import main
from broadsheet.config import ExistingOcrConfig, OcrConfig, Settings, TesseractConfig
from broadsheet.ingest.readers import ExistingPage, read_existing
from broadsheet.ingest.readers.alto import read_alto
from broadsheet.model.page import Page, PageStatus, RegionType
from broadsheet.run.existing import ExistingIssue, digitise_existing, page_processes, process_existing
from broadsheet.stages.working_images import WorkingImages

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
         height: int = 16000, settings: str = "", body_wc: str = "0.9", body: list[str] = BODY) -> bytes:
    """A small newspaper page: a headline and a body block, coordinates in `unit`."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    processing = (f"<OCRProcessing ID='p'><ocrProcessingStep><processingStepSettings>{settings}"
                  "</processingStepSettings></ocrProcessingStep></OCRProcessing>") if settings else ""
    lines = "".join(_line(k + 2, 1000, 2400 + 100 * k, text, body_wc) for k, text in enumerate(body))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alto{xmlns}>
  <Description><MeasurementUnit>{unit}</MeasurementUnit>{processing}</Description>
  <Layout><Page ID="P1" PHYSICAL_IMG_NR="1" WIDTH="{width}" HEIGHT="{height}"><PrintSpace>
    <TextBlock ID="TB_head" HPOS="1000" VPOS="2000" WIDTH="3000" HEIGHT="60">{_line(1, 1000, 2000, HEADLINE)}
    </TextBlock>
    <TextBlock ID="TB_body" HPOS="1000" VPOS="2400" WIDTH="3000" HEIGHT="{100 * len(body)}">{lines}</TextBlock>
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
    assert not list((out / ".work").rglob("*.png"))  # the working images do not outlive the page


def test_lines_the_ocr_read_poorly_are_read_again_and_the_original_kept(tmp_path: Path) -> None:
    misread = alto("pixel", width=5000, height=6000, body_wc="0.2").replace(b'CONTENT="The"', b'CONTENT="Tbe"')
    ocr = _write(tmp_path, "0001.xml", misread)
    _page_image(tmp_path / "0001.png")
    settings = Settings(existing=ExistingOcrConfig(reocr_below=0.5),
                        ocr=OcrConfig(engine=TesseractConfig(languages="eng")))
    page = process_existing(ExistingPage(ocr=ocr, image=tmp_path / "0001.png"), settings,
                            WorkingImages(tmp_path / "work"))
    lines = {line.id: line for region in page.regions for line in region.lines}
    assert lines["TL1"].reread is None and lines["TL1"].text == HEADLINE  # WC 0.9: kept as the OCR read it
    assert lines["TL2"].reread.startswith("Tbe warehouses") and lines["TL2"].text.startswith("The warehouses")
    step = next(step for step in page.steps if step.stage == "reocr")
    assert step.settings["lines_read_again"] == 2 and step.software == "tesseract"


PAGE_2019 = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"


def _page_region(rid: str, kind: str, y: int, texts: list[str]) -> str:
    lines = "".join(f'<TextLine id="{rid}_l{k}"><Coords points="100,{y + 60 * k} 900,{y + 60 * k} '
                    f'900,{y + 60 * k + 50} 100,{y + 60 * k + 50}"/><TextEquiv conf="0.97"><Unicode>{t}</Unicode>'
                    "</TextEquiv></TextLine>" for k, t in enumerate(texts))
    bottom = y + 60 * len(texts)
    return (f'<TextRegion id="{rid}" type="{kind}"><Coords points="100,{y} 900,{y} 900,{bottom} 100,{bottom}"/>'
            f"{lines}</TextRegion>")


def test_page_xml_keeps_its_text_ids_types_and_reading_order(tmp_path: Path) -> None:
    # Stated reading order puts the lower story first: it is kept, not worked out again from the geometry.
    regions = (_page_region("r_head2", "heading", 900, ["SECOND STORY"])
               + _page_region("r_body2", "paragraph", 1000, ["Its text comes first in the", "stated order."])
               + _page_region("r_head1", "heading", 100, ["FIRST STORY"])
               + _page_region("r_body1", "paragraph", 200, ["And this one is read", "after it."]))
    order = "".join(f'<RegionRefIndexed index="{n}" regionRef="{rid}"/>'
                    for n, rid in enumerate(["r_head2", "r_body2", "r_head1", "r_body1"]))
    path = _write(tmp_path, "p.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="{PAGE_2019}"><Metadata><Creator>Transkribus</Creator></Metadata>
<Page imageFilename="p.tif" imageWidth="1000" imageHeight="1400"><ReadingOrder><OrderedGroup id="g">{order}
</OrderedGroup></ReadingOrder>{regions}</Page></PcGts>""".encode())
    out = tmp_path / "out"
    entries, articles = digitise_existing([path], out, Settings())
    assert articles == 2 and entries[0].status != PageStatus.failed, entries[0].flags
    page = Page.model_validate_json((out / entries[0].model).read_bytes())
    assert [a.title for a in page.articles] == ["SECOND STORY", "FIRST STORY"]
    assert [a.region_ids for a in page.articles] == [["r_head2", "r_body2"], ["r_head1", "r_body1"]]
    ours = read_alto(out / entries[0].alto)
    assert [line.text for r in ours.regions for line in r.lines][:3] == [
        "SECOND STORY", "Its text comes first in the", "stated order."]


def test_abbyy_finereader_and_iarchives_are_read(tmp_path: Path) -> None:
    def chars(text: str, x: int) -> str:
        start = ' wordStart="true"'
        return "".join(f'<charParams l="{x + 20 * k}" t="100" r="{x + 20 * k + 18}" b="140" charConfidence="90"'
                       f'{start if k == 0 or text[k - 1] == " " else ""}>{c}</charParams>'
                       for k, c in enumerate(text))
    abbyy = _write(tmp_path, "fr.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<document xmlns="http://www.abbyy.com/FineReader_xml/FineReader10-schema-v1.xml" producer="FineReader 10">
<page width="1000" height="1400" resolution="300"><block blockType="Text" l="100" t="100" r="900" b="140">
<text><par><line baseline="138" l="100" t="100" r="900" b="140"><formatting>{chars("Harbour in flames", 100)}
</formatting></line></par></text></block><block blockType="Picture" l="100" t="200" r="900" b="800"/></page>
</document>""".encode())
    page = read_existing(abbyy)
    assert page.status != PageStatus.failed, page.flags
    assert page.regions[0].lines[0].text == "Harbour in flames" and page.dpi == 300
    assert [w.text for w in page.regions[0].lines[0].words] == ["Harbour", "in", "flames"]
    assert page.regions[0].lines[0].words[0].confidence == pytest.approx(0.9)
    assert page.regions[1].type == RegionType.figure
    words = "".join(f'<n i="w{k}"><r l="{100 + 120 * k}" t="100" r="{200 + 120 * k}" b="130"/><o p="{k}">{w}</o>'
                    "</n>" for k, w in enumerate(["TOPAZ", "TIMES", "today"]))
    export = _write(tmp_path, "ia.xml", f"""<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE page SYSTEM "page.dtd">
<page xmlns="http://www.iarchives.com/schema/2002/export" unit-href="u.xml" image-file="pdf/ia.pdf">
<header-item name="page" value="3">Page 3</header-item><nodes>{words}</nodes></page>""".encode())
    page = read_existing(export)
    assert page.status != PageStatus.failed, page.flags
    assert page.regions[0].lines[0].text == "TOPAZ TIMES today" and page.page_number == 3


def test_a_stated_reading_order_survives_blocks_cut_and_joined() -> None:
    from broadsheet.model.geometry import Polygon
    from broadsheet.model.page import Line, Region
    from broadsheet.run.existing import StatedOrder

    def line(name: str, y: int) -> Line:
        return Line(id=name, text=name, polygon=Polygon.from_box(0, y, 100, y + 10), confidence=1.0, engine="alto")

    a, b, c = line("a", 0), line("b", 20), line("c", 40)

    def region(rid: str, lines: list[Line]) -> Region:
        return Region(id=rid, type=RegionType.body, polygon=Polygon.from_box(0, 0, 100, 50), confidence=1.0,
                      detector_label="TextBlock", lines=lines)

    source = Page(id="p", source="p.xml", width=100, height=100, regions=[region("r1", [a, b]), region("r2", [c])],
                  reading_order=["r2", "r1"])
    # Typing cut r1 in two and renamed everything: each new block takes its lines' earliest stated place.
    typed = source.model_copy(update={"regions": [region("n1", [a]), region("n3", [b]), region("n2", [c]),
                                                  region("n4", [line("d", 60)])]})
    assert StatedOrder(source)(typed).reading_order == ["n2", "n1", "n3", "n4"]


def _iarchives(tmp_path: Path, words: list[tuple[str, tuple[int, int, int, int]]]) -> Path:
    nodes = "".join(f'<n i="w{k}"><r l="{b[0]}" t="{b[1]}" r="{b[2]}" b="{b[3]}"/><o p="{k}">{w}</o></n>'
                    for k, (w, b) in enumerate(words))
    return _write(tmp_path, "ia.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<page xmlns="http://www.iarchives.com/schema/2002/export" unit-href="u.xml"><nodes>{nodes}</nodes></page>""".encode())


def test_iarchives_words_read_twice_along_a_row_stay_one_line(tmp_path: Path) -> None:
    # The export reads a stretch of print twice ("new" and "ITC byork" over it): a step back left inside the
    # line is the same line; the next row, or a step back past the line's start, opens another.
    export = _iarchives(tmp_path, [("new", (51, 1726, 88, 1742)), ("ITC", (51, 1726, 80, 1743)),
                                   ("byork", (84, 1727, 147, 1743)), ("york", (98, 1727, 140, 1743)),
                                   ("city", (150, 1728, 200, 1744)), ("next", (51, 1750, 100, 1766)),
                                   ("row", (110, 1750, 160, 1766))])
    lines = [line.text for region in read_existing(export).regions for line in region.lines]
    assert lines == ["new ITC byork york city", "next row"]


def test_layout_boxes_keep_columns_apart_word_by_word_and_typing_still_runs(tmp_path: Path) -> None:
    """A line rebuilt from a word sequence that runs across a gutter is cut at the layout model's boxes, and the
    regrouped blocks are typed as a scan's are (the model's labels are only a start)."""
    from broadsheet.engines.base import LayoutBox
    from broadsheet.stages.paired import LayoutEvidence

    export = _iarchives(tmp_path, [("left", (100, 100, 160, 120)), ("column", (170, 100, 260, 120)),
                                   ("right", (420, 100, 480, 120)), ("column", (490, 100, 580, 120))])
    page = read_existing(export)
    assert [line.text for region in page.regions for line in region.lines] == ["left column right column"]
    boxes = [LayoutBox(label="text", box=(90, 90, 300, 130), score=0.9),
             LayoutBox(label="title", box=(410, 90, 600, 130), score=0.9)]
    regions = LayoutEvidence._regrouped(page, boxes)
    assert [(r.detector_label, [line.text for line in r.lines]) for r in regions] == [
        ("text", ["left column"]), ("title", ["right column"])]
    from broadsheet.run.existing import existing_stages, source_typed
    regrouped = page.model_copy(update={"regions": regions})
    assert not source_typed(page) and source_typed(regrouped)
    names = [stage.name for stage in existing_stages(regrouped, Settings(), typed=source_typed(page))]
    assert "newspaper-types" in names
    assert "newspaper-types" not in [stage.name for stage in existing_stages(regrouped, Settings())]


def test_an_alto_of_200_mb_is_refused_unread_by_the_default_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "huge.xml", alto())
    with path.open("r+b") as file:
        file.truncate(200_000_000)  # sparse: 200 MB on paper, nothing on disk; never parsed
    page = read_existing(path)
    assert page.status == PageStatus.failed and page.flags[0].code == "ocr-too-large"
    assert "huge.xml is 200 MB" in page.flags[0].reason and "ExistingOcrConfig.max_bytes" in page.flags[0].reason


@pytest.mark.parametrize("version", ["FineReader6-schema-v1", "FineReader8-schema-v2", "FineReader9-schema-v1",
                                     "FineReader10-schema-v1"])
def test_every_finereader_document_schema_is_read(tmp_path: Path, version: str) -> None:
    start = ' wordStart="1"'
    chars = "".join(f'<charParams l="{100 + 20 * k}" t="100" r="{118 + 20 * k}" b="140" charConfidence="80"'
                    f'{start if k in (0, 5) else ""}>{c}</charParams>' for k, c in enumerate("Fire at"))
    data = f"""<?xml version="1.0" encoding="UTF-8"?>
<document xmlns="http://www.abbyy.com/FineReader_xml/{version}.xml"><page width="1000" height="1400">
<block blockType="Text" l="100" t="100" r="900" b="140"><text><par><line baseline="138" l="100" t="100" r="900"
b="140"><formatting>{chars}</formatting></line></par></text></block></page></document>""".encode()
    page = read_existing(_write(tmp_path, "fr.xml", data))
    assert page.status != PageStatus.failed, page.flags
    assert [w.text for w in page.regions[0].lines[0].words] == ["Fire", "at"]
    assert page.steps[0].version == f"{version}.xml"


def test_repair_keeps_the_ocr_words_it_changed_beside_the_repaired_ones(tmp_path: Path) -> None:
    """A line-end hyphen joined by repair: the TEI text reads the joined word, and its revisionDesc holds the
    archive's own words before and after, so that a library can diff."""
    body = ["The warehouses along the river burned and the fire-", "men worked until dawn to save the ships there.",
            "The harbour master thanked them all the next morning."]
    ocr = _write(tmp_path, "0001.xml", alto("pixel", width=5000, height=6000, body=body))
    out = tmp_path / "out"
    [entry], _ = digitise_existing([ocr], out, Settings())
    assert entry.status != PageStatus.failed
    tei = etree.parse(str(next((out / "tei").glob("*.xml"))))
    ns = {"t": "http://www.tei-c.org/ns/1.0"}
    text = " ".join("".join(p.itertext()) for p in tei.iterfind(".//t:body//t:p", ns))
    assert "firemen" in " ".join(text.split())
    changes = [" ".join("".join(c.itertext()).split()) for c in tei.iterfind(".//t:revisionDesc//t:change", ns)]
    assert any("fire-" in c and "firemen" in c and "→" in c for c in changes), changes


def _outputs(out: Path) -> dict[str, object]:
    """What a run wrote, apart from its clock (timestamps, timings, the hashes of files that hold them): each TEI's
    text, each ALTO's layout, the manifest's pages and articles."""
    tei, alto_ns = "{http://www.tei-c.org/ns/1.0}", "{http://www.loc.gov/standards/alto/ns-v4#}"
    written: dict[str, object] = {}
    for path in sorted((out / "tei").glob("*.xml")):
        written[path.name] = etree.tostring(etree.parse(str(path)).find(f"{tei}text"))
    for path in sorted((out / "alto").glob("*.xml")):
        written[path.name] = etree.tostring(etree.parse(str(path)).find(f"{alto_ns}Layout"))
    manifest = json.loads((out / "manifest.json").read_text())
    written["pages"] = [(p["id"], p["status"], p["alto"], [f["code"] for f in p["flags"]]) for p in manifest["pages"]]
    written["articles"] = [(a["tei"], a["pages"]) for a in manifest["articles"]]
    return written


def test_pages_run_side_by_side_write_what_one_process_writes(tmp_path: Path) -> None:
    pages = [_write(tmp_path, f"{n:04d}.xml", alto("pixel", body=[f"{line} {n}" for line in BODY]))
             for n in range(1, 4)]
    broken = _write(tmp_path, "0004.xml", b"<alto><Layout><Page WIDTH='10'")  # cut off mid-file
    sources = [*pages[:2], broken, pages[2]]
    entries, _ = digitise_existing(sources, tmp_path / "one", Settings(existing=ExistingOcrConfig(processes=1)))
    assert [e.status == PageStatus.failed for e in entries] == [False, False, True, False]
    # A process of its own (this one has the test session's threads): the CLI forks two for the four pages.
    run = subprocess.run([sys.executable, "-m", "broadsheet", "run", *map(str, sources), "--out", str(tmp_path / "two"),
                          "--jobs", "2", "--verbose"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 6, run.stderr  # some pages failed
    assert "4 page(s) of existing OCR in 2 process(es)" in run.stderr
    assert "0004.xml" in run.stderr
    assert _outputs(tmp_path / "two") == _outputs(tmp_path / "one")
    # With its image at hand a page runs the layout model, which uses every core: pages then go one at a time.
    Image.new("L", (100, 100), 255).save(tmp_path / "0001.png")
    assert page_processes([ExistingIssue(sources, tmp_path)], ExistingOcrConfig(processes=2)) == 1
