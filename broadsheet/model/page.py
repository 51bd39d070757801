"""The page model: data only, no behaviour beyond derived text.

issue -> page -> region -> line -> word. Every element has an id and provenance
(polygon in source-image pixels, confidence, the stage that made it). Reading order is
a list of region ids; an article references region ids. Serialisers, stages and the CLI
read and enrich this model; nothing here writes files.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from broadsheet.model.geometry import Polygon

MODEL_VERSION = "1.4"
"""1.1 added fields with defaults only (Page.body_type, Article.title_from); 1.2 likewise (Page.unit,
Page.resolution_from, Page.image, Line.reread, IssueMetadata.lccn). 1.3 took out what is no page's content: the
reviewers' bookkeeping (`review`, now kept by the review store, broadsheet/run/corrections/store.py) and the run's
temporary image path (`working_image`). 1.4 added fields with defaults (Page.writing_mode, Page.crop,
Region.writing_mode: vertical pages and folds). Page JSON of every earlier version reads as the current one
(`Page._upgrade`)."""
EARLIER_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
DROPPED_IN_1_3 = ("review", "working_image")
"""Fields a page of an earlier version may hold that 1.3 has no place for."""

MeasurementUnit = Literal["pixel", "mm10", "inch1200"]
"""ALTO's units: image pixels, tenths of a millimetre, 1/1200 inch."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionType(StrEnum):
    headline = "headline"
    kicker = "kicker"
    byline = "byline"
    dateline = "dateline"
    body = "body"
    caption = "caption"
    figure = "figure"
    pull_quote = "pull_quote"
    sidebar = "sidebar"
    teaser = "teaser"
    running_header = "running_header"
    folio = "folio"
    section = "section"
    masthead = "masthead"
    advertisement = "advertisement"
    table = "table"
    separator = "separator"


TEXTLESS_TYPES = frozenset({RegionType.figure, RegionType.separator})
PAGE_FURNITURE_TYPES = frozenset(
    {RegionType.running_header, RegionType.folio, RegionType.section, RegionType.masthead, RegionType.teaser}
)
OUTSIDE_ARTICLE_TYPES = PAGE_FURNITURE_TYPES | {RegionType.advertisement}
"""Regions that belong to no article: they go in the page's record (ALTO, page model), not in a TEI article."""


class PageStatus(StrEnum):
    pending = "pending"
    ok = "ok"
    flagged = "flagged"
    failed = "failed"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    error = "error"


class Flag(Strict):
    """Something a person should look at. `code` is stable and machine-readable."""

    code: str
    reason: str
    severity: Severity = Severity.warning
    element_id: str | None = None


class ProcessingStep(Strict):
    """A record of what ran; serialisers write these into TEI appInfo and ALTO Processing."""

    stage: str
    software: str
    version: str
    settings: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    started: datetime = Field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0


class Repair(Strict):
    kind: str
    element_id: str
    before: str
    after: str
    certainty: float = 1.0


class Word(Strict):
    """Frozen: a word is replaced, never changed in place, so the stages' page copies can share it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    text: str
    polygon: Polygon
    confidence: float
    raw_confidence: float | None = None
    """The engine's own confidence; `confidence` is it mapped to the shared scale (engines/calibration.py)."""

    def __deepcopy__(self, memo: dict[int, object] | None = None) -> Word:
        return self  # frozen, and its fields are immutable values


WritingMode = Literal["horizontal-tb", "vertical-rl"]
"""Lines across, read top to bottom; or lines down, read right to left (CJK set vertically)."""


class Line(Strict):
    id: str
    text: str
    polygon: Polygon
    confidence: float
    engine: str
    words: list[Word] = Field(default_factory=list)
    raw_confidence: float | None = None
    """The engine's own confidence; `confidence` is it mapped to the shared scale (engines/calibration.py)."""
    reread: str | None = None
    """Existing OCR read again by our engine (`--reocr-below`): the original text, which `text` replaced."""

    def __deepcopy__(self, memo: dict[int, object] | None = None) -> Line:
        # Its words are frozen and its other fields immutable values: a copy with its own list of words is a deep
        # copy, made without walking them (every stage deep-copies its page, and lines are most of a page).
        return self.model_copy(update={"words": list(self.words)})


class Region(Strict):
    id: str
    type: RegionType
    polygon: Polygon
    confidence: float
    detector_label: str
    """What the layout engine called it, before the newspaper mapping."""
    lines: list[Line] = Field(default_factory=list)
    writing_mode: WritingMode = "horizontal-tb"
    """How its lines run (CSS writing-mode): a headline or an advertisement on a vertical page is often horizontal."""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class Paragraph(Strict):
    """A paragraph of an article: lines in reading order, possibly spanning regions."""

    id: str
    line_ids: list[str]
    region_ids: list[str]
    text: str
    kind: Literal["p", "note"] = "p"
    """"note": an editor's note (编者按) set apart from the article's own text; TEI writes it as a note."""
    speaker: str | None = None
    """Id of the `Participant` whose turn this paragraph belongs to (interviews, roundtables)."""
    speaker_label: str | None = None
    """The label as printed at the start of `text` ("张占斌：", "Q:"); set on the paragraph that opens a turn."""


class Participant(Strict):
    """A person taking part in an interview or roundtable, from the byline's participant list or a turn label."""

    id: str
    """An NCName, unique within the article."""
    name: str
    role: Literal["host", "guest", "interviewer", "interviewee"]
    affiliation: str | None = None
    labels: list[str] = Field(default_factory=list)
    """Turn labels that stand for this person in the text, besides the name: "主持人", "Q"."""


class Continuation(Strict):
    """A jump line ("下转第4版", "Continued on A6"): kept out of the body text, its page recorded."""

    direction: Literal["to", "from"]
    """"to": the article continues on `page`; "from": this part continues an article from `page`."""
    page: int | None
    """The printed page number; None where the line names no number ("See RIVER, page A6" gives 6)."""
    text: str
    line_id: str
    """The line the jump was printed on (it stays in the ALTO)."""
    region_id: str
    keyword: str | None = None
    """The jump word some papers print instead of a headline ("See RIVER" -> "RIVER")."""
    joined: bool = False
    """True once `join_continuations` has merged the two parts into this article."""


class Article(Strict):
    id: str
    page_ids: list[str]
    """The page the article is printed on; a story continued across pages (the issue's, `Issue.articles` in
    broadsheet/model/issue.py) lists each, its first part's page first."""
    headline_region_id: str | None
    region_ids: list[str]
    """All member regions in reading order, headline first."""
    paragraphs: list[Paragraph] = Field(default_factory=list)
    title: str = ""
    title_from: Literal["headline", "text"] = "headline"
    """"text": the article has no headline on the page (the rest of a story from another page, text before any
    headline), so its title is made from its first words."""
    participants: list[Participant] = Field(default_factory=list)
    """Interview and roundtable participants; paragraphs' `speaker` points here."""
    continuations: list[Continuation] = Field(default_factory=list)
    """Jump lines of this article (to a later page, from an earlier one)."""


class IssueMetadata(Strict):
    """The newspaper issue a page belongs to: from the issue folder's sidecar, else from folder and file names."""

    title: str
    date: str | None = None
    """ISO 8601 date of the issue (YYYY-MM-DD)."""
    edition: str | None = None
    issue_number: str | None = None
    volume: str | None = None
    publisher: str | None = None
    place: str | None = None
    language: str | None = None
    """BCP 47 code of the paper's main language, e.g. zh, en, de."""
    lccn: str | None = None
    """The title's Library of Congress Control Number (sn84038814), as NDNP batches and Chronicling America use it."""
    source: Literal["sidecar", "defaults", "mets"] = "defaults"
    """Where the values came from: a sidecar file, guesses from names, or an NDNP issue's METS (MODS)."""


class PdfPage(Strict):
    """How a PDF page was read, and why: its own text layer, or rasterised and OCR'd."""

    mode: Literal["text-layer", "raster"]
    reason: str
    dpi: float
    """The page is rasterised at this resolution; text-layer coordinates are in these pixels too."""
    scan_pixels: bool = False
    """The page is its one full-page scan image, decoded as stored (no resampling), at that image's resolution."""
    characters: int = 0
    """Characters in the page's text layer."""
    garbage_share: float | None = None
    """Share of the text layer's characters with no meaning: unmapped glyphs (cid:NN), private use, U+FFFD."""
    ink_covered: float | None = None
    """Share of the page's ink (outside pictures and rules) that lies under the text layer's characters."""


class PreprocessTransform(Strict):
    """Maps source-image pixels to the working image the stages see (2x3 affine)."""

    skew_degrees: float = 0.0
    to_working: tuple[tuple[float, float, float], tuple[float, float, float]] = ((1, 0, 0), (0, 1, 0))
    to_source: tuple[tuple[float, float, float], tuple[float, float, float]] = ((1, 0, 0), (0, 1, 0))
    working_width: int = 0
    working_height: int = 0


class PageCrop(Strict):
    """The part of its source image a page is, where one scan holds several pages (a fold: two side by side).

    Every coordinate of the page stays in the source image's pixels; only the working image is cut. Each edge is the
    gutter's line, given by its x at the top and at the bottom of the image (a crooked fold slants); the image's own
    edge is a straight line at 0 or the width."""

    piece: int
    """0-based, left to right in the scan."""
    pieces: int
    left: tuple[float, float]
    right: tuple[float, float]

    @property
    def x_range(self) -> tuple[int, int]:
        """The columns of the source image the piece's pixels lie in."""
        return int(min(self.left)), round(max(self.right))


class BodyType(Strict):
    """The page's body type, measured by the newspaper-types stage: what headings and captions differ from."""

    line_height: float
    """Median height of a body line, in working-image pixels."""
    pitch: float
    """Median width per character of a body line."""
    weight: float | None = None
    """Stroke width over line height of body lines; None where the page image was not at hand."""


class Page(Strict):
    model_version: Literal["1.4"] = MODEL_VERSION
    id: str
    source: str
    """Path of the input file as given."""
    frame: int = 0
    """Frame index inside a multi-page file."""
    page_number: int | None = None
    """The printed page (版) number: from the issue sidecar, else the file name, else the folio."""
    issue: IssueMetadata | None = None
    pdf: PdfPage | None = None
    """Set for a page of a PDF: whether it is read from its text layer or OCR'd, and why."""
    sha256: str = ""
    width: int = 0
    height: int = 0
    dpi: float | None = None
    unit: MeasurementUnit = "pixel"
    """The unit of every coordinate of this page: image pixels, unless existing OCR in physical units (ALTO mm10 or
    inch1200) came with no resolution to convert it by; then it stays in the OCR's unit, and so do its outputs."""
    resolution_from: Literal["alto", "image", "mets", "option"] | None = None
    """Where the resolution that turned existing OCR's physical units into pixels came from (None: not needed, or
    none found)."""
    image: str | None = None
    """The page image the coordinates refer to, when it is not `source`: the image paired with existing OCR, or the
    file a METS names (which may be absent: the OCR carries the geometry)."""
    writing_mode: WritingMode = "horizontal-tb"
    """vertical-rl when most of its text runs down the page (found by the orientation stage): the stages after OCR
    then see its working image turned a quarter (`transform`), so its columns lie as lines do on a horizontal page."""
    crop: PageCrop | None = None
    """Set when the page is one piece of a scan that holds several (a fold): which part of the source it is."""
    transform: PreprocessTransform = Field(default_factory=PreprocessTransform)
    body_type: BodyType | None = None
    """Set by the newspaper-types stage; the later stages measure against it."""
    status: PageStatus = PageStatus.pending
    flags: list[Flag] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    reading_order: list[str] = Field(default_factory=list)
    articles: list[Article] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    steps: list[ProcessingStep] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Page JSON of an earlier version, read as the current version: what 1.3 took out is left behind (every
        field added since came with a default)."""
        if isinstance(data, dict) and data.get("model_version") in EARLIER_VERSIONS:
            data = {key: value for key, value in data.items() if key not in DROPPED_IN_1_3}
            data["model_version"] = MODEL_VERSION
        return data

    def region(self, region_id: str) -> Region:
        for region in self.regions:
            if region.id == region_id:
                return region
        raise KeyError(region_id)
