"""Tests that need ../shared skip with their reason where it is absent, and fail the run where it is present."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.shared_data import REQUIRE_SHARED_ENV, SKIP_MARK

DATA_TEST = '''
from tests.shared_data import needs_shared, require_shared, shared_path

MISSING = shared_path("no-such-folder-{tag}")


def test_reads_shared_data_in_a_fixture_or_body():
    require_shared(MISSING)


@needs_shared(MISSING)
def test_marked():
    pass


def test_other():
    pass
'''


def _pytest(folder: Path, require: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, REQUIRE_SHARED_ENV: require, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "-p", "tests.shared_data", str(folder)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("require", ["0", "1"])
def test_shared_data_skips_say_why_and_fail_the_run_when_required(tmp_path: Path, require: str) -> None:
    (tmp_path / f"test_data_{require}.py").write_text(DATA_TEST.replace("{tag}", require))
    done = _pytest(tmp_path, require)
    assert "2 skipped" in done.stdout and "1 passed" in done.stdout, done.stdout
    assert done.stdout.count(SKIP_MARK) >= 2, "each skip names what is missing"
    if require == "1":
        assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout
        assert "skipped for want of shared data" in done.stdout
    else:
        assert done.returncode == pytest.ExitCode.OK, done.stdout
