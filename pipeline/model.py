"""The page model: data only, no behaviour beyond derived text.

issue -> page -> region -> line -> word. Every element has an id and provenance
(polygon in source-image pixels, confidence, the stage that made it). Reading order is
a list of region ids; an article references region ids. Serialisers, stages and the CLI
read and enrich this model; nothing here writes files.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.geometry import Polygon

MODEL_VERSION = "1.0"


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


class Review(Strict):
    """What QA staff did to the page in the review app (pipeline/review/); the audit trail is in SQLite."""

    accepted: bool = False
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    corrections: int = 0
    """Reviewer corrections applied to this page model."""
    applied_through: int = 0
    """Id of the last audit-trail row already applied to this model; later rows are re-applied on a re-run."""


class Word(Strict):
    id: str
    text: str
    polygon: Polygon
    confidence: float


class Line(Strict):
    id: str
    text: str
    polygon: Polygon
    confidence: float
    engine: str
    words: list[Word] = Field(default_factory=list)


class Region(Strict):
    id: str
    type: RegionType
    polygon: Polygon
    confidence: float
    detector_label: str
    """What the layout engine called it, before the newspaper mapping."""
    lines: list[Line] = Field(default_factory=list)

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


class Article(Strict):
    id: str
    page_ids: list[str]
    headline_region_id: str | None
    region_ids: list[str]
    """All member regions in reading order, headline first."""
    paragraphs: list[Paragraph] = Field(default_factory=list)
    title: str = ""


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
    source: Literal["sidecar", "defaults"] = "defaults"
    """Where the values came from: a sidecar file, or guesses from names."""


class PreprocessTransform(Strict):
    """Maps source-image pixels to the working image the stages see (2x3 affine)."""

    skew_degrees: float = 0.0
    to_working: tuple[tuple[float, float, float], tuple[float, float, float]] = ((1, 0, 0), (0, 1, 0))
    to_source: tuple[tuple[float, float, float], tuple[float, float, float]] = ((1, 0, 0), (0, 1, 0))
    working_width: int = 0
    working_height: int = 0


class Page(Strict):
    model_version: Literal["1.0"] = MODEL_VERSION
    id: str
    source: str
    """Path of the input file as given."""
    frame: int = 0
    """Frame index inside a multi-page file."""
    page_number: int | None = None
    """The printed page (版) number: from the issue sidecar, else the file name, else the folio."""
    issue: IssueMetadata | None = None
    sha256: str = ""
    width: int = 0
    height: int = 0
    dpi: float | None = None
    working_image: str | None = None
    """Path of the preprocessed image the layout and OCR stages read."""
    transform: PreprocessTransform = Field(default_factory=PreprocessTransform)
    status: PageStatus = PageStatus.pending
    flags: list[Flag] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    reading_order: list[str] = Field(default_factory=list)
    articles: list[Article] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    steps: list[ProcessingStep] = Field(default_factory=list)
    review: Review | None = None

    def region(self, region_id: str) -> Region:
        for region in self.regions:
            if region.id == region_id:
                return region
        raise KeyError(region_id)
