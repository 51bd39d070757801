"""Writing a run's results: TEI per article, ALTO and page model per page, and the manifest.

Every file is written atomically. The manifest is the contract other tools read; its key
names are fixed (see README). It records a SHA-256 per output: a re-run that builds the same
bytes as the file on disk leaves the file alone, and does not validate it again when the
manifest says it passed the same schemas (`validate.schema_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from broadsheet import __version__
from broadsheet.atomic import write_bytes_atomic, write_files_atomic
from broadsheet.config import QaConfig
from broadsheet.engines.routing import Script
from broadsheet.model.issue import Issue
from broadsheet.model.page import Flag, IssueMetadata, Page, PageCrop, PageStatus, Severity
from broadsheet.serialise.alto import alto_bytes, build_alto
from broadsheet.serialise.tei import applications, build_tei, tei_bytes
from broadsheet.serialise.tei.view import ApplicationView
from broadsheet.serialise.validate import ValidationReport, schema_fingerprint, validate_alto, validate_tei
from broadsheet.text.script import chinese_script, language_of

MANIFEST = "manifest.json"
WRITER_CODES = frozenset({"continuation-page-missing", "tei-invalid", "alto-invalid"})
"""Flags `write_page` raises: a page written again (a review edit) carries those of its last write only."""


class ManifestFlag(BaseModel):
    code: str
    reason: str
    severity: str = Severity.warning


class ManifestPage(BaseModel):
    id: str
    source: str
    frame: int = 0
    status: PageStatus
    flags: list[ManifestFlag] = Field(default_factory=list)
    alto: str | None = None
    model: str | None = None
    alto_sha256: str | None = None
    model_sha256: str | None = None
    unit: str = "pixel"
    """The unit of every coordinate in this page's TEI zones and ALTO: "pixel", or the existing OCR's "mm10" /
    "inch1200" where no resolution was known to convert it (then `dpi` is None)."""
    dpi: float | None = None
    resolution_from: str | None = None
    """Where the resolution that converted existing OCR's physical units came from: alto, image, mets, option."""
    crop: PageCrop | None = None
    """Set for one side of a fold (a scan of two pages side by side): the part of `source` this page is. Its TEI
    zones and ALTO stay in the source image's pixels, so they need no offset."""


class ManifestArticle(BaseModel):
    id: str
    pages: list[str]
    tei: str
    title: str = ""
    valid: bool = True
    sha256: str | None = None


class ManifestIssue(BaseModel):
    """The issue the run digitised, with problems found in its folder (a missing or unreadable sidecar)."""

    id: str
    metadata: IssueMetadata
    flags: list[ManifestFlag] = Field(default_factory=list)

    @classmethod
    def of(cls, issue_id: str, metadata: IssueMetadata, flags: Sequence[Flag]) -> ManifestIssue:
        return cls(id=issue_id, metadata=metadata, flags=manifest_flags(flags))


def manifest_flags(flags: Sequence[Flag]) -> list[ManifestFlag]:
    return [ManifestFlag(code=f.code, reason=f.reason, severity=f.severity) for f in flags]


class Manifest(BaseModel):
    broadsheet_version: str = __version__
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    issue: ManifestIssue | None = None
    pages: list[ManifestPage] = Field(default_factory=list)
    articles: list[ManifestArticle] = Field(default_factory=list)
    timings: dict[str, float | int | dict[str, float]] = Field(default_factory=dict)
    schemas: str | None = None
    """`validate.schema_fingerprint` of the validation behind every `valid` (None: not validated)."""


class Published:
    """Writes an output only when its bytes differ from the file on disk, and validates only what the previous
    manifest does not already vouch for: the same bytes, passed under the same schemas."""

    def __init__(self, out_dir: Path, validate: bool, tei_all: bool) -> None:
        self.out_dir = out_dir
        self.validate = validate
        self.tei_all = tei_all
        previous = read_manifest(out_dir) if validate else None
        self.vouched: set[tuple[str, str]] = set()
        if previous and previous.schemas == schema_fingerprint(tei_all):
            self.vouched = {(a.tei, a.sha256) for a in previous.articles if a.valid and a.sha256}
            self.vouched |= {(p.alto, p.alto_sha256) for p in previous.pages
                             if p.alto and p.alto_sha256 and not any(f.code == "alto-invalid" for f in p.flags)}
        self.written = self.unchanged = 0
        self.pending: dict[Path, bytes] = {}

    def write(self, target: Path, data: bytes) -> str:
        """Queue `data` for `target` (unless the file holds it already); `flush` writes what is queued."""
        digest = hashlib.sha256(data).hexdigest()
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            self.unchanged += 1
        else:
            self.pending[target] = data
            self.written += 1
        return digest

    def flush(self) -> None:
        """Everything queued, atomically and with one flush to disk (a page's files are written together)."""
        write_files_atomic(self.pending)
        self.pending = {}

    def check(self, target: Path, data: bytes, kind: str) -> ValidationReport | None:
        """The validation report of an output about to be written; None when it need not (or must not) run."""
        if not self.validate:
            return None
        relative, digest = _relative(target, self.out_dir), hashlib.sha256(data).hexdigest()
        if (relative, digest) in self.vouched and target.is_file() \
                and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            return None
        return validate_tei(data, tei_all=self.tei_all) if kind == "tei" else validate_alto(data)


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()


def page_language(page: Page) -> str:
    """The language of a page's articles: its issue's where known (a sidecar or METS says it), else told from its
    text, with its OCR's script routing as evidence (Fraktur type prints German)."""
    if page.issue is not None and page.issue.language:
        return page.issue.language
    blackletter = any(step.settings.get("script") == Script.fraktur for step in page.steps)
    texts = [line.text for region in page.regions for line in region.lines]
    language = language_of(texts, blackletter=blackletter)
    # Traditional characters are told apart from the text (1930s Shanghai, Hong Kong, Taiwan): BCP 47 zh-Hant.
    # Simplified pages stay "zh", as they always were.
    return "zh-Hant" if language == "zh" and chinese_script("".join(texts)) == "Hant" else language


def write_page(page: Page, out_dir: Path, validate: bool = True, cert_below: float = QaConfig().tei_cert_below,
               issue: Issue | None = None, tei_all: bool = False) -> tuple[Page, ManifestPage, list[ManifestArticle]]:
    """Write one page's ALTO, its articles' TEI and its model; return the manifest entries.

    TEI is validated against our restriction of tei_all, and against tei_all too when `tei_all` is set
    (OutputConfig.tei_all). Files whose bytes are unchanged are neither rewritten nor validated again
    (see `Published`). Text read with confidence below `cert_below` carries @cert in the TEI (QaConfig.tei_cert_below).
    `issue` is the issue the page belongs to (`broadsheet.stages.jumps.join_continuations`), or what of it writing
    this page needs (`Issue.around`): a story continued from this page onto another is written as one TEI file with a
    surface per page, and the later part of a story from another page is not written as an article of its own.
    """
    page = page.model_copy(deep=True)
    page.flags = [flag for flag in page.flags if flag.code not in WRITER_CODES]
    articles: list[ManifestArticle] = []
    alto_path: str | None = None
    alto_digest: str | None = None
    published = Published(out_dir, validate, tei_all)
    if page.status != PageStatus.failed:
        tei_dir, alto_dir = out_dir / "tei", out_dir / "alto"
        language = page_language(page)
        issue = issue or Issue(pages=[page])
        known_apps: dict[tuple[str, ...], tuple[ApplicationView, ...]] = {}  # the articles of a page share them
        for article in issue.articles_from(page):
            spanned, missing = issue.spanned(article, page)
            if missing:
                page.flags.append(Flag(code="continuation-page-missing", severity=Severity.error,
                                       element_id=article.id,
                                       reason=f"{article.id} runs on to page(s) {', '.join(missing)}, which "
                                              "were not given to the writer; its TEI was not written"))
                continue
            apps = known_apps.get(key := tuple(p.id for p in spanned)) or known_apps.setdefault(
                key, applications(spanned))
            tree = build_tei(article, spanned, language=language, low_confidence=cert_below, known_applications=apps,
                             image_urls={p.id: _relative(Path(p.image or p.source), tei_dir) for p in spanned})
            data = tei_bytes(tree)
            target = tei_dir / f"{article.id}.xml"
            report = published.check(target, data, "tei")
            valid = report is None or report.valid
            if report is not None and not report.valid:
                page.flags.append(Flag(code="tei-invalid", severity=Severity.error, element_id=article.id,
                                       reason=f"TEI of {article.id} failed validation: {report.errors[0]}"))
            digest = published.write(target, data)
            articles.append(ManifestArticle(id=article.id, pages=article.page_ids, tei=_relative(target, out_dir),
                                            title=article.title, valid=valid, sha256=digest))
        alto = alto_bytes(build_alto(page, image_url=_relative(Path(page.image or page.source), alto_dir)))
        report = published.check(alto_dir / f"{page.id}.xml", alto, "alto")
        if report is not None and not report.valid:
            page.flags.append(Flag(code="alto-invalid", severity=Severity.error,
                                   reason=f"ALTO failed validation: {report.errors[0]}"))
        alto_digest = published.write(alto_dir / f"{page.id}.xml", alto)
        alto_path = f"alto/{page.id}.xml"
        if page.flags and page.status == PageStatus.ok:
            page.status = PageStatus.flagged
    model_digest = published.write(out_dir / "pages" / f"{page.id}.json", page.model_dump_json(indent=1).encode())
    published.flush()
    entry = ManifestPage(
        id=page.id, source=page.source, frame=page.frame, status=page.status,
        flags=manifest_flags(page.flags),
        alto=alto_path, model=f"pages/{page.id}.json", alto_sha256=alto_digest, model_sha256=model_digest,
        unit=page.unit, dpi=page.dpi, resolution_from=page.resolution_from, crop=page.crop,
    )
    return page, entry, articles


def read_manifest(out_dir: Path) -> Manifest | None:
    path = out_dir / MANIFEST
    if not path.exists():
        return None
    return Manifest.model_validate_json(path.read_bytes())


def write_manifest(
    out_dir: Path,
    pages: Sequence[ManifestPage],
    articles: Sequence[ManifestArticle],
    timings: dict[str, float | int | dict[str, float]],
    issue: ManifestIssue | None = None,
    schemas: str | None = None,
) -> Manifest:
    """Merge this run's pages into the manifest already in the out dir, newest entry winning.

    `schemas` is the `validate.schema_fingerprint` the run validated with (None: it did not validate)."""
    previous = read_manifest(out_dir)
    run_ids = {p.id for p in pages}
    kept_pages = [p for p in previous.pages if p.id not in run_ids] if previous else []
    kept_articles = [a for a in previous.articles if not set(a.pages) & run_ids] if previous else []
    manifest = Manifest(issue=issue or (previous.issue if previous else None), pages=[*kept_pages, *pages],
                        articles=[*kept_articles, *articles], timings=timings, schemas=schemas)
    write_bytes_atomic(out_dir / MANIFEST, json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False,
                                                      indent=1).encode())
    return manifest
