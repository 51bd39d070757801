"""Where one page's CPU goes: each stage's CPU seconds (user + system of this process and of its children, e.g.
Tesseract), and within them each engine call (rapidocr's reads and detections, Tesseract's reads), by who made it.

    python -m benchmarks.page_cpu PAGE [PAGE ...] [--set section.key=value ...] [--json FILE]

The models are loaded and warmed on a first page before anything is counted, as in a long run; every page is then
run through the stages `broadsheet run` builds. A `--set` changes one setting (e.g. `--set ocr.skip_figures=false`).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Tally:
    """CPU seconds and calls by label; nested labels are charged only to the innermost (the caller's share is its
    own time less its callees')."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []

    @contextmanager
    def charge(self, label: str) -> Iterator[None]:
        started = cpu_seconds()
        self._stack.append([0.0])
        try:
            yield
        finally:
            spent = cpu_seconds() - started
            inner = self._stack.pop()[0]
            self.seconds[label] += spent - inner
            self.calls[label] += 1
            if self._stack:
                self._stack[-1][0] += spent


def caller() -> str:
    """The broadsheet function that called the engine (outside the engine adapters)."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        if "/broadsheet/" in frame.filename and "/engines/" not in frame.filename:
            return f"{Path(frame.filename).stem}.{frame.name}"
    return "?"


def wrap(owner: type, method: str, tally: Tally, name: str) -> None:
    original: Callable[..., Any] = getattr(owner, method)

    def counted(self: object, *args: Any, **kwargs: Any) -> Any:
        with tally.charge(f"  {name}.{method} <- {caller()}"):
            return original(self, *args, **kwargs)

    setattr(owner, method, counted)


def parse_value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def settings_with(changes: list[str]) -> Any:
    from broadsheet.config import Settings

    data = Settings().model_dump()
    for change in changes:
        key, _, value = change.partition("=")
        *path, last = key.split(".")
        target = data
        for part in path:
            target = target[part]
        target[last] = parse_value(value)
    return Settings.model_validate(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--set", action="append", default=[], dest="changes")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from broadsheet.engines.rapid_ocr import RapidOcrEngine
    from broadsheet.engines.tesseract import TesseractEngine
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.page import build_stages, finalise, run_stage
    from broadsheet.stages.working_images import WorkingImages

    settings = settings_with(args.changes)
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="broadsheet-page-cpu-") as folder:
        images = WorkingImages(Path(folder))
        stages = build_stages(settings, images)
        pages = [page for path in args.pages for page in ingest_file(path, settings.ingest)]
        for page in pages[:1]:  # warm: the models load on their first call
            for stage in stages:
                page = run_stage(stage, page)
        wrap(RapidOcrEngine, "read", tally, "rapidocr")
        wrap(RapidOcrEngine, "detect", tally, "rapidocr")
        wrap(TesseractEngine, "read", tally, "tesseract")
        texts = {}
        started = cpu_seconds()
        for page in pages:
            for stage in stages:
                with tally.charge(stage.name):
                    page = run_stage(stage, page)
            page = finalise(page, settings.ocr.low_confidence, settings.qa)
            texts[page.source] = [line.text for region in page.regions for line in region.lines]
        total = cpu_seconds() - started
    report = {"pages": [str(p) for p in args.pages], "settings": args.changes, "cpu_s": round(total, 2),
              "cpu_s_per_page": round(total / len(pages), 2),
              "by_label": {label: {"cpu_s": round(seconds, 2), "calls": tally.calls[label]}
                           for label, seconds in sorted(tally.seconds.items(), key=lambda item: -item[1])},
              "lines": sum(map(len, texts.values())), "characters": sum(len("".join(t)) for t in texts.values()),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(report, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({**report, "text": texts}, ensure_ascii=False, indent=1))
    sys.exit(0)


if __name__ == "__main__":
    main()
