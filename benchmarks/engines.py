"""OCR engines side by side: rapidocr, paddleocr and Tesseract on the same pages in the same run.

Every engine reads the same grayscale page the way the OCR stage does (tiles cut along white
space, native resolution), so the numbers compare engines, not pipelines. Page sets:

- the bundled generated pages (samples/pages/*.jpg + *.gt.json), Chinese and English;
- kant_aufklaerung_1784 (German Fraktur, PAGE ground truth) from ../shared/real/;
- topaz_times_1944 (English, 1944): the only text there is the vendor's OCR, so it gets time
  and word agreement with that OCR, not a CER.

CER is matched by region, so reading order does not count: each line goes to the ground-truth
region holding its centre, a region's lines are read top to bottom (left to right within a
row) and compared with the region's text, whitespace ignored; a line in no region is all
insertions. The sum of edits over the sum of truth characters is the page's CER.

It also measures the script detector (routing.py) on every page plus some small generated
pages, the whole pipeline with script routing on the Kant pages, and how often a line is
right at each confidence (per engine) on the generated pages.

    python -m benchmarks.engines            # writes benchmarks/results/engines.json and engines.md
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image
from rapidfuzz.distance import Levenshtein

from broadsheet.engines.base import EngineLine, OcrEngine
from broadsheet.model.geometry import Polygon

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SHARED = ROOT.parent / "shared" / "real"
KANT = SHARED / "kant_aufklaerung_1784" / "data"
TOPAZ = SHARED / "topaz_times_1944" / "pages"
PAGE_NS = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15}"
IARCHIVES_NS = "{http://www.iarchives.com/schema/2002/export}"
_SPACE = re.compile(r"\s+")
CONFIDENCE_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.01)


@dataclass(frozen=True)
class TruthRegion:
    polygon: Polygon
    text: str


@dataclass(frozen=True)
class BenchPage:
    name: str
    set: str
    script: str
    """What the routing should detect: cjk, latin or fraktur."""
    image: Path
    regions: tuple[TruthRegion, ...] | None
    vendor_words: tuple[str, ...] | None = None


def gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image.convert("L"))


def generated_pages() -> list[BenchPage]:
    pages = []
    for truth_path in sorted((ROOT / "samples" / "pages").glob("*.gt.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        regions = tuple(TruthRegion(Polygon.from_points([tuple(p) for p in r["polygon"]]), r["text"])
                        for r in truth["regions"] if r.get("text"))
        language = truth["language"]
        pages.append(BenchPage(truth_path.name.removesuffix(".gt.json"), f"generated-{language}",
                               "cjk" if language == "zh" else "latin", truth_path.with_name(truth["image"]), regions))
    return pages


def read_page_xml(path: Path) -> tuple[TruthRegion, ...]:
    """Text regions of a PAGE 2019 file, with the region's own TextEquiv or else its lines' text."""
    from broadsheet.text.xmlsafe import parse_xml

    root = parse_xml(path.read_bytes())
    regions = []
    for region in root.iter(f"{PAGE_NS}TextRegion"):
        points = [tuple(float(v) for v in p.split(",")) for p in
                  region.find(f"{PAGE_NS}Coords").get("points").split()]
        own = region.find(f"{PAGE_NS}TextEquiv/{PAGE_NS}Unicode")
        if own is not None and own.text:
            text = own.text
        else:
            path = f"{PAGE_NS}TextLine/{PAGE_NS}TextEquiv/{PAGE_NS}Unicode"
            text = "\n".join(u.text or "" for u in region.iterfind(path))
        if text.strip():
            regions.append(TruthRegion(Polygon.from_points(points), text))
    return tuple(regions)


def kant_pages() -> list[BenchPage]:
    pages = []
    for xml in sorted((KANT / "OCR-D-GT-PAGE").glob("*.xml")):
        number = xml.name.split("_")[1]
        pages.append(BenchPage(f"kant_{number}", "kant-fraktur", "fraktur", KANT / "OCR-D-IMG" / f"INPUT_{number}.tif",
                               read_page_xml(xml)))
    return pages


def topaz_pages() -> list[BenchPage]:
    from broadsheet.text.xmlsafe import parse_xml

    pages = []
    for xml in sorted(TOPAZ.glob("*.xml")):
        root = parse_xml(xml.read_bytes())
        words = tuple(o.text or "" for o in root.iter(f"{IARCHIVES_NS}o"))
        pages.append(BenchPage(xml.stem, "topaz-en-1944", "latin", TOPAZ / "images" / f"{xml.stem}.tif", None, words))
    return pages


def small_generated_pages(folder: Path) -> list[BenchPage]:
    """Extra pages for the script detector only: small, so they cost little."""
    from samples.generator import generate_page, write_page

    pages = []
    for language, seed in (("zh", 11), ("zh", 12), ("en", 11), ("en", 12)):
        page = generate_page(language, "random", seed=seed, width=1240, height=1754, dpi=150, degrade="light")
        path = write_page(page, folder, f"{language}_{seed}")
        pages.append(BenchPage(path.stem, f"detector-{language}", "cjk" if language == "zh" else "latin", path, None))
    return pages


def read(engine: OcrEngine, image: np.ndarray) -> tuple[list[EngineLine], float]:
    from broadsheet.stages.ocr import read_tiles

    started = time.perf_counter()
    lines = read_tiles(engine, image, 2600, 2000, 400)
    return lines, time.perf_counter() - started


def normalise(text: str, fold_long_s: bool) -> str:
    """Whitespace dropped, NFC; the Kant truth's superscript e (aͤ, U+0364) read as the umlaut (ä) it is,
    since no engine has a glyph for it. Long s stays unless folded: Tesseract Fraktur reads it."""
    text = unicodedata.normalize("NFC", _SPACE.sub("", text).replace("\u0364", "\u0308"))
    return text.replace("ſ", "s") if fold_long_s else text


def _region_text(lines: list[EngineLine]) -> str:
    boxes = sorted(((Polygon.from_points(line.quad), line) for line in lines), key=lambda item: item[0].center[1])
    rows: list[list[tuple[Polygon, EngineLine]]] = []
    for box, line in boxes:
        if rows and abs(box.center[1] - rows[-1][0][0].center[1]) < 0.5 * min(box.height, rows[-1][0][0].height):
            rows[-1].append((box, line))
        else:
            rows.append([(box, line)])
    return "\n".join(" ".join(line.text for _, line in sorted(row, key=lambda item: item[0].bounds[0])) for row in rows)


def matched_cer(lines: list[EngineLine], regions: tuple[TruthRegion, ...], fold_long_s: bool = False) -> float:
    members: dict[int, list[EngineLine]] = {i: [] for i in range(len(regions))}
    edits = 0
    for line in lines:
        x, y = Polygon.from_points(line.quad).center
        for index, region in enumerate(regions):
            x0, y0, x1, y1 = region.polygon.bounds
            if x0 <= x <= x1 and y0 <= y <= y1:
                members[index].append(line)
                break
        else:
            edits += len(normalise(line.text, fold_long_s))
    total = 0
    for index, region in enumerate(regions):
        truth = normalise(region.text, fold_long_s)
        edits += Levenshtein.distance(normalise(_region_text(members[index]), fold_long_s), truth)
        total += len(truth)
    return edits / total if total else 0.0


def _tokens(texts: list[str] | tuple[str, ...]) -> Counter[str]:
    return Counter(t for text in texts for t in re.findall(r"[a-z0-9]{3,}", text.lower()))


def vendor_agreement(lines: list[EngineLine], vendor_words: tuple[str, ...]) -> float:
    """Share of the vendor's words (3+ letters) that the engine also read: agreement, not accuracy."""
    vendor, ours = _tokens(vendor_words), _tokens([line.text for line in lines])
    return sum((vendor & ours).values()) / max(1, sum(vendor.values()))


def line_reliability(lines: list[EngineLine], regions: tuple[TruthRegion, ...]) -> list[tuple[float, bool]]:
    """(confidence, right) per line: right when its text occurs verbatim in the truth region it lies in."""
    pairs = []
    for line in lines:
        x, y = Polygon.from_points(line.quad).center
        text = normalise(line.text, False)
        if not text:
            continue
        region = next((r for r in regions if r.polygon.bounds[0] <= x <= r.polygon.bounds[2]
                       and r.polygon.bounds[1] <= y <= r.polygon.bounds[3]), None)
        pairs.append((line.confidence, region is not None and text in normalise(region.text, False)))
    return pairs


def build_engines() -> dict[str, Callable[[], OcrEngine]]:
    from broadsheet.config import PaddleOcrConfig, RapidOcrConfig, ScriptRoutingConfig, TesseractConfig
    from broadsheet.engines import ocr_engine

    return {
        "rapidocr": lambda: ocr_engine(RapidOcrConfig()),
        "paddleocr": lambda: ocr_engine(PaddleOcrConfig()),
        "tesseract-chi_sim+eng": lambda: ocr_engine(TesseractConfig(languages="chi_sim+eng")),
        "tesseract-eng": lambda: ocr_engine(TesseractConfig(languages="eng")),
        "tesseract-Fraktur": lambda: ocr_engine(TesseractConfig(languages="Fraktur")),
        "tesseract-Fraktur+frk": lambda: ocr_engine(ScriptRoutingConfig().blackletter),
        "tesseract-deu": lambda: ocr_engine(TesseractConfig(languages="deu")),
    }


ENGINES_FOR_SET = {
    "generated-zh": ("rapidocr", "paddleocr", "tesseract-chi_sim+eng"),
    "generated-en": ("rapidocr", "paddleocr", "tesseract-eng", "tesseract-chi_sim+eng"),
    "kant-fraktur": ("rapidocr", "paddleocr", "tesseract-Fraktur", "tesseract-Fraktur+frk", "tesseract-deu"),
    "topaz-en-1944": ("rapidocr", "paddleocr", "tesseract-eng"),
}


def pipeline_on_kant(pages: list[BenchPage]) -> list[dict[str, object]]:
    """The whole pipeline (deskew, layout, routed OCR) on the Kant pages, with the default settings."""
    from broadsheet.config import Settings
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.page import build_stages, process_page
    from broadsheet.stages.working_images import WorkingImages

    rows = []
    with tempfile.TemporaryDirectory() as work:
        settings = Settings()
        stages = build_stages(settings, WorkingImages(Path(work)))
        for bench in pages:
            started = time.perf_counter()
            [page] = ingest_file(bench.image)
            page = process_page(page, stages, settings)
            seconds = time.perf_counter() - started
            lines = [EngineLine(line.text, line.confidence, line.polygon.points, ())
                     for region in page.regions for line in region.lines]
            step = next(s for s in page.steps if s.stage == "ocr")
            assert bench.regions is not None
            rows.append({"page": bench.name, "engine": step.software, "script": step.settings.get("script"),
                         "cer": round(matched_cer(lines, bench.regions), 4),
                         "cer_long_s_folded": round(matched_cer(lines, bench.regions, fold_long_s=True), 4),
                         "seconds": round(seconds, 2), "ocr_seconds": round(step.seconds, 2),
                         "regions_read_twice": step.settings.get("regions_read_twice"),
                         "regions_rerouted": step.settings.get("regions_rerouted")})
    return rows


def run(include_real: bool) -> dict[str, object]:
    from broadsheet.engines.routing import Script, detect_script, sample_tile

    factories = build_engines()
    engines: dict[str, OcrEngine] = {}
    pages = generated_pages()
    if include_real and SHARED.exists():
        pages += kant_pages() + topaz_pages()
    results: list[dict[str, object]] = []
    reliability: dict[str, list[tuple[float, bool]]] = {}
    for bench in pages:
        image = gray(bench.image)
        for engine_name in ENGINES_FOR_SET[bench.set]:
            engine = engines.get(engine_name) or engines.setdefault(engine_name, factories[engine_name]())
            lines, seconds = read(engine, image)
            row: dict[str, object] = {"set": bench.set, "page": bench.name, "engine": engine_name,
                                      "seconds": round(seconds, 2), "lines": len(lines)}
            if bench.regions is not None:
                row["cer"] = round(matched_cer(lines, bench.regions), 4)
                row["cer_long_s_folded"] = round(matched_cer(lines, bench.regions, fold_long_s=True), 4)
                if bench.set.startswith("generated"):
                    reliability.setdefault(engine_name.split("-")[0], []).extend(
                        line_reliability(lines, bench.regions))
            if bench.vendor_words is not None:
                row["vendor_word_agreement"] = round(vendor_agreement(lines, bench.vendor_words), 4)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)

    detector_pages = list(pages)
    with tempfile.TemporaryDirectory() as folder:
        detector_pages += small_generated_pages(Path(folder))
        detections = []
        default, blackletter = factories["rapidocr"](), factories["tesseract-Fraktur+frk"]()
        for bench in detector_pages:
            started = time.perf_counter()
            decision = detect_script(sample_tile(gray(bench.image)), default, blackletter)
            detections.append({"page": bench.name, "set": bench.set, "expected": bench.script,
                               "detected": decision.script, "seconds": round(time.perf_counter() - started, 2),
                               **decision.settings()})
            print(json.dumps(detections[-1]), flush=True)
    routed = {"fraktur": "tesseract-Fraktur+frk", "cjk": "rapidocr", "latin": "rapidocr"}
    for detection in detections:  # the routed engine's reading is the one measured above
        chosen = next((r for r in results if r["page"] == detection["page"]
                       and r["engine"] == routed[str(detection["detected"])]), None)
        if chosen is not None:
            results.append({**chosen, "engine": "auto (routed)", "routed_to": chosen["engine"],
                            "seconds": round(float(chosen["seconds"]) + float(detection["seconds"]), 2)})
    assert Script.fraktur in routed
    pipeline_rows = pipeline_on_kant([p for p in pages if p.set == "kant-fraktur"])
    return {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores",
        "engines": {name: {"name": e.name, "version": e.version, "model": e.model} for name, e in engines.items()},
        "results": results,
        "summary": summarise(results),
        "detector": {"pages": detections,
                     "accuracy": round(sum(d["expected"] == d["detected"] for d in detections) / len(detections), 4)},
        "pipeline_kant": pipeline_rows,
        "reliability": reliability_table(reliability),
    }


def summarise(results: list[dict[str, object]]) -> list[dict[str, object]]:
    summary = []
    keys = sorted({(str(r["set"]), str(r["engine"])) for r in results})
    for page_set, engine in keys:
        rows = [r for r in results if r["set"] == page_set and r["engine"] == engine]
        entry: dict[str, object] = {"set": page_set, "engine": engine, "pages": len(rows),
                                    "seconds_per_page": round(float(np.mean([r["seconds"] for r in rows])), 2)}
        for key in ("cer", "cer_long_s_folded", "vendor_word_agreement"):
            if all(key in r for r in rows):
                entry[key] = round(float(np.mean([r[key] for r in rows])), 4)
        summary.append(entry)
    return summary


def reliability_table(pairs: dict[str, list[tuple[float, bool]]]) -> dict[str, list[dict[str, object]]]:
    table: dict[str, list[dict[str, object]]] = {}
    for engine, values in pairs.items():
        rows = []
        for low, high in pairwise(CONFIDENCE_BINS):
            inside = [right for confidence, right in values if low <= confidence < high]
            rows.append({"confidence": f"[{low:.2f}, {min(high, 1.0):.2f}]", "lines": len(inside),
                         "right": round(sum(inside) / len(inside), 3) if inside else None})
        table[engine] = rows
    return table


def markdown(report: dict[str, object]) -> str:
    out = [f"Measured {report['date']} on {report['machine']}. CER matched by region, whitespace ignored; "
           "Kant CER keeps long s (ſ) as printed (aͤ read as ä), the folded column reads ſ as s.", "",
           "| page set | engine | pages | CER | CER (ſ→s) | vendor word agreement | s/page |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in report["summary"]:  # type: ignore[union-attr]
        def pct(key: str, row: dict[str, object] = row) -> str:
            return f"{100 * float(row[key]):.2f}%" if key in row else "–"

        out.append(f"| {row['set']} | {row['engine']} | {row['pages']} | {pct('cer')} | {pct('cer_long_s_folded')} "
                   f"| {pct('vendor_word_agreement')} | {row['seconds_per_page']} |")
    detector = report["detector"]
    out += ["", f"Script detector: {100 * detector['accuracy']:.0f}% right on {len(detector['pages'])} pages.",  # type: ignore[index]
            "", "| page | expected | detected | long s share | s |", "| --- | --- | --- | ---: | ---: |"]
    for d in detector["pages"]:  # type: ignore[index]
        out.append(f"| {d['page']} | {d['expected']} | {d['detected']} | {d['script_long_s_share']} | {d['seconds']} |")
    out += ["", "Whole pipeline with script routing (default settings) on the Kant pages:", "",
            "| page | engine | script | CER | CER (ſ→s) | s |", "| --- | --- | --- | ---: | ---: | ---: |"]
    for r in report["pipeline_kant"]:  # type: ignore[union-attr]
        out.append(f"| {r['page']} | {r['engine']} | {r['script']} | {100 * r['cer']:.2f}% "
                   f"| {100 * r['cer_long_s_folded']:.2f}% | {r['seconds']} |")
    out += ["", "Share of lines read right, by confidence (generated pages):", "",
            "| engine | " + " | ".join(r["confidence"] for r in next(iter(report["reliability"].values()))) + " |",  # type: ignore[union-attr]
            "| --- |" + " ---: |" * (len(CONFIDENCE_BINS) - 1)]
    for engine, rows in report["reliability"].items():  # type: ignore[union-attr]
        out.append(f"| {engine} | " + " | ".join(f"{r['right']} ({r['lines']})" for r in rows) + " |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated-only", action="store_true", help="skip the real pages in ../shared/real")
    parser.add_argument("--kant-pipeline-only", action="store_true",
                        help="only the whole pipeline on the Kant pages: results/engines_kant_pipeline.json")
    args = parser.parse_args()
    if args.kant_pipeline_only:
        rows = pipeline_on_kant(kant_pages())
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "engines_kant_pipeline.json").write_text(json.dumps(
            {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores", "pipeline_kant": rows},
            ensure_ascii=False, indent=1), encoding="utf-8")
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    report = run(include_real=not args.generated_only)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "engines.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (RESULTS / "engines.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
