"""Engine protocols. An adapter maps its engine's own result types into these, so none leak out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from broadsheet.model.page import Flag, Page, Severity

Quad = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class EngineWord:
    text: str
    confidence: float
    """0..1, on the engine-independent scale described in ARCHITECTURE.md."""
    quad: Quad


@dataclass(frozen=True)
class EngineLine:
    text: str
    confidence: float
    quad: Quad
    """Coordinates in the pixels of the image the engine was given."""
    words: tuple[EngineWord, ...]
    block: int | None = None
    """The text block (Tesseract: block and paragraph) the engine's own layout analysis put the line in, numbered in
    the engine's reading order; None from an engine that only finds lines."""


@dataclass(frozen=True)
class LayoutBox:
    label: str
    box: tuple[float, float, float, float]
    score: float


class OcrEngine(Protocol):
    """An OCR engine; the functions below ask for what only some engines offer (`processes`, `at_resolution`,
    `detect`, `fallback`, `other_engine`), so that no caller tests for a class."""

    name: str
    version: str
    model: str

    def read(self, image: np.ndarray) -> list[EngineLine]:
        """Detect and recognise every text line of a grayscale image, at the image's own resolution."""
        ...


class LayoutEngine(Protocol):
    name: str
    version: str
    model: str

    def detect(self, image: np.ndarray) -> list[LayoutBox]:
        """Layout regions of a grayscale page image, in that image's pixels."""
        ...


TimeoutHandler = Callable[[np.ndarray, "EngineTimeoutError"], list[EngineLine]]
"""What reads an image instead when the engine timed out on it (another engine), given the image and the error."""


def read_all(engine: OcrEngine, images: Sequence[np.ndarray],
             on_timeout: TimeoutHandler | None = None) -> list[list[EngineLine]]:
    """Each image's lines, in order. An engine that reads in processes of its own (Tesseract: `processes`) reads
    several at once; one that already spreads one read over every core (ONNX Runtime, OpenVINO) reads in turn. An
    image the engine times out on (EngineTimeoutError) is read by `on_timeout` where one is given."""

    def read(image: np.ndarray) -> list[EngineLine]:
        try:
            return engine.read(image)
        except EngineTimeoutError as exc:
            if on_timeout is None:
                raise
            return on_timeout(image, exc)

    workers = min(int(getattr(engine, "processes", 1)), len(images))
    if workers <= 1:
        return [read(image) for image in images]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(read, images))


def at_resolution(engine: OcrEngine, dpi: float | None) -> OcrEngine:
    """The engine told the resolution of the scan it reads, where it uses one (Tesseract's `at_resolution`);
    others read pixels whatever their size in inches, and come back as they were."""
    told = getattr(engine, "at_resolution", None)
    return told(dpi) if callable(told) else engine


def line_boxes(engine: OcrEngine, image: np.ndarray) -> list[Quad]:
    """The detector's line boxes alone where the engine can give them (rapidocr's `detect`), else the boxes it reads."""
    detect = getattr(engine, "detect", None)
    return detect(image) if callable(detect) else [line.quad for line in engine.read(image)]


def recognise(engine: object, crops: Sequence[np.ndarray]) -> list[tuple[str, float]] | None:
    """What the engine's recogniser alone reads in each crop (one line each, no detection), where it can read so
    (rapidocr's `recognise`); None for an engine that cannot."""
    read = getattr(engine, "recognise", None)
    return read(crops) if callable(read) else None


def release_memory(engine: object) -> None:
    """Hand back what the engine keeps between reads, where it keeps any (rapidocr on OpenVINO: `release_memory`);
    an engine without it keeps nothing worth handing back."""
    release = getattr(engine, "release_memory", None)
    if callable(release):
        release()


def load_models(engine: object) -> None:
    """Load the models an engine would load on first use (rapidocr: `load_models`), where it loads them lazily."""
    load = getattr(engine, "load_models", None)
    if callable(load):
        load()


def second_engine(engine: OcrEngine, page_engine: OcrEngine) -> OcrEngine | None:
    """The engine that reads again a region of a page `page_engine` read, where the region may be in another script
    than its page: an engine that routes by script says which (routing.ScriptRouter's `other_engine`); None for
    one that reads every region alone."""
    other = getattr(engine, "other_engine", None)
    return other(page_engine) if callable(other) else None


def fallback_reason(engine: object) -> str | None:
    """Why an engine runs on its plain fallback path instead of the backend its settings asked for (see
    rapid_ocr.py); None for an engine that has no fallback or did not need it."""
    reason = getattr(engine, "fallback", None)
    return reason if isinstance(reason, str) else None


def flag_fallback(page: Page, *engines: object) -> None:
    """One `engine-fallback` flag per cause on the page: it was read, but not on the runtime its settings asked for."""
    for reason in dict.fromkeys(r for e in engines if (r := fallback_reason(e))):
        text = f"OCR ran on ONNX Runtime (CPU) instead: {reason}"
        if not any(f.code == "engine-fallback" and f.reason == text for f in page.flags):
            page.flags.append(Flag(code="engine-fallback", severity=Severity.info, reason=text))


class EngineUnavailableError(RuntimeError):
    """An engine whose software is not installed; the message names what to install."""


class EngineTimeoutError(RuntimeError):
    """An engine that did not finish reading an image in the time its settings allow, even when retried smaller; the
    caller keeps another engine's text and flags it (see broadsheet.stages.ocr.read_tiles)."""
