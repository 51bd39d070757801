"""Existing OCR into article TEI, no OCR: the real NDNP batch (../shared/real/ndnp_batch_test/).

    python -m benchmarks.existing_ocr                    # the whole batch, as `broadsheet run BATCH_DIR` runs it
    python -m benchmarks.existing_ocr --out OUT          # keep the run in OUT

Per page: the ALTO Strings of the source, their characters against the bodies of the page's TEI articles
(conservation to TEI), and against the TEI plus what is accounted for outside articles (page furniture and
advertisements kept in our ALTO, text repair removed on purpose: a line read twice, a line-end hyphen).

Time, as the user waits for it: `broadsheet run BATCH_DIR --out OUT --quiet`, a process of its own, start-up, TEI
and ALTO validation included, with its pages in one process (`--jobs 1`) and with the default (one process per
core), in turn, best of `--repeats` each; its CPU time (the run's and its page processes'), which other work on a
shared machine does not inflate; and the baseline measured in the same run: this process parsing the source ALTO
only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from broadsheet.config import Settings
from broadsheet.ingest.readers.alto import read_alto
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, Page
from broadsheet.run.ndnp import digitise_batch
from broadsheet.text.xmlsafe import parse_xml
from evaluation.conservation import REMOVED_BY_REPAIR, characters

ROOT = Path(__file__).resolve().parent.parent
NDNP = ROOT.parent / "shared" / "real" / "ndnp_batch_test"
RESULTS = Path(__file__).resolve().parent / "results"
TEI = "{http://www.tei-c.org/ns/1.0}"


def _tei_characters(paths: list[Path]) -> Counter[str]:
    bag: Counter[str] = Counter()
    for path in paths:
        body = parse_xml(path.read_bytes()).find(f".//{TEI}text/{TEI}body")
        if body is not None:
            bag.update(characters("".join(body.itertext())))
    return bag


def page_rows(out: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for manifest_path in sorted(out.glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        issue_dir = manifest_path.parent
        for entry in manifest["pages"]:
            source = read_alto(Path(entry["source"]))  # the archive's own ALTO, units as they are
            strings = sum(1 for r in source.regions for line in r.lines for _ in line.words)
            alto_chars = characters("".join(r.text for r in source.regions))
            articles = [a for a in manifest["articles"] if entry["id"] in a["pages"]]
            tei = _tei_characters([issue_dir / a["tei"] for a in articles])
            page = Page.model_validate_json((issue_dir / entry["model"]).read_bytes())
            outside = characters("".join(r.text for r in page.regions if r.type in OUTSIDE_ARTICLE_TYPES))
            removed: Counter[str] = Counter()
            for repair in page.repairs:
                if repair.kind in REMOVED_BY_REPAIR:
                    removed.update(characters(repair.before) - characters(repair.after))
            total = sum(alto_chars.values())
            rows.append({
                "issue": manifest["issue"]["id"], "page": Path(entry["source"]).name,
                "printed_page": page.page_number, "unit": entry["unit"], "status": entry["status"],
                "alto_strings": strings, "alto_characters": total, "articles": len(articles),
                "conservation_to_tei": round(sum((alto_chars & tei).values()) / total, 4) if total else 1.0,
                "conservation_accounted": round(sum((alto_chars & (tei + outside + removed)).values()) / total, 4)
                if total else 1.0,
            })
    return rows


_TIMED = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
wall = time.perf_counter() - started
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, used.ru_utime + used.ru_stime, used.ru_maxrss / 1024)
"""
"""Runs a command and prints its wall and CPU seconds and the peak memory (MB) of its largest process: the children
of a process of its own, so that no earlier run's peak counts (ru_maxrss is the largest child's ever waited for)."""


def timed_cli_run(jobs: int | None) -> tuple[float, float, float]:
    """Wall and CPU seconds (user + system, the run's and its page processes') of one whole `broadsheet run` of the
    batch, and the peak resident memory of its largest process (MB); `jobs`: its --jobs (None: the default)."""
    with tempfile.TemporaryDirectory(prefix="broadsheet-ndnp-cli-") as folder:
        command = [sys.executable, "-m", "broadsheet", "run", str(NDNP), "--out", folder, "--quiet",
                   *(["--jobs", str(jobs)] if jobs else [])]
        done = subprocess.run([sys.executable, "-c", _TIMED, *command], check=True, capture_output=True, text=True)
    wall, cpu, rss = map(float, done.stdout.split())
    return wall, cpu, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="where the run goes, kept")
    parser.add_argument("--repeats", type=int, default=2, help="CLI runs of each kind, the best kept (default 2)")
    args = parser.parse_args()
    if not NDNP.is_dir():
        raise SystemExit(f"the NDNP batch is not at {NDNP}")
    with tempfile.TemporaryDirectory(prefix="broadsheet-ndnp-") as folder:
        out = args.out or Path(folder)
        results, flags = digitise_batch(NDNP, out, Settings())
        rows = page_rows(out)
    runs: dict[str, list[tuple[float, float, float]]] = {"one process": [], "one per core": []}
    for _ in range(args.repeats):  # in turn, so that a slow spell of a shared machine falls on both
        runs["one process"].append(timed_cli_run(1))
        runs["one per core"].append(timed_cli_run(None))
    started, cpu_started = time.perf_counter(), time.process_time()
    for row in rows:
        read_alto(next(NDNP.rglob(f"{row['issue'].split('_')[0]}/*/*/{row['page']}")))
    parse_seconds, parse_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    pages = len(rows)
    timing = {}
    for kind, measured in runs.items():
        wall, cpu, _ = min(measured)
        timing[kind] = {"wall_seconds": round(wall, 2), "pages_per_minute": round(60 * pages / wall, 1),
                        "wall_against_parsing_alto_only": round(wall / parse_seconds, 1),
                        "cpu_seconds_per_page": round(cpu / pages, 2),
                        "cpu_against_parsing_alto_only": round(cpu / parse_cpu_seconds, 1),
                        "peak_process_mb": round(max(rss for _, _, rss in measured))}
    summary = {
        "date": date.today().isoformat(), "cores": len(os.sched_getaffinity(0)), "issues": len(results),
        "pages": pages, "failed_pages": sum(r.failed for r in results), "batch_flags": [f.reason for f in flags],
        "articles": sum(r.articles for r in results),
        "articles_per_page": round(sum(r.articles for r in results) / pages, 1) if pages else 0,
        "min_conservation_to_tei": min(float(r["conservation_to_tei"]) for r in rows),
        "min_conservation_accounted": min(float(r["conservation_accounted"]) for r in rows),
        "parsing_alto_only_seconds": round(parse_seconds, 3), "cli_runs": timing,
        "speed_up_one_per_core": round(timing["one process"]["wall_seconds"]
                                       / timing["one per core"]["wall_seconds"], 2),
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "existing_ocr.json").write_text(json.dumps(summary, indent=1))
    print("| issue | page | printed | unit | ALTO strings | articles | to TEI | accounted |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['issue']} | {r['page']} | {r['printed_page']} | {r['unit']} | {r['alto_strings']} | "
              f"{r['articles']} | {r['conservation_to_tei']:.4f} | {r['conservation_accounted']:.4f} |")
    print({k: v for k, v in summary.items() if k != "rows"})


if __name__ == "__main__":
    main()
