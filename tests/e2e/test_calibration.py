"""Confidence calibration: every engine's confidence on one scale (broadsheet/engines/calibration.py)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from benchmarks.calibrate_confidence import ece, isotonic, line_accuracy
from broadsheet.engines.calibration import CALIBRATION_FILE, calibrated
from tests.conftest import BUNDLED


def test_every_engine_ships_a_monotone_map() -> None:
    table = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["engines"]
    assert set(table) == {"rapidocr", "paddleocr", "tesseract"}
    for engine, knots in table.items():
        raw, mapped = knots["raw"], knots["calibrated"]
        assert len(raw) == len(mapped) >= 2, engine
        assert all(a <= b for a, b in pairwise(raw)) and all(a <= b for a, b in pairwise(mapped)), engine
        assert mapped[0] >= 0.0 and mapped[-1] <= 1.0, engine
    # The reason for calibrating: one raw value means different accuracy for different engines.
    assert abs(calibrated("rapidocr", 0.9) - calibrated("tesseract", 0.9)) > 0.02
    assert calibrated("plain-text", 0.42) == 0.42  # no map: the value is kept


def test_isotonic_fit_is_monotone_and_removes_overconfidence() -> None:
    rng = np.random.default_rng(7)
    raw = rng.uniform(0.8, 1.0, 2000)
    accuracy = np.clip(1.0 - 3.0 * (1.0 - raw) + rng.normal(0, 0.02, raw.size), 0, 1)  # claims more than it reads
    knots = isotonic(raw, accuracy, np.ones_like(raw))
    assert all(a <= b for a, b in pairwise(knots[1]))
    assert ece(raw, accuracy) > 0.15
    assert ece(np.interp(raw, *knots), accuracy) < 0.02


@pytest.mark.slow
def test_the_ocr_stage_keeps_raw_and_calibrated_confidence(bundled_run: tuple[Path, object]) -> None:
    """On the bundled pages (not used for fitting), calibrated confidence tracks line accuracy."""
    from benchmarks.engines import generated_pages
    from broadsheet.engines.base import EngineLine
    from broadsheet.model.page import Page

    out, _ = bundled_run
    truth = {page.image.name: page.regions for page in generated_pages()}
    assert truth and all(path.parent == BUNDLED for path in (p.image for p in generated_pages()))
    predicted, accuracy = [], []
    for path in sorted((out / "pages").glob("*.json")):
        page = Page.model_validate_json(path.read_text(encoding="utf-8"))
        regions = truth[Path(page.source).name]
        assert regions is not None
        for line in (line for region in page.regions for line in region.lines):
            assert line.raw_confidence is not None
            assert line.confidence == pytest.approx(calibrated(line.engine, line.raw_confidence), abs=1e-3)
            predicted.append(line.confidence)
            accuracy.append(line_accuracy(EngineLine(line.text, line.confidence, line.polygon.points, ()), regions))
    assert len(predicted) > 200
    assert ece(np.array(predicted), np.array(accuracy)) <= 0.05


@pytest.mark.slow
def test_each_tei_header_records_the_region_routing(bundled_run: tuple[Path, object]) -> None:
    from broadsheet.text.xmlsafe import parse_xml

    out, _ = bundled_run
    tei_files = sorted((out / "tei").glob("*.xml"))
    assert tei_files
    for path in tei_files:
        ns = {"t": "http://www.tei-c.org/ns/1.0"}
        descriptions = [" ".join(d.itertext()) for d in parse_xml(path.read_bytes()).iterfind(
            ".//t:appInfo/t:application/t:desc", ns)]
        ocr = [d for d in descriptions if d.startswith("stage: ocr")]
        assert len(ocr) == 1, path.name
        # The bundled pages are Chinese and modern English: every region stays with PP-OCR.
        assert "script=" in ocr[0] and "regions_rerouted=none" in ocr[0], ocr[0]
