"""The command line: help with examples, exit codes, one-line errors, bad input never sinking a batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from broadsheet.apps.cli import EXIT_ALL_FAILED, EXIT_MISSING_DEPENDENCY, EXIT_NO_INPUT, EXIT_SOME_FAILED, main


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "broadsheet", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_help_explains_options_and_shows_examples() -> None:
    top = _cli("--help")
    run = _cli("run", "--help")
    assert top.returncode == 0 and "examples:" in top.stdout
    assert run.returncode == 0 and "examples:" in run.stdout and "exit codes:" in run.stdout
    for option in ("--out", "--engine", "--quiet", "--verbose", "--no-validate"):
        assert option in run.stdout


def test_error_is_one_plain_line_without_traceback(tmp_path: Path) -> None:
    done = _cli("validate", str(tmp_path))
    assert done.returncode == EXIT_NO_INPUT
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("broadsheet: error:")


def test_missing_engine_names_the_package(tmp_path: Path) -> None:
    image = tmp_path / "page.png"
    Image.new("L", (200, 200), 255).save(image)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no tesseract binary on this PATH
    done = _cli("run", str(image), "--out", str(tmp_path / "out"), "--engine", "tesseract", env=env)
    assert done.returncode == EXIT_MISSING_DEPENDENCY
    assert "apt-get install tesseract-ocr" in done.stderr
    assert not (tmp_path / "out").exists()


def test_empty_folder_is_exit_code_3(tmp_path: Path) -> None:
    assert main(["run", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == EXIT_NO_INPUT


def _bad_inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    empty = folder / "empty.png"
    empty.write_bytes(b"")
    text = folder / "notes.png"
    text.write_text("not an image\n")
    truncated = folder / "cut.jpg"
    noise = np.random.default_rng(0).integers(0, 255, (600, 400), dtype=np.uint8)
    Image.fromarray(noise).save(truncated, quality=90)
    truncated.write_bytes(truncated.read_bytes()[:5000])
    tiny = folder / "tiny.png"
    Image.new("L", (1, 1)).save(tiny)
    return [empty, text, truncated, tiny, folder / "vanished.tif"]


@pytest.mark.slow
def test_bad_pages_fail_with_reasons_and_the_good_page_is_written(
        prefect_harness: None, small_page: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _bad_inputs(tmp_path / "bad")
    out = tmp_path / "out"
    code = main(["run", *map(str, bad), str(small_page), "--out", str(out), "--quiet"])
    assert code == EXIT_SOME_FAILED, "the good page is written; the exit code says some failed"
    assert capsys.readouterr().out == "", "--quiet prints nothing"
    manifest = json.loads((out / "manifest.json").read_text())
    statuses = {Path(p["source"]).name: p for p in manifest["pages"]}
    assert len(statuses) == 6
    for path in bad:
        entry = statuses[path.name]
        assert entry["status"] == "failed"
        assert entry["flags"][0]["reason"]
    assert statuses[small_page.name]["status"] in ("ok", "flagged")
    assert manifest["articles"] and all((out / a["tei"]).is_file() for a in manifest["articles"])
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]


@pytest.mark.slow
def test_every_page_failing_is_exit_code_4(prefect_harness: None, tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path / "bad")
    assert main(["run", *map(str, bad), "--out", str(tmp_path / "out"), "--quiet"]) == EXIT_ALL_FAILED
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {p["status"] for p in manifest["pages"]} == {"failed"}
    assert manifest["articles"] == []


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                                ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                                ("::", False), ("192.168.1.20", False), ("review.example.org", False)])
def test_only_loopback_addresses_count_as_this_machine(host: str, loopback: bool) -> None:
    from broadsheet.apps.cli import is_loopback

    assert is_loopback(host) is loopback


def test_evaluation_scores_a_run_apart_from_the_product(tmp_path: Path) -> None:
    """Scoring against generated truth is `python -m evaluation`, outside the shipped command; errors: one line."""
    done = subprocess.run([sys.executable, "-m", "evaluation", str(tmp_path), str(tmp_path / "gt.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_NO_INPUT
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("evaluation: error:")
    assert "eval" not in _cli("--help").stdout.split("positional arguments")[0]
