"""Digitising an issue: the one sequence every runner follows, whoever runs the page tasks.

ingest → process each page (cached by content) → replay reviewers' corrections → join continuations into the issue →
write each page → manifest, quarantine, QA table. `digitise` holds that sequence; an `IssueTasks` runs its three kinds
of task. The Prefect flow (`broadsheet/apps/flows/digitise.py`) runs them as Prefect tasks, on threads or a Dask
cluster; `InlineTasks` runs them in this process without Prefect, for a run with nothing to orchestrate (one loose
page, or an issue whose every page is cached), where starting Prefect's API would cost more than the work. Both use
the same page cache, retry rule and writer, so their outputs are identical.

This module imports no Prefect: a run that needs none never pays for its import.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from broadsheet.atomic import exclusive_folder, remove_partial_files, write_bytes_atomic
from broadsheet.config import RunConfig, Settings
from broadsheet.engines import use_engine_set
from broadsheet.ingest.issue import Issue, ingest_issue
from broadsheet.model.issue import Issue as IssueModel
from broadsheet.model.page import Flag, Page, PageStatus, Severity
from broadsheet.run.batch import (
    OutOfSpaceError,
    QuarantinedPage,
    is_out_of_space,
    is_transient,
    page_cache_key,
    qa_summary_rows,
    quarantine_list,
    with_identity,
    write_quarantine,
)
from broadsheet.run.corrections.edits import keep_review, reapply_corrections
from broadsheet.run.corrections.store import Review
from broadsheet.run.output import ManifestArticle, ManifestIssue, ManifestPage, write_manifest, write_page
from broadsheet.run.page import build_stages, process_page
from broadsheet.serialise.validate import schema_fingerprint
from broadsheet.stages.jumps import join_continuations
from broadsheet.stages.working_images import WorkingImages

CACHE_DIR = ".cache"
WORK_DIR = ".work"
RETRIES = 3
RETRY_DELAYS = (1.0, 2.0, 4.0)
"""Seconds before each retry of a transient failure (Prefect's exponential_backoff(backoff_factor=1))."""

Written = tuple[Page, ManifestPage, list[ManifestArticle]]
T = TypeVar("T")


class IssueSummary(BaseModel):
    issue_id: str
    out_dir: str
    pages: int
    failed: int
    flagged: int
    from_cache: int
    articles: int
    tei_dir: str
    manifest: str
    quarantine: str
    failures: list[QuarantinedPage]
    """Every failed page, with its reason, as in quarantine.json."""
    issue_flags: list[Flag]


# ------------------------------------------------------------------------------------------------ the page cache

def cache_path(out: Path, page: Page, settings: Settings) -> Path:
    return out / CACHE_DIR / f"{page_cache_key(page, settings)}.json"


def cached_page(out: Path, page: Page, settings: Settings) -> Page | None:
    """The page as processed before with the same bytes, code and settings; None when it is not in OUT/.cache."""
    path = cache_path(out, page, settings)
    try:
        return with_identity(Page.model_validate_json(path.read_bytes()), page)
    except (OSError, ValidationError, ValueError):  # absent, or a record another model version wrote
        return None


def process_cached(page: Page, settings: Settings, out: Path) -> tuple[Page, bool]:
    """Every page stage, preprocess to turns, unless OUT/.cache holds the result; (page, whether it was cached).

    The page's working images, in OUT/.work, are gone when this returns: only the model is kept."""
    hit = cached_page(out, page, settings)
    if hit is not None:
        return hit, True
    images = WorkingImages(out / WORK_DIR)
    try:
        processed = process_page(page, build_stages(settings, images), settings)
    finally:
        images.discard(page.id)
    write_bytes_atomic(cache_path(out, page, settings), processed.model_dump_json().encode())
    return processed, False


def surely_uncached(issue: Issue, out: Path) -> bool:
    """OUT/.cache holds fewer page records than the issue has files: some page is new, told without ingesting."""
    records = sum(1 for _ in (out / CACHE_DIR).glob("page-*.json")) if (out / CACHE_DIR).is_dir() else 0
    return records < len(issue.files)


def cached_issue(issue: Issue, out: Path, settings: Settings) -> list[Page] | None:
    """The issue's pages as ingested when every one is in OUT/.cache already (a re-run: nothing left to
    orchestrate), for `InlineTasks` to use instead of ingesting them again; None when some page is not."""
    if surely_uncached(issue, out):  # a first run: no need to ingest (PDF pages are rendered to tell their kind)
        return None
    ingested = ingest_issue(issue, settings.ingest)
    pages = [p for p in ingested if p.status != PageStatus.failed]
    return ingested if pages and all(cache_path(out, page, settings).is_file() for page in pages) else None


# ------------------------------------------------------------------------------------------------ running tasks

class IssueTasks(Protocol):
    """Runs the issue's tasks; a task's failure comes back as the exception, never raised."""

    def ingest(self, issue: Issue, settings: Settings) -> list[Page]: ...

    def process(self, pages: Sequence[Page], settings: Settings,
                out: Path) -> Iterator[tuple[Page, tuple[Page, bool] | None, BaseException | None]]:
        """(page, (processed, from cache) or None, error or None) for each page, as each finishes."""
        ...

    def write(self, pages: Sequence[Page], out: Path, settings: Settings,
              issues: Sequence[IssueModel]) -> list[tuple[Written | None, BaseException | None]]:
        """Each page written with what of the issue it needs (`Issue.around`)."""
        ...

    def report(self, key: str, rows: list[dict[str, str | int]], description: str) -> None: ...


def retried(call: Callable[[], T]) -> T:
    """The call, tried again after a pause when it fails for the machine's reasons (see batch.is_transient)."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return call()
        except BaseException as exc:
            if delay is None or not is_transient(exc):
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def _attempt(call: Callable[[], T]) -> tuple[T | None, BaseException | None]:
    try:
        return retried(call), None
    except Exception as exc:
        return None, exc


def page_memory_mb(page: Page, config: RunConfig) -> float:
    """What a page in flight is estimated to add to the run's peak memory, from its pixels."""
    return config.page_memory_mb + config.page_memory_mb_per_mp * page.width * page.height / 1e6


def admitted(page: Page, in_flight: Sequence[Page], config: RunConfig) -> bool:
    """Whether `page` may start beside the pages in flight: a worker is free and the run's estimated peak memory with
    it stays within `memory_budget_mb`. With none in flight it always starts, alone if it must."""
    if not in_flight:
        return True
    if len(in_flight) >= config.page_workers:
        return False
    estimate = config.process_memory_mb + sum(page_memory_mb(other, config) for other in (*in_flight, page))
    return estimate <= config.memory_budget_mb


class InlineTasks:
    """The tasks called in this process, with the flow's retry rule: no Prefect API. Pages are processed in their
    order, up to `page_workers` at a time as memory admits them (`admitted`), each worker thread with its own
    engines.

    `ingested`: the issue's pages as `cached_issue` ingested them, so that a re-run reads each page file once."""

    def __init__(self, ingested: list[Page] | None = None) -> None:
        self.ingested = ingested

    def ingest(self, issue: Issue, settings: Settings) -> list[Page]:
        if self.ingested is not None:
            return self.ingested
        return retried(lambda: ingest_issue(issue, settings.ingest))

    def process(self, pages: Sequence[Page], settings: Settings,
                out: Path) -> Iterator[tuple[Page, tuple[Page, bool] | None, BaseException | None]]:
        workers = max(1, min(settings.run.page_workers, len(pages)))
        if workers == 1:
            for page in pages:
                yield (page, *_attempt(lambda page=page: process_cached(page, settings, out)))  # type: ignore[misc]
            return
        # The first worker uses the engines this process built already (their models compiled early, see the CLI).
        sets = itertools.count()
        pool = ThreadPoolExecutor(workers, thread_name_prefix="page", initializer=lambda: use_engine_set(next(sets)))
        waiting = deque(pages)
        running: dict[Future[tuple[tuple[Page, bool] | None, BaseException | None]], Page] = {}
        try:
            while waiting or running:
                # In order: a large page waits for the pages before it to finish rather than be passed by small ones.
                while waiting and admitted(waiting[0], list(running.values()), settings.run):
                    page = waiting.popleft()
                    running[pool.submit(_attempt, lambda page=page: process_cached(page, settings, out))] = page
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield (running.pop(future), *future.result())
        finally:
            # A run that stops (a full disk) starts no further page; those under way finish.
            pool.shutdown(wait=True, cancel_futures=True)

    def write(self, pages: Sequence[Page], out: Path, settings: Settings,
              issues: Sequence[IssueModel]) -> list[tuple[Written | None, BaseException | None]]:
        return [_attempt(lambda page=page, issue=issue: write_outputs(page, out, settings, issue))  # type: ignore[misc]
                for page, issue in zip(pages, issues, strict=True)]

    def report(self, key: str, rows: list[dict[str, str | int]], description: str) -> None:
        """No Prefect UI to show the QA table in: the manifest and quarantine.json hold the same facts."""


def write_outputs(page: Page, out: Path, settings: Settings, issue: IssueModel) -> Written:
    return write_page(page, out, validate=settings.output.validate_tei, cert_below=settings.qa.tei_cert_below,
                      issue=issue, tei_all=settings.output.tei_all)


# ------------------------------------------------------------------------------------------------ the sequence

def quarantined(page: Page, exc: BaseException) -> Page:
    """A page whose task failed for good: failed, with the reason, so the rest of the issue goes on."""
    failed = page.model_copy(deep=True)
    failed.status = PageStatus.failed
    retried_note = f" (after {RETRIES} retries)" if is_transient(exc) else ""
    failed.flags.append(Flag(code="page-task-failed", severity=Severity.error,
                             reason=f"processing failed{retried_note}: {type(exc).__name__}: {exc}"))
    return failed


def _stop_if_disk_full(error: BaseException | None) -> None:
    if error is not None and is_out_of_space(error):
        raise OutOfSpaceError(getattr(error, "errno", None), f"the output disk is full: "
                                                             f"{getattr(error, 'strerror', None) or error}")


def corrected(pages: Sequence[Page], out: Path) -> tuple[list[Page], dict[str, Review | None]]:
    """The pages with reviewers' corrections replayed from the review app's audit trail (a re-run must never drop
    them), and the review state of each; a page whose replay fails for good is quarantined."""
    replayed: list[Page] = []
    reviews: dict[str, Review | None] = {}
    for page in pages:
        result, error = _attempt(lambda page=page: reapply_corrections(page, out))  # type: ignore[misc]
        _stop_if_disk_full(error)
        replayed.append(result[0] if result else quarantined(page, error or RuntimeError("no result")))
        reviews[page.id] = result[1] if result else None
    return replayed, reviews


def digitise(issue: Issue, out_dir: str, settings: Settings | None, tasks: IssueTasks,
             show_progress: bool = False) -> IssueSummary:
    """OCR, lay out and segment every page of an issue; write TEI per article, ALTO per page, the manifest, the
    quarantine list and a QA summary. Pages already processed with the same bytes, code and settings come from the
    cache in OUT/.cache."""
    settings = settings or Settings()
    started = time.perf_counter()
    out = Path(out_dir)
    with exclusive_folder(out):
        remove_partial_files(out)  # a previous run killed mid-write
        ingested = tasks.ingest(issue, settings)
        pending = [page for page in ingested if page.status != PageStatus.failed]
        processed: dict[str, Page] = {page.id: page for page in ingested}
        from_cache = 0
        with tqdm(total=len(pending), unit="page", disable=not show_progress) as progress:
            for page, result, error in tasks.process(pending, settings, out):
                _stop_if_disk_full(error)
                processed[page.id] = quarantined(page, error) if error or result is None \
                    else with_identity(result[0], page)
                from_cache += result is not None and result[1]
                progress.set_postfix_str(Path(page.source).name)
                progress.update()
        # Corrections are the printed pages': they are replayed before the stories are joined across pages, in the one
        # place where every page of the issue is known, before any article TEI is written.
        pages, reviews = corrected([processed[page.id] for page in ingested], out)
        joined = join_continuations(pages)
        entries: list[ManifestPage] = []
        articles: list[ManifestArticle] = []
        writes = tasks.write(joined.pages, out, settings, [joined.around(page) for page in joined.pages])
        for page, (written, error) in zip(joined.pages, writes, strict=True):
            _stop_if_disk_full(error)
            if error or written is None:
                written = write_page(quarantined(page, error or RuntimeError("no result")), out, validate=False)
            else:
                keep_review(out, page.id, written[1].model_sha256, reviews[page.id])
            entries.append(written[1])
            articles.extend(written[2])
        stage_seconds: dict[str, float] = defaultdict(float)
        for page in pages:
            for step in page.steps:
                stage_seconds[step.stage] += step.seconds
        total = time.perf_counter() - started
        manifest = write_manifest(out, entries, articles, {
            "total_seconds": round(total, 3), "pages": len(pages), "from_cache": from_cache,
            "seconds_per_page": round(total / len(pages), 3) if pages else 0.0,
            "stages": {name: round(seconds, 3) for name, seconds in stage_seconds.items()},
        }, ManifestIssue.of(issue.id, issue.metadata, issue.flags),
            schema_fingerprint(settings.output.tei_all) if settings.output.validate_tei else None)
        failures = quarantine_list(manifest)
        quarantine = write_quarantine(out, failures)
    tasks.report(f"qa-{issue.id}"[:100].lower().replace("_", "-"), qa_summary_rows(manifest),
                 f"QA summary of {issue.metadata.title} {issue.metadata.date or ''}".strip())
    return IssueSummary(
        issue_id=issue.id, out_dir=str(out), pages=len(entries),
        failed=sum(p.status == PageStatus.failed for p in entries),
        flagged=sum(p.status == PageStatus.flagged for p in entries),
        from_cache=from_cache, articles=len(articles), tei_dir=str(out / "tei"), manifest=str(out / "manifest.json"),
        quarantine=str(quarantine), failures=failures, issue_flags=issue.flags,
    )
