"""ALTO v4 serialiser (one file per page); `ingest.readers.alto.read_alto` reads it back.

As with TEI, `alto_view` makes every decision (ids, order, geometry, tags) into a small typed view and
`write_alto` only writes it.

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
from dataclasses import dataclass

from lxml import etree

from broadsheet.ingest.readers.alto import (
    ALTO_NS,
    SCHEMA_LOCATION,
    TAG_DETECTOR,
    TAG_ENGINE,
    TAG_REGION,
    XSI_NS,
    short_num,
)
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Line, Page, ProcessingStep, Region, RegionType, Word
from broadsheet.text.script import is_cjk
from broadsheet.text.xmlsafe import IdAllocator, clean_text

__all__ = [
    "AltoBlock",
    "AltoLine",
    "AltoPage",
    "AltoProcessing",
    "AltoSpace",
    "AltoString",
    "AltoTag",
    "alto_bytes",
    "alto_view",
    "build_alto",
    "is_plain_box",
    "write_alto",
]

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
    if pts == ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        return True  # as `Polygon.from_box` makes it, the common case
    if set(pts) != {(x0, y0), (x1, y0), (x1, y1), (x0, y1)}:
        return False
    return all(a[0] == b[0] or a[1] == b[1] for a, b in zip(pts, pts[1:] + pts[:1], strict=True))


def _shape(polygon: Polygon) -> Points | None:
    return None if is_plain_box(polygon) else polygon.points


def _needs_space(left: str, right: str) -> bool:
    # SP only between Latin-script words: CJK text is written without inter-word spaces.
    return bool(left) and bool(right) and not is_cjk(left[-1]) and not is_cjk(right[0])


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




def _points_attr(points: Points) -> str:
    return " ".join(f"{short_num(x)},{short_num(y)}" for x, y in points)


def _set_box(el: etree._Element, box: Box) -> None:
    el.set("HPOS", short_num(box.hpos))
    el.set("VPOS", short_num(box.vpos))
    el.set("WIDTH", short_num(box.width))
    el.set("HEIGHT", short_num(box.height))


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
                        sp.set("HPOS", short_num(item.box.hpos))
                        sp.set("VPOS", short_num(item.box.vpos))
                        sp.set("WIDTH", short_num(item.box.width))
                    continue
                string = etree.SubElement(line_el, _a("String"))
                if item.id:
                    string.set("ID", item.id)
                string.set("CONTENT", item.content)
                _set_box(string, item.box)
                if item.wc is not None:
                    string.set("WC", short_num(round(item.wc, 4)))
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
