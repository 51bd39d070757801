"""Pages of an issue processed at once without Prefect (RunConfig.page_workers): each worker thread with its own
engines, a large page alone (memory), and nothing of it in what decides a processed page."""

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
from broadsheet.run.issue import InlineTasks, admitted, page_memory_mb


def _page(number: int, width: int = 2480, height: int = 3508) -> Page:
    return Page(id=f"p{number}", source=f"page_{number:02d}.jpg", sha256=f"{number:064x}", width=width,
                height=height)


def test_a_page_is_admitted_while_the_estimated_memory_stays_within_the_budget() -> None:
    a4, large = _page(1), _page(2, 7100, 10590)
    config = RunConfig()
    assert admitted(a4, [_page(0)], config), "two A4 pages at once"
    assert not admitted(a4, [large], config) and not admitted(large, [a4], config), "a 75 MP page runs alone"
    assert admitted(large, [], config), "with none in flight a page always starts, however large"
    assert not admitted(a4, [_page(0)], RunConfig(page_workers=1)), "no more pages than workers"
    assert not admitted(a4, [_page(0)], RunConfig(memory_budget_mb=0)), "0: one page at a time"
    pair = config.process_memory_mb + 2 * page_memory_mb(a4, config)
    assert admitted(a4, [_page(0)], RunConfig(memory_budget_mb=round(pair + 1)))
    assert not admitted(a4, [_page(0)], RunConfig(memory_budget_mb=round(pair - 1))), "the budget is the bound"
    assert page_memory_mb(large, config) > page_memory_mb(a4, config), "the estimate grows with the pixels"


def test_a_large_page_waits_for_the_pages_before_it_and_runs_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before, after = threading.Barrier(2, timeout=10), threading.Barrier(2, timeout=10)
    pairs = {"p0": before, "p1": before, "p3": after, "p4": after}
    large_started = threading.Event()
    lock = threading.Lock()
    in_flight: set[str] = set()
    beside: dict[str, set[str]] = {}

    def process(page: Page, settings: Settings, out: Path) -> tuple[Page, bool]:
        with lock:
            in_flight.add(page.id)
            beside[page.id] = set(in_flight)
        if page.id == "p2":
            large_started.set()
        barrier = pairs.get(page.id)
        if barrier is not None:
            barrier.wait()  # the two small pages of a pair run at once, or the barrier breaks: an error
        if page.id == "p1":
            large_started.wait(0.3)  # p0 is done: time for the large page to start, were it let in beside p1
        with lock:
            in_flight.discard(page.id)
        return page, False

    monkeypatch.setattr(issue_module, "process_cached", process)
    pages = [_page(0), _page(1), _page(2, 7100, 10590), _page(3), _page(4)]
    order = [page.id for page, _, error in InlineTasks().process(pages, Settings(), tmp_path) if error is None]
    assert sorted(order) == ["p0", "p1", "p2", "p3", "p4"], "each pair of small pages ran at once"
    assert beside["p2"] == {"p2"}, "the large page started with none beside it ..."
    assert all("p2" not in pages for name, pages in beside.items() if name != "p2"), "... and none started beside it"


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
