"""Session fixtures: Prefect's test harness, and one real run over the bundled pages shared by many tests."""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "samples" / "pages"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def bundled_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The real flow over every bundled page, once per session: OCR is the slow part of the suite."""
    from flows.digitise import digitise_pages

    out = tmp_path_factory.mktemp("bundled-run")
    summary = digitise_pages(sorted(str(p) for p in BUNDLED.glob("*.jpg")), str(out))
    return out, summary


@pytest.fixture(scope="session")
def small_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated page (150 dpi, two columns) that OCRs in a few seconds."""
    from samples.generator import generate_page, write_page

    page = generate_page("zh", "random", seed=3, width=1240, height=1754, dpi=150, degrade="light")
    return write_page(page, tmp_path_factory.mktemp("small-page"), "small")
