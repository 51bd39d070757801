"""The TEI view written as lxml elements, with no decisions of its own; `build_tei` makes the view and writes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from lxml import etree

from broadsheet.config import QaConfig
from broadsheet.model.page import Article, Page
from broadsheet.serialise.tei.view import (
    TEI_NS,
    XML_NS,
    ApplicationView,
    Attribution,
    BodyItem,
    Figure,
    Head,
    Jump,
    Para,
    Quote,
    Sidebar,
    SourceView,
    TeiArticle,
    Turn,
    ZoneView,
    tei_view,
)

__all__ = ["build_tei", "tei_bytes", "write_tei"]


def _t(name: str) -> str:
    return f"{{{TEI_NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, _t(name), attrib)
    if text is not None:
        el.text = text
    return el


def _set_facs(el: etree._Element, facs: tuple[str, ...], cert: float | None = None) -> None:
    if facs:
        el.set("facs", " ".join(facs))
    if cert is not None:
        el.set("cert", f"{cert:g}")


def _write_zone(parent: etree._Element, zone: ZoneView) -> None:
    ulx, uly, lrx, lry = zone.box
    el = etree.SubElement(parent, _t("zone"))
    el.set(f"{{{XML_NS}}}id", zone.xml_id)
    el.set("type", zone.type)
    el.set("ulx", str(ulx))
    el.set("uly", str(uly))
    el.set("lrx", str(lrx))
    el.set("lry", str(lry))
    if zone.write_points:
        el.set("points", " ".join(f"{x},{y}" for x, y in zone.points))
    if zone.cert is not None:
        el.set("cert", f"{zone.cert:g}")
    for child in zone.children:
        _write_zone(el, child)


def _write_para(parent: etree._Element, para: Para) -> None:
    el = etree.SubElement(parent, _t("note"), type="editorial") if para.note else etree.SubElement(parent, _t("p"))
    if para.xml_id:
        el.set(f"{{{XML_NS}}}id", para.xml_id)
    _set_facs(el, para.facs, para.cert)
    el.text = para.text


def _write_head(parent: etree._Element, head: Head) -> None:
    el = etree.SubElement(parent, _t("head"))
    if head.sub:
        el.set("type", "sub")
    _set_facs(el, head.facs, head.cert)
    el.text = head.text


def _write_item(div: etree._Element, item: BodyItem) -> None:
    match item:
        case Head():
            _write_head(div, item)
        case Attribution():
            el = etree.SubElement(div, _t(item.element))
            _set_facs(el, item.facs, item.cert)
            el.text = item.text
        case Para():
            _write_para(div, item)
        case Quote():
            el = etree.SubElement(div, _t("quote"), type="pullquote")
            _set_facs(el, item.facs, item.cert)
            el.text = item.text
        case Figure():
            el = etree.SubElement(div, _t("figure"))
            if item.type:
                el.set("type", item.type)
            _set_facs(el, item.facs)
            for head in item.captions:
                _write_head(el, head)
            for para in item.paragraphs:
                _write_para(el, para)
        case Turn():
            el = etree.SubElement(div, _t("sp"), who=f"#{item.who}")
            _set_facs(el, item.facs)
            if item.speaker:
                _sub(el, "speaker", item.speaker)
            for para in item.paragraphs:
                _write_para(el, para)
        case Jump():
            el = etree.SubElement(div, _t("note"), type="continuation", subtype=item.subtype)
            if item.page is not None:
                el.set("n", str(item.page))
            _set_facs(el, item.facs)
            el.text = item.text
        case Sidebar():
            el = etree.SubElement(div, _t("floatingText"), type="sidebar")
            _set_facs(el, item.facs)
            body = etree.SubElement(el, _t("body"))
            for para in item.paragraphs:
                _write_para(body, para)


def _write_source(source_desc: etree._Element, src: SourceView) -> None:
    """One biblStruct per page: the newspaper issue (monogr) narrowed to the page, with the scan's identifiers."""
    issue = src.issue
    monogr = _sub(_sub(source_desc, "biblStruct", corresp=f"#{src.surface_id}"), "monogr")
    _sub(monogr, "title", issue.title, level="j")
    _sub(monogr, "idno", src.source, type="source")
    _sub(monogr, "idno", src.page_id, type="page")
    if src.sha256:
        _sub(monogr, "idno", src.sha256, type="sha256")
    if issue.lccn:
        _sub(monogr, "idno", issue.lccn, type="LCCN")
    if issue.language:
        _sub(monogr, "textLang", mainLang=issue.language)
    if issue.edition:
        _sub(monogr, "edition", issue.edition)
    imprint = _sub(monogr, "imprint")
    if issue.place:
        _sub(imprint, "pubPlace", issue.place)
    if issue.publisher:
        _sub(imprint, "publisher", issue.publisher)
    if issue.date:
        _sub(imprint, "date", issue.date, when=issue.date)
    else:
        _sub(imprint, "date", "undated")
    if issue.volume:
        _sub(monogr, "biblScope", issue.volume, unit="volume")
    if issue.issue_number:
        _sub(monogr, "biblScope", issue.issue_number, unit="issue")
    _sub(monogr, "biblScope", str(src.page_number), unit="page")


def write_tei(view: TeiArticle) -> etree._ElementTree:
    """Write a `TeiArticle` as lxml elements; no decisions are made here."""
    root = etree.Element(_t("TEI"), nsmap={None: TEI_NS})
    root.set(f"{{{XML_NS}}}id", view.xml_id)
    if view.lang:
        root.set(f"{{{XML_NS}}}lang", view.lang)

    header = _sub(root, "teiHeader")
    file_desc = _sub(header, "fileDesc")
    title = _sub(_sub(file_desc, "titleStmt"), "title", view.title)
    if view.untitled:
        title.set("type", "supplied")  # made from the article's first words: the page prints no headline
    pub = _sub(file_desc, "publicationStmt")
    _sub(pub, "publisher", "broadsheet")
    _sub(pub, "date", view.created.isoformat(), when=view.created.isoformat())
    _sub(pub, "idno", view.article_id, type="article")
    source_desc = _sub(file_desc, "sourceDesc")
    for src in view.sources:
        _write_source(source_desc, src)

    app_info = _sub(_sub(header, "encodingDesc"), "appInfo")
    for app in view.applications:
        el = _sub(app_info, "application", ident=app.ident, version=app.version)
        _sub(el, "label", app.label)
        for desc in app.descs:
            _sub(el, "desc", desc)

    profile_desc = _sub(header, "profileDesc")
    lang_usage = _sub(profile_desc, "langUsage")
    _sub(lang_usage, "language", ident=view.lang)
    if view.persons:
        list_person = _sub(_sub(profile_desc, "particDesc"), "listPerson")
        for person in view.persons:
            el = _sub(list_person, "person", role=person.role)
            el.set(f"{{{XML_NS}}}id", person.xml_id)
            _sub(el, "persName", person.name)
            if person.affiliation:
                _sub(el, "affiliation", person.affiliation)

    if view.changes:
        revision = _sub(header, "revisionDesc")
        for change in view.changes:
            el = _sub(revision, "change", change.text)
            if change.type:
                el.set("type", change.type)
            if change.target:
                el.set("target", change.target)
            if change.cert is not None:
                el.set("cert", f"{change.cert:g}")

    facsimile = _sub(root, "facsimile")
    for surface in view.surfaces:
        el = _sub(facsimile, "surface", ulx="0", uly="0", lrx=str(surface.width), lry=str(surface.height))
        el.set(f"{{{XML_NS}}}id", surface.xml_id)
        _sub(el, "graphic", url=surface.url, width=surface.extent(surface.width),
             height=surface.extent(surface.height))
        for zone in surface.zones:
            _write_zone(el, zone)

    text = _sub(root, "text")
    if view.writing_mode != "horizontal-tb":
        text.set("style", f"writing-mode:{view.writing_mode}")
    div = _sub(_sub(text, "body"), "div", type="article")
    if view.untitled:
        div.set("subtype", "untitled")
    _set_facs(div, view.div_facs)
    for item in view.body:
        _write_item(div, item)
    return etree.ElementTree(root)


def build_tei(
    article: Article,
    pages: Sequence[Page],
    *,
    language: str,
    image_urls: Mapping[str, str],
    created: datetime | None = None,
    low_confidence: float = QaConfig().tei_cert_below,
    known_applications: tuple[ApplicationView, ...] | None = None,
) -> etree._ElementTree:
    """The TEI P5 document for one article. `pages` are the pages its regions live on; `known_applications`: their
    `view.applications`, where the caller has it already."""
    return write_tei(tei_view(article, pages, language=language, image_urls=image_urls, created=created,
                              low_confidence=low_confidence, known_applications=known_applications))


def tei_bytes(tree: etree._ElementTree | etree._Element) -> bytes:
    """UTF-8 with an XML declaration, pretty-printed (validation line numbers refer to this layout)."""
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=True, pretty_print=True)
