"""The `digitise-issue` Prefect flow: an issue's pages mapped over tasks, cached by content, retried when the machine
hiccups, quarantined when the page is bad. Orchestration only; every task calls one function from pipeline/.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from prefect.filesystems import LocalFileSystem
from prefect.futures import PrefectFuture, as_completed
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import Task, exponential_backoff
from pydantic import BaseModel
from tqdm import tqdm

from pipeline.atomic import exclusive_folder, remove_partial_files, write_bytes_atomic
from pipeline.batch import (
    OutOfSpaceError,
    is_out_of_space,
    is_transient,
    page_cache_key,
    qa_summary_rows,
    quarantine_list,
    with_identity,
    write_quarantine,
)
from pipeline.config import Settings
from pipeline.continuations import join_continuations
from pipeline.issue import Issue, ingest_issue
from pipeline.model import Flag, Page, PageStatus, Severity
from pipeline.output import ManifestArticle, ManifestIssue, ManifestPage, write_manifest, write_page
from pipeline.process import build_stages, process_page

CACHE_DIR = ".cache"
WORK_DIR = ".work"
RETRIES = 3
OCR_SLOT_TAG = "broadsheet-ocr-slot-{}"


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
    issue_flags: list[Flag]


class AtomicLocalFileSystem(LocalFileSystem):
    """Prefect's local result storage, but a killed run never leaves a half-written cache record."""

    _block_type_slug = "broadsheet-atomic-local-file-system"

    async def awrite_path(self, path: str, content: bytes) -> str:
        return self.write_path(path, content)

    def write_path(self, path: str, content: bytes, _sync: bool = True) -> str:  # type: ignore[override]
        # `_sync`: Prefect's result store calls the sync form of its dispatching methods with it.
        target = self._resolve_path(path)
        write_bytes_atomic(target, content)
        return str(target)


def cache_storage(out: Path) -> AtomicLocalFileSystem:
    """The issue's cache under OUT/.cache. Prefect wants result storage saved server-side, so tasks on other
    processes (Dask workers) can load it; one block per output folder."""
    basepath = str((out / CACHE_DIR).resolve())
    storage = AtomicLocalFileSystem(basepath=basepath)
    storage.save(f"broadsheet-cache-{hashlib.sha256(basepath.encode()).hexdigest()[:16]}", overwrite=True)
    return storage


def _retry_transient(task: Task[..., Any], task_run: object, state: State[Any]) -> bool:
    """Retry I/O hiccups and memory pressure; a bad page fails the same way every time."""
    try:
        state.result()
    except BaseException as exc:  # the state holds whatever the task raised
        return is_transient(exc)
    return False


def _page_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return page_cache_key(parameters["page"], parameters["settings"])


def ocr_slot_tag(page: Page, slots: int) -> str:
    """The same page always lands in the same slot, and each slot's tag limit is 1 (see `ensure_ocr_slot_limits`):
    two runs can never OCR one page at once, while different pages use different slots."""
    return OCR_SLOT_TAG.format(int(page.sha256 or hashlib.sha256(page.id.encode()).hexdigest(), 16) % slots)


def ocr_slot_tags(slots: int) -> list[str]:
    return [OCR_SLOT_TAG.format(k) for k in range(slots)]


@task(name="ingest-issue", cache_policy=NO_CACHE, retries=RETRIES,
      retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_retry_transient)
def ingest_task(issue: Issue, settings: Settings) -> list[Page]:
    return ingest_issue(issue, settings.ingest)


@task(name="process-page", cache_key_fn=_page_cache_key, persist_result=True, result_serializer="json",
      retries=RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_retry_transient)
def process_task(page: Page, settings: Settings, work_dir: str) -> Page:
    """Every page stage, preprocess to repair. The working image is gone when the task ends: only the model is kept."""
    processed = process_page(page, build_stages(settings, Path(work_dir)), settings)
    if processed.working_image:
        Path(processed.working_image).unlink(missing_ok=True)
    return processed.model_copy(update={"working_image": None})


@task(name="write-outputs", cache_policy=NO_CACHE, retries=RETRIES,
      retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_retry_transient)
def write_task(page: Page, out_dir: str, settings: Settings,
               other_pages: list[Page]) -> tuple[Page, ManifestPage, list[ManifestArticle]]:
    return write_page(page, Path(out_dir), validate=settings.output.validate_tei,
                      cert_below=settings.qa.tei_cert_below, other_pages=other_pages)


def _quarantined(page: Page, exc: BaseException) -> Page:
    """A page whose task failed for good: failed, with the reason, so the rest of the issue goes on."""
    failed = page.model_copy(deep=True)
    failed.status = PageStatus.failed
    retried = f" (after {RETRIES} retries)" if is_transient(exc) else ""
    failed.flags.append(Flag(code="page-task-failed", severity=Severity.error,
                             reason=f"processing failed{retried}: {type(exc).__name__}: {exc}"))
    return failed


def _outcome(future: PrefectFuture[Any]) -> tuple[Any, BaseException | None]:
    result = future.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        if is_out_of_space(result):
            raise OutOfSpaceError(result.errno, f"the output disk is full: {result.strerror or result}")
        return None, result
    return result, None


def _spanned(page: Page, pages: list[Page]) -> list[Page]:
    """The other pages the page's articles run on to (a joined continuation), for its TEI."""
    wanted = {page_id for article in page.articles for page_id in article.page_ids} - {page.id}
    return [other for other in pages if other.id in wanted]


# Locally pages run one at a time: a page's OCR already uses every core, and each page holds its images in memory.
@flow(name="digitise-issue", task_runner=ThreadPoolTaskRunner(max_workers=1))
def digitise_issue(issue: Issue, out_dir: str, settings: Settings | None = None, show_progress: bool = False,
                   ocr_slots: int = 1) -> IssueSummary:
    """OCR, lay out and segment every page of an issue; write TEI per article, ALTO per page, the manifest, the
    quarantine list and a QA summary artifact. Pages already processed with the same bytes, code and settings
    come from the cache in OUT/.cache."""
    settings = settings or Settings()
    started = time.perf_counter()
    out = Path(out_dir)
    with exclusive_folder(out):
        remove_partial_files(out)  # a previous run killed mid-write
        work_dir = out / WORK_DIR
        storage = cache_storage(out)
        ingested: list[Page] = ingest_task(issue, settings)
        pending = [page for page in ingested if page.status != PageStatus.failed]
        futures = {process_task.with_options(tags=[ocr_slot_tag(page, ocr_slots)], result_storage=storage)
                   .submit(page, settings, str(work_dir)): page for page in pending}
        processed: dict[str, Page] = {page.id: page for page in ingested}
        from_cache = 0
        with tqdm(total=len(futures), unit="page", disable=not show_progress) as progress:
            for future in as_completed(list(futures)):
                page = futures[future]
                result, error = _outcome(future)
                processed[page.id] = _quarantined(page, error) if error else with_identity(result, page)
                from_cache += error is None and future.state.name == "Cached"
                progress.set_postfix_str(Path(page.source).name)
                progress.update()
        # The one place where every page of the issue is known, before any article TEI is written.
        pages = join_continuations([processed[page.id] for page in ingested])
        entries: list[ManifestPage] = []
        articles: list[ManifestArticle] = []
        writes = write_task.map(pages, unmapped(str(out)), unmapped(settings), [_spanned(p, pages) for p in pages])
        for page, future in zip(pages, writes, strict=True):
            written, error = _outcome(future)
            if error:
                written = write_page(_quarantined(page, error), out, validate=False)
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
        }, ManifestIssue.of(issue.id, issue.metadata, issue.flags))
        quarantine = write_quarantine(out, quarantine_list(manifest))
    create_table_artifact(key=f"qa-{issue.id}"[:100].lower().replace("_", "-"), table=qa_summary_rows(manifest),
                          description=f"QA summary of {issue.metadata.title} {issue.metadata.date or ''}".strip())
    return IssueSummary(
        issue_id=issue.id, out_dir=str(out), pages=len(entries),
        failed=sum(p.status == PageStatus.failed for p in entries),
        flagged=sum(p.status == PageStatus.flagged for p in entries),
        from_cache=from_cache, articles=len(articles), tei_dir=str(out / "tei"), manifest=str(out / "manifest.json"),
        quarantine=str(quarantine), issue_flags=issue.flags,
    )


def dask_task_runner(address: str) -> TaskRunner[Any]:
    """Page tasks on a Dask cluster: one page per worker thread, each worker process loading the engines once."""
    from prefect_dask import DaskTaskRunner

    return DaskTaskRunner(address=address)
