"""broadsheet on every real page set in ../shared/real, scored against each set's ground truth.

Sets (`evaluation.real_sets`; what each truth holds is in ../shared/real/*/README.md):
``kant`` (1784, Fraktur, PAGE), ``nzz`` (NZZ front pages 1780–1943, PAGE; ABBYY FineReader XIX as baseline),
``gbn`` (German-Brazilian papers, broadsheet size, PAGE regions only), ``ecpo`` (晶報 1939, vertical
Chinese, article texts), ``topaz`` (Topaz Times 1944, article clippings), ``ndnp`` (an NDNP batch's
ALTO, read through the existing-OCR path).

Pages are read from their images (ingest → OCR, kept in the cache by `evaluation.stage_cache`); the
later stages (typing, reading order, articles, repair) run again each time, and every page is
written with `broadsheet.run.output.write_page` into one OUT folder, so conservation is measured from its
TEI and ALTO as a library would see them. Scores are defined in `evaluation.real_scores`:
text conservation; article F1 (ECPO by text, Topaz by area, 0.5 both ways) and, for Topaz, the pair
F1 of `evaluation.clippings`; body CER of matched articles; reading-order τ; dinglehopper's CER and WER
in reading order against PAGE (NZZ also ABBYY's, same tool). Time per page: the reading stages' seconds
as recorded when OCR ran, and the later stages' seconds in this run (noisy on a busy machine).
Results go to benchmarks/results/real_pages.json.

    python -m benchmarks.real_pages                          # every page of every set (OCR what the cache lacks)
    python -m benchmarks.real_pages --sets kant nzz --pages 1  # the first page of two sets
    python -m benchmarks.real_pages --cached-only            # only pages the cache has read: no OCR at all
    BROADSHEET_STAGE_CACHE_ANY=1 python -m benchmarks.real_pages --cached-only  # after a settings change
                                                             # that leaves OCR's output as it was

The cache (default .cache/real_pages/, or --cache) keeps the post-OCR page models under ocr/; the OUT
folder of the last run is its out/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any

from dinglehopper.extracted_text import ExtractedText

from broadsheet.config import Settings
from broadsheet.ingest.files import page_id
from broadsheet.model.page import Page, PageStatus
from broadsheet.run.existing import process_existing
from broadsheet.run.output import ManifestArticle, ManifestPage, write_manifest, write_page
from evaluation.clippings import read_clippings, score_clippings
from evaluation.conservation import content_share, run_conservation
from evaluation.real_scores import (
    abbyy_text,
    alto_lines,
    alto_text,
    ecpo_articles,
    line_matched_cer,
    match_by_area,
    order_tau_over_matches,
    page_truth_text,
    region_order_tau,
    tei_text,
    text_scores,
    truth_lines,
    unspaced_scores,
)
from evaluation.real_sets import REAL, SETS, RealPage, read_ecpo, read_page_xml, real_pages
from evaluation.stage_cache import cached_images, finish, read_cached

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CACHE = ROOT / ".cache" / "real_pages"
TESSERACT_BASELINE = "Fraktur"
"""The model Tesseract alone reads the Fraktur pages (Kant, NZZ) with, for the baseline."""
BASELINE_SETS = ("kant", "nzz")
COLUMNS = ("conservation", "article_f1", "body_cer", "reading_order_tau", "cer", "wer")


def _cached(page: RealPage, cache: Path) -> bool:
    """Whether the cache holds the page's reading (existing OCR needs none): its file names begin with the page id."""
    if page.set == "ndnp":
        return True
    identity = page_id(page.source, hashlib.sha256(page.source.read_bytes()).hexdigest(), 0)
    return any(cache.glob(f"{identity}-*.json"))


def cpu_seconds() -> float:
    """CPU seconds this process and the child processes it has waited for (Tesseract's) have used so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def read(page: RealPage, cache: Path, settings: Settings) -> tuple[Page, float, float | None, str | None]:
    """The page after every stage, the seconds its reading stages took when OCR ran (0 for existing OCR), the CPU
    seconds they took where OCR ran in this run (else None), and why broadsheet refused the file where it did (NDNP's
    ALTO is read as it is, in inch1200)."""
    if page.set == "ndnp":
        existing = process_existing(page.source, settings)
        refused = (existing.flags[0].reason if existing.flags else "failed") \
            if existing.status == PageStatus.failed else None
        return existing, 0.0, None, refused
    known = set((cache / "ocr").glob("*.json"))
    cpu_before = cpu_seconds()
    [read_page] = read_cached(page.source, cache / "ocr", settings)
    reading_cpu_s = cpu_seconds() - cpu_before if set((cache / "ocr").glob("*.json")) - known else None
    reading_s = sum(step.seconds for step in read_page.steps)
    if read_page.status == PageStatus.failed:
        return read_page, reading_s, reading_cpu_s, None
    return finish(read_page, cached_images(cache / "ocr"), settings), reading_s, reading_cpu_s, None


def run_tesseract_alone(source: Path, threads: int | None = None) -> tuple[str, float, float]:
    """`tesseract SOURCE - -l TESSERACT_BASELINE --psm 3`: its text, seconds and CPU seconds. By default as a user
    runs it, with as many threads as its OpenMP takes (not held to the one thread broadsheet's own Tesseract processes
    keep to); `threads` holds it to that many (OMP_THREAD_LIMIT)."""
    environment = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    if threads:
        environment["OMP_THREAD_LIMIT"] = str(threads)
    started, cpu_before = time.perf_counter(), cpu_seconds()
    text = subprocess.run(["tesseract", str(source), "-", "-l", TESSERACT_BASELINE, "--psm", "3"],
                          capture_output=True, text=True, check=True, env=environment).stdout
    return text, time.perf_counter() - started, cpu_seconds() - cpu_before


def tesseract_alone(page: RealPage, cache: Path, cached_only: bool) -> tuple[str | None, float | None, float | None]:
    """Tesseract's `TESSERACT_BASELINE` model on the whole page image, nothing around it (its own layout analysis,
    --psm 3, as many threads as its OpenMP takes): the baseline issue #20 compares with. The text, kept in the cache,
    and the seconds and CPU seconds it took (None when only the cache may answer and it holds none)."""
    target = cache / "tesseract" / f"{page.name}.{TESSERACT_BASELINE}.txt"
    if target.exists():
        recorded = json.loads(target.read_text(encoding="utf-8"))
        return recorded["text"], recorded["seconds"], recorded.get("cpu_seconds")
    if cached_only:
        return None, None, None
    text, seconds, cpu = run_tesseract_alone(page.source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"text": text, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)},
                                 ensure_ascii=False), encoding="utf-8")
    return text, seconds, cpu


def score(page_set: RealPage, page: Page, out: Path, alto: Path | None, clippings: list[Any],
          baseline: str | None = None) -> dict[str, Any]:
    """Every score its set's truth allows; the others are None. ``baseline``: Tesseract alone's text of the page."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row["articles_found"] = len(page.articles)
    if alto is None:
        return row
    if page_set.set in ("kant", "nzz", "gbn"):
        truth = read_page_xml(page_set.truth) if page_set.truth else None
        if truth is not None and truth.has_text:
            truth_text = page_truth_text(truth)
            ours = text_scores(truth_text, alto_text(alto))
            row.update(cer=round(ours.cer, 4), wer=round(ours.wer, 4),
                       cer_long_s_folded=round(ours.cer_long_s_folded, 4), truth_characters=ours.characters,
                       cer_line_matched=round(line_matched_cer(truth_lines(truth), alto_lines(alto)), 4))
            if baseline is not None:
                alone = text_scores(truth_text, ExtractedText.from_str(baseline))
                alone_lines = [line for line in baseline.splitlines() if line.strip()]
                row.update(tesseract_cer=round(alone.cer, 4), tesseract_wer=round(alone.wer, 4),
                           tesseract_cer_long_s_folded=round(alone.cer_long_s_folded, 4),
                           tesseract_cer_line_matched=round(line_matched_cer(truth_lines(truth), alone_lines), 4))
            if "abbyy" in page_set.extra and page_set.extra["abbyy"].exists():
                abbyy = text_scores(truth_text, abbyy_text(page_set.extra["abbyy"]))
                row.update(abbyy_cer=round(abbyy.cer, 4), abbyy_wer=round(abbyy.wer, 4),
                           abbyy_cer_long_s_folded=round(abbyy.cer_long_s_folded, 4))
        if truth is not None:
            tau = region_order_tau(page, truth)
            row["reading_order_tau"] = None if tau is None else round(tau, 4)
            row["truth_regions"] = len(truth.regions)
    elif page_set.set == "ecpo" and page_set.truth:
        truth = read_ecpo(page_set.truth)
        written = [a for a in page.articles if (out / "tei" / f"{a.id}.xml").exists()]
        texts = [tei_text(out / "tei" / f"{a.id}.xml") for a in written]
        matches, cers = ecpo_articles(truth, texts)
        position = {rid: k for k, rid in enumerate(page.reading_order)}
        first = [min((position.get(r, len(position)) for r in a.region_ids), default=len(position)) for a in written]
        tau = order_tau_over_matches(matches, first)
        row.update(article_f1=round(matches.f1, 4), articles_truth=matches.truth, articles_matched=len(matches.matches),
                   body_cer=round(statistics.fmean(cers), 4) if cers else None,
                   matched_cers=[round(c, 4) for c in cers], reading_order_tau=None if tau is None else round(tau, 4))
        # The whole fold's text, truth blocks in their order: CER only, as Chinese sets no spaces between words.
        whole = unspaced_scores("".join(b.text for b in truth.blocks), alto_text(alto).text)
        row.update(cer=round(whole.cer, 4), truth_characters=whole.characters)
    elif page_set.set == "topaz":
        stem = Path(page.source).stem
        on_page = [a for a in clippings if a.page_image == stem and a.classification == "article"]
        matches = match_by_area(page, on_page)
        row.update(article_f1=round(matches.f1, 4), articles_truth=matches.truth, articles_matched=len(matches.matches),
                   clipping_pair_f1=round(score_clippings(page, clippings).pair_f1, 4))
    return row


def run(sets: list[str], per_set: int | None, cache: Path, cached_only: bool,
        baseline: bool = False) -> list[dict[str, Any]]:
    # Each ECPO scan is scored here as one page against its fold's truth; benchmarks/vertical_pages.py reads the
    # folds split into their pages (ingest.split_folds), as a run does.
    settings = Settings(ingest={"split_folds": False})
    chosen: list[RealPage] = []
    for kind in sets:
        members = list(real_pages([kind]))[:per_set]
        if cached_only:
            members = [p for p in members if _cached(p, cache / "ocr")]
        chosen.extend(members)
    print(f"{len(chosen)} pages" + (" (those the cache has read)" if cached_only else ""), flush=True)
    out = cache / "out"
    if out.exists():
        shutil.rmtree(out)  # a previous run's TEI must not count for this one
    out.mkdir(parents=True)
    entries: list[ManifestPage] = []
    written: list[ManifestArticle] = []
    finished: list[tuple[RealPage, Page, ManifestPage, float, float | None, float, str | None]] = []
    for index, real in enumerate(chosen, 1):
        started = time.perf_counter()
        page, reading_s, reading_cpu_s, refused = read(real, cache, settings)
        total_s = time.perf_counter() - started
        page, entry, articles = write_page(page, out)
        entries.append(entry)
        written.extend(articles)
        finished.append((real, page, entry, reading_s, reading_cpu_s, total_s, refused))
        print(f"[{index}/{len(chosen)}] {real.set} {real.name}: {page.status.value}, {len(page.articles)} articles, "
              f"this run {total_s:.1f}s", flush=True)
    write_manifest(out, entries, written, timings={})
    kept = {pid: c for c in run_conservation(out) for pid in c.page_ids}
    clippings = read_clippings(REAL / "topaz_times_1944") if "topaz" in sets else []
    rows = []
    for real, page, entry, reading_s, reading_cpu_s, total_s, refused in finished:
        alto = out / entry.alto if entry.alto else None
        conservation = kept.get(page.id)
        later_s = sum(step.seconds for step in page.steps) - reading_s
        alone, alone_s, alone_cpu_s = (tesseract_alone(real, cache, cached_only)
                                       if baseline and real.set in BASELINE_SETS else (None, None, None))
        row = {"set": real.set, "page": real.name, "status": page.status.value,
               "failure": next((f.reason for f in page.flags if page.status == PageStatus.failed), None),
               "refused_as_given": refused,
               "reading_s": round(reading_s, 2), "later_s": round(later_s, 3), "this_run_s": round(total_s, 2),
               **score(real, page, out, alto, clippings, alone)}
        if alone_s is not None:
            row["tesseract_s"] = round(alone_s, 2)
        if reading_cpu_s is not None:
            row["reading_cpu_s"] = round(reading_cpu_s, 2)
        if alone_cpu_s is not None:
            row["tesseract_cpu_s"] = round(alone_cpu_s, 2)
        row["conservation"] = round(conservation.share, 4) if conservation else None
        if conservation and alto:
            row.update(lost_regions=len(conservation.lost_regions), content_characters=conservation.content_characters,
                       content_share=round(content_share(alto), 4))
        rows.append(row)
    return rows


def _weighted(rows: list[dict[str, Any]], metric: str) -> float | None:
    """A set's CER or WER: each page's rate weighted by its truth's characters (the set's errors per character)."""
    scored = [r for r in rows if r.get(metric) is not None and r.get("truth_characters")]
    total = sum(r["truth_characters"] for r in scored)
    return round(sum(r[metric] * r["truth_characters"] for r in scored) / total, 4) if total else None


def _mean(rows: list[dict[str, Any]], metric: str) -> float | None:
    values = [r[metric] for r in rows if r.get(metric) is not None]
    return round(statistics.fmean(values), 4) if values else None


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per set: pages; conservation (mean and lowest); article F1 over all its articles (2·matched / (ours + truth));
    body CER over all matched articles; τ (mean of pages); CER and WER weighted by truth characters."""
    result = {}
    for kind in dict.fromkeys(r["set"] for r in rows):
        members = [r for r in rows if r["set"] == kind]
        conservation = [r["conservation"] for r in members if r["conservation"] is not None]
        with_articles = [r for r in members if r.get("articles_truth") is not None]
        found = sum(r["articles_found"] for r in with_articles)
        truth = sum(r["articles_truth"] for r in with_articles)
        cers = [c for r in members for c in r.get("matched_cers", [])]
        result[kind] = {
            "pages": len(members),
            "conservation": round(statistics.fmean(conservation), 4) if conservation else None,
            "conservation_min": min(conservation) if conservation else None,
            "content_share": _mean(members, "content_share"),
            "article_f1": round(2 * sum(r["articles_matched"] for r in with_articles) / (found + truth), 4)
            if found + truth else None,
            "clipping_pair_f1": _mean(members, "clipping_pair_f1"),
            "body_cer": round(statistics.fmean(cers), 4) if cers else None,
            "reading_order_tau": _mean(members, "reading_order_tau"),
            **{m: _weighted(members, m) for m in ("cer", "wer", "cer_long_s_folded", "cer_line_matched", "abbyy_cer",
                                                   "abbyy_wer", "abbyy_cer_long_s_folded", "tesseract_cer",
                                                   "tesseract_wer", "tesseract_cer_long_s_folded",
                                                   "tesseract_cer_line_matched")},
            "reading_s_mean": _mean(members, "reading_s"),
            "later_s_mean": _mean(members, "later_s"),
            "tesseract_s_mean": _mean(members, "tesseract_s"),
        }
    return result


def _cell(value: Any, percent: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if percent else f"{value:.2f}"


def print_report(rows: list[dict[str, Any]], sets: dict[str, dict[str, Any]]) -> None:
    print("\n| set | page | conservation | article F1 | body CER | τ | CER | WER | ABBYY CER | read s | later s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['set']} | {r['page']} | {_cell(r['conservation'], True)} | {_cell(r['article_f1'])} | "
              f"{_cell(r['body_cer'], True)} | {_cell(r['reading_order_tau'])} | {_cell(r['cer'], True)} | "
              f"{_cell(r['wer'], True)} | {_cell(r.get('abbyy_cer'), True)} | {r['reading_s']:.1f} | "
              f"{r['later_s']:.2f} |")
    print("\n| set | pages | conservation (min) | content share | article F1 (pair F1) | body CER | τ | CER (ſ→s) "
          "| WER | ABBYY CER / WER | read s | later s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind, s in sets.items():
        conservation = (f"{_cell(s['conservation'], True)} ({_cell(s['conservation_min'], True)})"
                        if s["conservation"] is not None else "–")
        abbyy = f"{_cell(s['abbyy_cer'], True)} / {_cell(s['abbyy_wer'], True)}" if s["abbyy_cer"] is not None else "–"
        pair = s["clipping_pair_f1"]
        f1 = _cell(s["article_f1"]) + (f" ({_cell(pair)})" if pair is not None else "")
        cer = _cell(s["cer"], True) + (f" ({_cell(s['cer_long_s_folded'], True)})" if s["cer_long_s_folded"] else "")
        print(f"| {kind} | {s['pages']} | {conservation} | {_cell(s['content_share'], True)} | {f1} | "
              f"{_cell(s['body_cer'], True)} | {_cell(s['reading_order_tau'])} | {cer} | {_cell(s['wer'], True)} | "
              f"{abbyy} | {_cell(s['reading_s_mean'])} | {_cell(s['later_s_mean'])} |")


def print_fraktur(rows: list[dict[str, Any]], sets: dict[str, dict[str, Any]]) -> None:
    """Issue #20's table: the PAGE pages with text, ours against ABBYY FineReader XIX and Tesseract alone."""
    texts = [r for r in rows if r.get("cer") is not None and r["set"] in BASELINE_SETS]
    if not texts:
        return
    print("\n| page | CER | CER ſ→s | line-matched CER | WER | ABBYY CER / WER | Tesseract alone CER / WER | read s "
          "| Tesseract s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in [*texts, *({"page": f"**{k}** (weighted)", **s} for k, s in sets.items() if k in BASELINE_SETS)]:
        abbyy = f"{_cell(r.get('abbyy_cer'), True)} / {_cell(r.get('abbyy_wer'), True)}"
        alone = f"{_cell(r.get('tesseract_cer'), True)} / {_cell(r.get('tesseract_wer'), True)}"
        print(f"| {r['page']} | {_cell(r['cer'], True)} | {_cell(r['cer_long_s_folded'], True)} | "
              f"{_cell(r['cer_line_matched'], True)} | {_cell(r['wer'], True)} | {abbyy} | {alone} | "
              f"{_cell(r.get('reading_s', r.get('reading_s_mean')))} | "
              f"{_cell(r.get('tesseract_s', r.get('tesseract_s_mean')))} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--pages", type=int, help="at most this many pages of each set (default: all)")
    parser.add_argument("--cached-only", action="store_true", help="only the pages the cache has read (no OCR at all)")
    parser.add_argument("--tesseract-baseline", action="store_true",
                        help=f"also Tesseract {TESSERACT_BASELINE} alone on each whole Kant and NZZ page (kept in "
                             "the cache; with --cached-only, only the pages it holds that for)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="post-OCR page models are kept in <cache>/ocr, the run's OUT in <cache>/out")
    args = parser.parse_args()
    if not REAL.is_dir():
        raise SystemExit(f"the real pages are not at {REAL}")
    started = time.perf_counter()
    rows = run(args.sets, args.pages, args.cache, args.cached_only, args.tesseract_baseline)
    sets = summary(rows)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    result = {"date": date.today().isoformat(), "commit": commit.strip(), "cores": os.cpu_count(),
              "wall_s": round(time.perf_counter() - started, 1), "cache": str(args.cache), "sets": sets, "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "real_pages.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print_report(rows, sets)
    print_fraktur(rows, sets)


if __name__ == "__main__":
    main()
