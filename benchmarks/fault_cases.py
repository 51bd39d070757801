"""Every fault case of samples/broken_inputs.py through the entry path alone, timed: what happens and what it costs.

For each broken page: resolving it as an issue (listing, numbering: frame and page counting) and ingesting it (the
checks before any pixel is decoded); for each broken sidecar: loading its issue folder. The outcome is the page's
status and reason, or the issue's flag. Then `broadsheet run` over the whole corpus, loose and as issue folders,
timed end to end (start-up and the good pages' OCR included), as the fuzz test (tests/e2e/test_fuzz_inputs.py) runs it.

    python -m benchmarks.fault_cases [--seed N]        # results in benchmarks/results/fault_cases.json
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import write_results

ROOT = Path(__file__).resolve().parent.parent


def _page_outcome(path: Path) -> tuple[str, str, float]:
    from broadsheet.config import IngestConfig
    from broadsheet.ingest.issue import ingest_issue, loose_issue

    started = time.perf_counter()
    pages = ingest_issue(loose_issue([path]), IngestConfig())
    seconds = time.perf_counter() - started
    failed = [p for p in pages if p.status.value == "failed"]
    outcome = "failed" if failed else "read"
    reason = failed[0].flags[-1].reason if failed else f"{len(pages)} page(s) ingested"
    return outcome, reason, seconds


def _sidecar_outcome(folder: Path) -> tuple[str, str, float]:
    from broadsheet.ingest.issue import load_issue

    started = time.perf_counter()
    issue = load_issue(folder)
    seconds = time.perf_counter() - started
    [flag] = [f for f in issue.flags if f.code == "bad-sidecar"]
    return f"issue flag {flag.code}, {len(issue.files)} page(s) still read", flag.reason, seconds


def _timed_run(inputs: list[Path], out: Path, *options: str) -> tuple[int, float]:
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "broadsheet", "run", *map(os.fsdecode, inputs), "--out", str(out),
                           "--quiet", *options], env=env, cwd=ROOT, capture_output=True)
    return done.returncode, time.perf_counter() - started


def main() -> None:
    from samples.broken_inputs import build_corpus

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="broadsheet-faults-") as tmp:
        corpus = build_corpus(Path(tmp) / "corpus", args.seed)
        cases = []
        for case in corpus.page_cases:
            outcome, reason, seconds = _page_outcome(corpus.loose / case.path)
            cases.append({"case": case.name, "expected": "failed" if case.fails else "read", "outcome": outcome,
                          "reason": reason, "seconds": round(seconds, 3)})
        for case in corpus.sidecar_cases:
            outcome, reason, seconds = _sidecar_outcome(corpus.issues / case.path.parent)
            cases.append({"case": case.name, "expected": "flagged", "outcome": outcome, "reason": reason,
                          "seconds": round(seconds, 3)})
        for row in cases:
            print(f"{row['case']:45} {row['outcome']:10} {row['seconds']:7.3f} s  {row['reason']}")
        loose_exit, loose_seconds = _timed_run(sorted(corpus.loose.iterdir()), Path(tmp) / "out-loose",
                                               "--prefect", "never")
        issues_exit, issues_seconds = _timed_run(sorted(corpus.issues.iterdir()), Path(tmp) / "out-issues")
    runs = {"loose files, --prefect never": {"exit": loose_exit, "seconds": round(loose_seconds, 1)},
            "issue folders, Prefect flow": {"exit": issues_exit, "seconds": round(issues_seconds, 1)}}
    print(runs)
    write_results("fault_cases", {"seed": args.seed, "as_root": os.geteuid() == 0, "cases": cases, "runs": runs})


if __name__ == "__main__":
    main()
