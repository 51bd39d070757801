"""Vertical Chinese (issue #18): the ECPO folds of 晶報 (1939), read by broadsheet and by two baselines.

Each fold (one scan, two pages side by side and a strip between them) is read by the whole pipeline: ingest splits
it (broadsheet/ingest/folds.py), every piece goes through every stage and is written to TEI and ALTO as a run
writes it. Against the fold's ECPO text truth (`evaluation.real_sets.read_ecpo`; it has no coordinates):

- **articles found**: a truth article is found when one of our articles' TEI text is within CER 0.3 of it
  (dinglehopper, whitespace removed; one to one, best first): found / truth articles;
- **matched CER**: the mean CER of the found articles;
- **τ**: Kendall τ of the found articles' order against the truth's, per page (pages with two or more found);
- **region F1**: our article, advertisement and figure regions against the human polygons (IoU ≥ 0.5, one to one),
  by label;
- **s / page**: the pipeline's seconds per piece (OCR answered from the cache: see below).

Baselines in the same run: **rapidocr alone** (PP-OCRv6 small on the whole fold at native resolution, its lines
sorted into columns right to left: `evaluation.vertical.columns_right_to_left`) and **Tesseract `chi_tra_vert`**
(`--psm 3`, whole fold) where Tesseract and that model are installed. A baseline has no articles: each truth
article is looked for in its text as the best-matching window of the article's length (`best_window_cer`), which
favours the baselines.

OCR is most of the time, so the engines' readings are cached by their pixels (`evaluation.engine_cache`, in
`--cache`, default .cache/vertical/): the stages around OCR can change and be measured again in seconds.

    python -m benchmarks.vertical_pages                 # every fold; the cache fills on the first run
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from broadsheet.config import IngestConfig, RapidOcrConfig, Settings
from broadsheet.engines import layout_engine, ocr_engine
from broadsheet.ingest.files import ingest_file, load_gray
from broadsheet.model.page import Page
from broadsheet.run.output import ManifestArticle, ManifestPage, write_manifest, write_page
from broadsheet.run.page import finalise, run_stage
from broadsheet.stages.layout import Layout
from broadsheet.stages.ocr import Ocr
from broadsheet.stages.orientation import Orientation
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.working_images import WorkingImages
from evaluation.conservation import run_conservation
from evaluation.engine_cache import CachedEngine
from evaluation.real_scores import tei_text
from evaluation.stage_cache import later_stages
from evaluation.vertical import (
    FOUND_CER,
    TruthArticle,
    best_window,
    columns_right_to_left,
    flat,
    match_within_cer,
    order_tau,
    our_regions,
    region_counts,
    truth_articles,
    truth_regions,
    window_taus,
)

ROOT = Path(__file__).resolve().parent.parent
ECPO = ROOT.parent / "shared" / "real" / "ecpo_jingbao_1939-04-21"
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CACHE = ROOT / ".cache" / "vertical"
TESSERACT_MODEL = "chi_tra_vert"


def folds(root: Path = ECPO) -> list[str]:
    return sorted(path.stem for path in (root / "images").glob("*.jpg"))


def read_fold(image: Path, engine: CachedEngine, settings: Settings, images: WorkingImages) -> list[tuple[Page, float]]:
    """Every piece of the fold after every stage, with the seconds its stages took."""
    stages = [Preprocess(settings.preprocess, images), Orientation(engine, images),  # type: ignore[arg-type]
              Layout(layout_engine(settings.layout), settings.layout, images),
              Ocr(engine, settings.ocr, images), *later_stages(settings, images)]  # type: ignore[arg-type]
    read = []
    for page in ingest_file(image, settings.ingest):
        started = time.perf_counter()
        for stage in stages:
            page = run_stage(stage, page)
        read.append((finalise(page, settings.ocr.low_confidence, settings.qa), time.perf_counter() - started))
    return read


def _recorded(path: Path, make: Any) -> dict[str, Any]:
    """A baseline's reading, kept in the cache: its text and the seconds it took when it was made."""
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    text = make()
    record = {"text": text, "seconds": round(time.perf_counter() - started, 1)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return record


def rapidocr_alone(image: Path, engine: CachedEngine, cache: Path) -> dict[str, Any]:
    """PP-OCRv6 on the whole fold at native resolution, its lines in columns right to left."""
    def make() -> str:
        gray = load_gray(ingest_file(image, IngestConfig(split_folds=False))[0])
        return "\n".join(line.text for line in columns_right_to_left(engine.read(gray)))
    return _recorded(cache / "baselines" / f"{image.stem}.rapidocr.json", make)


def tesseract_missing() -> str | None:
    """Why Tesseract `chi_tra_vert` cannot run here; None when it can."""
    if shutil.which("tesseract") is None:
        return "tesseract is not installed"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    return None if TESSERACT_MODEL in langs else f"no {TESSERACT_MODEL} model (Debian tesseract-ocr-chi-tra-vert)"


def tesseract_alone(image: Path, cache: Path) -> dict[str, Any]:
    def make() -> str:
        return subprocess.run(["tesseract", str(image), "-", "-l", TESSERACT_MODEL, "--psm", "3"],
                              capture_output=True, text=True, check=True).stdout
    return _recorded(cache / "baselines" / f"{image.stem}.tesseract.json", make)


def _times(cache: Path) -> dict[str, float]:
    path = cache / "times.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _windows(prefix: str, truth: list[TruthArticle], text: str) -> dict[str, list[float]]:
    windows = [best_window(article.text, text) for article in truth]
    return {f"{prefix}window_cers": [round(c, 4) for c, _ in windows],
            f"{prefix}window_taus": [round(t, 4) for t in window_taus(truth, windows)]}


def score_fold(name: str, pages: list[Page], out: Path, articles: dict[str, list[ManifestArticle]],
               baselines: dict[str, str]) -> dict[str, Any]:
    truth = truth_articles(ECPO / "derived" / f"text_{name}.json")
    truth_texts = [a.text for a in truth]
    ours, our_page, our_position = [], [], []
    for page_index, page in enumerate(pages):
        for position, article in enumerate(articles.get(page.id, [])):
            ours.append(flat(tei_text(out / article.tei)))
            our_page.append(page_index)
            our_position.append(position)
    matches = match_within_cer(truth_texts, ours)
    row: dict[str, Any] = {
        "truth_articles": len(truth), "our_articles": len(ours), "found": len(matches),
        "matched_cers": [round(m.cer, 4) for m in matches],
        "taus": order_tau(matches, truth, our_page, our_position),
        **_windows("", truth, "".join(ours)),
        "regions": region_counts(truth_regions(ECPO / "derived" / f"regions_{name}.json"), our_regions(pages)),
    }
    for baseline, text in baselines.items():
        row.update(_windows(f"{baseline}_", truth, flat(text)))
    return row


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def summary(rows: dict[str, dict[str, Any]], baselines: list[str]) -> dict[str, Any]:
    everything = list(rows.values())
    truth = sum(r["truth_articles"] for r in everything)
    total: dict[str, Any] = {
        "truth_articles": truth, "found": sum(r["found"] for r in everything),
        "found_share": round(sum(r["found"] for r in everything) / truth, 4),
        "matched_cer": _mean([c for r in everything for c in r["matched_cers"]]),
        "tau": _mean([t for r in everything for t in r["taus"]]),
        "window_found": sum(c <= FOUND_CER for r in everything for c in r["window_cers"]),
        "window_cer_of_found": _mean([c for r in everything for c in r["window_cers"] if c <= FOUND_CER]),
        "window_cer_all": _mean([min(1.0, c) for r in everything for c in r["window_cers"]]),
        "window_tau": _mean([t for r in everything for t in r["window_taus"]]),
    }
    regions: dict[str, list[int]] = {}
    for r in everything:
        for label, counts in r["regions"].items():
            regions[label] = [a + b for a, b in zip(regions.get(label, [0, 0, 0]), counts, strict=True)]
    total["region_f1"] = {label: round(2 * m / (o + t), 3) if o + t else None for label, (m, o, t) in regions.items()}
    matched, mine, theirs = (sum(c[k] for c in regions.values()) for k in range(3))
    total["region_f1_all"] = round(2 * matched / (mine + theirs), 3) if mine + theirs else None
    for baseline in baselines:
        cers = [c for r in everything for c in r[f"{baseline}_window_cers"]]
        total[baseline] = {"found": sum(c <= FOUND_CER for c in cers),
                           "found_share": round(sum(c <= FOUND_CER for c in cers) / truth, 4),
                           "cer_of_found": _mean([c for c in cers if c <= FOUND_CER]),
                           "window_cer_all": _mean([min(1.0, c) for c in cers]),
                           "window_tau": _mean([t for r in everything for t in r[f"{baseline}_window_taus"]])}
    return total


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--folds", nargs="*", default=None)
    args = parser.parse_args(argv)
    settings = Settings(ocr={"engine": RapidOcrConfig()})
    engine = CachedEngine(ocr_engine(settings.ocr.engine), args.cache / "engine")
    out = args.cache / "out"
    shutil.rmtree(out, ignore_errors=True)
    times = _times(args.cache)
    missing = tesseract_missing()
    rows: dict[str, dict[str, Any]] = {}
    entries: list[ManifestPage] = []
    all_articles: list[ManifestArticle] = []
    for name in args.folds or folds():
        image = ECPO / "images" / f"{name}.jpg"
        images = WorkingImages(args.cache / "work")
        pages, articles, seconds = [], {}, []
        for page, piece_seconds in read_fold(image, engine, settings, images):
            if engine.misses:  # read afresh: its time is the pipeline's own (from the cache it is not)
                times[page.id] = round(piece_seconds, 1)
                engine.misses = 0
            seconds.append(times.get(page.id))
            page, entry, written = write_page(page, out)
            entries.append(entry)
            all_articles.extend(written)
            articles[page.id] = written
            pages.append(page)
        baselines = {"rapidocr": rapidocr_alone(image, engine, args.cache)["text"]}
        if missing is None:
            baselines["tesseract"] = tesseract_alone(image, args.cache)["text"]
        rows[name] = {"pieces": [p.id for p in pages], "seconds": seconds,
                      **score_fold(name, pages, out, articles, baselines)}
        print(name, {k: v for k, v in rows[name].items() if not k.endswith("cers")}, flush=True)
    (args.cache / "times.json").write_text(json.dumps(times, indent=1))
    write_manifest(out, entries, all_articles, timings={})
    conservation = [c.share for c in run_conservation(out)]
    flags = Counter(f.code for entry in entries for f in entry.flags)
    names = ["rapidocr", *([] if missing else ["tesseract"])]
    result = {"date": date.today().isoformat(), "tesseract": missing or TESSERACT_MODEL,
              "summary": {**summary(rows, names), "conservation_mean": _mean(conservation),
                          "conservation_min": min(conservation, default=None), "flags": dict(flags),
                          "seconds_per_page": _mean([s for r in rows.values() for s in r["seconds"] if s])},
              "folds": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "vertical_pages.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(result["summary"], indent=1))
    return result


if __name__ == "__main__":
    main()
