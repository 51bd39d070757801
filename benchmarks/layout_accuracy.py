"""Region F1, region-type accuracy and layout time on every sample set.

Sets, each run through the whole pipeline and scored with `broadsheet eval`'s metrics:

- ``generated``: every A4 layout preset in Chinese and English with seeded scan damage (skew,
  noise, blur, JPEG);
- ``bundled``: the pages shipped in samples/pages/;
- ``kant``, ``topaz``: the real pages in ../shared/real/ with region ground truth, mapped to our
  types by `evaluation.real_truth` (skipped with a message where that folder is absent).

Region F1 counts every truth region against our regions at IoU >= 0.5 with the same type. The
Kant ground truth draws no printed rules, so our separators are set aside there. Topaz clippings
are one box per article, so only its masthead, running headers and section clippings are regions;
its article zones are scored by containment (share of our text regions inside them typed as
article content). Each row also says where F1 was lost (`evaluation.generated.region_errors`).

Layout time is the layout stage plus newspaper typing, read from each page's processing steps;
the baseline is the bare layout-model call on the same page in the same run.

    python -m benchmarks.layout_accuracy                         # every set
    python -m benchmarks.layout_accuracy --sets generated --presets roundtable --langs zh
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from broadsheet.config import Settings
from broadsheet.engines import layout_engine
from broadsheet.ingest.files import ingest_file, load_gray
from broadsheet.model.page import Page, RegionType
from broadsheet.run.page import build_stages, process_page
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import region_errors, score_page
from evaluation.real_truth import kant_truth, topaz_truth, zone_agreement
from samples.generator import PAGES_DIR, generate_page
from samples.generator import write_page as write_generated
from samples.layouts import PRESETS

RESULTS = Path(__file__).resolve().parent / "results"
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real"
KANT = REAL / "kant_aufklaerung_1784" / "data"
TOPAZ = REAL / "topaz_times_1944"
SETS = ("generated", "bundled", "kant", "topaz")
METRICS = ("region_f1", "region_type_accuracy", "region_precision", "region_recall", "body_cer", "headline_cer",
           "paragraphs_matched", "article_pair_f1", "reading_order_tau")


def pages_of(sets: list[str], presets: list[str], langs: list[str], seed: int,
             folder: Path) -> Iterator[tuple[str, str, Path, dict[str, Any]]]:
    """(set, page name, image, truth) for every page of the chosen sets."""
    if "generated" in sets:
        for preset in presets:
            if preset == "broadsheet":
                continue  # a broadsheet-size page; benchmarks.pipeline_speed covers it
            for lang in langs:
                name = f"{lang}_{preset}"
                image = write_generated(generate_page(lang, preset, seed=seed, degrade=True), folder, name)
                yield "generated", name, image, json.loads((folder / f"{name}.gt.json").read_text(encoding="utf-8"))
    if "bundled" in sets:
        for truth_path in sorted(PAGES_DIR.glob("*.gt.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            yield "bundled", truth_path.name.removesuffix(".gt.json"), PAGES_DIR / truth["image"], truth
    if ("kant" in sets or "topaz" in sets) and not REAL.is_dir():
        print(f"real pages skipped: {REAL} is absent", flush=True)
        return
    if "kant" in sets:
        for page_xml in sorted((KANT / "OCR-D-GT-PAGE").glob("*.xml")):
            truth = kant_truth(page_xml)
            yield "kant", page_xml.stem, KANT / "OCR-D-IMG" / truth["image"], truth
    if "topaz" in sets:
        for image in sorted((TOPAZ / "pages" / "images").glob("*.tif")):
            yield "topaz", image.stem, image, {}


def score(kind: str, page: Page, truth: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if kind == "topaz":
        truth, zones = topaz_truth(TOPAZ, Path(page.source).stem, page.height)
        inside_right, inside = zone_agreement(page, zones)
        row["article_zone_agreement"] = round(inside_right / inside, 4) if inside else None
    if kind == "kant":
        # The PAGE ground truth draws no printed rules: ours would all count as false positives.
        page = page.model_copy(update={"regions": [r for r in page.regions if r.type != RegionType.separator]})
    scores = score_page(page, truth)
    row.update({metric: round(getattr(scores, metric), 4) for metric in METRICS})
    row["errors"] = dict(sorted(region_errors(page, truth["regions"]).items()))
    return row


def run(sets: list[str], presets: list[str], langs: list[str], seed: int) -> list[dict[str, Any]]:
    settings = Settings()
    model = layout_engine(settings.layout)
    rows = []
    with tempfile.TemporaryDirectory(prefix="broadsheet-layout-") as work:
        folder = Path(work)
        stages = build_stages(settings, WorkingImages(folder / ".work"))
        for kind, name, image, truth in pages_of(sets, presets, langs, seed, folder / "pages"):
            [page] = ingest_file(image)
            started = time.perf_counter()
            model.detect(load_gray(page))
            model_seconds = time.perf_counter() - started
            page = process_page(page, stages, settings)
            seconds = {step.stage: step.seconds for step in page.steps}
            layout_seconds = seconds.get("layout", 0.0) + seconds.get("newspaper-types", 0.0)
            rows.append({"set": kind, "page": name, **score(kind, page, truth),
                         "layout_s": round(layout_seconds, 3), "model_s": round(model_seconds, 3)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per set: mean metrics, layout seconds and their ratio to the bare model, and the errors summed."""
    result = {}
    for kind in dict.fromkeys(r["set"] for r in rows):
        members = [r for r in rows if r["set"] == kind]
        means = {m: round(sum(r[m] for r in members) / len(members), 4) for m in (
            "region_f1", "region_type_accuracy", "body_cer", "paragraphs_matched", "article_pair_f1", "layout_s",
            "model_s")}
        errors: Counter[str] = Counter()
        for r in members:
            errors.update(r["errors"])
        result[kind] = {"pages": len(members), **means, "layout_ratio": round(means["layout_s"] / means["model_s"], 2),
                        "errors": dict(errors.most_common())}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    parser.add_argument("--langs", nargs="+", default=["zh", "en"])
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    rows = run(args.sets, args.presets, args.langs, args.seed)
    sets = summary(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "layout_accuracy.json").write_text(json.dumps(
        {"date": date.today().isoformat(), "cores": os.cpu_count(), "rows": rows, "sets": sets}, indent=1))
    print("\n| set | page | region F1 | region types | layout s | model s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['set']} | {r['page']} | {r['region_f1']:.2f} | {r['region_type_accuracy']:.0%} | "
              f"{r['layout_s']:.2f} | {r['model_s']:.2f} |")
    for kind, s in sets.items():
        print(f"| **{kind}** | mean of {s['pages']} | **{s['region_f1']:.2f}** | {s['region_type_accuracy']:.0%} | "
              f"{s['layout_s']:.2f} | {s['model_s']:.2f} ({s['layout_ratio']}×) |")
    for kind, s in sets.items():
        print(f"{kind}: {s['errors']}")


if __name__ == "__main__":
    main()
