"""Existing OCR through the stages that still make sense on it, written like a scan: TEI, ALTO, manifest.

`existing_stages` are the stages after OCR (typing where the source is untyped, its stated reading order kept,
articles, jumps, repair, turns); `with_image` first takes the layout evidence from the page image where it is at
hand; `digitise_existing` runs them and writes through the same output path as a scan.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from broadsheet import __version__
from broadsheet.config import ExistingOcrConfig, Settings
from broadsheet.engines import layout_engine, ocr_engine
from broadsheet.ingest.files import ingest_file
from broadsheet.ingest.readers import ExistingPage, paired_image, read_existing
from broadsheet.ingest.readers.plain_text import PLAIN_TEXT_ENGINE
from broadsheet.model.page import Page, PageStatus, ProcessingStep, RegionType
from broadsheet.run.corrections.edits import keep_review, reapply_corrections
from broadsheet.run.output import ManifestArticle, ManifestIssue, ManifestPage, write_manifest, write_page
from broadsheet.run.page import compile_run_schemas, finalise, run_stage
from broadsheet.stages.articles import Articles
from broadsheet.stages.base import Stage, recorded_step
from broadsheet.stages.paired import LayoutEvidence, ReadAgain
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.reading_order import ReadingOrder
from broadsheet.stages.repair import repair_stages
from broadsheet.stages.typing import NewspaperTypes
from broadsheet.stages.working_images import WorkingImages

log = logging.getLogger(__name__)

_UNTYPED = frozenset({RegionType.body, RegionType.figure, RegionType.separator})


class StatedOrder:
    """Carries the reading order a source states across the typing stage, which may split and join its blocks:
    each block after typing takes the earliest stated place of its lines, matched by their polygons (which typing
    keeps); blocks holding none of them follow in the order typing left them."""

    name = "stated-order"

    def __init__(self, source: Page) -> None:
        ranks = {region_id: n for n, region_id in enumerate(source.reading_order)}
        self.place = {line.polygon: (ranks[region.id], k) for region in source.regions if region.id in ranks
                      for k, line in enumerate(region.lines)}

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, "broadsheet", __version__, {}):
            unplaced = (len(self.place), 0)
            places = {region.id: min((self.place.get(line.polygon, unplaced) for line in region.lines),
                                     default=unplaced) for region in page.regions}
            page.reading_order = sorted(places, key=lambda region_id: places[region_id])
        return page


def source_typed(page: Page) -> bool:
    """Whether the source OCR typed its blocks itself (PAGE's headings, ...): the typing stage then leaves them."""
    return any(region.type not in _UNTYPED for region in page.regions)


def existing_stages(page: Page, settings: Settings, images: WorkingImages | None = None,
                    typed: bool | None = None) -> list[Stage]:
    """Plain text comes structured by its reader; ALTO and hOCR get typing (if untyped), order and articles. Typing
    measures stroke weight on the page's working image where `images` holds one (`with_image`). `typed`: whether
    the source typed its blocks (`source_typed` of the page as read; by default of `page`), where the layout model
    has since grouped and labelled them (`with_image`): its labels are only a start, as on a scan."""
    repair = repair_stages(settings.repair, settings.articles.indent)
    if any(line.engine == PLAIN_TEXT_ENGINE for region in page.regions for line in region.lines):
        return repair
    typed = source_typed(page) if typed is None else typed
    # A reading order the source states (PAGE, ALTO ReadingOrder) is kept, not worked out again; blocks it leaves
    # out follow it in the order the source lists them.
    kept = bool(page.reading_order)
    typing: list[Stage] = [] if typed else [NewspaperTypes(settings.typing, images),
                                            *([StatedOrder(page)] if kept else [])]
    ordering: list[Stage] = [] if kept else [ReadingOrder(settings.reading_order)]
    return [*typing, *ordering, Articles(settings.articles, stated_order=kept), *repair]


def with_image(page: Page, image: Path, settings: Settings, images: WorkingImages) -> Page:
    """Existing OCR on its page image: preprocessed as a scan (working image, deskew), rules and pictures added
    from the pixels, and poorly read lines read again where `ExistingOcrConfig.reocr_below` asks; text otherwise
    kept. The page's source becomes the image (what the TEI and the review app show); the OCR file is recorded."""
    scan = ingest_file(image, settings.ingest)[0]
    if scan.status == PageStatus.failed:
        return page.model_copy(update={"status": PageStatus.failed, "flags": [*page.flags, *scan.flags]})
    ocr_file = page.source
    page = page.model_copy(update={"source": scan.source, "sha256": scan.sha256, "frame": scan.frame, "image": None,
                                   "width": scan.width, "height": scan.height, "dpi": page.dpi or scan.dpi})
    page.steps.append(ProcessingStep(stage="existing-ocr", software="broadsheet", version=__version__,
                                     settings={"ocr_file": ocr_file, "resolution_from": page.resolution_from}))
    stages: list[Stage] = [Preprocess(settings.preprocess, images),
                           LayoutEvidence(layout_engine(settings.layout), settings.ocr.figure_text_share, images)]
    if settings.existing.reocr_below is not None:
        stages.append(ReadAgain(ocr_engine(settings.ocr.engine), settings.existing.reocr_below, images))
    for stage in stages:
        page = run_stage(stage, page)
    return page


def process_existing(source: Path | ExistingPage, settings: Settings, images: WorkingImages | None = None) -> Page:
    """One page of existing OCR through the stages after OCR; with its image at hand and `images` to keep the
    working image in, the image gives the layout evidence first (`with_image`)."""
    spec = source if isinstance(source, ExistingPage) else ExistingPage(ocr=source, image=paired_image(source))
    page = read_existing(spec, settings.existing)
    image = spec.image if spec.image and spec.image.is_file() else None
    plain = any(line.engine == PLAIN_TEXT_ENGINE for region in page.regions for line in region.lines)
    typed = source_typed(page)
    if image and images is not None and page.status != PageStatus.failed and page.unit == "pixel" and not plain:
        page = with_image(page, image, settings, images)
    for stage in existing_stages(page, settings, images, typed) if page.status != PageStatus.failed else []:
        page = run_stage(stage, page)
    return finalise(page, settings.ocr.low_confidence, settings.qa)


@contextmanager
def fewer_collections(allocations: int) -> Iterator[None]:
    """The cyclic garbage collector runs only after `allocations` new objects (ExistingOcrConfig), then as before."""
    before = gc.get_threshold()
    gc.set_threshold(max(allocations, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class ExistingIssue:
    """Pages of existing OCR written to one output folder, with one manifest."""

    sources: Sequence[Path | ExistingPage]
    out_dir: Path
    issue: ManifestIssue | None = None


@dataclass(frozen=True)
class DigitisedPage:
    """What digitising one page of existing OCR gave: its manifest entries, and where its time went."""

    entry: ManifestPage
    articles: list[ManifestArticle]
    stage_seconds: dict[str, float]
    seconds: float


def digitise_page(source: Path | ExistingPage, out_dir: Path, settings: Settings) -> DigitisedPage:
    """One page of existing OCR through the stages, its reviewers' corrections replayed, written to OUT."""
    started = time.perf_counter()
    images = WorkingImages(out_dir / ".work")
    processed = process_existing(source, settings, images)
    images.discard(processed.id)  # the working images are only needed while the stages run
    processed, review = reapply_corrections(processed, out_dir)  # a re-run never drops reviewers' corrections
    page, entry, articles = write_page(processed, out_dir, validate=settings.output.validate_tei,
                                       cert_below=settings.qa.tei_cert_below)
    keep_review(out_dir, entry.id, entry.model_sha256, review)
    stage_seconds: dict[str, float] = defaultdict(float)
    for step in page.steps:
        stage_seconds[step.stage] += step.seconds
    return DigitisedPage(entry, articles, dict(stage_seconds), time.perf_counter() - started)


def page_processes(issues: Sequence[ExistingIssue], config: ExistingOcrConfig) -> int:
    """How many processes digitise the pages: `ExistingOcrConfig.processes` (0: one per core the run may use), never
    more than there are pages; one where a page has its image at hand (the layout model uses every core), or where
    the run has other threads (a forked process would inherit their locks, held or not)."""
    pages = sum(len(issue.sources) for issue in issues)
    with_images = any(paired_image(source) if isinstance(source, Path) else source.image and source.image.is_file()
                      for issue in issues for source in issue.sources)
    # tqdm's monitor only wakes now and then to look at the progress bars, under a lock no page code takes.
    others = [thread for thread in threading.enumerate()
              if thread is not threading.current_thread() and thread is not getattr(tqdm, "monitor", None)]
    if with_images or others:
        return 1
    return max(1, min(pages, config.processes or len(os.sched_getaffinity(0))))


def _digitised(jobs: Sequence[tuple[Path | ExistingPage, Path]], settings: Settings,
               processes: int) -> Iterator[DigitisedPage]:
    """Each job's page, in the jobs' order, digitised by `processes` forked processes (in this one when 1)."""
    if processes == 1:
        for source, out_dir in jobs:
            yield digitise_page(source, out_dir, settings)
        return
    compile_run_schemas(settings)  # once, here: every forked process starts with them compiled
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.submit(digitise_page, source, out_dir, settings) for source, out_dir in jobs]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(cancel_futures=True)


def digitise_existing_issues(issues: Sequence[ExistingIssue], settings: Settings,
                             show_progress: bool = False) -> list[tuple[list[ManifestPage], int]]:
    """Repair and re-serialise existing OCR into each issue's folder, pages across processes (`page_processes`),
    each issue's manifest written once its pages are; returns each issue's manifest pages and article count.
    An issue's recorded time is the sum of its pages' (they may have run side by side)."""
    jobs = [(source, issue.out_dir) for issue in issues for source in issue.sources]
    results: list[tuple[list[ManifestPage], int]] = []
    processes = page_processes(issues, settings.existing)
    log.info("%d page(s) of existing OCR in %d process(es)", len(jobs), processes)
    with fewer_collections(settings.existing.collect_after_allocations), \
            closing(_digitised(jobs, settings, processes)) as digitised, \
            tqdm(total=len(jobs), unit="page", disable=not show_progress) as progress:
        for issue in issues:
            pages = [next(digitised) for _ in issue.sources]
            progress.update(len(pages))
            results.append(_write_issue_manifest(issue, pages))
    return results


def _write_issue_manifest(issue: ExistingIssue, pages: list[DigitisedPage]) -> tuple[list[ManifestPage], int]:
    entries = [page.entry for page in pages]
    articles = [article for page in pages for article in page.articles]
    stage_seconds: dict[str, float] = defaultdict(float)
    for page in pages:
        for stage, seconds in page.stage_seconds.items():
            stage_seconds[stage] += seconds
    total = sum(page.seconds for page in pages)
    timings: dict[str, float | int | dict[str, float]] = {
        "total_seconds": round(total, 3), "pages": len(entries),
        "seconds_per_page": round(total / len(entries), 3) if entries else 0.0,
        "stages": {name: round(seconds, 3) for name, seconds in stage_seconds.items()},
    }
    write_manifest(issue.out_dir, entries, articles, timings, issue=issue.issue)
    return entries, len(articles)


def digitise_existing(sources: Sequence[Path | ExistingPage], out_dir: Path, settings: Settings,
                      issue: ManifestIssue | None = None,
                      show_progress: bool = False) -> tuple[list[ManifestPage], int]:
    """Repair and re-serialise existing OCR files into OUT; returns the manifest pages and article count."""
    [result] = digitise_existing_issues([ExistingIssue(sources, out_dir, issue)], settings, show_progress)
    return result


__all__ = ["DigitisedPage", "ExistingIssue", "StatedOrder", "digitise_existing", "digitise_existing_issues",
           "digitise_page", "existing_stages", "fewer_collections", "process_existing",
           "source_typed", "with_image"]
