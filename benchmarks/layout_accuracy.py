"""Accuracy of layout, reading order and articles on generated pages of every layout preset.

Each preset is rendered in Chinese and English with seeded scan damage (skew, noise, blur,
JPEG), run through the whole pipeline, and scored with `broadsheet eval`'s metrics.

    python -m benchmarks.layout_accuracy                 # every preset, zh and en
    python -m benchmarks.layout_accuracy --presets roundtable feature --langs zh
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from pipeline.config import Settings
from pipeline.evaluate import PageScore, evaluate_run
from pipeline.output import write_page
from pipeline.process import build_stages, process_page
from pipeline.stages.ingest import ingest_file
from samples.generator import generate_page
from samples.generator import write_page as write_generated
from samples.layouts import PRESETS

RESULTS = Path(__file__).resolve().parent / "results"
METRICS = ("body_cer", "headline_cer", "paragraphs_matched", "region_type_accuracy", "region_f1",
           "article_pair_f1", "reading_order_tau")


def run(presets: list[str], langs: list[str], seed: int) -> list[dict[str, object]]:
    settings = Settings()
    rows = []
    with tempfile.TemporaryDirectory(prefix="broadsheet-layout-") as folder:
        pages_dir, out = Path(folder) / "pages", Path(folder) / "out"
        stages = build_stages(settings, out / ".work")
        for preset in presets:
            if preset == "broadsheet":
                continue  # the broadsheet preset needs a broadsheet-size page; benchmarks.pipeline_speed covers it
            for lang in langs:
                name = f"{lang}_{preset}"
                image = write_generated(generate_page(lang, preset, seed=seed, degrade=True), pages_dir, name)
                [page] = ingest_file(image)
                write_page(process_page(page, stages, settings), out)
                score: PageScore = evaluate_run(out, pages_dir / f"{name}.gt.json").pages[0]
                rows.append({"page": name, "layout": preset, "lang": lang,
                             **{metric: round(getattr(score, metric), 4) for metric in METRICS}})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    parser.add_argument("--langs", nargs="+", default=["zh", "en"])
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    rows = run(args.presets, args.langs, args.seed)
    means = {metric: round(sum(r[metric] for r in rows) / len(rows), 4) for metric in METRICS}  # type: ignore[misc]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "layout_accuracy.json").write_text(json.dumps(
        {"date": date.today().isoformat(), "cores": os.cpu_count(), "rows": rows, "mean": means}, indent=1))
    print("\n| page | body CER | headline CER | paragraphs | region types | region F1 | article F1 | order τ |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in [*rows, {"page": "**mean**", **means}]:
        print(f"| {r['page']} | {r['body_cer']:.2%} | {r['headline_cer']:.2%} | {r['paragraphs_matched']:.0%} | "
              f"{r['region_type_accuracy']:.0%} | {r['region_f1']:.2f} | {r['article_pair_f1']:.2f} | "
              f"{r['reading_order_tau']:.2f} |")


if __name__ == "__main__":
    main()
