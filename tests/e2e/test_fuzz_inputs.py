"""`broadsheet run` over a random mix of good pages and broken files (samples/broken_inputs.py): nothing sinks a run.

For every case: the good pages are read, the broken file is a failed page whose reason names it (one line on standard
error, and quarantine.json), a broken sidecar is an issue flag naming it while its issue's pages are read; the exit
code is 6, no traceback is printed and no partial file is left in OUT. The seed is printed; set BROADSHEET_FUZZ_SEED
to replay a run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from broadsheet.apps.cli import EXIT_SOME_FAILED
from broadsheet.ingest.names import printable
from samples.broken_inputs import Corpus, build_corpus
from tests.conftest import ROOT

SEED_ENV = "BROADSHEET_FUZZ_SEED"
READ = ("ok", "flagged")


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Corpus]:
    seed = int(os.environ.get(SEED_ENV) or random.SystemRandom().randrange(1 << 31))
    print(f"fuzz seed {seed} (replay with {SEED_ENV}={seed})")
    return seed, build_corpus(tmp_path_factory.mktemp("fuzz") / "corpus", seed)


def _run(inputs: list[Path], out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "broadsheet", "run", *map(os.fsdecode, inputs), "--out", str(out),
                           *options], capture_output=True, text=True, errors="backslashreplace", env=env, cwd=ROOT,
                          timeout=600)


def _whole(done: subprocess.CompletedProcess[str], out: Path, seed: int) -> None:
    assert done.returncode == EXIT_SOME_FAILED, f"seed {seed}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, f"seed {seed}\n{done.stderr[-3000:]}"
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")], f"seed {seed}: partial files left"


def _pages_of(out: Path) -> tuple[dict[str, dict[str, object]], dict[str, str]]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    quarantine = json.loads((out / "quarantine.json").read_text(encoding="utf-8"))
    assert all((out / article["tei"]).is_file() for article in manifest["articles"])
    return {p["source"]: p for p in manifest["pages"]}, {q["source"]: q["reason"] for q in quarantine}


def _check_page_cases(corpus: Corpus, folder: Path, out: Path, stderr: str, seed: int) -> None:
    pages, quarantined = _pages_of(out)
    for case in corpus.page_cases:
        source = printable(folder / case.path)
        if case.fails:
            assert quarantined.get(source), f"seed {seed}: {case.name}: {source} not failed"
            assert f"failed: {source}: " in stderr, f"seed {seed}: {case.name}: no line on stderr names {source}"
        else:
            assert pages[source]["status"] in READ, f"seed {seed}: {case.name}: {pages[source]}"
    for good in corpus.good_pages:
        assert pages[str(folder / good.name)]["status"] in READ, f"seed {seed}: good page {good.name} not read"


@pytest.mark.slow
def test_loose_files_good_and_broken(fuzz: tuple[int, Corpus], tmp_path: Path) -> None:
    seed, corpus = fuzz
    inputs = sorted(corpus.loose.iterdir())  # as `broadsheet run loose/*` gives them
    random.Random(seed).shuffle(inputs)
    out = tmp_path / "out"
    # Inline (--prefect never) keeps the test short; the issue-folder run below goes through the Prefect flow.
    done = _run(inputs, out, "--prefect", "never")
    _whole(done, out, seed)
    _check_page_cases(corpus, corpus.loose, out, done.stderr, seed)


@pytest.mark.slow
def test_issue_folders_with_broken_pages_and_broken_sidecars(fuzz: tuple[int, Corpus], tmp_path: Path) -> None:
    seed, corpus = fuzz
    folders = sorted(corpus.issues.iterdir())
    random.Random(seed + 1).shuffle(folders)
    out = tmp_path / "out"
    done = _run(folders, out)
    _whole(done, out, seed)
    pages_folder = corpus.issues / "broken-pages_2026-12-02"
    _check_page_cases(corpus, pages_folder, out / pages_folder.name, done.stderr, seed)
    for case in corpus.sidecar_cases:
        issue_out = out / case.path.parent.name
        manifest = json.loads((issue_out / "manifest.json").read_text(encoding="utf-8"))
        [flag] = [f for f in manifest["issue"]["flags"] if f["code"] == "bad-sidecar"]
        assert case.path.name in flag["reason"], f"seed {seed}: {case.name}: {flag}"
        assert f"issue {manifest['issue']['id']}: {case.path.name}" in done.stderr, f"seed {seed}: {case.name}"
        assert [p["status"] in READ for p in manifest["pages"]] == [True], f"seed {seed}: {case.name}: page not read"
