"""Session fixtures: Prefect's test harness, and one real run over the bundled pages shared by many tests."""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.shared_data import pytest_runtest_logreport, pytest_sessionfinish  # noqa: F401  (the shared-data plugin)

if TYPE_CHECKING:
    from broadsheet.model.page import Page

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "samples" / "pages"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def bundled_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The real flow over every bundled page, once per session: OCR is the slow part of the suite."""
    from broadsheet.apps.flows.digitise import digitise_issue
    from broadsheet.ingest.issue import loose_issue

    out = tmp_path_factory.mktemp("bundled-run")
    summary = digitise_issue(loose_issue(sorted(BUNDLED.glob("*.jpg"))), str(out))
    return out, summary


@pytest.fixture(scope="session")
def small_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated page (150 dpi, two columns) that OCRs in a few seconds."""
    from samples.generator import generate_page, write_page

    page = generate_page("zh", "random", seed=3, width=1240, height=1754, dpi=150, degrade="light")
    return write_page(page, tmp_path_factory.mktemp("small-page"), "small")


@pytest.fixture(scope="session")
def small_issue(small_page: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An issue folder of two small generated pages (1240×1754 px, 150 dpi), no sidecar."""
    import shutil

    from samples.generator import generate_page, write_page

    folder = tmp_path_factory.mktemp("issues") / "small-times_2024-03-05"
    folder.mkdir()
    shutil.copy(small_page, folder / f"page_01{small_page.suffix}")
    second = generate_page("zh", "random", seed=5, width=1240, height=1754, dpi=150, degrade="light")
    write_page(second, folder, "page_02")
    return folder


@pytest.fixture(scope="session")
def small_issue_run(prefect_harness: None, small_issue: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, float]:
    """The digitise-issue flow over `small_issue`, locally, once per session: (OUT, summary, seconds)."""
    import time

    from broadsheet.apps.flows.digitise import digitise_issue
    from broadsheet.ingest.issue import load_issue

    out = tmp_path_factory.mktemp("small-issue-run")
    started = time.perf_counter()
    summary = digitise_issue(load_issue(small_issue), str(out))
    return out, summary, time.perf_counter() - started


@pytest.fixture(scope="session")
def jump_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Page]]:
    """Two small generated pages (150 dpi) of one issue, a story jumped from page 1 to page 4, through every
    page stage; `page_number` set as ingest would from the issue's sidecar."""
    from broadsheet.config import Settings
    from broadsheet.ingest.files import ingest_file
    from broadsheet.run.page import build_stages, process_page
    from broadsheet.stages.working_images import WorkingImages
    from samples.generator import generate_jump_pair, write_page

    folder = tmp_path_factory.mktemp("jump-pair")
    settings = Settings()
    pages: list[Page] = []
    generated = generate_jump_pair("zh", seed=3, width=1240, height=1754, dpi=150)
    for number, page_image in zip((1, 4), generated, strict=True):
        [page] = ingest_file(write_page(page_image, folder, f"page{number}"))
        page = process_page(page, build_stages(settings, WorkingImages(folder / ".work")), settings)
        pages.append(page.model_copy(update={"page_number": number}))
    return folder, pages
