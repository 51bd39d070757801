"""The stage contract: a callable configured at construction, page in, enriched page out."""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Protocol

from pydantic import BaseModel

from pipeline.geometry import Polygon, union_box
from pipeline.model import Line, Page, ProcessingStep


class Stage(Protocol):
    name: str

    def __call__(self, page: Page) -> Page: ...


@contextmanager
def recorded_step(
    page: Page, stage: str, software: str, version: str, settings: dict[str, str | int | float | bool | None]
) -> Iterator[ProcessingStep]:
    """Append a processing-step record to the page, timed over the block it wraps."""
    step = ProcessingStep(stage=stage, software=software, version=version, settings=settings)
    started = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = round(time.perf_counter() - started, 4)
        page.steps.append(step)


def rules_version(prefix: str, modules: tuple[ModuleType, ...], config: BaseModel | None = None) -> str:
    """A stage's recorded version, derived from its rules: the source of the modules that hold them and its settings.

    A hand-kept version string stays put while rules change; this one cannot.
    """
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    if config is not None:
        digest.update(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode())
    return f"{prefix}-{digest.hexdigest()[:12]}"


def to_working(page: Page, polygon: Polygon) -> Polygon:
    """The polygon in the deskewed working image, where columns are straight."""
    return polygon.transform(page.transform.to_working)


def lines_box(page: Page, lines: list[Line]) -> Polygon:
    """The box around some lines, drawn upright in the working image and mapped back to the source."""
    return union_box(to_working(page, line.polygon) for line in lines).transform(page.transform.to_source)


def region_ids(page: Page) -> Iterator[str]:
    """Fresh region ids for this page, numbered after the highest one in use."""
    used = [int(r.id.rsplit("-r", 1)[1]) for r in page.regions if r.id.rsplit("-r", 1)[-1].isdigit()]
    for number in itertools.count(max(used, default=0) + 1):
        yield f"{page.id}-r{number}"


def renumbered(region_id: str, lines: list[Line]) -> list[Line]:
    """Lines moved into a region take ids under it, so ids keep saying where an element lives."""
    return [
        line.model_copy(update={"id": f"{region_id}-l{k}", "words": [
            word.model_copy(update={"id": f"{region_id}-l{k}-w{j}"}) for j, word in enumerate(line.words, start=1)]})
        for k, line in enumerate(lines, start=1)
    ]
