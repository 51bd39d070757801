"""Which Tesseract model reads each region of a Fraktur page best, and whether a rule can tell (issue #20).

Every text region of the Kant and NZZ pages (as the pipeline read them, from `benchmarks.real_pages`' cache) is read
again, cropped from the working image, by each of `MODELS`. Each reading is scored against the PAGE truth lines whose
centres lie in the region (dinglehopper's normalisation, edit distance, lines top to bottom). Then the set's CER
for each fixed model, for the best model per region (the oracle, unreachable), and for rules that choose per region
from the readings alone: highest mean word confidence, most words in the shipped German word statistics.

    python -m benchmarks.fraktur_models                      # every region of the 7 pages
    python -m benchmarks.fraktur_models --share 0.25 --seed 7  # a random quarter of the regions of the NZZ pages
                                                               # after 1780 (whole-page reads there take minutes)

Results go to benchmarks/results/fraktur_models.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
from dinglehopper.extracted_text import normalize_sbb
from rapidfuzz.distance import Levenshtein

from broadsheet.config import Settings, TesseractConfig
from broadsheet.engines.base import at_resolution, read_all
from broadsheet.engines.tesseract import TesseractEngine
from broadsheet.engines.tiling import PADDING
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import RegionType
from broadsheet.stages.base import to_working
from broadsheet.text.xmlsafe import parse_xml
from evaluation.real_sets import real_pages
from evaluation.stage_cache import ANY_SETTINGS, cached_images, read_cached

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "real_pages"
MODELS = ("Fraktur", "frk", "deu", "Fraktur+deu", "Fraktur+frk")


def truth_lines(path: Path) -> list[tuple[tuple[float, float], str]]:
    """Each PAGE text line's centre (source pixels) and its corrected text."""
    root = parse_xml(path).getroot()
    ns = root.tag.split("}")[0] + "}"
    found = []
    for line in root.iter(f"{ns}TextLine"):
        coords = line.find(f"{ns}Coords")
        text = line.find(f"{ns}TextEquiv/{ns}Unicode")
        if coords is None or text is None or not "".join(text.itertext()).strip():
            continue
        points = [tuple(float(v) for v in pair.split(",")) for pair in (coords.get("points") or "").split()]
        box = Polygon.from_points(points)
        found.append((box.center, normalize_sbb("".join(text.itertext()))))
    return found


def dictionary_share(text: str, words: set[str]) -> float:
    """Share of a reading's words (letters only, lower case, long s as s) that the word list knows."""
    tokens = ["".join(c for c in token if c.isalpha()).lower().replace("ſ", "s") for token in text.split()]
    tokens = [t for t in tokens if len(t) >= 2]
    return sum(t in words for t in tokens) / len(tokens) if tokens else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--share", type=float, default=1.0, help="share of regions read on the NZZ pages after 1780")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--words", type=Path, help="a word list (one a line) for the dictionary rule: Tesseract's "
                        "deu word list, `combine_tessdata -u deu.traineddata deu.` then `dawg2wordlist "
                        "deu.lstm-unicharset deu.lstm-word-dawg deu.words`")
    args = parser.parse_args()
    os.environ.setdefault(ANY_SETTINGS, "1")  # the cached reading's regions, whatever settings made it
    settings = Settings()
    engines = {m: TesseractEngine(TesseractConfig(languages=m, heavy_noise_removal=True)) for m in MODELS}
    words = {w.lower().replace("ſ", "s") for w in args.words.read_text(encoding="utf-8").split()} if args.words \
        else set()
    chooser = random.Random(args.seed)
    rows: list[dict[str, Any]] = []
    for real in real_pages(["kant", "nzz"]):
        [page] = read_cached(real.source, args.cache / "ocr", settings)
        image = cached_images(args.cache / "ocr").read(page)
        truth = truth_lines(real.truth) if real.truth else []
        regions = [r for r in page.regions if r.lines and r.type not in (RegionType.figure, RegionType.separator)]
        if real.set == "nzz" and not real.name.startswith("nzz_1780") and args.share < 1:
            regions = chooser.sample(regions, max(1, round(args.share * len(regions))))
        crops, texts, offsets = [], [], []
        for region in regions:
            x0, y0, x1, y1 = region.polygon.bounds
            inside = sorted((c, t) for c, t in truth if x0 <= c[0] <= x1 and y0 <= c[1] <= y1)
            if not inside:
                continue
            wx0, wy0, wx1, wy1 = (max(0, round(v)) for v in to_working(page, region.polygon).bounds)
            crops.append(np.pad(image[wy0:wy1, wx0:wx1], PADDING, constant_values=255))
            texts.append("\n".join(t for (_, _), t in sorted(inside, key=lambda item: item[0][1])))
            offsets.append(region.id)
        readings: dict[str, list[tuple[str, float]]] = {}
        seconds: dict[str, float] = {}
        for model, engine in engines.items():
            started = time.perf_counter()
            read = read_all(at_resolution(engine, page.dpi), crops)
            seconds[model] = round(time.perf_counter() - started, 2)
            readings[model] = []
            for lines in read:
                ordered = sorted(lines, key=lambda ln: ln.quad[0][1])
                words_read = [w for ln in ordered for w in ln.words]
                confidence = float(np.mean([w.confidence for w in words_read])) if words_read else 0.0
                readings[model].append(("\n".join(normalize_sbb(ln.text) for ln in ordered), confidence))
        for k, region_id in enumerate(offsets):
            row = {"page": real.name, "region": region_id, "characters": len(texts[k])}
            for model in MODELS:
                text, confidence = readings[model][k]
                row[model] = {"edits": Levenshtein.distance(texts[k], text), "confidence": round(confidence, 4),
                              "dictionary": round(dictionary_share(text, words), 4) if words else None}
            rows.append(row)
        print(f"{real.name}: {len(offsets)} regions, seconds {seconds}", flush=True)
    total = sum(r["characters"] for r in rows)
    summary: dict[str, float] = {m: sum(r[m]["edits"] for r in rows) / total for m in MODELS}
    summary["oracle"] = sum(min(r[m]["edits"] for m in MODELS) for r in rows) / total
    for rule in ("confidence", "dictionary"):
        if rule == "dictionary" and not words:
            continue
        for pool in (MODELS, ("Fraktur", "frk"), ("Fraktur", "Fraktur+frk"), ("Fraktur", "frk", "deu")):
            name = f"{rule} over {'/'.join(pool)}"
            summary[name] = sum(r[max(pool, key=lambda m, r=r: (r[m][rule], r[m]["confidence"]))]["edits"]
                                for r in rows) / total
    for name, value in summary.items():
        print(f"{name}: {value:.2%}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fraktur_models.json").write_text(json.dumps(
        {"share": args.share, "seed": args.seed, "characters": total, "summary": summary, "rows": rows},
        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
