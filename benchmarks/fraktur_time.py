"""Issue #20's time target: the reading stages on a Fraktur page against Tesseract `Fraktur` alone on it, interleaved.

For each repetition and page, in turn: the reading stages (preprocess, orientation, layout, OCR) as a run does them,
then Tesseract alone on the page as a user runs it (`tesseract PAGE - -l Fraktur --psm 3`, OpenMP's threads), then
Tesseract alone held to one thread (`OMP_THREAD_LIMIT=1`, as broadsheet's own Tesseract processes run). Each is
timed in wall seconds and in CPU seconds (this process and the Tesseract processes it waited for; OpenMP threads that
wait spinning count). The models are loaded before the first repetition (`broadsheet.run.page.warm_up`), so no
figure carries their loading. Also timed alone, on the page's working image: the script check (`routing.route`:
the sample read by PP-OCR and by Tesseract's Fraktur model), which a page read by Tesseract alone does not need.

On a shared machine wall time moves with the load; compare the ratios of one repetition (measured side by side),
and CPU seconds, which move less.

    python -m benchmarks.fraktur_time                       # Kant 0017 and NZZ 1780, 2 repetitions
    python -m benchmarks.fraktur_time --pages PAGE_0017_PAGE nzz_19430929_0_0_a1_p1_1 --repeats 3

Results go to benchmarks/results/fraktur_time.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.real_pages import RESULTS, cpu_seconds, run_tesseract_alone
from broadsheet.config import Settings
from broadsheet.engines import ocr_engine
from broadsheet.engines.routing import ScriptRouter
from broadsheet.ingest.files import ingest_file
from broadsheet.run.page import run_stage, warm_up
from broadsheet.stages.working_images import WorkingImages
from evaluation.real_sets import real_pages
from evaluation.stage_cache import reading_stages

DEFAULT_PAGES = ("PAGE_0017_PAGE", "nzz_17800719_0_0_a1_p1_1")


def timed(run: Any) -> tuple[Any, float, float]:
    """What `run()` returns, its wall seconds and its CPU seconds."""
    started, cpu_before = time.perf_counter(), cpu_seconds()
    result = run()
    return result, time.perf_counter() - started, cpu_seconds() - cpu_before


def reading(source: Path, settings: Settings, images: WorkingImages) -> dict[str, Any]:
    """The reading stages on the page: wall and CPU seconds, each stage's seconds, and the script check alone."""
    [page] = ingest_file(source, settings.ingest)
    stages = reading_stages(settings, images)

    def run() -> Any:
        read = page
        for stage in stages:
            read = run_stage(stage, read)
        return read

    read, wall, cpu = timed(run)
    router = ocr_engine(settings.ocr.engine)
    check_s = check_cpu_s = None
    if isinstance(router, ScriptRouter):
        _, check_s, check_cpu_s = timed(lambda: router.route(images.read(read)))
    ocr = read.steps[-1]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "stages_s": {step.stage: round(step.seconds, 2) for step in read.steps},
            "script_check_s": None if check_s is None else round(check_s, 2),
            "script_check_cpu_s": None if check_cpu_s is None else round(check_cpu_s, 2),
            "model": ocr.settings.get("model"), "regions_read_twice": ocr.settings.get("regions_read_twice")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", nargs="+", default=list(DEFAULT_PAGES), help="page names (evaluation.real_sets)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path(".cache") / "fraktur_time",
                        help="where the working images go")
    args = parser.parse_args()
    settings = Settings()
    pages = [page for page in real_pages(["kant", "nzz"]) if page.name in args.pages]
    images = WorkingImages(args.work)
    warm_up(settings)
    rows: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        for page in pages:
            ours = reading(page.source, settings, images)
            _, alone_s, alone_cpu_s = run_tesseract_alone(page.source)
            _, one_s, one_cpu_s = run_tesseract_alone(page.source, threads=1)
            row = {"page": page.name, "repeat": repeat, "reading": ours,
                   "tesseract_s": round(alone_s, 2), "tesseract_cpu_s": round(alone_cpu_s, 2),
                   "tesseract_one_thread_s": round(one_s, 2), "tesseract_one_thread_cpu_s": round(one_cpu_s, 2),
                   "ratio_wall": round(ours["wall_s"] / alone_s, 2), "ratio_cpu": round(ours["cpu_s"] / alone_cpu_s, 2),
                   "ratio_wall_one_thread": round(ours["wall_s"] / one_s, 2),
                   "ratio_cpu_one_thread": round(ours["cpu_s"] / one_cpu_s, 2)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {page.name: {key: round(statistics.median(r[key] for r in rows if r["page"] == page.name), 2)
                           for key in ("ratio_wall", "ratio_cpu", "ratio_wall_one_thread", "ratio_cpu_one_thread")}
               for page in pages}
    print(json.dumps(summary, indent=1))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fraktur_time.json").write_text(json.dumps(
        {"date": date.today().isoformat(), "repeats": args.repeats, "summary": summary, "rows": rows},
        indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
