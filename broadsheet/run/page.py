"""Running the page stages in order, without Prefect. Flows call the same functions."""

from __future__ import annotations

import logging
import threading

import numpy as np

from broadsheet.config import QaConfig, RapidOcrConfig, ScriptRoutingConfig, Settings
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
        ReadingOrder(),
        Articles(settings.articles),
        *repair_stages(settings.repair, settings.articles.indent),
    ]


def _warm_up_sample() -> np.ndarray:
    import cv2

    sample = np.full((48, 160), 255, dtype=np.uint8)
    cv2.putText(sample, "warm up", (6, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)  # a line, so recognition loads too
    return sample


def warm_up_ocr(settings: Settings) -> None:
    """One small read, so that the OCR engine's first inference (OpenVINO compiles its kernels then: about a second
    on 2 cores) is paid now rather than by the first page."""
    ocr_engine(settings.ocr.engine).read(_warm_up_sample())


def warm_up_in_background(settings: Settings) -> threading.Thread | None:
    """`warm_up_ocr` in a thread of its own, overlapping what needs no OCR model (imports, ingest, preprocessing,
    orientation, layout); None for an engine that gains nothing from it or cannot share itself with a thread.

    Only rapidocr is warmed: its reads are serialised by the engine itself (`RapidOcrEngine` holds a lock), so the
    page's first read waits for the warm-up instead of colliding with it. The engine is built here, before the thread
    starts, so that the stages get the same one. Not a daemon: the interpreter waits for it at exit instead of
    stopping native inference mid-call."""
    engine = settings.ocr.engine
    rapidocr = isinstance(engine, RapidOcrConfig) or (isinstance(engine, ScriptRoutingConfig)
                                                      and isinstance(engine.default, RapidOcrConfig))
    if not rapidocr:
        return None
    ocr_engine(engine)

    def warm() -> None:
        try:
            warm_up_ocr(settings)
        except Exception:  # the page's own read meets the same trouble and handles it (fallback, failed page)
            log.debug("warming the OCR engine failed", exc_info=True)

    thread = threading.Thread(target=warm, name="warm-up-ocr")
    thread.start()
    return thread


def warm_up(settings: Settings) -> None:
    """Load every model a page needs (rapidocr loads its models on first use) and compile the run-time schemas now:
    work that can overlap Prefect's start-up instead of following it."""
    from broadsheet.engines import rotation_classifier
    from broadsheet.serialise.validate import ALTO_SCHEMA, preload

    warm_up_ocr(settings)
    sample = _warm_up_sample()
    layout_engine(settings.layout).detect(sample)
    if settings.orientation.method == "model":
        rotation_classifier().quarter_turns(sample)
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
