"""The one way a test reaches `../shared` (real pages, the seed page): skip with the reason where it is absent, and
a pytest plugin that fails the session where it is present but a test skipped for want of it anyway.

A fresh clone has no `../shared`, so its data tests skip, each saying what it missed. CI has it beside the clone
and sets BROADSHEET_REQUIRE_SHARED=1 (the Makefile's test target does, when `../shared` exists): there a data test
that skipped (a folder renamed, a file moved) fails the run instead of silently no longer running.

    from tests.shared_data import needs_shared, require_shared, shared_path

    KANT = shared_path("real", "kant_aufklaerung_1784", "data")

    @needs_shared(KANT)
    def test_kant(): ...

    def test_seed():
        seed = require_shared(shared_path("seed", "000_0c233a0afbadcdcb.txt"))
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
REQUIRE_SHARED_ENV = "BROADSHEET_REQUIRE_SHARED"
SKIP_MARK = "shared data absent:"
"""Every skip for want of shared data says this, so the plugin below can tell those skips from any other."""


def shared_path(*parts: str) -> Path:
    return SHARED.joinpath(*parts)


def _reason(path: Path) -> str:
    return f"{SKIP_MARK} {path} is not here (../shared beside the clone holds it; see ../shared/real/README.md)"


def require_shared(path: Path) -> Path:
    """The path, or skip the test (or fixture) calling this, naming what is missing."""
    if not path.exists():
        pytest.skip(_reason(path))
    return path


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """A skipif mark for a test that reads `path` under ../shared."""
    return pytest.mark.skipif(not path.exists(), reason=_reason(path))


# --------------------------------------------------------------------------------- the plugin (tests/conftest.py)

_skipped: list[str] = []


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and SKIP_MARK in _skip_reason(report):
        _skipped.append(f"{report.nodeid}: {_skip_reason(report)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(REQUIRE_SHARED_ENV) == "1" and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{REQUIRE_SHARED_ENV}=1 (../shared is present), yet {len(_skipped)} test(s) skipped for want of "
                 "shared data:", *(f"  {line}" for line in _skipped)]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
