"""Pages per minute on a GPU machine, and the share of each page's time spent outside model inference.

Needs `pip install '.[gpu]'` (onnxruntime-gpu; then `pip uninstall onnxruntime`, whose CPU build shadows it) on a
machine with an NVIDIA GPU. rapidocr then runs on ONNX Runtime's CUDA execution provider (RapidOcrConfig.backend
"cuda"; "auto" picks it where the provider is present). Every page of an issue runs through the page stages in this
process, the models loaded once beforehand, so the figure is the steady rate of a long run; the first page is
reported apart (CUDA kernels compile and the arena grows on first use). On a machine without the CUDA provider it
says so and stops: CI never needs a GPU.

    python -m benchmarks.gpu_throughput                       # 8 generated A4 300-dpi pages
    python -m benchmarks.gpu_throughput --pages 16 --backend cuda
    python -m benchmarks.gpu_throughput --backend openvino    # the same figures on the CPU, for the ratio
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "gpu_throughput.json"


def run(pages: int, backend: str) -> dict[str, object]:
    from benchmarks.pipeline_speed import TimedEngine
    from broadsheet.config import OcrConfig, RapidOcrConfig, Settings
    from broadsheet.engines.rapid_ocr import RapidOcrEngine, onnxruntime_providers
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.output import write_page
    from broadsheet.run.page import build_stages, process_page, warm_up
    from broadsheet.stages.layout import Layout
    from broadsheet.stages.ocr import Ocr
    from broadsheet.stages.working_images import WorkingImages
    from samples.generator import generate_page
    from samples.generator import write_page as write_image

    if backend == "cuda" and "CUDAExecutionProvider" not in onnxruntime_providers():
        sys.exit(f"no CUDA execution provider (ONNX Runtime offers {onnxruntime_providers()}): "
                 "pip install 'broadsheet[gpu]' (here: pip install '.[gpu]') on a machine with an NVIDIA GPU")
    settings = Settings(ocr=OcrConfig(engine=RapidOcrConfig(backend=backend)))  # type: ignore[arg-type]
    engine = RapidOcrEngine(settings.ocr.engine)  # type: ignore[arg-type]
    if engine.backend != backend:
        sys.exit(f"rapidocr could not run on {backend}: {engine.fallback}")
    warm_up(settings)
    folder = Path(tempfile.mkdtemp(prefix="broadsheet-gpu-"))
    images = [write_image(generate_page("zh" if k % 2 else "en", "random", seed=200 + k, degrade="light"),
                          folder, f"page_{k:02d}") for k in range(1, pages + 1)]
    per_page = []
    for image in images:
        stages = build_stages(settings, WorkingImages(folder / ".work"))
        clocks = []
        for stage in stages:
            if isinstance(stage, Ocr):
                stage.engine = TimedEngine(engine, "read")  # type: ignore[assignment]
                clocks.append(stage.engine)
            elif isinstance(stage, Layout):
                stage.engine = TimedEngine(stage.engine, "detect")  # type: ignore[assignment]
                clocks.append(stage.engine)
        started = time.perf_counter()
        [page] = ingest_file(image)
        page = process_page(page, stages, settings)
        write_page(page, folder / "out")
        seconds = time.perf_counter() - started
        per_page.append({"seconds": round(seconds, 3), "inference_seconds": round(sum(c.seconds for c in clocks), 3),
                         "status": str(page.status)})
    steady = per_page[1:] or per_page
    total = sum(p["seconds"] for p in steady)
    inference = sum(p["inference_seconds"] for p in steady)
    return {"date": date.today().isoformat(), "backend": backend, "cpus": os.cpu_count(), "pages": pages,
            "first_page_s": per_page[0]["seconds"], "pages_per_minute": round(60 * len(steady) / total, 2),
            "share_outside_inference": round(1 - inference / total, 3), "per_page": per_page}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--backend", choices=("cuda", "openvino", "onnxruntime"), default="cuda")
    args = parser.parse_args()
    result = run(args.pages, args.backend)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_page"}, indent=1))


if __name__ == "__main__":
    main()
