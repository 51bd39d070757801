"""Prefect flow over pages: one task per page stage. Orchestration only; the work is in pipeline/."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel
from tqdm import tqdm

from pipeline.config import Settings
from pipeline.model import Page, PageStatus
from pipeline.output import Manifest, ManifestArticle, ManifestPage, write_manifest, write_page
from pipeline.process import build_stages, finalise, run_stage
from pipeline.stages.ingest import ingest_file


class RunSummary(BaseModel):
    out_dir: str
    pages: int
    failed: int
    flagged: int
    articles: int
    tei_dir: str
    manifest: str


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(source: str, settings: Settings) -> list[Page]:
    return ingest_file(Path(source), settings.ingest)


@task(name="write-outputs", cache_policy=NO_CACHE)
def write_task(page: Page, out_dir: str, settings: Settings) -> tuple[Page, ManifestPage, list[ManifestArticle]]:
    return write_page(page, Path(out_dir), validate=settings.output.validate_tei, cert_below=settings.qa.tei_cert_below)


stage_task = task(run_stage, name="stage", cache_policy=NO_CACHE)


def _process(page: Page, settings: Settings, work_dir: Path) -> Page:
    for stage in build_stages(settings, work_dir):
        page = stage_task.with_options(name=stage.name).submit(stage, page).result()
    return finalise(page, settings.ocr.low_confidence, settings.qa)


@flow(name="digitise-pages")
def digitise_pages(sources: list[str], out_dir: str, settings: Settings | None = None,
                   show_progress: bool = False) -> RunSummary:
    """OCR, lay out and segment every page of the given image files; write TEI, ALTO and the manifest."""
    settings = settings or Settings()
    started = time.perf_counter()
    out = Path(out_dir)
    work_dir = out / ".work"
    pages = [page for pages in ingest_task.map(sources, settings=unmapped(settings)).result() for page in pages]
    entries: list[ManifestPage] = []
    articles: list[ManifestArticle] = []
    stage_seconds: dict[str, float] = defaultdict(float)
    with tqdm(total=len(pages), unit="page", disable=not show_progress) as progress:
        for page in pages:
            progress.set_postfix_str(Path(page.source).name)
            page = _process(page, settings, work_dir)
            page, entry, page_articles = write_task(page, out_dir, settings)
            if page.working_image:
                Path(page.working_image).unlink(missing_ok=True)
            for step in page.steps:
                stage_seconds[step.stage] += step.seconds
            entries.append(entry)
            articles.extend(page_articles)
            progress.update()
    total = time.perf_counter() - started
    timings: dict[str, float | int | dict[str, float]] = {
        "total_seconds": round(total, 3),
        "pages": len(pages),
        "seconds_per_page": round(total / len(pages), 3) if pages else 0.0,
        "stages": {name: round(seconds, 3) for name, seconds in stage_seconds.items()},
    }
    manifest: Manifest = write_manifest(out, entries, articles, timings)
    return RunSummary(
        out_dir=str(out),
        pages=len(entries),
        failed=sum(p.status == PageStatus.failed for p in entries),
        flagged=sum(p.status == PageStatus.flagged for p in entries),
        articles=len(manifest.articles),
        tei_dir=str(out / "tei"),
        manifest=str(out / "manifest.json"),
    )
