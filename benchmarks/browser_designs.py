"""Articles and text conservation on pages from the independent browser designer (samples/browser), PNG vs PDF.

Each run draws `--pages / 2` designs from a fresh random seed (printed; `--seed` replays it), Chinese and English
in turn, a share of them broadsheet-size, and renders each twice: a PNG screenshot with light scan damage (OCR'd)
and a Chromium-printed PDF (read from its text layer). Every page goes through the real pipeline as a run does
it, by its library calls: `evaluation.stage_cache.read_cached` (ingest, preprocess, orientation, layout, OCR),
`evaluation.stage_cache.finish` (typing, reading order, articles, repair, QA), then `broadsheet.run.output.write_page`
and `write_manifest` into OUT/png and OUT/pdf. Reported per format, mean and worst decile:

- text conservation (`evaluation.conservation.run_conservation` on OUT): article-content characters of the
  ALTO that reach a TEI body;
- article pair F1, body CER and paragraphs whole and in order (`evaluation.generated.score_page`);

and the worst pages with their designs. `--cache DIR` keeps the rendered pages (DIR/pages) and the post-OCR page
models (DIR/ocr): a replay with the same `--seed` and `--cache` re-runs only the stages after OCR, in seconds
per page, to measure a rule change on the same pages. OCR of the PNGs is nearly all of a run's time: `--formats pdf`
runs the PDFs alone, in minutes; a smaller `--pages` with the same `--seed` runs the first designs of that run.

    python -m benchmarks.browser_designs                                  # 40 pages, a fresh seed
    python -m benchmarks.browser_designs --pages 8 --dpi 150              # a quick look
    python -m benchmarks.browser_designs --seed 421337 --cache ~/browser-cache   # replay, OCR from the cache
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from broadsheet.config import IngestConfig, Settings
from broadsheet.run.output import write_manifest, write_page
from evaluation.conservation import run_conservation
from evaluation.generated import region_errors, score_page
from evaluation.stage_cache import cached_images, finish, read_cached
from samples.browser import browser_session, render_page

RESULTS = Path(__file__).resolve().parent / "results"
FORMATS = ("png", "pdf")
HIGHER_IS_BETTER = ("conservation", "article_pair_f1", "paragraphs_matched")
LOWER_IS_BETTER = ("body_cer",)


@dataclass(frozen=True)
class PageSpec:
    name: str
    lang: str
    seed: int
    size: str


def plan(run_seed: int, designs: int, broadsheet_share: float) -> list[PageSpec]:
    """The run's designs: languages alternating, each page's own seed and size drawn from the run's seed."""
    rng = random.Random(run_seed)
    specs = []
    for k in range(designs):
        lang = ("zh", "en")[k % 2]
        size = "broadsheet" if rng.random() < broadsheet_share else "a4"
        seed = rng.randrange(10**9)
        specs.append(PageSpec(f"{lang}_{size}_{seed}", lang, seed, size))
    return specs


def render_all(specs: list[PageSpec], folder: Path, dpi: float, pdf_dpi: float) -> dict[tuple[str, str], Path]:
    """(page name, format) -> file, rendering only the pages the folder does not hold yet."""
    files: dict[tuple[str, str], Path] = {}
    missing = [s for s in specs if not all((folder / f"{s.name}.{fmt}.gt.json").exists() for fmt in FORMATS)]
    if missing:
        with browser_session() as browser:
            for spec in missing:
                render_page(spec.lang, spec.seed, folder, size=spec.size, dpi=dpi, pdf_dpi=pdf_dpi, name=spec.name,
                            browser=browser)
    for spec in specs:
        for fmt in FORMATS:
            files[spec.name, fmt] = folder / f"{spec.name}.{fmt}"
    return files


def design_summary(design: dict[str, Any]) -> str:
    """One line of what was drawn: grid, furniture, and each article's switches."""
    parts = [f"{design['size']} {design['columns']} cols" + (" unequal" if len(set(design["column_weights"])) > 1
                                                             else ""),
             f"header={design['header']}", f"rules={design['module_rules']}"]
    if design["advertisement"]:
        parts.append("ad")
    for a in design["articles"]:
        switches = [a["kind"], f"{a['module']['col1'] - a['module']['col0']}x{a['body_columns']}col"]
        switches += [f"{key}={a[key]}" for key in ("kicker", "head_rule", "figure", "pull_quote", "box", "byline",
                                                   "dateline") if a[key] not in ("none", False)]
        if a["headline_columns"] < a["body_columns"]:
            switches.append(f"head {a['headline_columns']}/{a['body_columns']}")
        switches += [flag for flag in ("framed", "jump", "column_rule") if a[flag]]
        parts.append(f"{a['id']}[{' '.join(switches)}]")
    return "; ".join(parts)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"pages": len(rows)}
    for metric in (*HIGHER_IS_BETTER, *LOWER_IS_BETTER):
        values = np.array([r[metric] for r in rows], dtype=float)
        worst = np.percentile(values, 10 if metric in HIGHER_IS_BETTER else 90)
        out[metric] = {"mean": round(float(values.mean()), 4), "worst_decile": round(float(worst), 4)}
    out["pages_fully_conserved"] = sum(r["conservation"] >= 0.9999 for r in rows)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40, help="pages in all (each design twice: PNG and PDF)")
    parser.add_argument("--seed", type=int, help="replay a run (default: a fresh random seed, printed)")
    parser.add_argument("--dpi", type=float, default=200, help="the PNG screenshots' resolution (default 200)")
    parser.add_argument("--pdf-dpi", type=int, default=IngestConfig().pdf_dpi,
                        help="ingest.pdf_dpi: PDF pages are rasterised (and their truth given) at this")
    parser.add_argument("--broadsheet-share", type=float, default=0.25, help="share of broadsheet-size designs")
    parser.add_argument("--cache", type=Path, help="keep rendered pages and post-OCR page models here")
    parser.add_argument("--out", type=Path, help="the run's OUT folder (default: a temporary one)")
    parser.add_argument("--formats", default="png,pdf", help="which outputs to run, e.g. pdf (default png,pdf)")
    parser.add_argument("--worst", type=int, default=8, help="how many of the worst pages to list")
    args = parser.parse_args(argv)
    formats = [f for f in FORMATS if f in args.formats.split(",")]
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # Chromium's CFF fonts have no FontBBox: harmless

    run_seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    print(f"seed {run_seed}  (replay: --seed {run_seed})", flush=True)
    specs = plan(run_seed, max(1, args.pages // 2), args.broadsheet_share)
    settings = Settings(ingest=IngestConfig(pdf_dpi=args.pdf_dpi))
    with tempfile.TemporaryDirectory() as scratch:
        cache = args.cache or Path(scratch) / "cache"
        out = args.out or Path(scratch) / "out"
        started = time.perf_counter()
        files = render_all(specs, cache / "pages", args.dpi, args.pdf_dpi)
        render_seconds = time.perf_counter() - started
        rows: list[dict[str, Any]] = []
        for fmt in formats:
            entries, articles, scored = [], [], []
            for spec in specs:
                path = files[spec.name, fmt]
                truth = json.loads(path.with_name(f"{path.name}.gt.json").read_text(encoding="utf-8"))
                t0 = time.perf_counter()
                read = read_cached(path, cache / "ocr", settings)[0]
                t1 = time.perf_counter()
                page = finish(read, cached_images(cache / "ocr"), settings)
                t2 = time.perf_counter()
                page, entry, written = write_page(page, out / fmt)
                entries.append(entry)
                articles.extend(written)
                scored.append((spec, page, truth, t1 - t0, t2 - t1))
            write_manifest(out / fmt, entries, articles, {})
            shares = {pid: c for c in run_conservation(out / fmt) for pid in c.page_ids}
            for spec, page, truth, read_s, later_s in scored:
                score = score_page(page, truth)
                kept = shares.get(page.id)
                errors = region_errors(page, truth["regions"])
                row = {
                    "name": spec.name, "format": fmt, "lang": spec.lang, "size": spec.size, "seed": spec.seed,
                    "page_id": page.id, "status": page.status.value,
                    "conservation": round(kept.share, 4) if kept else 0.0,
                    "lost_regions": len(kept.lost_regions) if kept else None,
                    "article_pair_f1": round(score.article_pair_f1, 4), "body_cer": round(score.body_cer, 4),
                    "paragraphs_matched": round(score.paragraphs_matched, 4),
                    "headline_cer": round(score.headline_cer, 4),
                    "region_type_accuracy": round(score.region_type_accuracy, 4),
                    "truth_articles": len(truth["articles"]), "found_articles": len(page.articles),
                    "articles": [a.model_dump() for a in score.articles],
                    "region_errors": dict(errors.most_common(8)),
                    "flags": sorted({f.code for f in page.flags}),
                    "read_seconds": round(read_s, 2), "later_seconds": round(later_s, 2),
                    "design": design_summary(truth["design"]),
                }
                rows.append(row)
                print(f"{fmt} {spec.name:28} conserved {row['conservation']:6.1%}  art F1 {row['article_pair_f1']:.2f}"
                      f"  body CER {row['body_cer']:6.1%}  paras {row['paragraphs_matched']:5.0%}"
                      f"  articles {row['found_articles']}/{row['truth_articles']}", flush=True)
    by_format = {fmt: summarise([r for r in rows if r["format"] == fmt]) for fmt in formats}
    by_format["all"] = summarise(rows)
    print(f"\n{'':5} {'pages':>5} {'conserved':>18} {'article F1':>18} {'body CER':>18} {'paragraphs':>18}")
    print(f"{'':5} {'':>5} {'mean / worst 10%':>18} {'mean / worst 10%':>18} {'mean / worst 10%':>18} "
          f"{'mean / worst 10%':>18}")
    for fmt, s in by_format.items():
        cells = [f"{s[m]['mean']:8.1%} / {s[m]['worst_decile']:6.1%}" for m in
                 ("conservation", "article_pair_f1", "body_cer", "paragraphs_matched")]
        print(f"{fmt:5} {s['pages']:5} " + " ".join(f"{c:>18}" for c in cells))
    worst = sorted(rows, key=lambda r: (r["conservation"], r["article_pair_f1"], -r["body_cer"]))[:args.worst]
    print("\nworst pages:")
    for r in worst:
        print(f"  {r['format']} {r['name']} (seed {r['seed']}): conserved {r['conservation']:.1%}, art F1 "
              f"{r['article_pair_f1']:.2f}, body CER {r['body_cer']:.1%}, articles {r['found_articles']}/"
              f"{r['truth_articles']}; errors {r['region_errors']}\n    design: {r['design']}")
    kinds = Counter()
    for r in rows:
        kinds.update(r["region_errors"])
    print("\nregion errors over all pages (truth type, or ours for extras):", dict(kinds.most_common(15)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = RESULTS / f"browser_designs{'' if len(formats) == len(FORMATS) else '_' + formats[0]}.json"
    results.write_text(json.dumps({
        "date": date.today().isoformat(), "cores": os.cpu_count(), "seed": run_seed, "dpi": args.dpi,
        "pdf_dpi": args.pdf_dpi, "render_seconds": round(render_seconds, 1), "summary": by_format, "rows": rows,
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nresults: {results}")


if __name__ == "__main__":
    main()
