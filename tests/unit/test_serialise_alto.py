"""ALTO 4.4 page serialisation, the ALTO reader, and safe XML parsing."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.ingest.readers.alto import ALTO_NS, AltoCoordinateError, AltoError, read_alto
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.serialise.alto import alto_bytes, build_alto
from broadsheet.serialise.validate import validate_alto
from broadsheet.text.xmlsafe import UnsafeXMLError, parse_xml

NS = {"a": ALTO_NS}


# ------------------------------------------------------------------------------------------ fixtures


def box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon.from_box(x0, y0, x1, y1)


def word(word_id: str, text: str, b: tuple[float, float, float, float], confidence: float = 0.9) -> Word:
    return Word(id=word_id, text=text, polygon=box(*b), confidence=confidence)


def make_page() -> Page:
    """Chinese and English on one page: word-segmented lines, a line without words, figure, rule, skew."""
    headline = Region(
        id="r1",
        type=RegionType.headline,
        polygon=box(100, 100, 900, 200),
        confidence=0.95,
        detector_label="title",
        lines=[
            Line(
                id="r1l1",
                text="全国人大常委会",
                polygon=box(100, 100, 900, 150),
                confidence=0.93,
                engine="rapidocr",
                words=[
                    word("r1l1w1", "全国", (100, 100, 300, 150)),
                    word("r1l1w2", "人大常委会", (300, 100, 900, 150)),
                ],
            ),
            Line(
                id="r1l2",
                text="审议新法草案",
                polygon=box(100, 150, 900, 200),
                confidence=0.88,
                engine="rapidocr",
            ),
        ],
    )
    english = Region(
        id="r2",
        type=RegionType.body,
        polygon=Polygon.from_points([(100, 250), (480, 250), (480, 600), (120, 600)]),
        confidence=0.9,
        detector_label="plain text",
        lines=[
            Line(
                id="r2l1",
                text="Storm batters coast",
                polygon=Polygon.from_points([(100, 250), (480, 252), (480, 282), (100, 280)]),
                confidence=0.9,
                engine="tesseract",
                words=[
                    word("r2l1w1", "Storm", (100, 250, 200, 280), 0.99),
                    word("r2l1w2", "batters", (210, 250, 340, 280), 0.7),
                    word("r2l1w3", "coast", (350, 250, 480, 280), 1.0),
                ],
            ),
            Line(
                id="r2l2",
                text="on Monday.",
                polygon=box(100, 290, 300.5, 320.25),
                confidence=0.8,
                engine="tesseract",
            ),
        ],
    )
    figure = Region(
        id="r3",
        type=RegionType.figure,
        polygon=box(500, 250, 900, 600),
        confidence=0.8,
        detector_label="figure",
    )
    rule = Region(
        id="r4",
        type=RegionType.separator,
        polygon=box(100, 620, 900, 624),
        confidence=0.7,
        detector_label="line",
    )
    folio = Region(
        id="r5",
        type=RegionType.folio,
        polygon=box(450, 1350, 550, 1390),
        confidence=0.9,
        detector_label="footer",
        lines=[Line(id="r5l1", text="第1版", polygon=box(450, 1350, 550, 1390), confidence=0.99, engine="rapidocr")],
    )
    return Page(
        id="p1",
        source="scans/renmin-2024-05-01.tif",
        frame=2,
        sha256="ab" * 32,
        width=1000,
        height=1400,
        regions=[folio, english, headline, figure, rule],
        reading_order=["r1", "r2", "r3"],  # r5 and r4 are not in the reading order: they follow it
        steps=[
            ProcessingStep(
                stage="ocr",
                software="rapidocr",
                version="3.10.0",
                settings={"det": "ch_PP-OCRv4_det", "box_thresh": 0.5, "use_cls": True, "lang": None},
                started=datetime(2024, 5, 1, 8, 0, 1, tzinfo=UTC),
                seconds=1.25,
            ),
            ProcessingStep(stage="layout", software="rapid-layout", version="1.2.1"),
        ],
    )


def alto_of(page: Page) -> bytes:
    return alto_bytes(build_alto(page, image_url="images/p1.jpg"))


def minimal_alto(blocks: str, *, width: str = "1000", height: str = "1000", unit: str = "pixel") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="{ALTO_NS}">
  <Description><MeasurementUnit>{unit}</MeasurementUnit></Description>
  <Layout><Page ID="pg" PHYSICAL_IMG_NR="1" WIDTH="{width}" HEIGHT="{height}">
    <PrintSpace>{blocks}</PrintSpace>
  </Page></Layout>
</alto>""".encode()


# ------------------------------------------------------------------------------------------- writing


def test_alto_validates_against_the_xsd() -> None:
    report = validate_alto(alto_of(make_page()))
    assert report.valid, report.errors
    assert [r.name for r in report.results] == ["alto-4.4"]


def test_description_processing_and_tags() -> None:
    root = etree.fromstring(alto_of(make_page()))
    assert root.findtext("a:Description/a:MeasurementUnit", namespaces=NS) == "pixel"
    assert root.findtext("a:Description/a:sourceImageInformation/a:fileName", namespaces=NS) == "images/p1.jpg"
    procs = root.findall("a:Description/a:Processing", NS)
    assert len(procs) == 2
    assert procs[0].findtext("a:processingDateTime", namespaces=NS) == "2024-05-01T08:00:01+00:00"
    assert procs[0].findtext("a:processingSoftware/a:softwareName", namespaces=NS) == "rapidocr"
    assert procs[0].findtext("a:processingSoftware/a:softwareVersion", namespaces=NS) == "3.10.0"
    assert '"box_thresh": 0.5' in procs[0].findtext("a:processingStepSettings", namespaces=NS)
    labels = {t.get("LABEL") for t in root.iterfind("a:Tags/a:LayoutTag", NS)}
    assert labels == {"headline", "body", "figure", "separator", "folio"}
    page = root.find("a:Layout/a:Page", NS)
    assert (page.get("ID"), page.get("WIDTH"), page.get("HEIGHT"), page.get("PHYSICAL_IMG_NR")) == (
        "p1",
        "1000",
        "1400",
        "3",
    )
    assert page.find("a:PrintSpace", NS) is not None


def test_blocks_follow_reading_order_then_the_rest() -> None:
    space = etree.fromstring(alto_of(make_page())).find("a:Layout/a:Page/a:PrintSpace", NS)
    assert [(etree.QName(b).localname, b.get("ID")) for b in space] == [
        ("TextBlock", "r1"),
        ("TextBlock", "r2"),
        ("Illustration", "r3"),
        ("TextBlock", "r5"),
        ("GraphicalElement", "r4"),
    ]


def test_strings_spaces_and_shapes() -> None:
    root = etree.fromstring(alto_of(make_page()))
    zh, en = root.findall(".//a:TextBlock", NS)[:2]
    zh_line = zh.find("a:TextLine", NS)
    assert [etree.QName(c).localname for c in zh_line] == ["String", "String"]  # no SP inside Chinese
    en_line = en.find("a:TextLine", NS)
    assert [etree.QName(c).localname for c in en_line] == ["Shape", "String", "SP", "String", "SP", "String"]
    first = en_line.find("a:String", NS)
    assert {k: first.get(k) for k in ("ID", "CONTENT", "HPOS", "VPOS", "WIDTH", "HEIGHT", "WC")} == {
        "ID": "r2l1w1",
        "CONTENT": "Storm",
        "HPOS": "100",
        "VPOS": "250",
        "WIDTH": "100",
        "HEIGHT": "30",
        "WC": "0.99",
    }
    assert en_line.find("a:SP", NS).get("HPOS") == "200"
    # a line without words: one String for the whole line, with no ID so the reader knows
    whole = zh.findall("a:TextLine", NS)[1].findall("a:String", NS)
    assert len(whole) == 1 and whole[0].get("ID") is None and whole[0].get("CONTENT") == "审议新法草案"
    # Shape only where the polygon is not a plain box
    assert zh.find("a:Shape", NS) is None
    assert en.find("a:Shape/a:Polygon", NS).get("POINTS") == "100,250 480,250 480,600 120,600"


def test_ids_are_valid_and_unique_even_from_awkward_model_ids() -> None:
    page = make_page()
    r0 = page.regions[0].model_copy(update={"id": "1/folio"})
    r1 = page.regions[1].model_copy(update={"id": "1_folio"})  # sanitises onto the same NCName
    page = page.model_copy(update={"id": "page 1", "regions": [r0, r1, *page.regions[2:]], "reading_order": []})
    data = alto_of(page)
    assert validate_alto(data).valid
    ids = etree.fromstring(data).xpath("//@ID")
    assert len(ids) == len(set(ids))
    assert {"_1_folio", "_1_folio-2", "page_1"} <= set(ids)


def test_repeated_model_ids_still_give_unique_xsd_ids() -> None:
    page = make_page()
    en = page.regions[1]
    twice = en.model_copy(update={"lines": [en.lines[0], en.lines[0]]})  # same line and word ids twice
    page = page.model_copy(update={"regions": [page.regions[0], twice, *page.regions[2:]]})
    data = alto_of(page)
    assert validate_alto(data).valid
    ids = etree.fromstring(data).xpath("//@ID")
    assert len(ids) == len(set(ids))


def test_confidence_is_clamped_to_wc_range() -> None:
    page = make_page()
    line = page.regions[1].lines[1].model_copy(update={"confidence": 87.0})
    region = page.regions[1].model_copy(update={"lines": [line]})
    page = page.model_copy(update={"regions": [page.regions[0], region, *page.regions[2:]]})
    data = alto_of(page)
    assert validate_alto(data).valid
    assert b'WC="1"' in data


def test_page_without_size_is_refused() -> None:
    with pytest.raises(ValueError, match="no size"):
        build_alto(make_page().model_copy(update={"width": 0}), image_url="x.jpg")


def test_invalid_alto_is_reported_with_schema_and_line() -> None:
    tree = build_alto(make_page(), image_url="x.jpg")
    tree.find(".//a:String", NS).set("WC", "2")
    report = validate_alto(tree)
    assert not report.valid
    assert report.errors and all(e.startswith("alto-4.4: line ") for e in report.errors)
    assert any("WC" in e for e in report.errors)


# ------------------------------------------------------------------------------------------- reading


def test_round_trip_keeps_lines_text_and_boxes() -> None:
    page = make_page()
    back = read_alto(alto_of(page))
    assert (back.id, back.source, back.sha256, back.frame, back.width, back.height) == (
        page.id,
        page.source,
        page.sha256,
        page.frame,
        page.width,
        page.height,
    )
    original = {r.id: r for r in page.regions}
    assert [r.id for r in back.regions] == ["r1", "r2", "r3", "r5", "r4"]
    assert back.reading_order == page.reading_order
    for region in back.regions:
        want = original[region.id]
        assert region.type == want.type
        assert region.detector_label == want.detector_label
        assert region.polygon.points == want.polygon.points or (
            region.polygon.bounds == want.polygon.bounds and want.polygon == want.polygon.box()
        )
        assert [ln.id for ln in region.lines] == [ln.id for ln in want.lines]
        assert [ln.text for ln in region.lines] == [ln.text for ln in want.lines]
        assert [ln.polygon.bounds for ln in region.lines] == [ln.polygon.bounds for ln in want.lines]
        assert [ln.engine for ln in region.lines] == [ln.engine for ln in want.lines]
        for got_line, want_line in zip(region.lines, want.lines, strict=True):
            assert [(w.id, w.text, w.polygon.bounds, w.confidence) for w in got_line.words] == [
                (w.id, w.text, w.polygon.bounds, w.confidence) for w in want_line.words
            ]
            if not want_line.words:
                assert got_line.confidence == pytest.approx(want_line.confidence)
    skewed = back.regions[1].lines[0].polygon
    assert skewed.points == ((100, 250), (480, 252), (480, 282), (100, 280))  # Shape wins over the box
    assert back.regions[1].lines[1].polygon.bounds == (100, 290, 300.5, 320.25)
    assert [(s.stage, s.software, s.version, s.settings, s.seconds) for s in back.steps] == [
        (s.stage, s.software, s.version, s.settings, s.seconds) for s in page.steps
    ]
    assert back.steps[0].started == page.steps[0].started


def test_read_alto_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "p1.xml"
    path.write_bytes(alto_of(make_page()))
    assert read_alto(path).regions[0].id == "r1"
    assert read_alto(str(path)).regions[0].id == "r1"


def test_foreign_alto_maps_onto_the_model() -> None:
    data = minimal_alto(
        """
        <ComposedBlock ID="cb" HPOS="0" VPOS="0" WIDTH="1000" HEIGHT="1000">
          <TextBlock ID="tb1" HPOS="10" VPOS="10" WIDTH="500" HEIGHT="100">
            <TextLine HPOS="10" VPOS="10" WIDTH="500" HEIGHT="40">
              <String CONTENT="Hello" HPOS="10" VPOS="10" WIDTH="100" HEIGHT="40" WC="0.5"/>
              <SP/>
              <String CONTENT="world" HPOS="120" VPOS="10" WIDTH="100" HEIGHT="40"/>
            </TextLine>
          </TextBlock>
          <Illustration ID="ill" HPOS="10" VPOS="200" WIDTH="300" HEIGHT="300"/>
        </ComposedBlock>"""
    )
    page = read_alto(data)
    assert [(r.id, r.type) for r in page.regions] == [("tb1", RegionType.body), ("ill", RegionType.figure)]
    [line] = page.regions[0].lines
    assert line.text == "Hello world"
    assert [w.text for w in line.words] == ["Hello", "world"]
    assert [w.confidence for w in line.words] == [0.5, 0.0]  # no WC: unknown, not "certain"
    assert line.engine == "alto"


@pytest.mark.parametrize(
    "block",
    [
        '<TextBlock ID="b" HPOS="-1" VPOS="10" WIDTH="100" HEIGHT="100"/>',
        '<TextBlock ID="b" HPOS="950" VPOS="10" WIDTH="100" HEIGHT="100"/>',
        '<Illustration ID="b" HPOS="10" VPOS="990" WIDTH="10" HEIGHT="20"/>',
        """<TextBlock ID="b" HPOS="10" VPOS="10" WIDTH="100" HEIGHT="100">
             <Shape><Polygon POINTS="10,10 110,10 1110,110"/></Shape></TextBlock>""",
        """<TextBlock ID="b" HPOS="10" VPOS="10" WIDTH="100" HEIGHT="100">
             <TextLine ID="l" HPOS="10" VPOS="10" WIDTH="100" HEIGHT="20">
               <String ID="s" CONTENT="x" HPOS="10" VPOS="10" WIDTH="1000" HEIGHT="20"/>
             </TextLine></TextBlock>""",
    ],
    ids=["negative", "right-edge", "bottom-edge", "shape", "string"],
)
def test_coordinates_outside_the_page_are_rejected(block: str) -> None:
    with pytest.raises(AltoCoordinateError, match="outside the page"):
        read_alto(minimal_alto(block))


def test_reader_rejects_what_it_cannot_map() -> None:
    with pytest.raises(AltoError, match="MeasurementUnit 'cm' is unknown"):
        read_alto(minimal_alto("", unit="cm"))
    with pytest.raises(AltoError, match="no Description/MeasurementUnit"):
        read_alto(minimal_alto("").replace(b"<MeasurementUnit>pixel</MeasurementUnit>", b""))
    with pytest.raises(AltoError, match="WIDTH"):
        read_alto(minimal_alto("", width="0"))
    with pytest.raises(AltoError, match="not a number"):
        read_alto(minimal_alto('<TextBlock ID="b" HPOS="x" VPOS="1" WIDTH="1" HEIGHT="1"/>'))
    with pytest.raises(AltoError, match="not an ALTO"):
        read_alto(b"<PcGts/>")


# ------------------------------------------------------------------------------------------ xmlsafe

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r>&xxe;</r>"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(UnsafeXMLError, match="entities"):
        parse_xml(BILLION_LAUGHS)


def test_billion_laughs_in_utf16_is_refused() -> None:
    with pytest.raises(UnsafeXMLError):
        parse_xml(
            BILLION_LAUGHS.replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"').decode().encode("utf-16")
        )


def test_external_entity_is_refused_and_not_fetched() -> None:
    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(XXE)
    assert "root:" not in str(caught.value)
    with pytest.raises(UnsafeXMLError):
        read_alto(XXE)


def test_parameter_entity_is_refused() -> None:
    with pytest.raises(UnsafeXMLError):
        parse_xml(b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>')


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "pwned">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_external_dtd_is_not_loaded(http_server: tuple[str, list[str]]) -> None:
    url, hits = http_server
    tree = parse_xml(f'<!DOCTYPE r SYSTEM "{url}/evil.dtd"><r>ok</r>'.encode())
    assert tree.getroot().text == "ok"
    assert hits == []  # neither the DTD nor anything it names was fetched


def test_parse_xml_refuses_ambiguous_str() -> None:
    with pytest.raises(TypeError):
        parse_xml("<r/>")  # type: ignore[arg-type]


def test_parse_xml_reads_paths(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(b"<r a='1'/>")
    assert parse_xml(path).getroot().get("a") == "1"
