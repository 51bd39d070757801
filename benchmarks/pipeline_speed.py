"""Time per page, peak memory and inference share: the whole pipeline against the raw engine.

Each measurement runs in a fresh subprocess, so peak RSS is that run's alone. The baseline
(rapidocr's own page call with its 2000 px limit lifted, i.e. native resolution) runs on the
same page in the same benchmark run, and results are reported as ratios to it, because these
2-core machines are noisy.

    python -m benchmarks.pipeline_speed            # bundled A4 pages + a generated broadsheet page
    python -m benchmarks.pipeline_speed --a4-only  # skip the broadsheet page
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


class TimedEngine:
    """Wraps an engine and counts the seconds spent inside it: the model-inference share."""

    def __init__(self, engine: object, method: str) -> None:
        self._engine = engine
        self._method = method
        self.seconds = 0.0
        for name in ("name", "version", "model"):
            setattr(self, name, getattr(engine, name))

    def _timed(self, image: np.ndarray) -> object:
        started = time.perf_counter()
        try:
            return getattr(self._engine, self._method)(image)
        finally:
            self.seconds += time.perf_counter() - started

    def read(self, image: np.ndarray) -> object:
        return self._timed(image)

    def detect(self, image: np.ndarray) -> object:
        return self._timed(image)


def measure_pipeline(image: Path, out_dir: Path) -> dict[str, float]:
    from broadsheet.config import Settings
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.output import write_page
    from broadsheet.run.page import build_stages, process_page
    from broadsheet.serialise.validate import preload
    from broadsheet.stages.layout import Layout
    from broadsheet.stages.ocr import Ocr
    from broadsheet.stages.working_images import WorkingImages

    settings = Settings()
    # One-time process costs (model loading, compiling tei_all) are reported apart from the per-page time.
    loading = time.perf_counter()
    stages = build_stages(settings, WorkingImages(out_dir / ".work"))
    load_seconds = time.perf_counter() - loading
    schema_seconds = sum(preload(("broadsheet-rng", "broadsheet-sch", "alto-4.4")).values())
    timed: dict[str, TimedEngine] = {}
    for stage in stages:
        if isinstance(stage, Ocr | Layout):
            timed[stage.name] = stage.engine = TimedEngine(stage.engine, "read" if isinstance(stage, Ocr)  # type: ignore[assignment]
                                                           else "detect")
    started = time.perf_counter()
    [page] = ingest_file(image)
    page = process_page(page, stages, settings)
    write_page(page, out_dir)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "inference_seconds": sum(t.seconds for t in timed.values()),
            "layout_seconds": timed["layout"].seconds, "model_load_seconds": load_seconds,
            "schema_compile_seconds": schema_seconds,
            "lines": sum(len(r.lines) for r in page.regions)}


def measure_raw(image: Path) -> dict[str, float]:
    import cv2
    from rapidocr import RapidOCR

    from broadsheet.config import RapidOcrConfig
    from broadsheet.engines.rapid_ocr import RapidOcrEngine, rapidocr_params, wheel_models

    # The same runtime the pipeline chooses (OpenVINO where it loads), so the ratio compares like with like.
    backend = RapidOcrEngine(RapidOcrConfig()).backend
    engine = RapidOCR(params=rapidocr_params(RapidOcrConfig(), backend, wheel_models()))
    started = time.perf_counter()
    result = engine(cv2.imread(str(image)), use_cls=False, return_word_box=True)
    return {"seconds": time.perf_counter() - started, "lines": len(result.txts or ())}


def _child(mode: str, image: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and read back its JSON line."""
    command = [sys.executable, "-m", "benchmarks.pipeline_speed", "--child", mode, str(image)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def benchmark_pages(a4_only: bool) -> list[tuple[str, Path]]:
    pages = [(p.stem, p) for p in sorted((ROOT / "samples" / "pages").glob("*.jpg"))]
    if not a4_only:
        from samples.generator import generate_page, write_page

        folder = Path(tempfile.mkdtemp(prefix="broadsheet-bench-"))
        broadsheet = generate_page(lang="zh", layout="random", seed=11, width=5100, height=8200, dpi=340)
        pages.append(("broadsheet_5100x8200", write_page(broadsheet, folder, "broadsheet")))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "IMAGE"), help=argparse.SUPPRESS)
    parser.add_argument("--a4-only", action="store_true", help="skip the broadsheet-size page")
    args = parser.parse_args()
    if args.child:
        mode, image = args.child[0], Path(args.child[1])
        with tempfile.TemporaryDirectory() as out:
            result = measure_pipeline(image, Path(out)) if mode == "pipeline" else measure_raw(image)
        result["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(result))
        return
    rows = []
    for name, image in benchmark_pages(args.a4_only):
        raw = _child("raw", image)
        full = _child("pipeline", image)
        rows.append({
            "page": name, "pipeline_s": round(full["seconds"], 2), "raw_engine_s": round(raw["seconds"], 2),
            "ratio": round(full["seconds"] / raw["seconds"], 2),
            "inference_share": round(full["inference_seconds"] / full["seconds"], 3),
            "layout_s": round(full["layout_seconds"], 2),
            "startup_s": round(full["model_load_seconds"] + full["schema_compile_seconds"], 1),
            "pipeline_peak_rss_mb": round(full["peak_rss_mb"]), "raw_peak_rss_mb": round(raw["peak_rss_mb"]),
            "pipeline_lines": full["lines"], "raw_lines": raw["lines"],
        })
        print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"date": date.today().isoformat(), "cores": os.cpu_count(), "rows": rows}
    (RESULTS / "pipeline_speed.json").write_text(json.dumps(report, indent=1))
    print("\n| page | pipeline s | raw engine s | ratio | inference share | layout s | peak RSS MB (pipeline / raw) |"
          " one-time startup s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['page']} | {r['pipeline_s']} | {r['raw_engine_s']} | {r['ratio']}× | "
              f"{r['inference_share']:.0%} | {r['layout_s']} | {r['pipeline_peak_rss_mb']} / {r['raw_peak_rss_mb']} | "
              f"{r['startup_s']} |")


if __name__ == "__main__":
    main()
