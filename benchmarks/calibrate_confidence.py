"""Fit each engine's confidence calibration (broadsheet/engines/calibration.py) and measure it.

Each engine reads pages with ground truth the way the OCR stage does (tiles, native
resolution): small generated Chinese and English pages (150 dpi, light damage, seeds 21-22) and
the two Kant 1784 Fraktur pages. Each line read is paired with its accuracy, 1 - CER against
the stretch of its truth region it aligns with best (whitespace ignored, ſ kept, aͤ read as ä);
a line in no truth region has accuracy 0. Per engine, an isotonic (pool-adjacent-violators)
fit of accuracy on raw confidence, weighted by line length, gives the map; its knots are
written to broadsheet/engines/confidence_calibration.json.

Calibration error (ECE): lines binned by confidence in ten equal bins; the line-weighted mean
of |mean confidence - mean accuracy| per bin. "Before" uses raw confidence; "after" is
cross-fitted (the map fitted on the other half of the pages), so it is not measured on the
lines it was fitted to.

    python -m benchmarks.calibrate_confidence   # writes the map and benchmarks/results/confidence_calibration.*
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import partial_ratio_alignment

from benchmarks.engines import RESULTS, BenchPage, TruthRegion, gray, kant_pages, normalise, read
from broadsheet.atomic import write_bytes_atomic
from broadsheet.engines.base import EngineLine, OcrEngine
from broadsheet.engines.calibration import CALIBRATION_FILE
from broadsheet.model.geometry import Polygon

ECE_BINS = 10
MAX_KNOTS = 24


@dataclass(frozen=True)
class Observation:
    page: str
    confidence: float
    accuracy: float
    weight: int


def calibration_pages(folder: Path) -> list[BenchPage]:
    from samples.generator import generate_page, write_page

    pages = []
    for language, seed in (("zh", 21), ("zh", 22), ("en", 21), ("en", 22)):
        page = generate_page(language, "random", seed=seed, width=1240, height=1754, dpi=150, degrade="light")
        path = write_page(page, folder, f"{language}_{seed}")
        truth = json.loads(path.with_name(f"{path.stem}.gt.json").read_text(encoding="utf-8"))
        regions = tuple(TruthRegion(Polygon.from_points([tuple(p) for p in r["polygon"]]), r["text"])
                        for r in truth["regions"] if r.get("text"))
        pages.append(BenchPage(path.stem, f"generated-{language}", "cjk" if language == "zh" else "latin",
                               path, regions))
    return pages + kant_pages()


def line_accuracy(line: EngineLine, regions: tuple[TruthRegion, ...]) -> float:
    """1 - CER of a line against the stretch of truth it aligns with best; 0 for a line in no truth region."""
    text = normalise(line.text, False)
    x, y = Polygon.from_points(line.quad).center
    region = next((r for r in regions if r.polygon.bounds[0] <= x <= r.polygon.bounds[2]
                   and r.polygon.bounds[1] <= y <= r.polygon.bounds[3]), None)
    if region is None:
        return 0.0
    truth = normalise(region.text, False)
    alignment = partial_ratio_alignment(text, truth)
    if alignment is None:
        return 0.0
    stretch = truth[alignment.dest_start:alignment.dest_end]
    return max(0.0, 1.0 - Levenshtein.distance(text, stretch) / max(len(text), len(stretch), 1))


def isotonic(confidence: np.ndarray, accuracy: np.ndarray, weight: np.ndarray) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: the non-decreasing step fit, returned as knots (block mean confidence, value)."""
    order = np.argsort(confidence, kind="stable")
    blocks: list[list[float]] = []  # [weighted value sum, weight, weighted confidence sum]
    for i in order:
        blocks.append([accuracy[i] * weight[i], weight[i], confidence[i] * weight[i]])
        # Equal neighbours are pooled too, so every knot is a step up.
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            value, mass, position = blocks.pop()
            blocks[-1][0] += value
            blocks[-1][1] += mass
            blocks[-1][2] += position
    while len(blocks) > MAX_KNOTS:  # pool the two lightest neighbours: a small table, still monotone
        lightest = min(range(len(blocks) - 1), key=lambda k: blocks[k][1] + blocks[k + 1][1])
        value, mass, position = blocks.pop(lightest + 1)
        blocks[lightest][0] += value
        blocks[lightest][1] += mass
        blocks[lightest][2] += position
    raw = [round(b[2] / b[1], 4) for b in blocks]
    calibrated = [round(b[0] / b[1], 4) for b in blocks]
    return raw, calibrated


def ece(predicted: np.ndarray, accuracy: np.ndarray) -> float:
    bins = np.minimum((predicted * ECE_BINS).astype(int), ECE_BINS - 1)
    total = 0.0
    for b in range(ECE_BINS):
        inside = bins == b
        if inside.any():
            total += inside.sum() / len(predicted) * abs(predicted[inside].mean() - accuracy[inside].mean())
    return float(total)


def engines_for(page: BenchPage) -> dict[str, Callable[[], OcrEngine]]:
    from broadsheet.config import PaddleOcrConfig, RapidOcrConfig, ScriptRoutingConfig, TesseractConfig
    from broadsheet.engines import ocr_engine

    tesseract = {"cjk": TesseractConfig(languages="chi_sim+eng"), "latin": TesseractConfig(languages="eng"),
                 "fraktur": ScriptRoutingConfig().blackletter}[page.script]
    return {"rapidocr": lambda: ocr_engine(RapidOcrConfig()), "paddleocr": lambda: ocr_engine(PaddleOcrConfig()),
            "tesseract": lambda: ocr_engine(tesseract)}


def observe(pages: list[BenchPage]) -> dict[str, list[Observation]]:
    observations: dict[str, list[Observation]] = {}
    for page in pages:
        assert page.regions is not None
        image = gray(page.image)
        for name, factory in engines_for(page).items():
            lines, seconds = read(factory(), image)
            for line in lines:
                length = len(normalise(line.text, False))
                if length:
                    observations.setdefault(name, []).append(Observation(
                        page.name, line.confidence, line_accuracy(line, page.regions), length))
            print(json.dumps({"page": page.name, "engine": name, "lines": len(lines), "seconds": round(seconds, 1)}),
                  flush=True)
    return observations


def _arrays(rows: list[Observation]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([r.confidence for r in rows]), np.array([r.accuracy for r in rows]),
            np.array([r.weight for r in rows], dtype=float))


def measure(observations: dict[str, list[Observation]]) -> tuple[dict[str, object], dict[str, object]]:
    knots: dict[str, object] = {}
    report: dict[str, object] = {}
    for engine, rows in observations.items():
        confidence, accuracy, weight = _arrays(rows)
        raw, calibrated = isotonic(confidence, accuracy, weight)
        knots[engine] = {"raw": raw, "calibrated": calibrated}
        page_names = sorted({r.page for r in rows})
        folds = [set(page_names[0::2]), set(page_names[1::2])]
        cross_fitted = np.empty_like(confidence)
        for held_out in folds:
            fit_rows = [r for r in rows if r.page not in held_out]
            fit_raw, fit_calibrated = isotonic(*_arrays(fit_rows))
            mask = np.array([r.page in held_out for r in rows])
            cross_fitted[mask] = np.interp(confidence[mask], fit_raw, fit_calibrated)
        kant = np.array([r.page.startswith("kant") for r in rows])
        report[engine] = {"lines": len(rows), "mean_accuracy": round(float(accuracy.mean()), 4),
                          "mean_raw_confidence": round(float(confidence.mean()), 4),
                          "ece_raw": round(ece(confidence, accuracy), 4),
                          "ece_calibrated_cross_fitted": round(ece(cross_fitted, accuracy), 4),
                          "ece_calibrated_in_sample": round(ece(np.interp(confidence, raw, calibrated), accuracy), 4),
                          "kant_lines": int(kant.sum()),
                          "kant_ece_raw": round(ece(confidence[kant], accuracy[kant]), 4),
                          "kant_ece_calibrated_cross_fitted": round(ece(cross_fitted[kant], accuracy[kant]), 4)}
    return knots, report


def markdown(report: dict[str, object]) -> str:
    out = [f"Measured {report['date']} on {report['machine']}. Pages: {', '.join(report['pages'])}.", "",  # type: ignore[arg-type]
           "| engine | lines | mean accuracy (1 − CER) | mean raw confidence | ECE raw | ECE calibrated (cross-fitted) "
           "| ECE calibrated (in sample) | Kant lines: ECE raw → calibrated (cross-fitted) |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for engine, row in report["engines"].items():  # type: ignore[union-attr]
        out.append(f"| {engine} | {row['lines']} | {row['mean_accuracy']:.3f} | {row['mean_raw_confidence']:.3f} "
                   f"| {row['ece_raw']:.3f} | {row['ece_calibrated_cross_fitted']:.3f} "
                   f"| {row['ece_calibrated_in_sample']:.3f} "
                   f"| {row['kant_ece_raw']:.3f} → {row['kant_ece_calibrated_cross_fitted']:.3f} "
                   f"({row['kant_lines']}) |")
    return "\n".join(out) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pages = calibration_pages(Path(folder))
        observations = observe(pages)
    knots, engines = measure(observations)
    stamp = date.today().isoformat()
    # Package data read by every run: never leave it half-written.
    write_bytes_atomic(CALIBRATION_FILE, (json.dumps(
        {"fitted": stamp, "by": "benchmarks/calibrate_confidence.py", "target": "1 - line CER",
         "engines": knots}, indent=1) + "\n").encode("utf-8"))
    report = {"date": stamp, "machine": f"{os.cpu_count()} cores", "pages": [p.name for p in pages],
              "engines": engines,
              "observations": {engine: [[r.page, round(r.confidence, 4), round(r.accuracy, 4), r.weight] for r in rows]
                               for engine, rows in observations.items()}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "confidence_calibration.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (RESULTS / "confidence_calibration.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
