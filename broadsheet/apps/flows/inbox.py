"""The scheduled service: a deployment whose flow digitises the inbox's new issue folders, and only new ones."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import flow, get_run_logger, serve
from prefect.client.orchestration import get_client

from broadsheet.apps.flows.digitise import IssueSummary, dask_task_runner, digitise_issue, ocr_slot_tags
from broadsheet.config import Settings
from broadsheet.ingest.issue import load_issue
from broadsheet.run.ledger import LEDGER_NAME, Ledger, LedgerEntry

DEPLOYMENT_NAME = "broadsheet-inbox"


@flow(name="digitise-inbox")
def digitise_inbox(inbox: str, out_root: str, settings: Settings | None = None, ocr_slots: int = 1,
                   dask_address: str | None = None) -> list[IssueSummary]:
    """Digitise every issue folder of the inbox the ledger has not seen, each into OUT/{issue id}.

    An issue that fails as a whole (a full disk, its folder busy) is left out of the ledger, so the next run tries it
    again; the flow run then fails, naming it, after the other issues are done.
    """
    logger = get_run_logger()
    ledger = Ledger(Path(out_root) / LEDGER_NAME)
    run_issue = digitise_issue.with_options(task_runner=dask_task_runner(dask_address)) if dask_address \
        else digitise_issue
    summaries: list[IssueSummary] = []
    failures: list[str] = []
    for folder, content_hash in ledger.new_folders(Path(inbox)):
        issue = load_issue(folder, (settings or Settings()).ingest)
        out_dir = Path(out_root) / issue.id
        logger.info("digitising %s (%d file(s)) into %s", folder.name, len(issue.files), out_dir)
        state = run_issue(issue, str(out_dir), settings, ocr_slots=ocr_slots, return_state=True)
        if state.is_failed():
            failures.append(f"{folder.name}: {state.message}")
            continue
        summary: IssueSummary = state.result()
        ledger.record(LedgerEntry(content_hash=content_hash, folder=str(folder), issue_id=issue.id,
                                  out_dir=str(out_dir), pages=summary.pages, failed=summary.failed))
        summaries.append(summary)
    if failures:
        raise RuntimeError(f"{len(failures)} issue(s) not digitised, to be tried again: {'; '.join(failures)}")
    return summaries


def ensure_ocr_slot_limits(slots: int) -> list[str]:
    """One tag concurrency limit of 1 per OCR slot; `ocr_slot_tag` puts each page in a slot by its hash."""
    tags = ocr_slot_tags(slots)
    with get_client(sync_client=True) as client:
        for tag in tags:
            client.create_concurrency_limit(tag=tag, concurrency_limit=1)
    return tags


def serve_inbox(inbox: Path, out_root: Path, cron: str, settings: Settings, ocr_slots: int = 1,
                dask_address: str | None = None) -> None:
    """Register the deployment with the Prefect server (PREFECT_API_URL) and serve its scheduled runs until stopped."""
    ensure_ocr_slot_limits(ocr_slots)
    deployment = digitise_inbox.to_deployment(
        name=DEPLOYMENT_NAME, cron=cron,
        parameters={"inbox": str(inbox.resolve()), "out_root": str(out_root.resolve()),
                    "settings": settings.model_dump(mode="json"), "ocr_slots": ocr_slots,
                    "dask_address": dask_address},
        description=f"Digitise new issue folders in {inbox} into {out_root}",
    )
    logging.getLogger(__name__).info("serving %s on schedule %r", DEPLOYMENT_NAME, cron)
    serve(deployment)
