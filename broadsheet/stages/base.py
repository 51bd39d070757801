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

from broadsheet.model.geometry import Polygon, union_box
from broadsheet.model.page import Line, Page, ProcessingStep


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


def record_issue_step(pages: list[Page], stage: str, software: str, version: str,
                      settings: list[dict[str, str | int | float | bool | None]]) -> None:
    """A processing step on each of the pages a stage worked on together (an issue's), each with its settings.

    Such a stage is a pure function of its pages, run again on every write of them, cached or not, and on pages that
    hold its step from an earlier run (the review app joins the pages a run wrote): the step replaces that one, is
    dated as of its input (when the last of the pages was processed) and records no time of its own, so that the
    same pages give the same bytes (the TEI dates its text, and the ALTO each step, from the steps).
    """
    earlier = [[step for step in page.steps if step.stage != stage] for page in pages]
    ready = max((step.started for steps in earlier for step in steps), default=None)
    if ready is None:
        return  # no page was processed: there was nothing to work on
    for page, steps, own in zip(pages, earlier, settings, strict=True):
        page.steps = [*steps, ProcessingStep(stage=stage, software=software, version=version, settings=own,
                                             started=ready)]


def rules_version(prefix: str, modules: tuple[ModuleType, ...], config: BaseModel | None = None,
                  **other_settings: float) -> str:
    """A stage's recorded version, derived from its rules: the source of the modules that hold them and its settings
    (its config, and any it takes from another stage's, by name).

    A hand-kept version string stays put while rules change; this one cannot.
    """
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    if config is not None:
        digest.update(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode())
    if other_settings:
        digest.update(json.dumps(other_settings, sort_keys=True).encode())
    return f"{prefix}-{digest.hexdigest()[:12]}"


class PageRules:
    """A stage whose rules change the page in place (a subclass's `apply`): run on a copy, recorded as one step,
    versioned by the source of the modules that hold its rules."""

    name: str
    modules: tuple[ModuleType, ...]

    def __init__(self) -> None:
        self.version = rules_version(self.name, self.modules)

    def apply(self, page: Page) -> None:
        raise NotImplementedError

    def __call__(self, page: Page) -> Page:
        page = page.model_copy(deep=True)
        with recorded_step(page, self.name, "broadsheet", self.version, {}):
            self.apply(page)
        return page


def to_working(page: Page, polygon: Polygon) -> Polygon:
    """The polygon in the deskewed working image, where columns are straight."""
    return polygon.transform(page.transform.to_working)


def lines_box(page: Page, lines: list[Line]) -> Polygon:
    """The box around some lines, drawn upright in the working image and mapped back to the source.

    Turned back through the skew, an upright box over a wide row of lines reaches past the page's edge: it is
    clamped to the page, so every coordinate written stays on it.
    """
    box = union_box(to_working(page, line.polygon) for line in lines).transform(page.transform.to_source)
    return box.clamp(page.width, page.height) if page.width and page.height else box


def region_ids(page: Page) -> Iterator[str]:
    """Fresh region ids for this page, numbered after the highest one in use."""
    used = [int(r.id.rsplit("-r", 1)[1]) for r in page.regions if r.id.rsplit("-r", 1)[-1].isdigit()]
    for number in itertools.count(max(used, default=0) + 1):
        yield f"{page.id}-r{number}"
