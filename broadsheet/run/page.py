"""Running the page stages in order, without Prefect. Flows call the same functions."""

from __future__ import annotations

import logging

from broadsheet.config import QaConfig, Settings
from broadsheet.engines import layout_engine, ocr_engine
from broadsheet.model.page import Flag, Page, PageStatus, Severity
from broadsheet.run.batch import is_out_of_space, is_transient
from broadsheet.run.qa import apply_qa
from broadsheet.stages.articles import Articles
from broadsheet.stages.base import Stage
from broadsheet.stages.layout import Layout
from broadsheet.stages.ocr import Ocr
from broadsheet.stages.orientation import Orientation
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.reading_order import ReadingOrder
from broadsheet.stages.repair import repair_stages
from broadsheet.stages.typing import NewspaperTypes
from broadsheet.stages.working_images import WorkingImages

log = logging.getLogger(__name__)


def build_stages(settings: Settings, images: WorkingImages) -> list[Stage]:
    """The page stages in order: preprocess, orientation, layout, OCR, typing, reading order, articles, jumps, repair,
    turns; those that need pixels read and write them in the run's `images`."""
    return [
        Preprocess(settings.preprocess, images),
        Orientation(ocr_engine(settings.ocr.engine), images, settings.orientation),
        Layout(layout_engine(settings.layout), settings.layout, images),
        Ocr(ocr_engine(settings.ocr.engine), settings.ocr, images),
        NewspaperTypes(settings.typing, images),
        ReadingOrder(settings.reading_order),
        Articles(settings.articles),
        *repair_stages(settings.repair, settings.articles.indent),
    ]


def warm_up(settings: Settings) -> None:
    """Load every model a page needs (rapidocr loads its models on first use) and compile the run-time schemas now:
    work that can overlap Prefect's start-up instead of following it."""
    import cv2
    import numpy as np

    from broadsheet.engines import rotation_classifier

    sample = np.full((48, 160), 255, dtype=np.uint8)
    cv2.putText(sample, "warm up", (6, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)  # a line, so recognition loads too
    ocr_engine(settings.ocr.engine).read(sample)
    layout_engine(settings.layout).detect(sample)
    if settings.orientation.method == "model":
        rotation_classifier().quarter_turns(sample)
    compile_run_schemas(settings)


def compile_run_schemas(settings: Settings) -> None:
    """Compile the schemas a run validates its output against (none when it does not validate)."""
    from broadsheet.serialise.validate import ALTO_SCHEMA, preload

    if settings.output.validate_tei:
        preload(("broadsheet-rng", "broadsheet-sch", ALTO_SCHEMA, *(("tei_all",) if settings.output.tei_all else ())))


def run_stage(stage: Stage, page: Page) -> Page:
    """One stage on one page; a failure becomes the page's status and reason, never an exception."""
    if page.status == PageStatus.failed:
        return page
    try:
        return stage(page)
    except MemoryError:
        raise
    except Exception as exc:  # a broken page must not sink the batch
        if is_transient(exc) or is_out_of_space(exc):
            raise  # the machine's trouble, not the page's: the caller retries or stops the run
        log.debug("stage %s failed on %s", stage.name, page.id, exc_info=True)
        failed = page.model_copy(deep=True)
        failed.status = PageStatus.failed
        failed.flags.append(Flag(code=f"{stage.name}-failed", severity=Severity.error,
                                 reason=f"{stage.name} failed: {type(exc).__name__}: {exc}"))
        return failed


def finalise(page: Page, low_confidence: float, qa: QaConfig | None = None) -> Page:
    """Settle the page's status from its flags, adding the QA flags only a whole page shows (broadsheet/run/qa.py)."""
    return apply_qa(page, qa or QaConfig(), low_confidence)


def process_page(page: Page, stages: list[Stage], settings: Settings) -> Page:
    for stage in stages:
        page = run_stage(stage, page)
    return finalise(page, settings.ocr.low_confidence, settings.qa)
