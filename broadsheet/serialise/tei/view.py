"""The TEI view: every decision about one article's TEI (structure, ids, coordinates, text) made into small
typed values; `write` only writes them. The element choices are listed in `broadsheet.serialise.tei`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal

from broadsheet.config import QaConfig
from broadsheet.ingest.names import guess_metadata
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import (
    MODEL_VERSION,
    OUTSIDE_ARTICLE_TYPES,
    Article,
    Continuation,
    IssueMetadata,
    Page,
    Paragraph,
    ProcessingStep,
    Region,
    RegionType,
)
from broadsheet.serialise.alto import is_plain_box
from broadsheet.text.script import join_lines
from broadsheet.text.xmlsafe import IdAllocator, clean_text, ncname

__all__ = [
    "TEI_NS",
    "UNTITLED",
    "XML_NS",
    "ApplicationView",
    "Attribution",
    "BodyItem",
    "ChangeView",
    "Figure",
    "Head",
    "Jump",
    "Para",
    "PersonView",
    "Quote",
    "Sidebar",
    "SourceView",
    "SurfaceView",
    "TeiArticle",
    "Turn",
    "ZoneView",
    "tei_view",
]

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
UNTITLED = "[untitled article]"
# Page furniture and advertisements belong to no article, and a rule has no text: an article that claims one of these
# gets nothing written for it.
_NOT_WRITTEN = OUTSIDE_ARTICLE_TYPES | {RegionType.separator}

# tei_all's application/@version pattern; versions like "2.0.0-beta" do not match and must be coerced.
_TEI_VERSION = re.compile(r"[0-9]+[a-z]*[0-9]*(\.[0-9]+[a-z]*[0-9]*){0,3}")
_WHITESPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------- view


@dataclass(frozen=True)
class ZoneView:
    xml_id: str
    type: str
    points: tuple[tuple[int, int], ...]
    children: tuple[ZoneView, ...] = ()
    write_points: bool = True
    cert: float | None = None
    """OCR confidence of a line read with low confidence (written as @cert); None: not marked."""

    @property
    def box(self) -> tuple[int, int, int, int]:
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class SurfaceView:
    xml_id: str
    width: int
    height: int
    url: str
    zones: tuple[ZoneView, ...]
    unit: str = "pixel"
    """The unit of every coordinate on the surface (`Page.unit`), declared by the graphic's width and height."""

    def extent(self, length: int) -> str:
        """A length of the surface as TEI writes a graphic's size: in pixels, or in the physical unit's inches or
        millimetres (so that 1/1200 inch coordinates over a graphic 19.237in wide say what they are)."""
        if self.unit == "inch1200":
            return f"{length / 1200:.4f}".rstrip("0").rstrip(".") + "in"
        if self.unit == "mm10":
            return f"{length / 10:.1f}".rstrip("0").rstrip(".") + "mm"
        return f"{length}px"


@dataclass(frozen=True)
class SourceView:
    page_id: str
    source: str
    page_number: int
    sha256: str
    surface_id: str
    issue: IssueMetadata
    """XML-safe: every value cleaned, blanks as None."""


@dataclass(frozen=True)
class ApplicationView:
    ident: str
    version: str
    label: str
    descs: tuple[str, ...]


@dataclass(frozen=True)
class ChangeView:
    type: str | None
    text: str
    target: str | None
    cert: float | None


@dataclass(frozen=True)
class Head:
    text: str
    facs: tuple[str, ...]
    sub: bool = False
    cert: float | None = None


@dataclass(frozen=True)
class Attribution:
    """A byline or dateline: TEI allows both before the first paragraph or after the last."""

    element: Literal["byline", "dateline"]
    text: str
    facs: tuple[str, ...]
    cert: float | None = None


@dataclass(frozen=True)
class Para:
    xml_id: str | None
    text: str
    facs: tuple[str, ...]
    note: bool = False
    """An editor's note (编者按): written as ``note type="editorial"``, which TEI allows between paragraphs."""
    cert: float | None = None
    who: str | None = None
    """xml:id of the person whose turn this paragraph is part of (interviews, roundtables)."""
    speaker: str | None = None
    """The turn label, without its colon, when this paragraph opens a turn; already cut from `text`."""


@dataclass(frozen=True)
class Turn:
    """One speaker's turn: ``sp who="#person"`` with the label in ``speaker`` and the paragraphs as ``p``."""

    who: str
    speaker: str | None
    paragraphs: tuple[Para, ...]

    @property
    def facs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for para in self.paragraphs for f in para.facs))


@dataclass(frozen=True)
class Jump:
    """A jump line or a jump head: ``note type="continuation"`` (subtype to, from or head) where it was printed."""

    subtype: Literal["to", "from", "head"]
    text: str
    facs: tuple[str, ...]
    page: int | None = None


@dataclass(frozen=True)
class PersonView:
    """A participant in ``particDesc/listPerson``."""

    xml_id: str
    role: str
    name: str
    affiliation: str | None


@dataclass(frozen=True)
class Quote:
    text: str
    facs: tuple[str, ...]
    cert: float | None = None


@dataclass(frozen=True)
class Figure:
    facs: tuple[str, ...]
    captions: tuple[Head, ...] = ()
    paragraphs: tuple[Para, ...] = ()
    type: str | None = None


@dataclass(frozen=True)
class Sidebar:
    facs: tuple[str, ...]
    paragraphs: tuple[Para, ...]


BodyItem = Head | Attribution | Para | Quote | Figure | Sidebar | Turn | Jump


@dataclass(frozen=True)
class TeiArticle:
    """Everything `write_tei` writes, already sanitised: ids are unique NCNames, text is XML-safe."""

    xml_id: str
    article_id: str
    lang: str
    title: str
    created: datetime
    sources: tuple[SourceView, ...]
    applications: tuple[ApplicationView, ...]
    changes: tuple[ChangeView, ...]
    surfaces: tuple[SurfaceView, ...]
    div_facs: tuple[str, ...]
    untitled: bool = False
    """No headline on the page: the div says so, and the title is supplied from the first words."""
    body: tuple[BodyItem, ...] = field(default=())
    persons: tuple[PersonView, ...] = ()
    writing_mode: str = "horizontal-tb"
    """How the article was printed: vertical-rl where most of its text regions run down the page."""


# --------------------------------------------------------------------------------------------- text


def _region_text(region: Region) -> str:
    return join_lines(line.text for line in region.lines)


# ---------------------------------------------------------------------------------------- building


def _issue_view(page: Page) -> IssueMetadata:
    """The page's issue, XML-safe; a page ingested before issues were recorded gets the guesses ingest makes."""
    issue = page.issue or guess_metadata(Path(page.source).parent, Path(page.source))
    values = {key: clean_text(value).strip() or None for key, value in issue.model_dump(exclude={"source"}).items()
              if isinstance(value, str)}
    return issue.model_copy(update={**values, "title": values.get("title") or "Unknown newspaper"})


def _points(polygon: Polygon) -> tuple[tuple[int, int], ...]:
    # Round (not floor/ceil) so that the box written in ulx..lry is exactly the box of @points.
    return tuple((round(x), round(y)) for x, y in polygon.points)


def _software_version() -> str:
    try:
        return metadata.version("broadsheet")
    except metadata.PackageNotFoundError:
        return "0"


def _settings_text(step: ProcessingStep) -> str:
    if not step.settings:
        return "(none)"
    return "; ".join(f"{k}={v}" for k, v in step.settings.items())


def applications(pages: Sequence[Page]) -> tuple[ApplicationView, ...]:
    """The TEI appInfo of articles on `pages`: every processing step of theirs, and the serialiser's own."""
    own = ProcessingStep(
        stage="serialise",
        software="broadsheet",
        version=_software_version(),
        settings={"format": "TEI P5", "model_version": MODEL_VERSION},
    )
    grouped: dict[tuple[str, str], list[str]] = {}
    for step in [*(s for page in pages for s in page.steps), own]:
        desc = clean_text(f"stage: {step.stage}; settings: {_settings_text(step)}")
        descs = grouped.setdefault((step.software, step.version), [])
        if desc not in descs:
            descs.append(desc)
    apps = []
    for (software, version), descs in grouped.items():
        tei_version = version if _TEI_VERSION.fullmatch(version) else None
        if tei_version is None:
            found = _TEI_VERSION.search(version)
            tei_version = found.group(0) if found else "0"
            # Keep the real version readable where TEI's version datatype cannot hold it.
            descs = [*descs, clean_text(f"version: {version}")]
        apps.append(
            ApplicationView(
                ident=ncname(software or "unknown"),
                version=tei_version,
                label=clean_text(software) or "unknown",
                descs=tuple(descs),
            )
        )
    return tuple(apps)


def _locate_regions(article: Article, pages: Sequence[Page]) -> dict[str, tuple[Page, Region]]:
    found: dict[str, tuple[Page, Region]] = {}
    wanted = set(article.region_ids)
    for page in pages:
        for region in page.regions:
            if region.id not in wanted:
                continue
            if region.id in found:
                raise ValueError(
                    f"article {article.id}: region id {region.id!r} occurs on pages "
                    f"{found[region.id][0].id!r} and {page.id!r}; cannot tell which is meant"
                )
            found[region.id] = (page, region)
    missing = [rid for rid in article.region_ids if rid not in found]
    if missing:
        raise ValueError(f"article {article.id}: regions {missing} are not on any of the given pages")
    return found


def _pair_captions(kinds: Sequence[RegionType]) -> dict[int, int | None]:
    """Caption index -> index of the figure it belongs to (None: a caption without a figure).

    A run of captions belongs to the figure just before it; failing that, to the figure just after it
    (captions set above a photo).
    """
    owner: dict[int, int | None] = {}
    i, n = 0, len(kinds)
    while i < n:
        if kinds[i] != RegionType.caption:
            i += 1
            continue
        j = i
        while j < n and kinds[j] == RegionType.caption:
            j += 1
        if i > 0 and kinds[i - 1] == RegionType.figure:
            fig: int | None = i - 1
        elif j < n and kinds[j] == RegionType.figure:
            fig = j
        else:
            fig = None
        for k in range(i, j):
            owner[k] = fig
        i = j
    return owner


def _arrange(items: list[BodyItem]) -> tuple[BodyItem, ...]:
    """Reorder only as far as TEI's div content model forces (see module docstring)."""
    common = (Para, Quote, Sidebar, Turn)
    first = next((i for i, item in enumerate(items) if isinstance(item, common)), None)
    if first is None:
        return tuple(items)
    before, after = items[:first], items[first:]
    late_heads = [it for it in after if isinstance(it, Head)]
    closing = [it for it in after if isinstance(it, Attribution)]
    middle = [it for it in after if not isinstance(it, Head | Attribution)]
    return (*before, *late_heads, *middle, *closing)


def tei_view(
    article: Article,
    pages: Sequence[Page],
    *,
    language: str,
    image_urls: Mapping[str, str],
    created: datetime | None = None,
    low_confidence: float = QaConfig().tei_cert_below,
    known_applications: tuple[ApplicationView, ...] | None = None,
) -> TeiArticle:
    """Decide everything that goes into the article's TEI document.

    `known_applications`: `applications(pages)` where the caller has it already (a page's hundred articles share it).

    Text read with an OCR confidence below `low_confidence` carries @cert: the line's zone its own
    confidence, a head/p/byline/quote the lowest confidence of its lines.
    """
    ids = IdAllocator()
    root_id = ids.reserve(article.id)
    located = _locate_regions(article, pages)
    jumps_in: dict[str, list[Continuation]] = {}
    for jump in article.continuations:
        jumps_in.setdefault(jump.region_id, []).append(jump)
    jump_lines = {jump.line_id for jump in article.continuations}
    person_ids = {person.id: ids.reserve(person.id) for person in article.participants}

    # The article stage's choice of headline wins over the layout label of that region.
    kind_of = {
        rid: RegionType.headline if rid == article.headline_region_id else located[rid][1].type
        for rid in article.region_ids
    }
    # A region holding only jump lines is typed like furniture but keeps its zone: the jump note points there.
    ordered = [located[rid][1] for rid in article.region_ids if kind_of[rid] not in _NOT_WRITTEN or rid in jumps_in]
    member = {r.id for r in ordered}
    # A paragraph's lines are its article's regions' lines: a page of a hundred articles is not walked a hundred
    # times over.
    line_confidence = {line.id: line.confidence for _, r in located.values() for line in r.lines}

    def cert(confidences: Iterable[float]) -> float | None:
        # Rounded down so a value printed as 0.80 never sits on a threshold of 0.8 it is really below.
        lowest = min(confidences, default=1.0)
        return math.floor(max(lowest, 0.0) * 100) / 100 if lowest < low_confidence else None

    def region_cert(region: Region) -> float | None:
        return cert(line.confidence for line in region.lines)

    # Facsimile: one surface per page, one zone per article region on it, one nested zone per line.
    zone_of: dict[str, str] = {}
    line_zone_of: dict[str, str] = {}  # line and word ids -> line zone, for revisionDesc targets
    surfaces: list[SurfaceView] = []
    sources: list[SourceView] = []
    for page in pages:
        if page.id not in image_urls:
            raise ValueError(f"no image URL given for page {page.id!r}")
        surface_id = ids.reserve(page.id, "surface-")
        zones = []
        for region in ordered:
            if located[region.id][0] is not page:
                continue
            zid = ids.reserve(region.id, "zone-")
            zone_of[region.id] = zid
            line_zones = []
            for line in region.lines:
                lid = ids.reserve(line.id, "line-")
                line_zone_of[line.id] = lid
                for word in line.words:
                    line_zone_of[word.id] = lid
                # @points on a plain box repeats ulx..lry, and tei_all's RelaxNG spends ~0.8 ms checking
                # each one in libxml2: on a 1200-line article that is 1 s of 1.2. Shapes keep theirs.
                line_zones.append(
                    ZoneView(
                        xml_id=lid,
                        type="line",
                        points=_points(line.polygon),
                        write_points=not is_plain_box(line.polygon),
                        cert=cert([line.confidence]),
                    )
                )
            zones.append(
                ZoneView(
                    xml_id=zid,
                    type=kind_of[region.id].value,
                    points=_points(region.polygon),
                    children=tuple(line_zones),
                )
            )
        surfaces.append(
            SurfaceView(
                xml_id=surface_id,
                width=page.width,
                height=page.height,
                url=clean_text(image_urls[page.id]),
                zones=tuple(zones),
                unit=page.unit,
            )
        )
        sources.append(
            SourceView(
                page_id=clean_text(page.id),
                source=clean_text(page.source),
                page_number=page.page_number or page.frame + 1,
                sha256=clean_text(page.sha256),
                surface_id=surface_id,
                issue=_issue_view(page),
            )
        )

    def facs(region_ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(f"#{zone_of[rid]}" for rid in region_ids if rid in zone_of)

    # Paragraphs are anchored at the first article region they span, in article order.
    position = {r.id: i for i, r in enumerate(ordered)}
    anchored: dict[str, list[Paragraph]] = {}
    orphans: list[Paragraph] = []
    covered: set[str] = set()
    for para in article.paragraphs:
        spans = [rid for rid in para.region_ids if rid in member]
        covered.update(spans)
        if spans:
            anchored.setdefault(min(spans, key=position.__getitem__), []).append(para)
        else:
            orphans.append(para)  # written without @facs, so the schematron flags it

    para_ids: dict[str, str] = {}

    def para_view(para: Paragraph) -> Para:
        pid = ids.reserve(para.id)
        para_ids[para.id] = pid
        ordered_spans = sorted((r for r in para.region_ids if r in member), key=position.__getitem__)
        text, label = clean_text(para.text), clean_text(para.speaker_label or "").strip()
        who = person_ids.get(para.speaker) if para.speaker else None
        speaker = None
        if who and label and text.startswith(label):
            # The label goes into <speaker> as printed, colon and all, so it is not repeated in the turn's text.
            text, speaker = text[len(label):].lstrip(), label or None
        return Para(xml_id=pid, text=text, facs=facs(ordered_spans), note=para.kind == "note",
                    cert=cert(line_confidence[lid] for lid in para.line_ids if lid in line_confidence),
                    who=who, speaker=speaker)

    def text_of(region: Region) -> str:
        return join_lines(line.text for line in region.lines if line.id not in jump_lines)

    def region_para(region: Region) -> Para:
        return Para(xml_id=ids.reserve(region.id, "p-"), text=text_of(region), facs=facs([region.id]),
                    cert=region_cert(region))

    def jump_view(jump: Continuation) -> Jump:
        return Jump(subtype=jump.direction, text=clean_text(jump.text), facs=facs([jump.region_id]), page=jump.page)

    captions = _pair_captions([kind_of[r.id] for r in ordered])
    items: list[BodyItem] = []
    for index, region in enumerate(ordered):
        own_paras = [para_view(p) for p in anchored.get(region.id, [])]
        kind = kind_of[region.id]
        text = text_of(region)
        zone = facs([region.id])
        jumps = jumps_in.get(region.id, [])
        items.extend(jump_view(j) for j in jumps if j.direction == "from")
        if kind == RegionType.headline and len(article.page_ids) > 1 and region.id != article.headline_region_id:
            items.append(Jump(subtype="head", text=text, facs=zone))  # the jump head over a continued part
        elif kind == RegionType.headline:
            items.append(Head(text=text, facs=zone, cert=region_cert(region)))
        elif kind == RegionType.kicker:
            items.append(Head(text=text, facs=zone, sub=True, cert=region_cert(region)))
        elif kind in (RegionType.byline, RegionType.dateline):
            element: Literal["byline", "dateline"] = "byline" if kind == RegionType.byline else "dateline"
            items.append(Attribution(element=element, text=text, facs=zone, cert=region_cert(region)))
        elif kind == RegionType.pull_quote:
            items.append(Quote(text=text, facs=zone, cert=region_cert(region)))
        elif kind == RegionType.sidebar:
            sidebar_paras = own_paras or [region_para(region)]
            own_paras = []
            items.append(Sidebar(facs=zone, paragraphs=tuple(sidebar_paras)))
        elif kind == RegionType.figure:
            heads = tuple(
                Head(text=_region_text(ordered[k]), facs=facs([ordered[k].id]), cert=region_cert(ordered[k]))
                for k, fig in sorted(captions.items())
                if fig == index
            )
            items.append(Figure(facs=zone, captions=heads))
        elif kind == RegionType.caption:
            # Owned captions are written inside their figure; the first of an orphan run writes the run
            # (a run shares one owner, and `get(..., -1)` is not None for non-captions).
            if captions[index] is None and captions.get(index - 1, -1) is not None:
                run = [index]
                while captions.get(run[-1] + 1, -1) is None:
                    run.append(run[-1] + 1)
                items.append(
                    Figure(
                        facs=facs(ordered[k].id for k in run),
                        captions=tuple(Head(text=_region_text(ordered[k]), facs=facs([ordered[k].id]),
                                            cert=region_cert(ordered[k])) for k in run),
                    )
                )
        elif kind == RegionType.table:
            body = (Para(xml_id=None, text=text, facs=zone, cert=region_cert(region)),) if text else ()
            items.append(Figure(facs=zone, paragraphs=body, type="table"))
        elif kind == RegionType.body and region.id not in covered and text:
            items.append(region_para(region))
        items.extend(own_paras)
        items.extend(jump_view(j) for j in jumps if j.direction == "to")
    items.extend(para_view(p) for p in orphans)

    headline_text = next((_region_text(r) for r in ordered if kind_of[r.id] == RegionType.headline), "")
    untitled = article.headline_region_id is None
    title = clean_text(article.title).strip() or headline_text or UNTITLED

    changes = _changes(article, pages, zone_of, line_zone_of, para_ids)

    # By default the text's date is when its pages were last processed, so re-writing a cached page
    # gives the same file, byte for byte.
    processed = [step.started for page in pages for step in page.steps]
    when = created or (max(processed) if processed else datetime.now(UTC))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the pipeline's clocks are UTC (see ProcessingStep.started)

    return TeiArticle(
        xml_id=root_id,
        article_id=clean_text(article.id),
        lang=clean_text(language).strip(),
        title=title,
        created=when.replace(microsecond=0),
        sources=tuple(sources),
        applications=applications(pages) if known_applications is None else known_applications,
        changes=changes,
        surfaces=tuple(surfaces),
        div_facs=facs(r.id for r in ordered),
        untitled=untitled,
        body=_arrange(_turns(items)),
        persons=tuple(PersonView(xml_id=person_ids[p.id], role=p.role, name=clean_text(p.name),
                                 affiliation=clean_text(p.affiliation) if p.affiliation else None)
                      for p in article.participants),
        writing_mode=_writing_mode(ordered),
    )


def _writing_mode(regions: Sequence[Region]) -> str:
    """The article's writing mode: that of most of its text, counted in characters (a horizontal headline over
    vertical columns leaves the article vertical)."""
    vertical = sum(len(r.text) for r in regions if r.writing_mode == "vertical-rl")
    return "vertical-rl" if vertical * 2 > sum(len(r.text) for r in regions) else "horizontal-tb"


def _turns(items: list[BodyItem]) -> list[BodyItem]:
    """Paragraphs of one speaker become one turn; a new label, another speaker or any other item ends it."""
    out: list[BodyItem] = []
    for item in items:
        if not isinstance(item, Para) or item.who is None or item.note:
            out.append(item)
            continue
        last = out[-1] if out else None
        if isinstance(last, Turn) and last.who == item.who and item.speaker is None:
            out[-1] = Turn(who=last.who, speaker=last.speaker, paragraphs=(*last.paragraphs, item))
        else:
            out.append(Turn(who=item.who, speaker=item.speaker, paragraphs=(item,)))
    return out


def _changes(
    article: Article,
    pages: Sequence[Page],
    zone_of: Mapping[str, str],
    line_zone_of: Mapping[str, str],
    para_ids: Mapping[str, str],
) -> tuple[ChangeView, ...]:
    targets: dict[str, str | None] = {article.id: None}
    targets.update({k: f"#{v}" for k, v in line_zone_of.items()})
    targets.update({k: f"#{v}" for k, v in para_ids.items()})
    targets.update({k: f"#{v}" for k, v in zone_of.items()})
    changes = []
    for page in pages:
        for repair in page.repairs:
            if repair.element_id not in targets:
                continue
            kind = _WHITESPACE.sub("_", clean_text(repair.kind).strip())
            changes.append(
                ChangeView(
                    type=kind or None,
                    text=f"{clean_text(repair.before)} → {clean_text(repair.after)}",
                    target=targets[repair.element_id],
                    cert=repair.certainty if 0.0 <= repair.certainty <= 1.0 else None,
                )
            )
    return tuple(changes)
