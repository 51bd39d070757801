"""Throughput of the digitise-issue flow on an 8-page issue: pages per minute on a Dask LocalCluster of 1 and of 2
workers (one thread each), and a cached re-run's time as a share of the first run's.

Pages are generated A4 Chinese pages at 150 dpi (1240×1754 px, light scan damage), seeds 1-8. Each run's time is
the whole flow's wall time, worker start-up and model loading included, so it is what an archivist waits for.

    python -m benchmarks.issue_throughput
    python -m benchmarks.issue_throughput --pages 4 --workers 1 2 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# Every run starts fresh Dask workers, which fingerprint the source anew: pinned, so that an edit to the tree during
# the benchmark cannot turn the cached re-run into a first run.
os.environ.setdefault("BROADSHEET_CODE_VERSION", f"benchmark-{time.time_ns()}")

RESULTS = Path(__file__).resolve().parent / "results"
PAGE_SIZE = (1240, 1754)
DPI = 150


def make_issue(folder: Path, pages: int) -> Path:
    from samples.generator import generate_page, write_page

    issue = folder / "benchmark-times_2026-11-26"
    for number in range(1, pages + 1):
        page = generate_page("zh", "random", seed=number, width=PAGE_SIZE[0], height=PAGE_SIZE[1], dpi=DPI,
                             degrade="light")
        write_page(page, issue, f"page_{number:02d}")
    return issue


def timed_run(issue_folder: Path, out: Path, workers: int) -> tuple[float, object]:
    from distributed import LocalCluster

    from broadsheet.apps.flows.digitise import dask_task_runner, digitise_issue
    from broadsheet.ingest.issue import load_issue

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
        started = time.perf_counter()
        summary = digitise_issue.with_options(task_runner=dask_task_runner(cluster.scheduler_address))(
            load_issue(issue_folder), str(out))
        return time.perf_counter() - started, summary


def run(pages: int, worker_counts: list[int]) -> dict[str, object]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="broadsheet-throughput-") as folder:
        issue = make_issue(Path(folder), pages)
        for workers in worker_counts:
            out = Path(folder) / f"out-{workers}"
            seconds, summary = timed_run(issue, out, workers)
            cached_seconds, cached = timed_run(issue, out, workers)
            rows.append({"workers": workers, "pages": summary.pages, "failed": summary.failed,
                         "seconds": round(seconds, 1), "pages_per_minute": round(60 * summary.pages / seconds, 2),
                         "cached_seconds": round(cached_seconds, 1), "cached_pages": cached.from_cache,
                         "cached_ratio": round(cached_seconds / seconds, 3)})
            print(json.dumps(rows[-1]), flush=True)
    return {"date": date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "page_size": f"{PAGE_SIZE[0]}x{PAGE_SIZE[1]} px, {DPI} dpi", "rows": rows}


def markdown(result: dict[str, object]) -> str:
    lines = ["| Dask workers | pages | pages/min | first run s | cached re-run s | cached / first |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in result["rows"]:  # type: ignore[union-attr]
        lines.append(f"| {row['workers']} | {row['pages']} | {row['pages_per_minute']} | {row['seconds']} | "
                     f"{row['cached_seconds']} | {row['cached_ratio']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    result = run(args.pages, args.workers)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "issue_throughput.json").write_text(json.dumps(result, indent=1) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
