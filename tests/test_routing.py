"""Script routing on real pages: Fraktur goes to Tesseract Fraktur, CJK and modern Latin stay with PP-OCR."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.config import RapidOcrConfig, ScriptRoutingConfig, TesseractConfig
from pipeline.engines import ocr_engine
from pipeline.engines.base import EngineUnavailableError
from pipeline.engines.routing import Script, ScriptRouter, build_router, detect_script, route_page
from pipeline.evaluate import cer
from pipeline.model import Page, ProcessingStep
from tests.conftest import BUNDLED, SHARED

KANT = SHARED / "real" / "kant_aufklaerung_1784" / "data"
needs_kant = pytest.mark.skipif(not KANT.exists(), reason=f"the real Kant pages are not here: {KANT} is absent")


def _gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image.convert("L"))


@pytest.fixture(scope="module")
def router() -> ScriptRouter:
    engine = ocr_engine(ScriptRoutingConfig())
    assert isinstance(engine, ScriptRouter) and engine.blackletter is not None
    return engine


@pytest.fixture(scope="module")
def kant_paragraph() -> tuple[np.ndarray, str]:
    """The first paragraph of page 17 (about 12 lines) and its hand-corrected text."""
    from benchmarks.engines import read_page_xml

    regions = read_page_xml(KANT / "OCR-D-GT-PAGE" / "PAGE_0017_PAGE.xml")
    region = max(regions, key=lambda r: len(r.text))
    x0, y0, x1, y1 = (int(v) for v in region.polygon.bounds)
    crop = _gray(KANT / "OCR-D-IMG" / "INPUT_0017.tif")[y0:y1, x0:x1]
    return np.pad(crop, 16, constant_values=255), region.text


def _bundled_crop(name: str) -> np.ndarray:
    truth = json.loads((BUNDLED / f"{name}.gt.json").read_text(encoding="utf-8"))
    region = max((r for r in truth["regions"] if r["type"] == "body"), key=lambda r: len(r["text"]))
    x0, y0, x1, y1 = region["box"]
    return np.pad(_gray(BUNDLED / f"{name}.jpg")[y0:y1, x0:x1], 16, constant_values=255)


@needs_kant
def test_fraktur_is_detected_read_by_tesseract_fraktur_and_recorded(
        router: ScriptRouter, kant_paragraph: tuple[np.ndarray, str]) -> None:
    from benchmarks.engines import normalise

    image, truth = kant_paragraph
    page = Page(id="p", source="kant.tif", sha256="0" * 64, width=10, height=10)
    step = ProcessingStep(stage="ocr", software=router.name, version=router.version, settings={"model": router.model})
    engine = route_page(router, page, step, image)
    assert engine.name == step.software == "tesseract" and engine.model == "tesseract-Fraktur"
    assert step.settings["script"] == "fraktur" and step.settings["model"] == "tesseract-Fraktur"
    assert step.settings["routing"] == "script" and float(step.settings["script_long_s_share"] or 0) >= 0.01
    lines = sorted(engine.read(image), key=lambda line: line.quad[0][1])
    assert cer(normalise("".join(line.text for line in lines), False), normalise(truth, False)) <= 0.08
    for line in lines:
        assert 0.0 <= line.confidence <= 1.0


@pytest.mark.parametrize(("name", "script"), [("zh_two_articles", Script.cjk), ("en_two_articles", Script.latin)])
def test_cjk_and_modern_latin_stay_with_pp_ocr(router: ScriptRouter, name: str, script: str) -> None:
    engine, decision = router.route(_bundled_crop(name))
    assert decision.script == script
    assert engine is router.default and engine.name == "rapidocr"


def test_a_missing_blackletter_engine_falls_back_with_a_flag() -> None:
    def missing() -> None:
        raise EngineUnavailableError("apt-get install tesseract-ocr-script-frak")

    router = build_router(ocr_engine(RapidOcrConfig()), missing)
    assert router.blackletter is None
    page = Page(id="p", source="en.jpg", sha256="0" * 64, width=10, height=10)
    step = ProcessingStep(stage="ocr", software=router.name, version=router.version)
    engine = route_page(router, page, step, _bundled_crop("en_two_articles"))
    assert engine is router.default
    assert [f.code for f in page.flags] == ["engine-fallback"]
    assert "tesseract-ocr-script-frak" in page.flags[0].reason


def test_a_missing_fraktur_model_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.engines import tesseract

    monkeypatch.setattr(tesseract, "_installed_languages", lambda: {"eng"})
    with pytest.raises(EngineUnavailableError, match="tesseract-ocr-script-frak"):
        tesseract.TesseractEngine(TesseractConfig(languages="Fraktur"))


def test_detector_reads_little_text_as_the_default_script(router: ScriptRouter) -> None:
    blank = np.full((200, 400), 255, np.uint8)
    assert detect_script(blank, router.default, router.blackletter).script == Script.latin
