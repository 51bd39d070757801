"""Issue #17: the detector at a smaller scale (`RapidOcrConfig.detector_scale`), the one lever that reaches 10 pages a
minute, against what it does to the text. The `speed_levers issue` pages (8 generated A4 300-dpi pages) go through
`digitise` in this process, once for each scale, with the default page workers; for each: wall and CPU seconds, pages
a minute, and body CER, article pair F1 and paragraphs against the generator's truth, page by page.

    python -m benchmarks.detector_scale                   # scales 1.0, 0.75, 0.6
    python -m benchmarks.detector_scale --scales 1.0 0.8

Results: benchmarks/results/detector_scale.json. Compare runs of one invocation only: wall time moves with the load.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.page_cpu import settings_with
from benchmarks.speed_levers import make_issue
from broadsheet.ingest.issue import load_issue
from broadsheet.run.issue import InlineTasks, digitise
from evaluation.generated import evaluate_run

RESULTS = Path(__file__).parent / "results" / "detector_scale.json"


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_at(issue: Path, out: Path, scale: float) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    settings = settings_with([f"ocr.engine.default.detector_scale={scale}"])
    started, cpu_before = time.perf_counter(), cpu_seconds()
    digitise(load_issue(issue, settings.ingest), str(out), settings, InlineTasks())
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
    score = evaluate_run(out, issue)
    return {"scale": scale, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "pages_per_minute": round(len(score.pages) * 60 / wall, 2), "body_cer": round(score.body_cer, 5),
            "article_pair_f1": round(score.article_pair_f1, 4), "paragraphs": round(score.paragraphs_matched, 4),
            "page_body_cer": [round(page.body_cer, 4) for page in score.pages]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 0.75, 0.6])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="broadsheet-detector-scale-") as folder:
        issue = make_issue(Path(folder))
        rows = []
        for scale in args.scales:
            rows.append(run_at(issue, Path(folder) / f"out-{scale}", scale))
            print(json.dumps(rows[-1]), flush=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "runs": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
