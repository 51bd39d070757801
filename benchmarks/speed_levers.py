"""Issue #17's speed and memory figures: start-up, each speed lever alone, a whole issue, its cached re-run, peak RSS
on very large pages, and Dask scale-out. Every figure is a ratio against a baseline measured in the same run,
interleaved with it and repeated; wall time and CPU time (user + system, the process and its children) are both kept,
and the load average before and after each section, because the 2-core machines are shared.

    python -m benchmarks.speed_levers startup    # one A4 page: `broadsheet run` against the raw engine alone
    python -m benchmarks.speed_levers levers     # each lever on its own, on two A4 pages and a Fraktur page
    python -m benchmarks.speed_levers issue      # an 8-page A4 300-dpi issue: pages/min, body CER, cached re-run
    python -m benchmarks.speed_levers memory     # peak RSS on a 7100x10590 bitonal page and a 6000x9000 colour page
    python -m benchmarks.speed_levers admission [--before CHECKOUT]  # pages at once by memory: peak RSS and CPU
    python -m benchmarks.speed_levers dask       # the 8-page issue on a Dask LocalCluster of 1 and of 2 workers
    python -m benchmarks.speed_levers script-check  # the script check's long s counted by Fraktur+frk and by Fraktur
    python -m benchmarks.speed_levers all

Results: benchmarks/results/speed_levers.json (each section replaced as it is measured).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "speed_levers.json"
SHARED = ROOT.parent / "shared"
ISSUE_NAME = "benchmark-times_2026-12-01"
OCR_BEGINS = "OCR of "
ENV = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
       "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600"}


def load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3),
            "n": len(values)}


# ------------------------------------------------------------------------------------------- child processes

def run_child(command: list[str], marker: str | None = None, code: Path = ROOT) -> dict[str, Any]:
    """A fresh process: wall and CPU seconds (its own and its children's), peak RSS, and when `marker` first showed
    in its output (seconds from the start). It runs in `code`, so that `python -m broadsheet` is that checkout's."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=code, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: dict[str, float] = {}
    lines: list[str] = []

    def watch() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if marker and marker in line and "marker" not in seen:
                seen["marker"] = time.perf_counter() - started

    reader = threading.Thread(target=watch)
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 6):
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{''.join(lines[-30:])}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "first_ocr": seen.get("marker"), "output": "".join(lines[-5:])}


def broadsheet(*args: str) -> list[str]:
    return [sys.executable, "-m", "broadsheet", *args]


def child(mode: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.speed_levers", "--child", mode, *args]


def raw_engine(image: str, backend: str) -> None:
    """The engine alone, as a user would call it: rapidocr's page call at native resolution on the same runtime."""
    import cv2
    from rapidocr import RapidOCR

    from broadsheet.config import RapidOcrConfig
    from broadsheet.engines.rapid_ocr import rapidocr_params, wheel_models

    engine = RapidOCR(params=rapidocr_params(RapidOcrConfig(), backend, wheel_models()))
    started = time.perf_counter()
    result = engine(cv2.imread(image), use_cls=False, return_word_box=True)
    print(json.dumps({"engine_seconds": time.perf_counter() - started, "lines": len(result.txts or ())}))


# ------------------------------------------------------------------------------------------- sections

def a4_page() -> Path:
    return ROOT / "samples" / "pages" / "zh_two_articles.jpg"


def startup(repeats: int) -> dict[str, Any]:
    """`broadsheet run` on one A4 page in a fresh process, whole, against the raw engine alone in a fresh process, on
    the same runtime: inline (the default for one page) and with Prefect (its start overlapped with loading)."""
    from broadsheet.config import RapidOcrConfig
    from broadsheet.engines.rapid_ocr import RapidOcrEngine

    backend = RapidOcrEngine(RapidOcrConfig()).backend
    page = str(a4_page())
    rows: dict[str, list[dict[str, Any]]] = {"raw": [], "inline": [], "prefect": []}
    before = load()
    with tempfile.TemporaryDirectory(prefix="broadsheet-startup-") as folder:
        for k in range(repeats):
            raw = run_child(child("raw", page, backend))
            raw["engine_seconds"] = json.loads(raw["output"].strip().splitlines()[-1])["engine_seconds"]
            rows["raw"].append(raw)
            for mode in ("inline", "prefect"):
                out = Path(folder) / f"{mode}-{k}"
                prefect = "never" if mode == "inline" else "always"
                rows[mode].append(run_child(broadsheet("run", page, "--out", str(out), "--prefect", prefect,
                                                       "--verbose"), OCR_BEGINS))
    result: dict[str, Any] = {"page": Path(page).name, "runtime": backend, "load_before": before, "load_after": load()}
    for mode in ("inline", "prefect"):
        result[mode] = {
            "wall_s": spread([r["wall"] for r in rows[mode]]),
            "cpu_s": spread([r["cpu"] for r in rows[mode]]),
            "first_ocr_s": spread([r["first_ocr"] or float("nan") for r in rows[mode]]),
            "ratio_wall_to_raw_engine_call": spread([r["wall"] / raw["engine_seconds"]
                                                     for r, raw in zip(rows[mode], rows["raw"], strict=True)]),
            "ratio_wall_to_raw_process": spread([r["wall"] / raw["wall"]
                                                 for r, raw in zip(rows[mode], rows["raw"], strict=True)]),
            "ratio_cpu_to_raw_process": spread([r["cpu"] / raw["cpu"]
                                                for r, raw in zip(rows[mode], rows["raw"], strict=True)]),
        }
    result["raw"] = {"engine_call_s": spread([r["engine_seconds"] for r in rows["raw"]]),
                     "process_wall_s": spread([r["wall"] for r in rows["raw"]]),
                     "process_cpu_s": spread([r["cpu"] for r in rows["raw"]])}
    return result


class CpuTimer:
    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __call__(self, run: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return run()
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


def levers(repeats: int) -> dict[str, Any]:
    """Each lever alone, against the setting it replaces, on the same prepared pages, interleaved and repeated."""
    from broadsheet.config import OcrConfig, OrientationConfig, RapidOcrConfig, Settings, TesseractConfig
    from broadsheet.engines import layout_engine, rotation_classifier
    from broadsheet.engines.rapid_ocr import RapidOcrEngine
    from broadsheet.engines.tesseract import TesseractEngine
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.output import write_page
    from broadsheet.run.page import build_stages, process_page
    from broadsheet.serialise import validate
    from broadsheet.stages.layout import Layout
    from broadsheet.stages.ocr import Ocr, read_tiles
    from broadsheet.stages.orientation import Orientation
    from broadsheet.stages.preprocess import Preprocess
    from broadsheet.stages.working_images import WorkingImages

    settings = Settings()
    before = load()
    work = Path(tempfile.mkdtemp(prefix="broadsheet-levers-"))
    images = WorkingImages(work / ".work")
    pages = []
    for name in ("zh_two_articles.jpg", "en_two_articles.jpg"):
        image = ROOT / "samples" / "pages" / name
        [page] = ingest_file(image)
        page = Preprocess(settings.preprocess, images)(page)
        pages.append(Layout(layout_engine(settings.layout), settings.layout, images)(page))
    engines = {"onnxruntime": RapidOcrEngine(RapidOcrConfig(backend="onnxruntime")),
               "openvino": RapidOcrEngine(RapidOcrConfig(backend="openvino")),
               "openvino, rec batch 24": RapidOcrEngine(RapidOcrConfig(backend="openvino", rec_batch=24))}
    timers = {name: CpuTimer() for name in engines}
    texts: dict[str, list[list[str]]] = {name: [] for name in engines}
    for _ in range(repeats):
        for page in pages:
            image = images.read(page)
            for name, engine in engines.items():
                lines = timers[name](lambda engine=engine, image=image: read_tiles(engine, image, 2600, 2000, 400))
                texts[name].append([line.text for line in lines])
    runtime = {name: {"wall_s": round(t.wall, 2), "cpu_s": round(t.cpu, 2)} for name, t in timers.items()}
    base = timers["onnxruntime"]
    for name, t in timers.items():
        runtime[name].update({"wall_ratio": round(t.wall / base.wall, 3), "cpu_ratio": round(t.cpu / base.cpu, 3),
                              "same_text": texts[name] == texts["onnxruntime"]})

    orientation_timers = {"ocr-sample": CpuTimer(), "model": CpuTimer()}
    turns: dict[str, list[int]] = {name: [] for name in orientation_timers}
    engine = engines["openvino"]
    rotation_classifier()
    for _ in range(repeats):
        for page in pages:
            for method, timer in orientation_timers.items():
                stage = Orientation(engine, images, OrientationConfig(method=method))  # type: ignore[arg-type]
                turned = timer(lambda stage=stage, page=page: stage(page))
                turns[method].append(int(turned.steps[-1].settings["quarter_turns"]))
    orientation = {m: {"wall_s": round(t.wall, 2), "cpu_s": round(t.cpu, 2)} for m, t in orientation_timers.items()}
    by_reading = orientation_timers["ocr-sample"]
    orientation["model"]["wall_ratio"] = round(orientation_timers["model"].wall / by_reading.wall, 3)
    orientation["model"]["cpu_ratio"] = round(orientation_timers["model"].cpu / by_reading.cpu, 3)
    orientation["model"]["same_verdicts"] = turns["model"] == turns["ocr-sample"]

    # Validation: what a fresh process pays to compile, and what each page's TEI and ALTO cost to check.
    compile_s = validate.preload()
    processed = [process_page(page, build_stages(settings, images), settings) for page in pages[:1]]
    write_timers = {"tei_all + ours": CpuTimer(), "ours (restriction)": CpuTimer()}
    for k in range(repeats):
        for name, timer in write_timers.items():
            timer(lambda name=name, k=k: write_page(processed[0], work / f"out-{name[:4]}-{k}",
                                                    tei_all=name.startswith("tei_all")))
    validation = {"compile_s": {name: round(s, 2) for name, s in compile_s.items()},
                  "write_and_validate_one_page_s": {n: round(t.wall / repeats, 3) for n, t in write_timers.items()}}

    tesseract: dict[str, Any] = {}
    kant = SHARED / "real" / "kant_aufklaerung_1784" / "data" / "OCR-D-IMG" / "INPUT_0017.tif"
    if kant.is_file():
        [page] = ingest_file(kant)
        page = Preprocess(settings.preprocess, images)(page)
        page = Layout(layout_engine(settings.layout), settings.layout, images)(page)
        readers = {n: TesseractEngine(TesseractConfig(languages="Fraktur+frk", heavy_noise_removal=True, processes=n))
                   for n in (1, 2)}
        tess_timers = {n: CpuTimer() for n in readers}
        for _ in range(repeats):
            for n, reader in readers.items():
                stage = Ocr(reader, OcrConfig(tile_width=1000, tile_height=700), images)
                tess_timers[n](lambda stage=stage: stage(page))
        tesseract = {f"{n} process(es)": {"wall_s": round(t.wall, 2)} for n, t in tess_timers.items()}
        tesseract["wall_ratio_2_to_1"] = round(tess_timers[2].wall / tess_timers[1].wall, 3)
        tesseract["note"] = "Kant page 17 in tiles of at most 1000x700 px (smaller than the default, so that a page " \
                            "has several tiles to share out)"
    return {"pages": [p.source for p in pages], "repeats": repeats, "load_before": before, "load_after": load(),
            "ocr_runtime": runtime, "orientation": orientation, "validation": validation, "tesseract": tesseract}


def make_issue(folder: Path) -> Path:
    """Eight generated A4 300-dpi pages, Chinese and English alternating, light scan damage, with ground truth."""
    from samples.generator import generate_page, write_page

    issue = folder / ISSUE_NAME
    for number in range(1, 9):
        page = generate_page("zh" if number % 2 else "en", "random", seed=100 + number, degrade="light")
        write_page(page, issue, f"page_{number:02d}")
    return issue


def body_cer(out: Path, truth: Path) -> float:
    from evaluation.generated import evaluate_run

    return evaluate_run(out, truth).body_cer


def issue_run(folder: Path, baseline_out: Path | None) -> dict[str, Any]:
    """The 8-page issue through `broadsheet run` (Prefect, default settings), then the same again (every page from the
    cache: run inline, nothing to orchestrate), then forced through Prefect again; body CER against the truth and, when
    given, against a run of the code before these levers on the same pages."""
    issue = make_issue(folder)
    out = folder / "out"
    before = load()
    first = run_child(broadsheet("run", str(issue), "--out", str(out), "--quiet"))
    cached = run_child(broadsheet("run", str(issue), "--out", str(out), "--quiet"))
    cached_prefect = run_child(broadsheet("run", str(issue), "--out", str(out), "--quiet", "--prefect", "always"))
    result = {"pages": 8, "page_size": "2480x3508 px, 300 dpi", "load_before": before, "load_after": load(),
              "first_run": {"wall_s": round(first["wall"], 1), "cpu_s": round(first["cpu"], 1),
                            "pages_per_minute_wall": round(8 * 60 / first["wall"], 2),
                            "cpu_s_per_page": round(first["cpu"] / 8, 1)},
              "cached_rerun": {"wall_s": round(cached["wall"], 2), "cpu_s": round(cached["cpu"], 2),
                               "ratio": round(cached["wall"] / first["wall"], 4),
                               "cpu_ratio": round(cached["cpu"] / first["cpu"], 4)},
              "cached_rerun_prefect": {"wall_s": round(cached_prefect["wall"], 2),
                                       "cpu_s": round(cached_prefect["cpu"], 2),
                                       "ratio": round(cached_prefect["wall"] / first["wall"], 4)},
              "body_cer": round(body_cer(out, issue), 5)}
    if baseline_out and (baseline_out / "manifest.json").is_file():
        result["baseline_body_cer"] = round(body_cer(baseline_out, issue), 5)
    return result


def colour_page(folder: Path) -> Path:
    """A 6000x9000 colour scan: a generated page in the paper's warm tone and the ink's, as a camera or colour
    scanner sees a newsprint page."""
    from PIL import Image

    from samples.generator import generate_page, write_page

    generated = generate_page("zh", "random", seed=9, width=6000, height=9000, dpi=400, degrade="light")
    gray = write_page(generated, folder, "colour_6000x9000")
    colour = folder / "colour_6000x9000.png"
    with Image.open(gray) as im:
        rgb = Image.merge("RGB", [im.convert("L").point(lambda v, k=k: int(v * k)) for k in (1.0, 0.93, 0.82)])
        rgb.save(colour)
    return colour


def gbn_pages() -> list[Path]:
    return sorted((SHARED / "real" / "gbn_german_brazilian_newspapers_part2" / "GT-PAGE").glob("*.png"))


def memory() -> dict[str, Any]:
    """Peak RSS of a whole `broadsheet run` on one very large page, in a fresh process each (default settings)."""
    from PIL import Image

    rows: dict[str, Any] = {"load_before": load()}
    with tempfile.TemporaryDirectory(prefix="broadsheet-memory-") as folder:
        pages = {"colour 6000x9000": colour_page(Path(folder))}
        gbn = gbn_pages()
        if gbn:
            with Image.open(gbn[0]) as im:
                pages[f"bitonal {im.width}x{im.height} ({gbn[0].name})"] = gbn[0]
        runs = [(name, path, "auto") for name, path in pages.items()]
        if gbn:  # Fraktur goes to Tesseract; read it with rapidocr too, to see OpenVINO's memory on the largest page
            runs.append((f"{next(reversed(pages))}, --engine rapidocr (OpenVINO)", gbn[0], "rapidocr"))
        for name, path, engine in runs:
            out = Path(folder) / "out" / f"{path.stem}-{engine}"
            run = run_child(broadsheet("run", str(path), "--out", str(out), "--quiet", "--engine", engine))
            rows[name] = {"peak_rss_mb": round(run["peak_rss_mb"]), "wall_s": round(run["wall"], 1),
                          "cpu_s": round(run["cpu"], 1)}
    rows["load_after"] = load()
    return rows


def pages_at_once(out: Path) -> list[list[str]]:
    """The pairs of pages whose processing overlapped in a run, from the steps each page's JSON records (the issue's
    own steps, after every page is processed, left out)."""
    from datetime import datetime, timedelta

    spans = {}
    for path in sorted((out / "pages").glob("*.json")):
        steps = [step for step in json.loads(path.read_text())["steps"]
                 if step.get("started") and step["stage"] != "join-continuations"]
        starts = [datetime.fromisoformat(step["started"].replace("Z", "+00:00")) for step in steps]
        spans[path.stem] = (min(starts), max(start + timedelta(seconds=step.get("seconds") or 0)
                                             for start, step in zip(starts, steps, strict=True)))
    return [[a, b] for a in spans for b in spans if a < b and spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]]


def admission(folder: Path, before: Path | None, only: list[str] | None) -> dict[str, Any]:
    """Which pages run at once under the memory admission rule (RunConfig.memory_budget_mb), and the peak RSS and CPU
    of whole `broadsheet run`s (a fresh process each, default settings): two A4 pages (at once), an issue of two A4
    pages and the 6000x9000 colour page (the A4 pages at once, the colour page alone), and an issue of two 7100x10590
    bitonal GBN pages (one at a time). With `before`, a checkout of the code before, run on the same issues
    interleaved (its 12 MP bound ran the mixed issue a page at a time). `only`: these of the issues (a4, mixed,
    gbn)."""
    import shutil

    from samples.generator import generate_page, write_page

    issues = {"a4": ("two A4", folder / "two_a4"), "mixed": ("two A4 + colour 6000x9000", folder / "mixed")}
    for _, issue in issues.values():
        for number in (1, 2):
            write_page(generate_page("zh" if number % 2 else "en", "random", seed=100 + number, degrade="light"),
                       issue, f"page_{number:02d}")
    if not only or "mixed" in only:
        shutil.move(colour_page(folder), issues["mixed"][1] / "page_03.png")
    gbn = [path for path in gbn_pages() if path.stem.startswith("DerPionier")][:2]  # the 7100x10590 pages
    if gbn:
        issues["gbn"] = ("two GBN 7100x10590", folder / "gbn")
        (folder / "gbn").mkdir(exist_ok=True)
        for path in gbn:
            shutil.copy(path, folder / "gbn" / path.name)
    codes = {"after": ROOT, **({"before": before} if before else {})}
    rows: dict[str, Any] = {"load_before": load()}
    for key, (name, issue) in issues.items():
        if only and key not in only:
            continue
        for label, code in codes.items():
            if label == "before" and key == "gbn":
                continue  # one page at a time under both rules
            out = folder / "out" / f"{issue.name}-{label}"
            run = run_child(broadsheet("run", str(issue), "--out", str(out), "--quiet"), code=code)
            rows.setdefault(name, {})[label] = {"peak_rss_mb": round(run["peak_rss_mb"]), "cpu_s": round(run["cpu"], 1),
                                                "wall_s": round(run["wall"], 1), "load": load(),
                                                "at_once": pages_at_once(out)}
            print(json.dumps({name: rows[name]}), flush=True)
    return rows


def dask(folder: Path) -> dict[str, Any]:
    """The 8-page issue on a Dask LocalCluster of 1 and of 2 workers, one thread each, in this process."""
    from distributed import LocalCluster

    from broadsheet.apps.flows.digitise import dask_task_runner, digitise_issue
    from broadsheet.ingest.issue import load_issue

    issue = folder / ISSUE_NAME if (folder / ISSUE_NAME).is_dir() else make_issue(folder)
    rows: dict[str, Any] = {"load_before": load()}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
            started = time.perf_counter()
            summary = digitise_issue.with_options(task_runner=dask_task_runner(cluster.scheduler_address))(
                load_issue(issue), str(folder / f"dask-{workers}"))
            seconds = time.perf_counter() - started
        rows[f"{workers} worker(s)"] = {"wall_s": round(seconds, 1), "pages": summary.pages,
                                        "pages_per_minute": round(60 * summary.pages / seconds, 2)}
    rows["speed_up_2_to_1"] = round(rows["1 worker(s)"]["wall_s"] / rows["2 worker(s)"]["wall_s"], 3)
    rows["load_after"] = load()
    return rows


def script_check(folder: Path) -> dict[str, Any]:
    """The script decision on every real page at hand and the 8 generated issue pages (routing.detect_script on each
    page's routing sample), its long s counted by the blackletter engine's models (Fraktur+frk, before) and by
    `ScriptRoutingConfig.check_languages` (after): the same decision, and the Tesseract CPU of the count."""
    import resource

    import numpy as np
    from PIL import Image

    from broadsheet.config import ScriptRoutingConfig
    from broadsheet.engines import ocr_engine
    from broadsheet.engines.routing import detect_script, sample_tile
    from broadsheet.engines.tesseract import TesseractEngine

    config = ScriptRoutingConfig()
    default = ocr_engine(config.default)
    counters = {"before": TesseractEngine(config.blackletter),
                "after": TesseractEngine(config.blackletter.model_copy(update={"languages": config.check_languages}))}
    issue = folder / ISSUE_NAME if (folder / ISSUE_NAME).is_dir() else make_issue(folder)
    real = SHARED / "real"
    pages = [*sorted((real / "kant_aufklaerung_1784" / "data" / "OCR-D-IMG").glob("*.tif")),
             *sorted((real / "nzz_black_letter_gt" / "img").glob("*.tif")),
             *sorted((real / "gbn_german_brazilian_newspapers_part2" / "GT-PAGE").glob("*.png")),
             *sorted((real / "topaz_times_1944" / "pages" / "images").glob("*.tif")), *sorted(issue.glob("*.jpg"))]
    Image.MAX_IMAGE_PIXELS = None
    rows = []
    for path in pages:
        with Image.open(path) as image:
            sample = sample_tile(np.asarray(image.convert("L")))
        row: dict[str, Any] = {"page": path.name}
        for name, counter in counters.items():
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            decision = detect_script(sample, default, counter)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            row[name] = {"script": decision.script, "long_s_share": decision.long_s_share and round(
                decision.long_s_share, 4), "tesseract_cpu_s": round(after.ru_utime + after.ru_stime - used.ru_utime
                                                                    - used.ru_stime, 2)}
        rows.append(row)
    checked = [r for r in rows if r["before"]["long_s_share"] is not None]
    return {"pages": len(rows), "pages_checked": len(checked), "languages": [config.blackletter.languages,
                                                                            config.check_languages],
            "same_decision": sum(r["before"]["script"] == r["after"]["script"] for r in rows),
            "tesseract_cpu_s": {name: round(sum(r[name]["tesseract_cpu_s"] for r in checked), 2)
                                for name in counters}, "rows": rows, "load_after": load()}


def save(section: str, result: dict[str, Any]) -> None:
    report = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    report[section] = {"date": date.today().isoformat(), "commit": commit.strip(), "cores": os.cpu_count(), **result}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({section: report[section]}, indent=1, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("section", nargs="?",
                        choices=("startup", "levers", "issue", "memory", "admission", "dask", "script-check", "all"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--baseline-out", type=Path, help="a run of the same 8 pages by the code before (for CER)")
    parser.add_argument("--before", type=Path, help="admission: a checkout of the code before, run interleaved")
    parser.add_argument("--issues", nargs="+", choices=("a4", "mixed", "gbn"), help="admission: only these issues")
    parser.add_argument("--work", type=Path, help="folder for the issue and its outputs (default: a temporary one)")
    args = parser.parse_args()
    if args.child:
        raw_engine(*args.child[1:])
        return
    os.environ.update({k: v for k, v in ENV.items() if k.startswith(("DO_NOT", "PREFECT"))})
    work = args.work or Path(tempfile.mkdtemp(prefix="broadsheet-speed-"))
    sections = ("startup", "levers", "issue", "memory", "dask") if args.section == "all" else (args.section,)
    for section in sections:
        if section == "startup":
            save(section, startup(args.repeats))
        elif section == "levers":
            save(section, levers(args.repeats))
        elif section == "issue":
            save(section, issue_run(work, args.baseline_out))
        elif section == "memory":
            save(section, memory())
        elif section == "admission":
            save("-".join([section, *(args.issues or ())]), admission(work, args.before, args.issues))
        elif section == "script-check":
            save(section, script_check(work))
        elif section == "dask":
            from prefect.testing.utilities import prefect_test_harness

            with prefect_test_harness(server_startup_timeout=600):
                save(section, dask(work))


if __name__ == "__main__":
    main()
