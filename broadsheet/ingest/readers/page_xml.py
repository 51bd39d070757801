"""PAGE XML (PRImA PcGts 2009 to 2019: Transkribus, OCR-D, eScriptorium) as a page model.

Regions keep their ids, types (mapped to ours), polygons and the document's reading order; lines keep their
polygon and their own TextEquiv (the corrected text: word-level text is sometimes older, uncorrected OCR, so a
line's words are kept only where they spell the line). Parsed by `parse_xml`: entities and network off.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lxml import etree

from broadsheet.ingest.files import page_id
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.text.xmlsafe import parse_xml

PAGE_NAMESPACE = re.compile(r"^http://schema\.primaresearch\.org/PAGE/gts/pagecontent/\d{4}-\d{2}-\d{2}$")
TEXT_REGION_TYPES = {
    "heading": RegionType.headline, "header": RegionType.running_header, "footer": RegionType.folio,
    "page-number": RegionType.folio, "catch-word": RegionType.folio, "signature-mark": RegionType.folio,
    "caption": RegionType.caption, "credit": RegionType.byline, "paragraph": RegionType.body,
}
"""PAGE's text region types that are ours; every other (marginalia, drop-capital, floating, ...) is body text."""
OTHER_REGIONS = {"ImageRegion": RegionType.figure, "GraphicRegion": RegionType.figure,
                 "ChartRegion": RegionType.figure, "SeparatorRegion": RegionType.separator,
                 "TableRegion": RegionType.table}


class PageXmlError(ValueError):
    """The PAGE document cannot be mapped onto the page model."""


def _points(el: etree._Element, ns: str, width: float, height: float) -> Polygon:
    coords = el.find(f"{{{ns}}}Coords")
    what = f"{etree.QName(el).localname} {el.get('id') or ''}".strip()
    if coords is None:
        raise PageXmlError(f"{what} (line {el.sourceline}) has no Coords")
    raw = coords.get("points")
    if raw is not None:
        pairs = [pair.split(",") for pair in raw.split()]
    else:  # PAGE 2009/2010: <Point x= y=/> children
        pairs = [[p.get("x", ""), p.get("y", "")] for p in coords.iter(f"{{{ns}}}Point")]
    try:
        points = [(float(x), float(y)) for x, y in pairs]
    except ValueError:
        raise PageXmlError(f"{what} (line {el.sourceline}): unreadable Coords points") from None
    if len(points) < 3:  # a degenerate polygon (a separator drawn as a line): its box
        if not points:
            raise PageXmlError(f"{what} (line {el.sourceline}): Coords holds no point")
        xs, ys = [x for x, _ in points], [y for _, y in points]
        return Polygon.from_box(min(xs), min(ys), max(xs) + 1, max(ys) + 1).clamp(width, height)
    # PAGE producers round polygons outward by a pixel now and then: kept on the page.
    return Polygon.from_points(points).clamp(width, height)


def _text(el: etree._Element, ns: str) -> tuple[str, float | None]:
    equivs = el.findall(f"{{{ns}}}TextEquiv")
    if not equivs:
        return "", None
    # The first by @index (PAGE allows several readings); index 0 or none is the main one.
    equiv = min(equivs, key=lambda e: int(e.get("index", "0")) if e.get("index", "0").lstrip("-").isdigit() else 0)
    unicode = equiv.find(f"{{{ns}}}Unicode")
    conf = equiv.get("conf")
    return (unicode.text or "") if unicode is not None else "", float(conf) if conf else None


def read_page_xml(source: Path) -> Page:
    raw = source.read_bytes()
    root = parse_xml(raw).getroot()
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "PcGts" or not PAGE_NAMESPACE.match(ns):
        raise PageXmlError(f"not a PAGE document (root element {root.tag!r})")
    page_el = root.find(f"{{{ns}}}Page")
    if page_el is None:
        raise PageXmlError("the PAGE document has no Page")
    try:
        width, height = float(page_el.get("imageWidth", "")), float(page_el.get("imageHeight", ""))
    except ValueError:
        raise PageXmlError("Page needs numeric imageWidth and imageHeight") from None
    if width <= 0 or height <= 0:
        raise PageXmlError("Page imageWidth and imageHeight must be positive")
    regions: list[Region] = []
    for el in page_el.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        if name == "TextRegion":
            kind = TEXT_REGION_TYPES.get(el.get("type", ""), RegionType.body)
        elif name in OTHER_REGIONS:
            kind = OTHER_REGIONS[name]
        else:
            continue
        region_id = el.get("id") or f"region{len(regions) + 1}"
        lines = []
        for n, line_el in enumerate(el.findall(f"{{{ns}}}TextLine"), start=1):
            text, conf = _text(line_el, ns)
            words = []
            try:
                for k, word_el in enumerate(line_el.findall(f"{{{ns}}}Word"), start=1):
                    word_text, word_conf = _text(word_el, ns)
                    words.append(Word(id=word_el.get("id") or f"{region_id}_l{n}_w{k}", text=word_text,
                                      polygon=_points(word_el, ns, width, height),
                                      confidence=word_conf if word_conf is not None else conf or 1.0))
            except PageXmlError:
                words = []  # a word without a place: the line keeps its text and its own polygon
            if " ".join(w.text for w in words) != text:
                words = []  # the words' text is not the line's (uncorrected word OCR under corrected lines)
            lines.append(Line(id=line_el.get("id") or f"{region_id}_l{n}", text=text,
                              polygon=_points(line_el, ns, width, height),
                              confidence=conf if conf is not None else 1.0, engine="page-xml", words=words))
        if kind in (RegionType.figure, RegionType.separator) and lines:
            kind = RegionType.body
        regions.append(Region(id=region_id, type=kind, polygon=_points(el, ns, width, height),
                              confidence=1.0, detector_label=f"{name}:{el.get('type', '')}".rstrip(":"),
                              lines=lines))
    known = {r.id for r in regions}
    order_el = page_el.find(f"{{{ns}}}ReadingOrder")
    reading_order: list[str] = []
    if order_el is not None:
        indexed = [(int(ref.get("index", "0")), ref.get("regionRef", "")) for ref in order_el.iter(
            f"{{{ns}}}RegionRefIndexed")]
        plain = [ref.get("regionRef", "") for ref in order_el.iter(f"{{{ns}}}RegionRef")]
        reading_order = [rid for _, rid in sorted(indexed, key=lambda item: item[0])] + plain
    sha256 = hashlib.sha256(raw).hexdigest()
    creator = root.findtext(f"{{{ns}}}Metadata/{{{ns}}}Creator") or "unknown"
    image = page_el.get("imageFilename")
    # imageFilename is relative to the PAGE file, or (OCR-D workspaces) to the folder above it.
    found = next((folder / image for folder in (source.parent, source.parent.parent) if image
                  and (folder / image).is_file()), source.parent / image if image else None)
    return Page(id=page_id(source, sha256, 0), source=str(source), sha256=sha256, width=round(width),
                height=round(height), image=str(found) if found else None, regions=regions,
                reading_order=list(dict.fromkeys(rid for rid in reading_order if rid in known)),
                steps=[ProcessingStep(stage="ocr", software=creator.strip(), version=ns.rsplit("/", 1)[-1])])


__all__ = ["PageXmlError", "read_page_xml"]
