"""Repair speed: milliseconds to repair one page's text (target: at most 100 ms per page).

Usage: python benchmarks/repair_speed.py [--repeat N]

Times the repair stage alone on the seed page read as plain text (../shared/seed/, skipped if absent),
and reading + repair of every article of generated pages with injected defects. Prints the median and
worst time per page, and repair precision/recall against the defects the generator recorded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from broadsheet.config import RepairConfig, Settings
from broadsheet.ingest.readers import read_existing
from broadsheet.stages.repair import RepairStage
from broadsheet.text.normalise import corpus_statistics
from evaluation.repair_score import RepairScore, repair_article_text, score_article
from samples.generator import Defects, generate_page

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "000_0c233a0afbadcdcb.txt"


def _time_ms(stage: RepairStage, page: object, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        stage(page)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    corpus_statistics()  # built once per process; not part of a page's time
    stage = RepairStage(Settings().repair)
    print(f"repair speed, {dt.date.today().isoformat()}, Python {sys.version.split()[0]}")
    if SEED.exists():
        seed = read_existing(SEED)
        times = _time_ms(stage, seed, args.repeat)
        chars = sum(len(ln.text) for r in seed.regions for ln in r.lines)
        print(f"seed page ({chars} chars): median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms")
    score = RepairScore()
    page_times: list[float] = []
    for lang in ("zh", "en"):
        for seed_no in range(6):
            truth = generate_page(lang, "random", seed=seed_no, width=1240, height=1754, dpi=150, degrade=False,
                                  defects=Defects(splits=3, duplicates=3)).truth
            started = time.perf_counter()
            for article in truth["articles"]:
                repair_article_text(article["headline"], article["paragraphs"], RepairConfig())
            page_times.append((time.perf_counter() - started) * 1000)
            for article in truth["articles"]:
                score.add(score_article(article))
    print(f"generated pages with defects ({len(page_times)} pages, read + repair): median "
          f"{statistics.median(page_times):.1f} ms, worst {max(page_times):.1f} ms per page")
    print(f"precision {score.precision:.3f}, recall {score.recall:.3f} ({score.true_positives} found, "
          f"{score.false_positives} wrong, {score.false_negatives} missed); chars lost {score.chars_lost} "
          f"of {score.clean_chars}")


if __name__ == "__main__":
    main()
