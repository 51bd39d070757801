"""hOCR (Tesseract, OCRopus, kraken output) as a page model with its real geometry.

XHTML hOCR goes through `parse_xml` (entities refused, no network); HTML that is not well-formed XML is
read by lxml's HTML parser with the network off, after the same entity check has passed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lxml import etree, html

from broadsheet.ingest.files import page_id
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, Region, RegionType, Word
from broadsheet.text.xmlsafe import parse_xml

LINE_CLASSES = frozenset({"ocr_line", "ocrx_line", "ocr_header", "ocr_caption", "ocr_textfloat"})
BLOCK_CLASSES = ("ocr_carea", "ocr_par")
_BBOX = re.compile(r"\bbbox\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)")
_WCONF = re.compile(r"\bx_wconf\s+(\d+(?:\.\d+)?)")


class HocrError(ValueError):
    """The hOCR cannot be mapped onto the page model (no page, no bbox, or coordinates off the page)."""


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _bbox(el: etree._Element, page: tuple[float, float]) -> Polygon:
    found = _BBOX.search(el.get("title") or "")
    if found is None:
        raise HocrError(f"{el.get('id') or el.get('class')} has no bbox in its title")
    x0, y0, x1, y1 = (float(v) for v in found.groups())
    if x0 < 0 or y0 < 0 or x1 > page[0] or y1 > page[1] or x1 < x0 or y1 < y0:
        raise HocrError(f"{el.get('id') or el.get('class')}: bbox {x0:g},{y0:g},{x1:g},{y1:g} falls outside "
                        f"the page (0,0)-({page[0]:g},{page[1]:g})")
    return Polygon.from_box(x0, y0, x1, y1)


def _parse(raw: bytes) -> etree._Element:
    try:
        return parse_xml(raw).getroot()
    except etree.XMLSyntaxError:
        # parse_xml has already refused entity declarations; plain HTML is read without the network.
        return html.fromstring(raw, parser=html.HTMLParser(no_network=True, remove_comments=True))


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def read_hocr(source: Path) -> Page:
    """The first ocr_page of an hOCR file; blocks become body regions for the newspaper typing stage."""
    raw = source.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    root = _parse(raw)
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    page_el = next((el for el in elements if "ocr_page" in _classes(el)), None)
    if page_el is None:
        raise HocrError("no element with class ocr_page: not an hOCR file")
    found = _BBOX.search(page_el.get("title") or "")
    if found is None:
        raise HocrError("the ocr_page has no bbox, so the page size is unknown")
    size = (float(found.group(3)), float(found.group(4)))
    if size[0] <= 0 or size[1] <= 0:
        raise HocrError("the ocr_page bbox has no area")
    pid = page_id(source, sha256, 0)
    block_class = next((c for c in BLOCK_CLASSES if any(c in _classes(el) for el in page_el.iter())), None)
    blocks = [el for el in page_el.iter() if block_class in _classes(el)] if block_class else [page_el]
    regions: list[Region] = []
    for block in blocks:
        region_id = f"{pid}-r{len(regions) + 1}"
        lines: list[Line] = []
        for line_el in (el for el in block.iter() if _classes(el) & LINE_CLASSES):
            line_id = f"{region_id}-l{len(lines) + 1}"
            words = [
                Word(id=f"{line_id}-w{k}", text="".join(w.itertext()).strip(), polygon=_bbox(w, size),
                     confidence=float(c.group(1)) / 100 if (c := _WCONF.search(w.get("title") or "")) else 0.0)
                for k, w in enumerate((w for w in line_el.iter() if "ocrx_word" in _classes(w)), start=1)
            ]
            words = [w for w in words if w.text]
            text = " ".join(w.text for w in words) if words else " ".join("".join(line_el.itertext()).split())
            if not text:
                continue
            confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
            lines.append(Line(id=line_id, text=text, polygon=_bbox(line_el, size), confidence=confidence,
                              engine="hocr", words=words))
        if not lines:
            continue
        kinds = {c for ln in block.iter() for c in _classes(ln) & LINE_CLASSES}
        kind = RegionType.caption if kinds == {"ocr_caption"} else RegionType.body
        regions.append(Region(id=region_id, type=kind, polygon=_bbox(block, size) if block is not page_el
                              else Polygon.from_box(0, 0, *size), confidence=1.0,
                              detector_label=block_class or "ocr_page", lines=lines))
    return Page(id=pid, source=str(source), sha256=sha256, width=round(size[0]), height=round(size[1]),
                regions=regions)
