"""ALTO from anywhere (v1 to v4, pixel, mm10 or inch1200) read into the page model, and ALTO's vocabulary.

`read_alto` is the inverse of `serialise.alto` for ALTO we wrote, and a tolerant reader for ALTO from elsewhere:
it goes through `parse_xml` and refuses coordinates that fall outside the page.

Units: ALTO in `mm10` (tenths of a millimetre) or `inch1200` (NDNP's unit) is turned into the image's pixels with
the first resolution known, in this order: one the ALTO states itself, the paired image's pixel size against the
page's physical size, the METS/MIX sampling frequency, a resolution given by the user (`ResolutionHints`). Without
any, the page keeps the ALTO's unit (`Page.unit`), and so does everything written from it.

Not carried by ALTO (the reader fills defaults): region confidence, line confidence where the line has words
(the reader takes the mean word confidence), dpi, the preprocessing transform, flags, articles, repairs.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import TEXTLESS_TYPES, Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.text.xmlsafe import parse_xml

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
# Older ALTO namespaces share the element names and coordinate attributes the reader relies on.
READABLE_NAMESPACES = frozenset(
    {
        ALTO_NS,
        "http://www.loc.gov/standards/alto/ns-v3#",
        "http://www.loc.gov/standards/alto/ns-v2#",
        "http://www.loc.gov/standards/alto/ns-v1#",
        "http://www.loc.gov/standards/alto/",
        "http://schema.ccs-gmbh.com/ALTO",
        "",  # ALTO 1.x as many producers wrote it, with no namespace
    }
)
UNITS_PER_INCH: dict[str, float] = {"inch1200": 1200.0, "mm10": 254.0}
"""ALTO's physical units, per inch: what a resolution in dots per inch turns into pixels."""
MEASUREMENT_UNITS = ("pixel", *UNITS_PER_INCH)
# A resolution some producers state in the processing step's settings ("resolution: 400", "dpi=300").
_STATED_DPI = re.compile(r"(?:resolution|dpi)\W{0,3}(\d{2,4}(?:\.\d+)?)", re.IGNORECASE)

TAG_DETECTOR = "detector_label"
TAG_ENGINE = "engine"
TAG_REGION = "region"
_REGION_TYPES = {t.value for t in RegionType}


class AltoError(ValueError):
    """The ALTO cannot be mapped onto the page model."""


class AltoCoordinateError(AltoError):
    """An element's coordinates fall outside its page."""


@dataclass(frozen=True)
class ResolutionHints:
    """What is known about an ALTO page's image besides the ALTO, tried in this order for physical units."""

    image_size: tuple[int, int] | None = None
    """Pixel width and height of the paired image, where it is at hand."""
    mets_dpi: float | None = None
    """The METS/MIX sampling frequency of the page's image, in dots per inch."""
    option_dpi: float | None = None
    """The resolution the user gave (`--dpi`)."""
    tolerance: float = 0.02
    """Share of the image's side by which the ALTO page may exceed it (ExistingOcrConfig.page_image_tolerance)."""


def short_num(value: float) -> str:
    """Shortest faithful form for pixel values: "120", "120.5"; never exponent notation."""
    return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


class _Reader:
    def __init__(self, root: etree._Element) -> None:
        self.ns = etree.QName(root).namespace or ""
        if etree.QName(root).localname != "alto" or self.ns not in READABLE_NAMESPACES:
            raise AltoError(f"not an ALTO document (root element {root.tag!r})")
        self.root = root
        self.width = 0.0
        self.height = 0.0
        self.scale = 1.0
        """Pixels per ALTO unit: every coordinate read is multiplied by it (1 for pixel ALTO, or no resolution)."""

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def find_text(self, el: etree._Element, path: str) -> str | None:
        found = el.find("/".join(self.q(p) for p in path.split("/")))
        return found.text.strip() if found is not None and found.text else None

    @staticmethod
    def what(el: etree._Element) -> str:
        """The element as an error names it (made only for an error: a page has a hundred thousand numbers)."""
        return f"{etree.QName(el).localname} {el.get('ID') or ''}".strip()

    def number(self, el: etree._Element, attr: str, *, required: bool = True) -> float:
        raw = el.get(attr)
        if raw is None:
            if required:
                raise AltoError(f"{self.what(el)} (line {el.sourceline}) has no {attr}")
            return math.nan
        try:
            value = float(raw)
        except ValueError:
            raise AltoError(f"{self.what(el)} (line {el.sourceline}): {attr}={raw!r} is not a number") from None
        if not math.isfinite(value):
            raise AltoError(f"{self.what(el)} (line {el.sourceline}): {attr}={raw!r} is not a finite number")
        return value

    def polygon(self, el: etree._Element) -> Polygon:
        """Shape/Polygon when present (it is the finer geometry), else the HPOS/VPOS/WIDTH/HEIGHT box."""
        hpos, vpos = self.number(el, "HPOS") * self.scale, self.number(el, "VPOS") * self.scale
        width, height = self.number(el, "WIDTH") * self.scale, self.number(el, "HEIGHT") * self.scale
        if width < 0 or height < 0:
            raise AltoError(f"{self.what(el)} (line {el.sourceline}) has a negative WIDTH or HEIGHT")
        polygon = Polygon.from_box(hpos, vpos, hpos + width, vpos + height)
        shape = el.find(f"{self.q('Shape')}/{self.q('Polygon')}")
        if shape is not None:
            numbers = re.split(r"[\s,]+", (shape.get("POINTS") or "").strip())
            try:
                values = [float(v) for v in numbers if v]
            except ValueError:
                raise AltoError(f"{self.what(el)} (line {el.sourceline}): unreadable POINTS") from None
            if len(values) % 2 or len(values) < 6:
                raise AltoError(f"{self.what(el)} (line {el.sourceline}): POINTS needs at least three x,y pairs")
            points = zip(values[0::2], values[1::2], strict=True)
            polygon = Polygon.from_points((x * self.scale, y * self.scale) for x, y in points)
        self.check_inside(el, polygon)
        return polygon

    def check_inside(self, el: etree._Element, polygon: Polygon) -> None:
        x0, y0, x1, y1 = polygon.bounds
        # Half a unit of slack: a page converted from physical units is rounded to whole pixels.
        slack = self.scale / 2 if self.scale != 1 else 0.0
        if x0 < -slack or y0 < -slack or x1 > self.width + slack or y1 > self.height + slack:
            raise AltoCoordinateError(
                f"{self.what(el)} (line {el.sourceline}): coordinates "
                f"({short_num(x0)},{short_num(y0)})-({short_num(x1)},{short_num(y1)}) "
                f"fall outside the page (0,0)-({short_num(self.width)},{short_num(self.height)})"
            )


def _parse_settings(text: str | None) -> dict[str, str | int | float | bool | None]:
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    if isinstance(loaded, dict):
        return {
            str(k): v if v is None or isinstance(v, str | int | float | bool) else json.dumps(v)
            for k, v in loaded.items()
        }
    pairs = [part.split("=", 1) for part in re.split(r";\s*", text) if "=" in part]
    if pairs:
        return {k.strip(): v.strip() for k, v in pairs}
    return {"settings": text}


def _parse_description(text: str | None) -> tuple[str, float]:
    fields = dict((k.strip(), v.strip()) for k, _, v in (part.partition(":") for part in re.split(r";\s*", text or "")))
    try:
        seconds = float(fields.get("seconds", "0"))
    except ValueError:
        seconds = 0.0
    return fields.get("stage") or "alto", seconds


def _parse_when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _steps(reader: _Reader) -> dict[str, ProcessingStep]:
    steps: dict[str, ProcessingStep] = {}
    description = reader.root.find(reader.q("Description"))
    if description is None:
        return steps
    # ALTO 4 <Processing>, and the older <OCRProcessing> with pre/ocr/post steps inside.
    candidates: list[tuple[str, etree._Element]] = [
        (el.get("ID") or f"processing-{n}", el) for n, el in enumerate(description.findall(reader.q("Processing")))
    ]
    for ocr in description.findall(reader.q("OCRProcessing")):
        for n, el in enumerate(ocr):
            candidates.append((f"{ocr.get('ID') or 'ocr'}-{n}", el))
    for key, el in candidates:
        stage, seconds = _parse_description(reader.find_text(el, "processingStepDescription"))
        if stage == "alto" and etree.QName(el).localname.endswith("ProcessingStep"):
            stage = etree.QName(el).localname.removesuffix("ProcessingStep")
        step = ProcessingStep(
            stage=stage,
            software=reader.find_text(el, "processingSoftware/softwareName") or "unknown",
            version=reader.find_text(el, "processingSoftware/softwareVersion") or "",
            settings=_parse_settings(reader.find_text(el, "processingStepSettings")),
            seconds=seconds,
        )
        when = _parse_when(reader.find_text(el, "processingDateTime"))
        steps[key] = step.model_copy(update={"started": when}) if when else step
    return steps


def _read_line(reader: _Reader, el: etree._Element, line_id: str, engine: str) -> Line:
    polygon = reader.polygon(el)
    strings = el.findall(reader.q("String"))
    text_parts: list[str] = []
    words: list[Word] = []
    for child in el:
        name = etree.QName(child).localname
        if name == "SP":
            text_parts.append(" ")
        elif name == "HYP":
            text_parts.append(child.get("CONTENT") or "-")
        elif name == "String":
            content = child.get("CONTENT") or ""
            text_parts.append(content)
            wc = reader.number(child, "WC", required=False)
            words.append(
                Word(
                    id=child.get("ID") or f"{line_id}_w{len(words) + 1}",
                    text=content,
                    polygon=reader.polygon(child),
                    confidence=0.0 if math.isnan(wc) else wc,
                )
            )
    confidences = [w.confidence for w in words]
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    if len(strings) == 1 and strings[0].get("ID") is None:
        words = []  # the whole-line String written for a line without word segmentation
    return Line(
        id=line_id,
        text="".join(text_parts),
        polygon=polygon,
        confidence=confidence,
        engine=engine,
        words=words,
    )


def _tag_values(tagrefs: str | None, tags: dict[str, tuple[str, str, str]], kind: str, type_: str) -> list[str]:
    out = []
    for ref in (tagrefs or "").split():
        tag = tags.get(ref)
        if tag and tag[0] == kind and (not type_ or tag[1] == type_):
            out.append(tag[2])
    return out


def _stated_dpi(reader: _Reader) -> float | None:
    """A resolution the ALTO states in a processing step's settings, where its producer wrote one."""
    description = reader.root.find(reader.q("Description"))
    if description is None:
        return None
    for settings in description.iter(reader.q("processingStepSettings")):
        match = _STATED_DPI.search(settings.text or "")
        if match and float(match.group(1)) > 0:
            return float(match.group(1))
    return None


def _resolve_units(reader: _Reader, unit: str, hints: ResolutionHints) -> tuple[float | None, str | None]:
    """Set the reader's scale and page size in pixels; return the dpi and where it came from (None: not known)."""
    width, height = reader.width, reader.height
    image = hints.image_size
    if unit == "pixel":
        if image and (width > image[0] * (1 + hints.tolerance) or height > image[1] * (1 + hints.tolerance)):
            raise AltoError(f"the ALTO Page ({short_num(width)}x{short_num(height)} pixels) is larger than its image "
                            f"({image[0]}x{image[1]}): the OCR was not made on this image")
        return None, None
    per_inch = UNITS_PER_INCH[unit]
    stated = _stated_dpi(reader)
    if stated:
        dpi, origin = stated, "alto"
    elif image:
        dpi_x, dpi_y = image[0] / width * per_inch, image[1] / height * per_inch
        if abs(dpi_x / dpi_y - 1) > hints.tolerance:
            raise AltoError(f"the ALTO Page ({short_num(width)}x{short_num(height)} {unit}) does not have the "
                            f"proportions of its image ({image[0]}x{image[1]} pixels): the OCR was not made on this "
                            "image")
        dpi, origin = dpi_x, "image"
    elif hints.mets_dpi:
        dpi, origin = hints.mets_dpi, "mets"
    elif hints.option_dpi:
        dpi, origin = hints.option_dpi, "option"
    else:
        return None, None
    reader.scale = dpi / per_inch
    reader.width, reader.height = round(width * reader.scale), round(height * reader.scale)
    if image and (reader.width > image[0] * (1 + hints.tolerance) or reader.height > image[1] * (1 + hints.tolerance)):
        raise AltoError(f"the ALTO Page at {dpi:g} dpi ({origin}) is "
                        f"{short_num(reader.width)}x{short_num(reader.height)} pixels, larger than its image "
                        f"({image[0]}x{image[1]})")
    return dpi, origin


def read_alto(source: bytes | Path | str, hints: ResolutionHints | None = None) -> Page:
    """Read one ALTO page (v1 to v4; pixel, mm10 or inch1200) into the page model; `str` means a file path.

    Physical units become pixels with the first resolution known (see the module's docstring and `hints`);
    without one the page keeps the ALTO's unit (`Page.unit`). Raises `AltoCoordinateError` when any block,
    line or string lies outside the page, `AltoError` for other content that cannot be mapped (a missing or
    unknown MeasurementUnit, a Page larger than its image), `UnsafeXMLError` / `XMLSyntaxError` for unsafe or
    broken XML.
    """
    hints = hints or ResolutionHints()
    tree = parse_xml(Path(source) if isinstance(source, str) else source)
    reader = _Reader(tree.getroot())
    root = reader.root

    unit = reader.find_text(root, "Description/MeasurementUnit")
    if unit is None:
        raise AltoError("the ALTO has no Description/MeasurementUnit: its coordinates cannot be placed on the page")
    if unit not in MEASUREMENT_UNITS:
        raise AltoError(f"MeasurementUnit {unit!r} is unknown (ALTO knows {', '.join(MEASUREMENT_UNITS)})")

    pages = root.findall(f"{reader.q('Layout')}/{reader.q('Page')}")
    if len(pages) != 1:
        raise AltoError(f"expected exactly one Layout/Page, found {len(pages)}")
    page_el = pages[0]
    reader.width = reader.number(page_el, "WIDTH")
    reader.height = reader.number(page_el, "HEIGHT")
    if reader.width <= 0 or reader.height <= 0:
        raise AltoError("Page WIDTH and HEIGHT must be positive")
    dpi, resolution_from = _resolve_units(reader, unit, hints)

    tags: dict[str, tuple[str, str, str]] = {}
    tags_el = root.find(reader.q("Tags"))
    if tags_el is not None:
        for tag in tags_el:
            if isinstance(tag.tag, str) and tag.get("ID"):
                tags[tag.get("ID", "")] = (
                    etree.QName(tag).localname,
                    tag.get("TYPE", ""),
                    tag.get("LABEL", ""),
                )

    regions: list[Region] = []
    block_names = {reader.q(n) for n in ("TextBlock", "Illustration", "GraphicalElement")}
    for n, block in enumerate(page_el.iter(*block_names), start=1):
        region_id = block.get("ID") or f"block{n}"
        element = etree.QName(block).localname
        labels = [lbl for lbl in _tag_values(block.get("TAGREFS"), tags, "LayoutTag", "") if lbl in _REGION_TYPES]
        if labels:
            region_type = RegionType(labels[0])
        else:
            region_type = {"Illustration": RegionType.figure, "GraphicalElement": RegionType.separator}.get(
                element, RegionType.body
            )
        detector = _tag_values(block.get("TAGREFS"), tags, "OtherTag", TAG_DETECTOR)
        lines = []
        for k, line_el in enumerate(block.findall(reader.q("TextLine")), start=1):
            engine = _tag_values(line_el.get("TAGREFS"), tags, "OtherTag", TAG_ENGINE)
            lines.append(
                _read_line(reader, line_el, line_el.get("ID") or f"{region_id}_l{k}", engine[0] if engine else "alto")
            )
        confidence = sum(ln.confidence for ln in lines) / len(lines) if lines else 0.0
        if region_type in TEXTLESS_TYPES and lines:
            region_type = RegionType.body  # a tag said "figure" but the block holds text
        regions.append(
            Region(
                id=region_id,
                type=region_type,
                polygon=reader.polygon(block),
                confidence=confidence,
                detector_label=detector[0] if detector else (labels[0] if labels else element),
                lines=lines,
            )
        )

    known = {r.id for r in regions}
    reading_order: list[str] = []
    ordering = root.find(reader.q("ReadingOrder"))
    if ordering is not None:
        for ref in ordering.iter(reader.q("ElementRef")):
            reading_order.extend(r for r in (ref.get("REF") or "").split() if r in known)

    image = root.find(f"{reader.q('Description')}/{reader.q('sourceImageInformation')}")
    source_name, sha256 = "", ""
    if image is not None:
        source_name = reader.find_text(image, "fileName") or ""
        for ident in image.findall(reader.q("documentIdentifier")):
            if ident.get("documentIdentifierLocation") == "source" and ident.text:
                source_name = ident.text.strip()
        for ident in image.findall(reader.q("fileIdentifier")):
            if ident.get("fileIdentifierLocation") == "sha256" and ident.text:
                sha256 = ident.text.strip()

    physical = reader.number(page_el, "PHYSICAL_IMG_NR", required=False)
    return Page(
        id=page_el.get("ID") or "page",
        source=source_name,
        frame=max(int(physical) - 1, 0) if not math.isnan(physical) else 0,
        sha256=sha256,
        width=round(reader.width),
        height=round(reader.height),
        dpi=dpi,
        unit="pixel" if unit == "pixel" or dpi else unit,
        resolution_from=resolution_from,
        regions=regions,
        reading_order=list(dict.fromkeys(reading_order)),
        steps=list(_steps(reader).values()),
    )
