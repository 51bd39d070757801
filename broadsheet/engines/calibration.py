"""One confidence scale for every engine: raw engine confidence mapped to expected line accuracy.

PP-OCR's score is a mean per-character probability and sits near 0.95 even on lines it gets
wrong; Tesseract's word confidence runs lower on lines it reads right. So a QA threshold on raw
values would mean something different for each engine. `benchmarks/calibrate_confidence.py`
reads pages with ground truth with each engine and fits, per engine, a monotone (isotonic)
map from raw line confidence to 1 - line CER. The knots ship as `confidence_calibration.json`;
between knots the map is linear, outside them it is clamped. An engine without a fitted map
keeps its raw value.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

CALIBRATION_FILE = Path(__file__).with_name("confidence_calibration.json")


@cache
def _knots(path: Path = CALIBRATION_FILE) -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    if not path.exists():
        return {}
    table = json.loads(path.read_text(encoding="utf-8"))["engines"]
    return {engine: (tuple(entry["raw"]), tuple(entry["calibrated"])) for engine, entry in table.items()}


def calibrated(engine: str, raw: float) -> float:
    """`raw` confidence of `engine` (the adapter's `name`) on the shared 0-1 scale of expected line accuracy."""
    knots = _knots().get(engine)
    if knots is None:
        return raw
    return float(np.interp(raw, knots[0], knots[1]))
