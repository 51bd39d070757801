"""Script-aware routing: each page goes to the engine that reads its script best.

PP-OCRv6 reads CJK and modern Latin type well but blackletter badly (23% CER on the 1784 Kant
pages, against 7.7% for Tesseract's Fraktur model). Tesseract's OSD knows no Fraktur, so the
script is told from one sample of the page read by both engines:

- the default engine's reading is mostly CJK: CJK;
- otherwise, Fraktur when Tesseract's Fraktur model reads long s (ſ) in it at least once per 100
  letters. German blackletter prints ſ for every non-final s (about 3 per 100 letters on the Kant
  pages); on modern roman type the model reads at most 0.35 per 100 (Topaz Times 1944, generated
  English pages). Confidence does not separate them: the Fraktur model is less confident than
  PP-OCR on both kinds of type, so the confidences are recorded but not used;
- otherwise modern Latin.

The sample is the page's largest text tile of at most SAMPLE_WIDTH x SAMPLE_HEIGHT, so the
check costs one small read per engine. Its accuracy is measured by benchmarks/engines.py.

A page can hold more than one script. After the page's engine has read it, the OCR stage asks
`needs_second_reading` of each region and has `other_engine` read the doubtful ones; calibrated
confidence (calibration.py) makes the two engines' readings comparable.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from broadsheet.engines.base import (
    EngineLine,
    EngineTimeoutError,
    EngineUnavailableError,
    OcrEngine,
    Quad,
    fallback_reason,
    line_boxes,
    load_models,
    release_memory,
)
from broadsheet.engines.tiling import PADDING, ink_mask, tiles
from broadsheet.model.page import Flag, Page, ProcessingStep, Severity
from broadsheet.text.script import CJK_SHARE, cjk_share

log = logging.getLogger(__name__)

SAMPLE_WIDTH = 1000
SAMPLE_HEIGHT = 700
LONG_S_SHARE = 0.01
"""Long s per letter in the Fraktur reading above which the type is blackletter (German Fraktur: ~2%)."""
MIN_LETTERS = 20
"""Too little text to judge: the default engine keeps the page."""


class Script:
    cjk = "cjk"
    latin = "latin"
    fraktur = "fraktur"


@dataclass
class ScriptDecision:
    script: str
    default_confidence: float | None = None
    fraktur_confidence: float | None = None
    long_s_share: float | None = None
    timed_out: str | None = None
    """Why the blackletter engine could not read the sample in time: the page then stays with the default engine."""

    def settings(self) -> dict[str, str | float | None]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {"script": self.script, "script_default_confidence": rounded(self.default_confidence),
                "script_fraktur_confidence": rounded(self.fraktur_confidence),
                "script_long_s_share": rounded(self.long_s_share)}


def sample_tile(image: np.ndarray) -> np.ndarray:
    """The largest tile of running text: bounded, so detection costs the same on any page size."""
    candidates = []
    ink = ink_mask(image)
    for tile in tiles(image, SAMPLE_WIDTH, SAMPLE_HEIGHT, 200):
        density = float(ink[tile.top:tile.bottom, tile.left:tile.right].mean())
        if 0.02 <= density <= 0.35:  # not a blank margin, not a photo
            candidates.append(((tile.bottom - tile.top) * (tile.right - tile.left), tile))
    if not candidates:
        height, width = image.shape[:2]
        top, left = max(0, (height - SAMPLE_HEIGHT) // 2), max(0, (width - SAMPLE_WIDTH) // 2)
        crop = image[top:top + SAMPLE_HEIGHT, left:left + SAMPLE_WIDTH]
    else:
        tile = max(candidates, key=lambda item: item[0])[1]
        # A block with no blank cut comes back as one wide strip; the sample stays bounded anyway.
        crop = image[tile.top:min(tile.bottom, tile.top + SAMPLE_HEIGHT),
                     tile.left:min(tile.right, tile.left + SAMPLE_WIDTH)]
    return np.pad(crop, PADDING, constant_values=255)


class ReadText(Protocol):
    """A line as an engine read it or as the page model holds it."""

    @property
    def text(self) -> str: ...

    @property
    def confidence(self) -> float: ...


def mean_confidence(lines: Sequence[ReadText]) -> float:
    """Confidence per character: a long line weighs more than a stray mark."""
    weights = [max(len(line.text), 1) for line in lines]
    return sum(line.confidence * w for line, w in zip(lines, weights, strict=True)) / sum(weights) if lines else 0.0


def _letters(lines: list[EngineLine]) -> str:
    return "".join(c for line in lines for c in line.text if c.isalpha())


def detect_script(sample: np.ndarray, default: OcrEngine, blackletter: OcrEngine | None) -> ScriptDecision:
    """The script of a text sample; `blackletter` None skips the Fraktur check (engine not installed)."""
    default_lines = default.read(sample)
    text = "".join(line.text for line in default_lines)
    default_confidence = mean_confidence(default_lines)
    if cjk_share(text) >= CJK_SHARE:
        return ScriptDecision(Script.cjk, default_confidence)
    if len(_letters(default_lines)) < MIN_LETTERS or blackletter is None:
        return ScriptDecision(Script.latin, default_confidence)
    try:
        fraktur_lines = blackletter.read(sample)
    except EngineTimeoutError as exc:
        return ScriptDecision(Script.latin, default_confidence, timed_out=str(exc))
    fraktur_confidence = mean_confidence(fraktur_lines)
    letters = _letters(fraktur_lines)
    long_s = letters.count("ſ") / len(letters) if letters else 0.0
    fraktur = long_s >= LONG_S_SHARE
    return ScriptDecision(Script.fraktur if fraktur else Script.latin, default_confidence, fraktur_confidence, long_s)


REGION_CONFIDENT = 0.9
"""A region read with at least this calibrated confidence keeps its page's engine without a second reading."""


def needs_second_reading(text: str, calibrated_confidence: float, page_script: str) -> bool:
    """Whether a region may be in another script than its page, so that the other engine should read it too.

    CJK is only ever read by PP-OCR, and a confident reading is kept. On a Fraktur page, a region whose
    reading shows long s at the blackletter rate is Fraktur. Anything else (an antiqua heading on a Fraktur
    page, a blackletter masthead on a modern page, or text too short to tell) is read by both engines and
    the reading with the higher calibrated confidence wins.
    """
    if cjk_share(text) >= CJK_SHARE or calibrated_confidence >= REGION_CONFIDENT:
        return False
    letters = [c for c in text if c.isalpha()]
    long_s = letters.count("ſ") / len(letters) if letters else 0.0
    return not (page_script == Script.fraktur and len(letters) >= MIN_LETTERS and long_s >= LONG_S_SHARE)


class ScriptRouter:
    """The OCR stage asks it which engine reads a page (see `route_page`), and which other engine reads a
    doubtful region (`other_engine`, asked through `base.second_engine` as of any engine).

    Anything else that reads with it (the orientation check reads small samples four ways) gets
    the default engine: routing is a per-page decision, and PP-OCR is the fast reader.
    """

    def __init__(self, default: OcrEngine, blackletter: OcrEngine | None, unavailable: str | None = None,
                 checker: OcrEngine | None = None) -> None:
        self.default = default
        self.blackletter = blackletter
        self.checker = checker or blackletter
        """What reads the sample for long s: the blackletter engine, or a cheaper one that counts them alike."""
        self.unavailable = unavailable
        """Why the blackletter engine could not be built; pages then stay with the default engine, flagged."""
        self.name = default.name
        self.version = default.version
        self.model = default.model

    def read(self, image: np.ndarray) -> list[EngineLine]:
        return self.default.read(image)

    def detect(self, image: np.ndarray) -> list[Quad]:
        """Line boxes without recognition, from the default engine where it can (see orientation._line_boxes)."""
        return line_boxes(self.default, image)

    def load_models(self) -> None:
        """The default engine's models: it reads every page's script sample (see base.load_models)."""
        load_models(self.default)

    def release_memory(self) -> None:
        """Both engines hand back what they keep between reads (see base.release_memory)."""
        for engine in (self.default, self.blackletter, self.checker):
            release_memory(engine)

    @property
    def fallback(self) -> str | None:
        """The default engine's fallback (see base.fallback_reason): it reads every page's script sample."""
        return fallback_reason(self.default)

    def other_engine(self, engine: OcrEngine) -> OcrEngine | None:
        """The engine a region is read with when its page's engine may not suit it; None without a second one
        (or for a page this router did not read, such as a PDF text layer)."""
        if self.blackletter is None or not any(engine is e for e in (self.default, self.blackletter)):
            return None
        return self.default if engine is self.blackletter else self.blackletter

    def route(self, image: np.ndarray) -> tuple[OcrEngine, ScriptDecision]:
        decision = detect_script(sample_tile(image), self.default, self.checker)
        if decision.script == Script.fraktur and self.blackletter is not None:
            return self.blackletter, decision
        return self.default, decision


def build_router(default: OcrEngine, blackletter_factory: object) -> ScriptRouter:
    """A router whose missing blackletter engine degrades to the default engine instead of stopping a batch.

    The factory gives the blackletter engine and the engine that reads the script check's sample for long s
    (ScriptRoutingConfig.check_languages)."""
    try:
        blackletter, checker = blackletter_factory()  # type: ignore[operator]
    except EngineUnavailableError as exc:
        log.warning("script routing without a blackletter engine: %s", exc)
        return ScriptRouter(default, None, str(exc))
    return ScriptRouter(default, blackletter, checker=checker)


def route_page(engine: OcrEngine, page: Page, step: ProcessingStep, image: np.ndarray) -> OcrEngine:
    """The engine that reads this page; the choice goes into the OCR stage's processing step.

    The step's software and model become the engine that read the page, and its settings gain the
    detected script and the evidence, so the page JSON, the ALTO Processing and each TEI appInfo
    say which engine read the page and why.
    """
    if not isinstance(engine, ScriptRouter):
        return engine
    chosen, decision = engine.route(image)
    step.software, step.version = chosen.name, chosen.version
    step.settings.update({"routing": "script", **decision.settings(), "model": chosen.model})
    if decision.long_s_share is not None and engine.checker is not None:
        step.settings["script_check_model"] = engine.checker.model  # what counted the long s
    if decision.timed_out:
        page.flags.append(Flag(code="ocr-timeout", reason=f"script check: {decision.timed_out}; page read by "
                               f"{chosen.model}"))
    if engine.unavailable and decision.script == Script.latin:
        page.flags.append(Flag(
            code="engine-fallback", severity=Severity.info,
            reason=f"Latin page read by {chosen.name} without the blackletter check: {engine.unavailable}"))
    return chosen
