"""Pages of an issue processed at once without Prefect (RunConfig.page_workers): each worker thread with its own
engines, large pages one at a time, and nothing of it in what decides a processed page."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from broadsheet.config import RunConfig, Settings, TesseractConfig
from broadsheet.engines import engine_set, ocr_engine, use_engine_set
from broadsheet.model.page import Page
from broadsheet.run import issue as issue_module
from broadsheet.run.batch import page_cache_key
from broadsheet.run.issue import InlineTasks, page_workers


def _page(number: int, width: int = 2480, height: int = 3508) -> Page:
    return Page(id=f"p{number}", source=f"page_{number:02d}.jpg", sha256=f"{number:064x}", width=width,
                height=height)


def test_workers_are_bounded_by_the_pages_and_by_a_large_page() -> None:
    a4 = [_page(k) for k in range(8)]
    assert page_workers(a4, RunConfig()) == 2
    assert page_workers(a4[:1], RunConfig()) == 1, "no worker left idle"
    assert page_workers(a4, RunConfig(page_workers=1)) == 1
    large = [*a4, _page(9, 7100, 10590)]
    assert page_workers(large, RunConfig()) == 1, "a 75 MP page: one page at a time (memory)"
    assert page_workers(large, RunConfig(parallel_page_pixels=80_000_000)) == 2


def test_how_pages_are_scheduled_is_not_in_the_page_cache_key() -> None:
    page = _page(1)
    assert page_cache_key(page, Settings()) == page_cache_key(page, Settings(run=RunConfig(page_workers=1)))
    assert page_cache_key(page, Settings()) != page_cache_key(
        page, Settings(run=RunConfig(page_workers=1)).model_copy(update={"typing": Settings().typing.model_copy(
            update={"title_case_share": 0.9})})), "a setting that changes the page still does"


def test_each_engine_set_builds_its_own_engine() -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("needs Tesseract")
    config = TesseractConfig(languages="eng")
    built: dict[int, object] = {}

    def build(index: int) -> None:
        use_engine_set(index)
        built[index] = ocr_engine(config)

    for index in (0, 1):
        thread = threading.Thread(target=build, args=(index,))
        thread.start()
        thread.join()
    assert engine_set() == 0, "this thread's set is its own"
    assert built[0] is ocr_engine(config), "set 0 is the process's own engines"
    assert built[1] is not built[0]


def test_pages_are_processed_two_at_once_each_worker_with_its_engine_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    both_started = threading.Barrier(2, timeout=10)  # one page at a time would leave the first waiting: BrokenBarrier
    seen: dict[str, int] = {}

    def process(page: Page, settings: Settings, out: Path) -> tuple[Page, bool]:
        if page.id in ("p0", "p1"):
            both_started.wait()
        seen[page.id] = engine_set()
        if page.id == "p3":
            raise ValueError("a bad page")
        return page, False

    monkeypatch.setattr(issue_module, "process_cached", process)
    pages = [_page(k) for k in range(5)]
    results = {page.id: (result, error) for page, result, error in InlineTasks().process(pages, Settings(), tmp_path)}
    assert sorted(results) == ["p0", "p1", "p2", "p3", "p4"]
    assert {seen["p0"], seen["p1"]} == {0, 1}, "the two workers read with different engines"
    assert set(seen.values()) == {0, 1}
    assert isinstance(results["p3"][1], ValueError) and results["p3"][0] is None, "a failure comes back, not raised"
    assert results["p4"] == ((pages[4], False), None)
