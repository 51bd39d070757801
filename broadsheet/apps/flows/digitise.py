"""The `digitise-issue` Prefect flow: an issue's pages mapped over tasks, cached by content, retried when the machine
hiccups, quarantined when the page is bad. Orchestration only: the sequence is `broadsheet.run.issue.digitise`, and
every task calls one function from broadsheet/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import Task, exponential_backoff

from broadsheet.config import Settings
from broadsheet.ingest.issue import Issue, ingest_issue
from broadsheet.model.issue import Issue as IssueModel
from broadsheet.model.page import Page
from broadsheet.run.batch import is_transient
from broadsheet.run.issue import (
    RETRIES,
    IssueSummary,
    Written,
    digitise,
    process_cached,
    write_outputs,
)

__all__ = ["RETRIES", "IssueSummary", "dask_task_runner", "digitise_issue", "ocr_slot_tag", "ocr_slot_tags"]

OCR_SLOT_TAG = "broadsheet-ocr-slot-{}"


def _retry_transient(task: Task[..., Any], task_run: object, state: State[Any]) -> bool:
    """Retry I/O hiccups and memory pressure; a bad page fails the same way every time."""
    try:
        state.result()
    except BaseException as exc:  # the state holds whatever the task raised
        return is_transient(exc)
    return False


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


@task(name="process-page", cache_policy=NO_CACHE, retries=RETRIES,
      retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_retry_transient)
def process_task(page: Page, settings: Settings, out_dir: str) -> tuple[Page, bool]:
    """Every page stage, preprocess to repair, or the page from OUT/.cache (broadsheet.run.issue.process_cached)."""
    return process_cached(page, settings, Path(out_dir))


@task(name="write-outputs", cache_policy=NO_CACHE, retries=RETRIES,
      retry_delay_seconds=exponential_backoff(backoff_factor=1), retry_condition_fn=_retry_transient)
def write_task(page: Page, out_dir: str, settings: Settings, issue: IssueModel) -> Written:
    return write_outputs(page, Path(out_dir), settings, issue)


def _outcome(future: PrefectFuture[Any]) -> tuple[Any, BaseException | None]:
    result = future.result(raise_on_failure=False)
    return (None, result) if isinstance(result, BaseException) else (result, None)


class PrefectTasks:
    """The issue's tasks as Prefect tasks on the flow's task runner (threads, or a Dask cluster)."""

    def __init__(self, ocr_slots: int) -> None:
        self.ocr_slots = ocr_slots

    def ingest(self, issue: Issue, settings: Settings) -> list[Page]:
        return ingest_task(issue, settings)

    def process(self, pages: Sequence[Page], settings: Settings,
                out: Path) -> Iterator[tuple[Page, tuple[Page, bool] | None, BaseException | None]]:
        futures = {process_task.with_options(tags=[ocr_slot_tag(page, self.ocr_slots)])
                   .submit(page, settings, str(out)): page for page in pages}
        for future in as_completed(list(futures)):
            yield (futures[future], *_outcome(future))

    def write(self, pages: Sequence[Page], out: Path, settings: Settings,
              issues: Sequence[IssueModel]) -> list[tuple[Written | None, BaseException | None]]:
        writes = write_task.map(list(pages), unmapped(str(out)), unmapped(settings), list(issues))
        return [_outcome(future) for future in writes]

    def report(self, key: str, rows: list[dict[str, str | int]], description: str) -> None:
        create_table_artifact(key=key, table=rows, description=description)


# Locally pages run one at a time: a page's OCR already uses every core, and each page holds its images in memory.
@flow(name="digitise-issue", task_runner=ThreadPoolTaskRunner(max_workers=1))
def digitise_issue(issue: Issue, out_dir: str, settings: Settings | None = None, show_progress: bool = False,
                   ocr_slots: int = 1) -> IssueSummary:
    """OCR, lay out and segment every page of an issue; write TEI per article, ALTO per page, the manifest, the
    quarantine list and a QA summary artifact (broadsheet.run.issue.digitise, its tasks run by Prefect). Pages already
    processed with the same bytes, code and settings come from the cache in OUT/.cache."""
    return digitise(issue, out_dir, settings, PrefectTasks(ocr_slots), show_progress)


def dask_task_runner(address: str) -> TaskRunner[Any]:
    """Page tasks on a Dask cluster: one page per worker thread, each worker process loading the engines once."""
    from prefect_dask import DaskTaskRunner

    return DaskTaskRunner(address=address)
