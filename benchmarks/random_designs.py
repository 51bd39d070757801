"""The pipeline on design-randomised pages: designs no rule was written for, fresh ones every run.

Each run draws a fresh seed (printed; ``--seed`` replays it) and from it N pages (zh and en
alternating) with ``samples.designs.generate_designed_page``: every design switch drawn per page.
The real pipeline reads them (ingest → OCR, kept in ``--cache`` by `evaluation.stage_cache`), the
later stages run (typing, reading order, articles, repair), and each page is written with
`broadsheet.run.output.write_page` into an OUT folder, so conservation is measured from its TEI and ALTO
as a library would see them (`evaluation.conservation`).

Reported, each as the mean and the worst decile (the 10th percentile of a score, the 90th of an
error rate): text conservation, article pair F1, body CER, paragraphs whole and in order, headline
CER, region F1, reading-order τ; the worst pages with their design switches; the mean article F1
and conservation per switch value; and the commonest failure kinds, each with an example page.
Results go to benchmarks/results/random_designs.json.

    python -m benchmarks.random_designs                        # 100 pages, fresh seed, A4 at 150 dpi
    python -m benchmarks.random_designs --pages 10 --seed 42   # replay 10 pages of seed 42
    python -m benchmarks.random_designs --seed 42              # again: OCR from the cache, later stages re-run
    python -m benchmarks.random_designs --seed 42 --cached-only  # only the pages the cache has read
    python -m benchmarks.random_designs --jobs 3 --size drawn  # OCR in 3 processes; broadsheet pages too

The cache (default .cache/random_designs/seed-<seed>-<dpi>-<size>/) keeps the generated pages and
their post-OCR page models; the OUT folder of the last run is beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from broadsheet.config import Settings
from broadsheet.ingest.readers.alto import AltoError, read_alto
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, TEXTLESS_TYPES, Page
from broadsheet.run.output import write_manifest, write_page
from evaluation.conservation import run_conservation
from evaluation.generated import region_errors, score_page
from evaluation.stage_cache import cached_images, finish, read_cached
from samples.designs import generate_designed_page, switch_values
from samples.generator import write_page as write_generated

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "random_designs"
SCORES = ("conservation", "article_pair_f1", "paragraphs_matched", "region_f1", "reading_order_tau")
ERRORS = ("body_cer", "headline_cer")
WORST = 10


def page_seeds(seed: int, count: int) -> list[tuple[str, int]]:
    """(language, page seed) of every page of a run: zh and en alternating, seeds drawn from the run's seed."""
    rng = random.Random(seed)
    return [("zh" if i % 2 == 0 else "en", rng.randrange(2**31)) for i in range(count)]


def failures(page: Page, truth: dict[str, Any], lost: list[str]) -> Counter[str]:
    """What went wrong on a page, by kind: region errors (`evaluation.generated.region_errors`), content
    regions outside every article, truth articles the run split or merged, stories lost whole."""
    kinds = Counter(region_errors(page, truth["regions"]))
    in_article = {r for a in page.articles for r in a.region_ids}
    outside = [r for r in page.regions if r.type not in OUTSIDE_ARTICLE_TYPES and r.type not in TEXTLESS_TYPES
               and r.lines and r.id not in in_article]
    for region in outside:
        kinds[f"outside_articles:{region.type.value}"] += 1
    kinds["conservation_lost_region"] += len(lost)
    difference = len(page.articles) - len(truth["articles"])
    if difference > 0:
        kinds["articles_extra"] += difference
    elif difference < 0:
        kinds["articles_missing"] += -difference
    return +kinds


def read_page(lang: str, page_seed: int, name: str, dpi: int, size: str | None, cache: Path) -> float:
    """Generate one page (unless its image is there) and read it up to OCR into the cache; the seconds reading took."""
    images = cache / "pages"
    if not (images / f"{name}.gt.json").exists():
        write_generated(generate_designed_page(lang, page_seed, dpi, size=size, name=name), images, name)
    truth = json.loads((images / f"{name}.gt.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    read_cached(images / truth["image"], cache / "ocr", Settings())
    return time.perf_counter() - started


def run(seed: int, pages: int, dpi: int, cache: Path, out: Path, size: str | None,
        jobs: int = 1, cached_only: bool = False) -> list[dict[str, Any]]:
    settings = Settings()
    images = cache / "pages"
    drawn = [(lang, page_seed, f"d{index:03d}_{lang}_{page_seed}")
             for index, (lang, page_seed) in enumerate(page_seeds(seed, pages))]
    if cached_only:
        # Page ids begin with the image's stem; the cache file name with the page id.
        drawn = [page for page in drawn if any((cache / "ocr").glob(f"{page[2]}-*.json"))]
        print(f"{len(drawn)} of {pages} pages are read already; the others are left out", flush=True)
        pages = len(drawn)
    read_seconds: dict[str, float] = {}
    if jobs > 1:
        # OCR is nearly all the time: read the pages into the cache in parallel, then finish them in order.
        with ProcessPoolExecutor(jobs) as pool:
            futures = {name: pool.submit(read_page, lang, page_seed, name, dpi, size, cache)
                       for lang, page_seed, name in drawn}
            for done, (name, future) in enumerate(futures.items(), 1):
                read_seconds[name] = future.result()
                print(f"[{done}/{pages}] read {name} in {read_seconds[name]:.1f}s", flush=True)
    rows: list[dict[str, Any]] = []
    if out.exists():
        shutil.rmtree(out)  # a previous run of this benchmark, whole or killed: its TEI must not count for this one
    out.mkdir(parents=True, exist_ok=True)
    entries, written = [], []
    finished: list[tuple[Page, dict[str, Any], str]] = []
    for index, (lang, page_seed, name) in enumerate(drawn):
        read_s = read_seconds.get(name) or read_page(lang, page_seed, name, dpi, size, cache)
        truth = json.loads((images / f"{name}.gt.json").read_text(encoding="utf-8"))
        [read] = read_cached(images / truth["image"], cache / "ocr", settings)
        started = time.perf_counter()
        page = finish(read, cached_images(cache / "ocr"), settings)
        later_s = time.perf_counter() - started
        page, entry, articles = write_page(page, out)
        entries.append(entry)
        written.extend(articles)
        finished.append((page, truth, name))
        print(f"[{index + 1}/{pages}] {name}: read {read_s:.1f}s, later stages {later_s:.2f}s", flush=True)
        rows.append({"page": name, "lang": lang, "seed": page_seed, "read_s": round(read_s, 2),
                     "later_s": round(later_s, 3)})
    # An ALTO file the pipeline's own reader refuses (coordinates off the page) is a pipeline bug: such a
    # page counts as conserving nothing, and is left out of the manifest so the other pages are measured.
    unreadable = set()
    for entry in entries:
        try:
            read_alto(out / entry.alto) if entry.alto else None
        except AltoError as exc:
            unreadable.add(entry.id)
            print(f"{entry.id}: its ALTO does not read back: {exc}", flush=True)
    write_manifest(out, [e for e in entries if e.id not in unreadable],
                   [a for a in written if not set(a.pages) & unreadable], timings={})
    conservation = {tuple(c.page_ids): c for c in run_conservation(out)}
    by_page = {pid: c for ids, c in conservation.items() for pid in ids}
    for row, (page, truth, _name) in zip(rows, finished, strict=True):
        score = score_page(page, truth)
        kept = by_page.get(page.id)
        lost = kept.lost_regions if kept else []
        if page.id in unreadable:
            lost = ["alto_unreadable"]
        row.update({
            "conservation": round(kept.share, 4) if kept else 0.0,
            **{metric: round(getattr(score, metric), 4) for metric in (*SCORES[1:], *ERRORS)},
            "articles_truth": len(truth["articles"]), "articles_found": len(page.articles),
            "failures": dict(failures(page, truth, lost)), "switches": switch_values(truth),
            "article_designs": [a.get("design", {}) for a in truth["articles"]],
        })
    return rows


def _worst_decile(values: list[float], error: bool) -> float:
    ordered = sorted(values, reverse=error)
    return round(ordered[max(0, int(len(ordered) * 0.1) - 1)] if len(ordered) >= 10 else ordered[0], 4)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    metrics = {}
    for metric in (*SCORES, *ERRORS):
        values = [r[metric] for r in rows]
        metrics[metric] = {"mean": round(statistics.fmean(values), 4),
                           "worst_decile": _worst_decile(values, metric in ERRORS)}
    per_switch: dict[str, dict[str, Any]] = defaultdict(dict)
    for switch in rows[0]["switches"]:
        for value in sorted({str(r["switches"][switch]) for r in rows}):
            members = [r for r in rows if str(r["switches"][switch]) == value]
            per_switch[switch][value] = {
                "pages": len(members),
                "article_pair_f1": round(statistics.fmean(r["article_pair_f1"] for r in members), 4),
                "conservation": round(statistics.fmean(r["conservation"] for r in members), 4),
            }
    kinds: Counter[str] = Counter()
    example: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r["article_pair_f1"]):
        for kind, count in row["failures"].items():
            kinds[kind] += count
            example.setdefault(kind, f"{row['page']} (lang {row['lang']}, seed {row['seed']})")
    worst = sorted(rows, key=lambda r: (r["article_pair_f1"], r["conservation"]))[:WORST]
    return {
        "metrics": metrics,
        "per_switch": per_switch,
        "failure_kinds": {kind: {"count": count, "pages": sum(kind in r["failures"] for r in rows),
                                 "example": example[kind]} for kind, count in kinds.most_common()},
        "worst_pages": [{key: r[key] for key in ("page", "lang", "seed", "conservation", "article_pair_f1",
                                                 "body_cer", "articles_truth", "articles_found", "failures",
                                                 "switches")} for r in worst],
        "read_s_mean": round(statistics.fmean(r["read_s"] for r in rows), 2),
        "later_s_mean": round(statistics.fmean(r["later_s"] for r in rows), 3),
    }


def print_report(seed: int, result: dict[str, Any]) -> None:
    print(f"\nseed {seed}: {len(result['rows'])} pages (replay with --seed {seed})")
    print(f"{'metric':22} {'mean':>8} {'worst 10%':>10}")
    for metric, value in result["summary"]["metrics"].items():
        print(f"{metric:22} {value['mean']:8.4f} {value['worst_decile']:10.4f}")
    print("\nworst pages:")
    for row in result["summary"]["worst_pages"]:
        top = ", ".join(f"{k}×{v}" for k, v in sorted(row["failures"].items(), key=lambda kv: -kv[1])[:5])
        switches = ", ".join(f"{k}={v}" for k, v in row["switches"].items())
        print(f"  {row['page']}: F1 {row['article_pair_f1']:.2f}, conservation {row['conservation']:.0%}, "
              f"body CER {row['body_cer']:.1%}, articles {row['articles_found']}/{row['articles_truth']}; {top}\n"
              f"      {switches}")
    print("\nper switch (pages, mean article F1, mean conservation), values below the run's mean F1 first:")
    mean_f1 = result["summary"]["metrics"]["article_pair_f1"]["mean"]
    for switch, values in result["summary"]["per_switch"].items():
        cells = "; ".join(f"{value}: {v['pages']} p, F1 {v['article_pair_f1']:.2f}, cons {v['conservation']:.0%}"
                          for value, v in sorted(values.items(), key=lambda kv: kv[1]["article_pair_f1"]))
        flag = "*" if min(v["article_pair_f1"] for v in values.values()) < mean_f1 - 0.05 else " "
        print(f" {flag}{switch:18} {cells}")
    print("\nfailure kinds (count, pages, example):")
    for kind, value in list(result["summary"]["failure_kinds"].items())[:25]:
        print(f"  {kind:42} {value['count']:5} {value['pages']:4}  {value['example']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, help="replay a run (default: a fresh random seed, printed)")
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--size", choices=["a4", "broadsheet", "drawn"], default="a4",
                        help="page size (default a4, practical on 2 cores; drawn: A4 or broadsheet as the design drew)")
    parser.add_argument("--jobs", type=int, default=1, help="pages read (OCR) in parallel processes")
    parser.add_argument("--cached-only", action="store_true",
                        help="only the pages of this seed the cache has read already (no OCR at all)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="pages and their OCR are kept here; a re-run only repeats the later stages")
    parser.add_argument("--out", type=Path, help="OUT folder of the run (default: <cache>/out-<seed>)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    print(f"seed {seed}", flush=True)
    out = args.out or args.cache / f"out-{seed}-{args.dpi}-{args.size}"
    started = time.perf_counter()
    size = None if args.size == "drawn" else args.size
    rows = run(seed, args.pages, args.dpi, args.cache / f"seed-{seed}-{args.dpi}-{args.size}", out, size, args.jobs,
               args.cached_only)
    result = {"date": date.today().isoformat(), "seed": seed, "pages": len(rows), "dpi": args.dpi, "size": args.size,
              "cores": os.cpu_count(), "wall_s": round(time.perf_counter() - started, 1), "out": str(out),
              "summary": summary(rows), "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "random_designs.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                                 encoding="utf-8")
    print_report(seed, result)


if __name__ == "__main__":
    main()
