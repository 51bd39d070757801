"""ALTO v4 serialiser (one file per page) and a reader back into the page model.

As with TEI, `alto_view` makes every decision (ids, order, geometry, tags) into a small typed view and
`write_alto` only writes it. `read_alto` is the inverse for ALTO we wrote, and a tolerant reader for
ALTO from elsewhere (v1 to v4): it goes through `parse_xml` and refuses coordinates that fall outside the page.

Units: ALTO in `mm10` (tenths of a millimetre) or `inch1200` (NDNP's unit) is turned into the image's pixels with
the first resolution known, in this order: one the ALTO states itself, the paired image's pixel size against the
page's physical size, the METS/MIX sampling frequency, a resolution given by the user (`ResolutionHints`). Without
any, the page keeps the ALTO's unit (`Page.unit`), and so does everything written from it.

What ALTO has no slot for, and how it is carried:
* region type -> a LayoutTag whose LABEL is the RegionType value, referenced from the block's TAGREFS;
* detector label and line engine -> OtherTags (TYPE="detector_label" / TYPE="engine") in TAGREFS;
* a line without words -> one String without an ID spanning the line (the reader maps it back to a line
  with no words; WC carries the line confidence);
* step settings -> JSON in processingStepSettings (keeps value types); stage and duration ->
  processingStepDescription ("stage: ocr; seconds: 1.5").
Not carried (the reader fills defaults): region confidence, line confidence where the line has words
(the reader takes the mean word confidence), dpi, the preprocessing transform, flags, articles, repairs.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from pipeline.geometry import Polygon
from pipeline.model import TEXTLESS_TYPES, Line, Page, ProcessingStep, Region, RegionType, Word
from pipeline.serialise.xmlsafe import IdAllocator, clean_text, parse_xml

__all__ = [
    "ALTO_NS",
    "AltoBlock",
    "AltoCoordinateError",
    "AltoError",
    "AltoLine",
    "AltoPage",
    "AltoProcessing",
    "AltoSpace",
    "AltoString",
    "AltoTag",
    "ResolutionHints",
    "alto_bytes",
    "alto_view",
    "build_alto",
    "is_plain_box",
    "read_alto",
    "write_alto",
]

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


# --------------------------------------------------------------------------------------------- view

Points = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Box:
    hpos: float
    vpos: float
    width: float
    height: float

    @classmethod
    def of(cls, polygon: Polygon) -> Box:
        x0, y0, x1, y1 = polygon.bounds
        return cls(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class AltoString:
    id: str | None
    content: str
    box: Box
    shape: Points | None
    wc: float | None


@dataclass(frozen=True)
class AltoSpace:
    box: Box | None


@dataclass(frozen=True)
class AltoLine:
    id: str
    box: Box
    shape: Points | None
    tagrefs: tuple[str, ...]
    items: tuple[AltoString | AltoSpace, ...]


@dataclass(frozen=True)
class AltoBlock:
    kind: str  # TextBlock | Illustration | GraphicalElement
    id: str
    box: Box
    shape: Points | None
    tagrefs: tuple[str, ...]
    lines: tuple[AltoLine, ...] = ()


@dataclass(frozen=True)
class AltoTag:
    kind: str  # LayoutTag | OtherTag
    id: str
    type: str
    label: str


@dataclass(frozen=True)
class AltoProcessing:
    id: str
    when: str
    description: str
    settings: str | None
    software: str
    version: str


@dataclass(frozen=True)
class AltoPage:
    page_id: str
    width: int
    height: int
    physical_nr: int
    file_name: str
    source: str
    sha256: str
    processing: tuple[AltoProcessing, ...]
    tags: tuple[AltoTag, ...]
    blocks: tuple[AltoBlock, ...]
    reading_order: tuple[tuple[str, str], ...]  # (ElementRef ID, block ID)
    reading_order_id: str | None
    unit: str = "pixel"


# ---------------------------------------------------------------------------------------- building


def is_plain_box(polygon: Polygon) -> bool:
    """A plain axis-aligned rectangle, in any winding or starting corner: no Shape needed."""
    pts = polygon.points
    if len(pts) != 4:
        return False
    x0, y0, x1, y1 = polygon.bounds
    if set(pts) != {(x0, y0), (x1, y0), (x1, y1), (x0, y1)}:
        return False
    return all(a[0] == b[0] or a[1] == b[1] for a, b in zip(pts, pts[1:] + pts[:1], strict=True))


def _shape(polygon: Polygon) -> Points | None:
    return None if is_plain_box(polygon) else polygon.points


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _needs_space(left: str, right: str) -> bool:
    # SP only between Latin-script words: CJK text is written without inter-word spaces.
    return bool(left) and bool(right) and not _is_wide(left[-1]) and not _is_wide(right[0])


def _wc(confidence: float) -> float | None:
    if math.isnan(confidence):
        return None
    # ALTO's WC is 0..1; out-of-range values are clamped rather than guessed at (is 95 a percentage?).
    return min(max(confidence, 0.0), 1.0)


def _line_items(line: Line, word_ids: list[str]) -> tuple[AltoString | AltoSpace, ...]:
    if not line.words:
        return (
            AltoString(
                id=None,
                content=clean_text(line.text),
                box=Box.of(line.polygon),
                shape=_shape(line.polygon),
                wc=_wc(line.confidence),
            ),
        )
    items: list[AltoString | AltoSpace] = []
    previous: Word | None = None
    for word, word_id in zip(line.words, word_ids, strict=True):
        text = clean_text(word.text)
        if previous is not None and _needs_space(clean_text(previous.text), text):
            _, py0, px1, _ = previous.polygon.bounds
            nx0 = word.polygon.bounds[0]
            gap = Box(px1, py0, nx0 - px1, 0.0) if nx0 > px1 else None
            items.append(AltoSpace(box=gap))
        items.append(
            AltoString(
                id=word_id,
                content=text,
                box=Box.of(word.polygon),
                shape=_shape(word.polygon),
                wc=_wc(word.confidence),
            )
        )
        previous = word
    return tuple(items)


def _block_kind(region: Region) -> str:
    if region.type == RegionType.figure:
        return "Illustration"
    if region.type == RegionType.separator:
        return "GraphicalElement"
    return "TextBlock"


def _ordered_regions(page: Page) -> list[Region]:
    if not page.reading_order:
        return list(page.regions)
    by_id = {r.id: r for r in page.regions}
    first = [by_id[rid] for rid in dict.fromkeys(page.reading_order) if rid in by_id]
    seen = {r.id for r in first}
    return first + [r for r in page.regions if r.id not in seen]


def _settings_json(step: ProcessingStep) -> str | None:
    return json.dumps(step.settings, ensure_ascii=False, default=str) if step.settings else None


def alto_view(page: Page, *, image_url: str) -> AltoPage:
    """Decide everything that goes into the page's ALTO file."""
    if page.width <= 0 or page.height <= 0:
        raise ValueError(f"page {page.id!r} has no size ({page.width}x{page.height}); ALTO needs one")
    regions = _ordered_regions(page)

    # Model ids first, so that they survive unchanged; generated ids give way on a clash.
    ids = IdAllocator()
    page_id = ids.reserve(page.id)
    # Keyed by position, not model id: a repeated model id must still get two distinct xsd:IDs.
    block_ids = [ids.reserve(r.id) for r in regions]
    line_ids = {(ri, li): ids.reserve(ln.id) for ri, r in enumerate(regions) for li, ln in enumerate(r.lines)}
    word_ids = {
        (ri, li, wi): ids.reserve(w.id)
        for ri, r in enumerate(regions)
        for li, ln in enumerate(r.lines)
        for wi, w in enumerate(ln.words)
    }

    tags: dict[tuple[str, str], AltoTag] = {}

    def tag(kind: str, type_: str, label: str) -> str:
        key = (type_, label)
        if key not in tags:
            tags[key] = AltoTag(kind=kind, id=ids.reserve(label, f"{type_}-"), type=type_, label=clean_text(label))
        return tags[key].id

    blocks = []
    for ri, region in enumerate(regions):
        refs = [tag("LayoutTag", TAG_REGION, region.type.value)]
        if region.detector_label:
            refs.append(tag("OtherTag", TAG_DETECTOR, region.detector_label))
        kind = _block_kind(region)
        lines: tuple[AltoLine, ...] = ()
        if kind == "TextBlock":
            lines = tuple(
                AltoLine(
                    id=line_ids[ri, li],
                    box=Box.of(line.polygon),
                    shape=_shape(line.polygon),
                    tagrefs=(tag("OtherTag", TAG_ENGINE, line.engine),) if line.engine else (),
                    items=_line_items(line, [word_ids[ri, li, wi] for wi in range(len(line.words))]),
                )
                for li, line in enumerate(region.lines)
            )
        blocks.append(
            AltoBlock(
                kind=kind,
                id=block_ids[ri],
                box=Box.of(region.polygon),
                shape=_shape(region.polygon),
                tagrefs=tuple(refs),
                lines=lines,
            )
        )

    processing = tuple(
        AltoProcessing(
            id=ids.reserve(f"{n}", "processing-"),
            when=step.started.isoformat(),
            description=clean_text(f"stage: {step.stage}; seconds: {step.seconds:g}"),
            settings=clean_text(s) if (s := _settings_json(step)) else None,
            software=clean_text(step.software),
            version=clean_text(step.version),
        )
        for n, step in enumerate(page.steps, start=1)
    )

    block_of: dict[str, str] = {}
    for region, block_id in zip(regions, block_ids, strict=True):
        block_of.setdefault(region.id, block_id)
    in_order = [rid for rid in dict.fromkeys(page.reading_order) if rid in block_of]
    reading_order = tuple((ids.reserve(rid, "ref-"), block_of[rid]) for rid in in_order)

    return AltoPage(
        page_id=page_id,
        width=page.width,
        height=page.height,
        physical_nr=page.frame + 1,
        file_name=clean_text(image_url),
        source=clean_text(page.source),
        sha256=clean_text(page.sha256),
        processing=processing,
        tags=tuple(tags.values()),
        blocks=tuple(blocks),
        reading_order=reading_order,
        reading_order_id=ids.reserve("reading-order") if reading_order else None,
        unit=page.unit,
    )


# ----------------------------------------------------------------------------------------- writing


def _a(name: str) -> str:
    return f"{{{ALTO_NS}}}{name}"


def _num(value: float) -> str:
    # Shortest faithful form for pixel values: "120", "120.5"; never exponent notation.
    return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _points_attr(points: Points) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in points)


def _set_box(el: etree._Element, box: Box) -> None:
    el.set("HPOS", _num(box.hpos))
    el.set("VPOS", _num(box.vpos))
    el.set("WIDTH", _num(box.width))
    el.set("HEIGHT", _num(box.height))


def _write_shape(parent: etree._Element, shape: Points | None) -> None:
    if shape is not None:
        etree.SubElement(etree.SubElement(parent, _a("Shape")), _a("Polygon"), POINTS=_points_attr(shape))


def _text_el(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, _a(name)).text = text


def write_alto(view: AltoPage) -> etree._ElementTree:
    """Write an `AltoPage` as lxml elements; no decisions are made here."""
    root = etree.Element(_a("alto"), nsmap={None: ALTO_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.set("SCHEMAVERSION", "4.4")

    description = etree.SubElement(root, _a("Description"))
    _text_el(description, "MeasurementUnit", view.unit)
    image = etree.SubElement(description, _a("sourceImageInformation"))
    _text_el(image, "fileName", view.file_name)
    if view.sha256:
        etree.SubElement(image, _a("fileIdentifier"), fileIdentifierLocation="sha256").text = view.sha256
    if view.source:
        etree.SubElement(image, _a("documentIdentifier"), documentIdentifierLocation="source").text = view.source
    for proc in view.processing:
        el = etree.SubElement(description, _a("Processing"), ID=proc.id)
        _text_el(el, "processingDateTime", proc.when)
        _text_el(el, "processingStepDescription", proc.description)
        if proc.settings:
            _text_el(el, "processingStepSettings", proc.settings)
        software = etree.SubElement(el, _a("processingSoftware"))
        _text_el(software, "softwareName", proc.software)
        _text_el(software, "softwareVersion", proc.version)

    if view.tags:
        tags = etree.SubElement(root, _a("Tags"))
        for tag in view.tags:
            etree.SubElement(tags, _a(tag.kind), ID=tag.id, TYPE=tag.type, LABEL=tag.label)

    if view.reading_order and view.reading_order_id:
        group = etree.SubElement(etree.SubElement(root, _a("ReadingOrder")), _a("OrderedGroup"))
        group.set("ID", view.reading_order_id)
        for ref_id, block_id in view.reading_order:
            etree.SubElement(group, _a("ElementRef"), ID=ref_id, REF=block_id)

    page = etree.SubElement(etree.SubElement(root, _a("Layout")), _a("Page"))
    page.set("ID", view.page_id)
    page.set("PHYSICAL_IMG_NR", str(view.physical_nr))
    page.set("WIDTH", str(view.width))
    page.set("HEIGHT", str(view.height))
    if view.processing:
        page.set("PROCESSINGREFS", " ".join(p.id for p in view.processing))
    space = etree.SubElement(page, _a("PrintSpace"))
    _set_box(space, Box(0, 0, view.width, view.height))

    for block in view.blocks:
        el = etree.SubElement(space, _a(block.kind), ID=block.id)
        if block.tagrefs:
            el.set("TAGREFS", " ".join(block.tagrefs))
        _set_box(el, block.box)
        _write_shape(el, block.shape)
        for line in block.lines:
            line_el = etree.SubElement(el, _a("TextLine"), ID=line.id)
            if line.tagrefs:
                line_el.set("TAGREFS", " ".join(line.tagrefs))
            _set_box(line_el, line.box)
            _write_shape(line_el, line.shape)
            for item in line.items:
                if isinstance(item, AltoSpace):
                    sp = etree.SubElement(line_el, _a("SP"))
                    if item.box is not None:
                        sp.set("HPOS", _num(item.box.hpos))
                        sp.set("VPOS", _num(item.box.vpos))
                        sp.set("WIDTH", _num(item.box.width))
                    continue
                string = etree.SubElement(line_el, _a("String"))
                if item.id:
                    string.set("ID", item.id)
                string.set("CONTENT", item.content)
                _set_box(string, item.box)
                if item.wc is not None:
                    string.set("WC", _num(round(item.wc, 4)))
                _write_shape(string, item.shape)
    return etree.ElementTree(root)


def build_alto(page: Page, *, image_url: str) -> etree._ElementTree:
    """The ALTO 4.4 document for one page; `image_url` is the source image the coordinates refer to.

    Every polygon is clamped to the page first: a box drawn upright in the deskewed image and turned back
    can reach a few pixels past the page's edge, and ALTO's readers (ours included) refuse such a block.
    """
    return write_alto(alto_view(on_page(page), image_url=image_url))


def on_page(page: Page) -> Page:
    """The page with every region, line and word polygon clamped to its width and height."""
    if not page.width or not page.height:
        return page
    width, height = page.width, page.height

    def inside(polygon: Polygon) -> bool:
        x0, y0, x1, y1 = polygon.bounds
        return x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height

    # Most pages have nothing off the page: they are not copied element by element.
    if all(inside(region.polygon) and all(inside(line.polygon) and all(inside(word.polygon) for word in line.words)
                                          for line in region.lines) for region in page.regions):
        return page
    regions = [region.model_copy(update={
        "polygon": region.polygon.clamp(width, height),
        "lines": [line.model_copy(update={
            "polygon": line.polygon.clamp(width, height),
            "words": [word.model_copy(update={"polygon": word.polygon.clamp(width, height)}) for word in line.words]})
            for line in region.lines]}) for region in page.regions]
    return page.model_copy(update={"regions": regions})


def alto_bytes(tree: etree._ElementTree | etree._Element) -> bytes:
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=True, pretty_print=True)


# ------------------------------------------------------------------------------------------ reading


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

    def number(self, el: etree._Element, attr: str, *, required: bool = True) -> float:
        raw = el.get(attr)
        what = f"{etree.QName(el).localname} {el.get('ID') or ''}".strip()
        if raw is None:
            if required:
                raise AltoError(f"{what} (line {el.sourceline}) has no {attr}")
            return math.nan
        try:
            value = float(raw)
        except ValueError:
            raise AltoError(f"{what} (line {el.sourceline}): {attr}={raw!r} is not a number") from None
        if not math.isfinite(value):
            raise AltoError(f"{what} (line {el.sourceline}): {attr}={raw!r} is not a finite number")
        return value

    def polygon(self, el: etree._Element) -> Polygon:
        """Shape/Polygon when present (it is the finer geometry), else the HPOS/VPOS/WIDTH/HEIGHT box."""
        what = f"{etree.QName(el).localname} {el.get('ID') or ''}".strip()
        hpos, vpos = self.number(el, "HPOS") * self.scale, self.number(el, "VPOS") * self.scale
        width, height = self.number(el, "WIDTH") * self.scale, self.number(el, "HEIGHT") * self.scale
        if width < 0 or height < 0:
            raise AltoError(f"{what} (line {el.sourceline}) has a negative WIDTH or HEIGHT")
        polygon = Polygon.from_box(hpos, vpos, hpos + width, vpos + height)
        shape = el.find(f"{self.q('Shape')}/{self.q('Polygon')}")
        if shape is not None:
            numbers = re.split(r"[\s,]+", (shape.get("POINTS") or "").strip())
            try:
                values = [float(v) for v in numbers if v]
            except ValueError:
                raise AltoError(f"{what} (line {el.sourceline}): unreadable POINTS") from None
            if len(values) % 2 or len(values) < 6:
                raise AltoError(f"{what} (line {el.sourceline}): POINTS needs at least three x,y pairs")
            points = zip(values[0::2], values[1::2], strict=True)
            polygon = Polygon.from_points((x * self.scale, y * self.scale) for x, y in points)
        self.check_inside(what, el, polygon)
        return polygon

    def check_inside(self, what: str, el: etree._Element, polygon: Polygon) -> None:
        x0, y0, x1, y1 = polygon.bounds
        # Half a unit of slack: a page converted from physical units is rounded to whole pixels.
        slack = self.scale / 2 if self.scale != 1 else 0.0
        if x0 < -slack or y0 < -slack or x1 > self.width + slack or y1 > self.height + slack:
            raise AltoCoordinateError(
                f"{what} (line {el.sourceline}): coordinates ({_num(x0)},{_num(y0)})-({_num(x1)},{_num(y1)}) "
                f"fall outside the page (0,0)-({_num(self.width)},{_num(self.height)})"
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
            raise AltoError(f"the ALTO Page ({_num(width)}x{_num(height)} pixels) is larger than its image "
                            f"({image[0]}x{image[1]}): the OCR was not made on this image")
        return None, None
    per_inch = UNITS_PER_INCH[unit]
    stated = _stated_dpi(reader)
    if stated:
        dpi, origin = stated, "alto"
    elif image:
        dpi_x, dpi_y = image[0] / width * per_inch, image[1] / height * per_inch
        if abs(dpi_x / dpi_y - 1) > hints.tolerance:
            raise AltoError(f"the ALTO Page ({_num(width)}x{_num(height)} {unit}) does not have the proportions "
                            f"of its image ({image[0]}x{image[1]} pixels): the OCR was not made on this image")
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
        raise AltoError(f"the ALTO Page at {dpi:g} dpi ({origin}) is {_num(reader.width)}x{_num(reader.height)} "
                        f"pixels, larger than its image ({image[0]}x{image[1]})")
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
