"""The stages after OCR on generated pages read perfectly: typing, reading order, articles and jumps alone.

Each page is built from its ground truth as if OCR and the layout model had read it without error
(`evaluation.truth_pages`), so what this measures is the typing and article rules, on many designs,
in seconds: text conservation (every region of article text in exactly one article), article pair
F1 and region-type accuracy, as mean and 10th percentile. The jumps stage runs too, as in a run: a
block that is only a jump line ("Continued on page 6") joins its article there. A fresh seed each
run (printed; `--seed` replays it).

    python -m benchmarks.article_logic --pages 200
    python -m benchmarks.article_logic --seed 1234 --worst 10
    python -m benchmarks.article_logic --designed --pages 60   # design-randomised pages (samples.designs)
    python -m benchmarks.article_logic --designed --ink        # typing also sees the rendered page's ink

Without `--ink` typing has no image, as for existing OCR without its page image: stroke weight is not
measured, so a bold headline set near body size is judged by its other cues alone. With it, typing
measures weight on the rendered page, as a run from images does.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import mean, quantiles
from typing import Any

import numpy as np

from broadsheet.config import Settings
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, Page
from broadsheet.run.page import run_stage
from broadsheet.stages.articles import Articles
from broadsheet.stages.jumps import Jumps
from broadsheet.stages.reading_order import ReadingOrder
from broadsheet.stages.typing import NewspaperTypes
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import score_page
from evaluation.truth_pages import page_from_truth
from samples.designs import generate_designed_page
from samples.generator import generate_page

RESULTS = Path(__file__).resolve().parent / "results"


def conserved(page: Page) -> float:
    """Share of article-content characters whose region is in exactly one article."""
    claimed = [rid for article in page.articles for rid in article.region_ids]
    content = [r for r in page.regions if r.lines and r.type not in OUTSIDE_ARTICLE_TYPES]
    total = sum(len(r.text) for r in content)
    kept = sum(len(r.text) for r in content if claimed.count(r.id) == 1)
    return kept / total if total else 1.0


def p10(values: list[float]) -> float:
    return quantiles(values, n=10)[0] if len(values) >= 2 else values[0]


def designed_truth(lang: str, layout: str, *, seed: int, degrade: bool) -> Any:
    """A design-randomised page in `generate_page`'s calling shape (its layout is drawn with the design)."""
    return generate_designed_page(lang, seed, degrade=degrade)


def run(pages: int, seed: int, generate: Any = generate_page, ink: bool = False) -> list[dict[str, Any]]:
    """Each page's scores; `ink`: typing measures stroke weight on the rendered page."""
    settings = Settings()
    with tempfile.TemporaryDirectory() as work:
        images = WorkingImages(Path(work)) if ink else None
        stages = [NewspaperTypes(settings.typing, images), ReadingOrder(), Articles(settings.articles), Jumps()]
        rng = random.Random(seed)
        return [_score(number, ("zh", "en")[number % 2], rng.randrange(10**6), generate, stages, images)
                for number in range(pages)]


def _score(number: int, lang: str, page_seed: int, generate: Any, stages: list[Any],
           images: WorkingImages | None) -> dict[str, Any]:
    generated = generate(lang, "random", seed=page_seed, degrade=False)
    truth = generated.truth
    page = page_from_truth(truth, f"p{number}")
    if images is not None:
        images.write(page, np.asarray(generated.image.convert("L")))
    started = time.perf_counter()
    for stage in stages:
        page = run_stage(stage, page)
    if images is not None:
        images.discard(page.id)
    score = score_page(page, truth)
    return {"lang": lang, "seed": page_seed, "layout": truth["layout"], "design": truth.get("design", {}),
            "conservation": round(conserved(page), 4), "article_pair_f1": round(score.article_pair_f1, 4),
            "region_type_accuracy": round(score.region_type_accuracy, 4),
            "seconds": round(time.perf_counter() - started, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None, help="replay a run (default: a fresh seed)")
    parser.add_argument("--worst", type=int, default=5, help="list this many worst pages")
    parser.add_argument("--designed", action="store_true",
                        help="design-randomised pages (samples.designs) instead of the preset generator")
    parser.add_argument("--ink", action="store_true", help="typing measures stroke weight on the rendered page")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    print(f"seed {seed}", flush=True)
    rows = run(args.pages, seed, designed_truth if args.designed else generate_page, args.ink)
    metrics = ("conservation", "article_pair_f1", "region_type_accuracy", "seconds")
    summary = {m: {"mean": round(mean(r[m] for r in rows), 4), "p10": round(p10([r[m] for r in rows]), 4)}
               for m in metrics}
    print("| metric | mean | 10th percentile |\n| --- | --- | --- |")
    for metric, values in summary.items():
        print(f"| {metric} | {values['mean']:.4f} | {values['p10']:.4f} |")
    for row in sorted(rows, key=lambda r: (r["conservation"], r["article_pair_f1"]))[:args.worst]:
        print(f"worst: {row['lang']} seed {row['seed']} {row['layout']}: conservation {row['conservation']}, "
              f"F1 {row['article_pair_f1']}, types {row['region_type_accuracy']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = ("article_logic_designed" if args.designed else "article_logic") + ("_ink" if args.ink else "") + ".json"
    (RESULTS / name).write_text(json.dumps(
        {"date": date.today().isoformat(), "seed": seed, "pages": args.pages, "ink": args.ink, "summary": summary,
         "rows": rows},
        indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
