"""ABBYY FineReader XML (the `document` schema of FineReader 6 to 10 and its engines) as a page model.

Blocks keep their type (Text, Picture, Table, Separator) and box; lines are built from their characters
(`charParams`), words split at spaces, each with the box of its characters and the mean of their
`charConfidence` (0-100, -1 unknown). Parsed by `parse_xml`: entities and network off.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lxml import etree

from broadsheet.ingest.files import page_id
from broadsheet.model.geometry import Polygon, union_box
from broadsheet.model.page import Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.text.xmlsafe import parse_xml

BLOCK_TYPES = {"Picture": RegionType.figure, "Separator": RegionType.separator,
               "SeparatorsBox": RegionType.separator, "Table": RegionType.table}
"""FineReader block types that are not running text; Text and every other type are body text to be typed."""


class AbbyyError(ValueError):
    """The FineReader document cannot be mapped onto the page model."""


def _box(el: etree._Element) -> Polygon:
    try:
        return Polygon.from_box(*(float(el.get(k, "")) for k in ("l", "t", "r", "b")))
    except ValueError:
        raise AbbyyError(f"{etree.QName(el).localname} (line {el.sourceline}) has no l, t, r, b box") from None


def _line(el: etree._Element, ns: str, line_id: str) -> Line:
    words: list[Word] = []
    current: list[tuple[str, Polygon, float]] = []

    def close() -> None:
        if current:
            confidences = [c for _, _, c in current if c >= 0]
            words.append(Word(id=f"{line_id}-w{len(words) + 1}", text="".join(ch for ch, _, _ in current),
                              polygon=union_box(box for _, box, _ in current),
                              confidence=sum(confidences) / len(confidences) / 100 if confidences else 0.0))
            current.clear()

    for char in el.iter(f"{{{ns}}}charParams"):
        text = char.text or ""
        if not text.strip() or (char.get("wordStart") in ("true", "1") and current):
            close()
        if text.strip():
            confidence = char.get("charConfidence")
            current.append((text, _box(char), float(confidence) if confidence not in (None, "") else -1.0))
    close()
    confidences = [w.confidence for w in words]
    return Line(id=line_id, text=" ".join(w.text for w in words), polygon=_box(el), engine="abbyy-finereader",
                confidence=sum(confidences) / len(confidences) if confidences else 0.0, words=words)


def read_abbyy(source: Path) -> Page:
    raw = source.read_bytes()
    root = parse_xml(raw).getroot()
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "document" or "abbyy.com/FineReader" not in ns:
        raise AbbyyError(f"not an ABBYY FineReader document (root element {root.tag!r})")
    pages = root.findall(f"{{{ns}}}page")
    if len(pages) != 1:
        raise AbbyyError(f"expected exactly one page, found {len(pages)}")
    page_el = pages[0]
    try:
        width, height = int(page_el.get("width", "")), int(page_el.get("height", ""))
    except ValueError:
        raise AbbyyError("page needs integer width and height") from None
    sha256 = hashlib.sha256(raw).hexdigest()
    pid = page_id(source, sha256, 0)
    regions = []
    for n, block in enumerate(page_el.iter(f"{{{ns}}}block"), start=1):
        region_id = f"{pid}-b{n}"
        lines = [line for k, el in enumerate(block.iter(f"{{{ns}}}line"), start=1)
                 if (line := _line(el, ns, f"{region_id}-l{k}")).text]
        kind = BLOCK_TYPES.get(block.get("blockType", ""), RegionType.body)
        if kind in (RegionType.figure, RegionType.separator) and lines:
            kind = RegionType.body
        regions.append(Region(id=region_id, type=kind, polygon=_box(block).clamp(width, height), confidence=1.0,
                              detector_label=f"abbyy:{block.get('blockType', '')}", lines=lines))
    dpi = page_el.get("resolution")
    return Page(id=pid, source=str(source), sha256=sha256, width=width, height=height, regions=regions,
                dpi=float(dpi) if dpi and dpi.replace(".", "", 1).isdigit() and float(dpi) > 0 else None,
                steps=[ProcessingStep(stage="ocr", software=root.get("producer") or "ABBYY FineReader",
                                      version=ns.rsplit("/", 1)[-1])])


__all__ = ["AbbyyError", "read_abbyy"]
