"""The digitise-issue flow and the inbox service, on real Prefect (test harness, a real server) and a real Dask
LocalCluster: caching by content, retries, quarantine, crash safety, full disks, vanished and broken files."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.apps.cli import EXIT_CANNOT_WRITE, EXIT_OK
from broadsheet.config import OcrConfig, OutputConfig, RepairConfig, Settings
from broadsheet.model.page import Page, PageStatus


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "needs the Prefect test harness"
    return url


def _cli_env() -> dict[str, str]:
    """The CLI in a subprocess, talking to this session's Prefect test server instead of starting its own."""
    return {**os.environ, "PREFECT_API_URL": _api_url(), "PREFECT_LOGGING_LEVEL": "CRITICAL"}


def _assert_whole(out: Path) -> None:
    """No temporary or half-written file anywhere in OUT: every JSON and XML file parses."""
    assert not [p for p in out.rglob("*") if p.name.endswith((".part", ".tmp", ".tmp.png"))]
    for path in out.rglob("*.json"):
        json.loads(path.read_bytes())
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in out.rglob("*.xml"):
        etree.parse(str(path), parser)


def _assert_outputs_match_manifest(out: Path) -> dict[str, object]:
    """Exactly the files the manifest names: none missing, none duplicated or left over."""
    manifest = json.loads((out / "manifest.json").read_text())
    written = {p.relative_to(out).as_posix() for p in (out / "tei").glob("*.xml")}
    assert written == {a["tei"] for a in manifest["articles"]}
    alto = {p.relative_to(out).as_posix() for p in (out / "alto").glob("*.xml")}
    assert alto == {p["alto"] for p in manifest["pages"] if p["alto"]}
    models = {p.relative_to(out).as_posix() for p in (out / "pages").glob("*.json")}
    assert models == {p["model"] for p in manifest["pages"]}
    return manifest


def _digests(out: Path) -> dict[str, str]:
    """The sha256 of every file under OUT's tei/, alto/ and pages/, by path: equal digests are equal bytes."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("tei", "alto", "pages") for p in sorted((out / folder).rglob("*")) if p.is_file()}


# --- without OCR -------------------------------------------------------------------------------------------------

def test_cache_key_follows_bytes_frame_and_settings_but_not_output_options() -> None:
    from broadsheet.run.batch import page_cache_key

    page = Page(id="p-1234abcd-f0", source="a/p.png", sha256="ab" * 32)
    settings = Settings()
    key = page_cache_key(page, settings)
    assert key == page_cache_key(page.model_copy(update={"source": "moved/p.png"}), settings)
    assert key == page_cache_key(page, settings.model_copy(update={"output": OutputConfig(validate_tei=False)}))
    assert key != page_cache_key(page.model_copy(update={"sha256": "cd" * 32}), settings)
    assert key != page_cache_key(page.model_copy(update={"frame": 1}), settings)
    assert key != page_cache_key(page, settings.model_copy(update={"repair": RepairConfig(enabled=False)}))
    assert key != page_cache_key(page, settings.model_copy(update={"ocr": OcrConfig(low_confidence=0.5)}))


def test_transient_errors_are_told_from_bad_input() -> None:
    from broadsheet.ingest.files import BadInputError
    from broadsheet.run.batch import is_out_of_space, is_transient

    assert is_transient(MemoryError())
    assert is_transient(OSError(errno.EIO, "Input/output error"))
    assert not is_transient(OSError("image file is truncated (3 bytes not processed)"))  # Pillow: no errno
    assert not is_transient(FileNotFoundError(errno.ENOENT, "No such file or directory"))
    assert not is_transient(BadInputError("not a readable image"))
    assert is_out_of_space(OSError(errno.ENOSPC, "No space left on device"))
    assert is_out_of_space(OSError(errno.EFBIG, "File too large"))


class _Raises:
    name = "raises"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __call__(self, page: Page) -> Page:
        raise self.exc


def test_run_stage_passes_machine_errors_up_and_fails_the_page_for_bad_input() -> None:
    from broadsheet.run.page import run_stage

    page = Page(id="p-1234abcd-f0", source="p.png")
    for machine_error in (MemoryError(), OSError(errno.EIO, "I/O error"), OSError(errno.ENOSPC, "disk full")):
        with pytest.raises(type(machine_error)):
            run_stage(_Raises(machine_error), page)
    failed = run_stage(_Raises(OSError("image file is truncated")), page)
    assert failed.status == PageStatus.failed and "truncated" in failed.flags[-1].reason


def test_retries_only_transient_failures_with_backoff() -> None:
    from prefect.states import Completed, Failed

    from broadsheet.apps.flows.digitise import RETRIES, _retry_transient, ingest_task, process_task, write_task

    for configured in (ingest_task, process_task, write_task):
        assert configured.retries == RETRIES and configured.retry_condition_fn is _retry_transient
        delays = configured.retry_delay_seconds
        assert isinstance(delays, list) and delays == sorted(delays) and delays[0] < delays[-1]
    assert _retry_transient(process_task, None, Failed(data=OSError(errno.EIO, "I/O error")))
    assert _retry_transient(process_task, None, Failed(data=MemoryError()))
    assert not _retry_transient(process_task, None, Failed(data=FileNotFoundError(errno.ENOENT, "gone")))
    assert not _retry_transient(process_task, None, Failed(data=ValueError("bad page")))
    assert not _retry_transient(process_task, None, Completed(data=None))


def test_partial_files_are_removed_and_one_run_holds_the_folder(tmp_path: Path) -> None:
    from broadsheet.atomic import FolderBusyError, exclusive_folder, remove_partial_files

    (tmp_path / "tei").mkdir()
    leftover = tmp_path / "tei" / ".a1.xml.x8k2.part"
    leftover.write_bytes(b"<TEI")
    kept = tmp_path / "tei" / "a1.xml"
    kept.write_bytes(b"<TEI/>")
    with exclusive_folder(tmp_path):
        assert remove_partial_files(tmp_path) == [leftover]
        with pytest.raises(FolderBusyError), exclusive_folder(tmp_path):
            pass
    assert kept.exists() and not leftover.exists()
    with exclusive_folder(tmp_path):  # released again
        pass


def test_ledger_knows_issues_by_content(tmp_path: Path) -> None:
    from broadsheet.run.ledger import Ledger, LedgerEntry

    inbox = tmp_path / "inbox"
    (inbox / "gazette_2024-03-05").mkdir(parents=True)
    (inbox / "gazette_2024-03-05" / "p1.png").write_bytes(b"one")
    (inbox / ".copying_2024-03-06").mkdir()  # hidden: still being copied in
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    [(folder, content_hash)] = ledger.new_folders(inbox)
    ledger.record(LedgerEntry(content_hash=content_hash, folder=str(folder), issue_id="g", out_dir="o", pages=1,
                              failed=0))
    assert ledger.new_folders(inbox) == []
    (folder / "p1.png").touch()  # a touch is no change
    assert Ledger(tmp_path / "ledger.sqlite3").new_folders(inbox) == []
    (folder / "p1.png").write_bytes(b"one, rescanned")
    assert [f for f, _ in ledger.new_folders(inbox)] == [folder]


@pytest.mark.slow  # a Prefect flow (the test harness's server), if on no real page
def test_inbox_flow_digitises_new_and_changed_issues_only(prefect_harness: None, tmp_path: Path) -> None:
    from broadsheet.apps.flows.inbox import digitise_inbox
    from broadsheet.run.ledger import LEDGER_NAME, Ledger

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    issue = inbox / "gazette_2024-03-05"
    issue.mkdir(parents=True)
    (issue / "page_01.png").write_bytes(b"scanner wrote garbage")  # fails as a page: no OCR needed here
    first = digitise_inbox(str(inbox), str(out))
    assert [(s.issue_id, s.pages, s.failed) for s in first] == [("gazette_2024-03-05", 1, 1)]
    quarantined = json.loads((out / "gazette_2024-03-05" / "quarantine.json").read_text())
    assert [q["source"].endswith("page_01.png") and "not a readable image" in q["reason"] for q in quarantined] \
        == [True]
    assert digitise_inbox(str(inbox), str(out)) == [], "nothing new"
    (issue / "issue.yaml").write_text("title: The Gazette\ndate: 2024-03-05\nedition: late\n")
    again = digitise_inbox(str(inbox), str(out))
    assert [s.issue_id for s in again] == ["the-gazette_2024-03-05_late"]
    assert [e.issue_id for e in Ledger(out / LEDGER_NAME).entries()] == ["gazette_2024-03-05",
                                                                         "the-gazette_2024-03-05_late"]


# --- real pages -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_issue_flow_writes_outputs_quarantine_and_qa_artifact(small_issue_run: tuple[Path, object, float]) -> None:
    from prefect.artifacts import Artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    out, summary, _ = small_issue_run
    assert (summary.pages, summary.failed, summary.from_cache) == (2, 0, 0)
    assert [f.code for f in summary.issue_flags] == ["no-sidecar"]
    manifest = _assert_outputs_match_manifest(out)
    assert manifest["articles"] and all(a["valid"] for a in manifest["articles"])
    assert manifest["issue"]["id"] == summary.issue_id and manifest["issue"]["metadata"]["title"]
    assert [f["code"] for f in manifest["issue"]["flags"]] == ["no-sidecar"]
    assert json.loads((out / "quarantine.json").read_text()) == []
    # Library systems and colleagues read the outputs: none is left private to the archivist who ran it.
    for written in [out / "manifest.json", *(out / "tei").glob("*.xml"), *(out / "alto").glob("*.xml")]:
        assert written.stat().st_mode & 0o044 == 0o044, written
    artifact = Artifact.get(f"qa-{summary.issue_id}".replace("_", "-"))
    rows = json.loads(artifact.data)
    assert sorted(row["page"] for row in rows) == sorted(p["id"] for p in manifest["pages"])
    _assert_whole(out)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="process-page")))
    assert runs and all(any(tag.startswith("broadsheet-ocr-slot-") for tag in run.tags) for run in runs)


@pytest.mark.slow
def test_rerun_of_a_finished_issue_comes_from_the_cache(small_issue_run: tuple[Path, object, float],
                                                        small_issue: Path) -> None:
    from broadsheet.apps.flows.digitise import digitise_issue
    from broadsheet.ingest.issue import load_issue
    from broadsheet.run import output

    out, _, _ = small_issue_run
    outputs = [*(out / "tei").glob("*.xml"), *(out / "alto").glob("*.xml"), *(out / "pages").glob("*.json")]
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in outputs}
    first_bytes = _digests(out)
    validated: list[bytes] = []
    real_validate = output.validate_tei
    output.validate_tei = lambda data, **kw: validated.append(data) or real_validate(data, **kw)  # type: ignore[assignment]
    try:
        again = digitise_issue(load_issue(small_issue), str(out))
    finally:
        output.validate_tei = real_validate  # type: ignore[assignment]
    # Every page from the cache; how long that takes is a benchmark's figure (benchmarks/issue_throughput.py), not
    # something a test on a shared 2-core machine can assert.
    assert again.from_cache == 2 and again.pages == 2
    # Unchanged outputs are neither rewritten (same inode, same mtime) nor validated again.
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in outputs} == before
    assert _digests(out) == first_bytes
    assert validated == []
    manifest = _assert_outputs_match_manifest(out)
    for article in manifest["articles"]:
        assert article["sha256"] == hashlib.sha256((out / article["tei"]).read_bytes()).hexdigest()
    for page in manifest["pages"]:
        assert page["alto_sha256"] == hashlib.sha256((out / page["alto"]).read_bytes()).hexdigest()
        assert page["model_sha256"] == hashlib.sha256((out / page["model"]).read_bytes()).hexdigest()
    # A file changed on disk is written and validated again: back to the bytes of the first run.
    victim = out / manifest["articles"][0]["tei"]
    victim.write_bytes(victim.read_bytes().replace(b"</TEI>", b"<!-- edited --></TEI>"))
    digitise_issue(load_issue(small_issue), str(out))
    assert b"edited" not in victim.read_bytes()
    assert _digests(out) == first_bytes
    _assert_outputs_match_manifest(out)


@pytest.mark.slow
def test_the_same_steps_without_prefect_write_the_same_files(small_issue_run: tuple[Path, object, float],
                                                             small_issue: Path, tmp_path: Path) -> None:
    """broadsheet.run.issue.digitise with InlineTasks (no Prefect API) over the flow's own cache: identical files."""
    from broadsheet.ingest.issue import load_issue
    from broadsheet.run.issue import InlineTasks, digitise

    prefect_out = small_issue_run[0]
    out = tmp_path  # as deep as the flow's output, so that relative image links read the same
    shutil.copytree(prefect_out / ".cache", out / ".cache")
    summary = digitise(load_issue(small_issue), str(out), None, InlineTasks())
    assert (summary.pages, summary.failed, summary.from_cache) == (2, 0, 2)
    theirs = _digests(prefect_out)
    assert theirs and _digests(out) == theirs
    _assert_outputs_match_manifest(out)


@pytest.mark.slow
def test_bad_files_are_quarantined_and_the_rest_of_the_issue_completes(
        prefect_harness: None, small_page: Path, tmp_path: Path) -> None:
    from broadsheet.apps.flows.digitise import digitise_issue
    from broadsheet.ingest.issue import load_issue
    from samples.pdf_pages import encrypted_pdf

    folder = tmp_path / "courier_1950-01-02"
    folder.mkdir()
    shutil.copy(small_page, folder / f"page_01{small_page.suffix}")
    corrupt = folder / "page_02.jpg"
    corrupt.write_bytes(small_page.read_bytes()[:4000] if small_page.suffix == ".jpg" else b"\xff\xd8\xff\xe0garbage")
    (folder / "page_03.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    encrypted_pdf(folder / "page_04.pdf", "secret")
    vanishing = folder / "page_05.png"
    shutil.copy(small_page, vanishing)
    issue = load_issue(folder)
    vanishing.unlink()  # listed, then gone before it is read
    out = tmp_path / "out"
    summary = digitise_issue(issue, str(out))
    assert [f.code for f in summary.issue_flags] == ["no-sidecar"], "no sidecar: a flag, and defaults are used"
    assert (summary.pages, summary.failed) == (5, 4)
    quarantined = {Path(q["source"]).name: q["reason"] for q in json.loads((out / "quarantine.json").read_text())}
    assert sorted(quarantined) == ["page_02.jpg", "page_03.pdf", "page_04.pdf", "page_05.png"]
    assert all(quarantined.values())
    assert "encrypted" in quarantined["page_04.pdf"]
    manifest = _assert_outputs_match_manifest(out)
    good = [p for p in manifest["pages"] if p["status"] != "failed"]
    assert [Path(p["source"]).name for p in good] == ["page_01.jpg" if small_page.suffix == ".jpg" else
                                                      f"page_01{small_page.suffix}"]
    assert manifest["articles"]
    _assert_whole(out)


def _engines_loaded() -> int:
    from broadsheet.engines import _ocr_engine  # every engine set's OCR engines built in this worker

    return _ocr_engine.cache_info().currsize


@pytest.mark.slow
def test_dask_cluster_of_two_workers_gives_the_local_result(
        small_issue_run: tuple[Path, object, float], small_issue: Path, tmp_path: Path) -> None:
    """Which worker takes which page is the scheduler's choice (both pages may go to one): whatever it chose, every
    page is processed on the cluster, each worker that processed one loaded its engines, and the result is local's."""
    from distributed import Client, LocalCluster, get_task_stream

    from broadsheet.apps.flows.digitise import dask_task_runner, digitise_issue, process_task
    from broadsheet.ingest.issue import load_issue

    local_out = small_issue_run[0]
    out = tmp_path / "dask-out"
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        on_dask = digitise_issue.with_options(task_runner=dask_task_runner(cluster.scheduler_address))
        with get_task_stream(client) as stream:
            summary = on_dask(load_issue(small_issue), str(out))
        loaded = client.run(_engines_loaded)
    assert (summary.pages, summary.failed, summary.from_cache) == (2, 0, 0)
    # Dask names a task after its function: the page tasks' keys start with process_task's name.
    page_workers = [task["worker"] for task in stream.data
                    if str(task["key"]).startswith(f"{process_task.fn.__name__}-")]
    assert len(page_workers) == 2 and set(page_workers) <= set(loaded), f"pages on the cluster: {page_workers}"
    assert all(loaded[worker] > 0 for worker in page_workers), f"a worker that processed a page OCR'd it: {loaded}"

    def reading(folder: Path) -> dict[str, object]:
        pages = [Page.model_validate_json(p.read_bytes()) for p in sorted((folder / "pages").glob("*.json"))]
        return {page.id: ([(r.type, [line.text for line in r.lines]) for r in page.regions],
                          [(a.title, [p.text for p in a.paragraphs]) for a in page.articles], page.status)
                for page in pages}

    assert reading(out) == reading(local_out)
    articles = [sorted(a["id"] for a in _assert_outputs_match_manifest(folder)["articles"])
                for folder in (out, local_out)]
    assert articles[0] == articles[1]


def _cache_records(out: Path) -> list[Path]:
    return sorted((out / ".cache").glob("page-*")) if (out / ".cache").is_dir() else []


@pytest.mark.slow
def test_run_killed_mid_issue_resumes_from_the_cache(prefect_harness: None, small_issue: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "broadsheet", "run", str(small_issue), "--out", str(out)]
    # Pinned: the two runs must share cache keys even if the source tree is edited in between.
    env = {**_cli_env(), "BROADSHEET_CODE_VERSION": f"crash-test-{time.time_ns()}"}
    killed = subprocess.Popen([*command, "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 400
    while not _cache_records(out) and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL, "the run was killed before it finished"
    assert len(_cache_records(out)) == 1 and not (out / "manifest.json").exists()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == EXIT_OK, done.stderr
    assert "(1 from cache)" in done.stdout
    manifest = _assert_outputs_match_manifest(out)
    assert len(manifest["pages"]) == 2 and {p["status"] for p in manifest["pages"]} <= {"ok", "flagged"}
    assert len(_cache_records(out)) == 2
    _assert_whole(out)


@pytest.mark.slow
def test_full_disk_is_one_clear_error_and_leaves_no_partial_file(
        prefect_harness: None, small_page: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def limit_file_size() -> None:  # every file this process writes is capped at 64 KB: the disk "fills"
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    done = subprocess.run([sys.executable, "-m", "broadsheet", "run", str(small_page), "--out", str(out), "--quiet"],
                          env=_cli_env(), capture_output=True, text=True, timeout=600, preexec_fn=limit_file_size)
    assert done.returncode == EXIT_CANNOT_WRITE, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("broadsheet: error: cannot write to") and "File too large" in done.stderr
    _assert_whole(out)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check: object, seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()  # type: ignore[operator]
        except Exception:  # the server or the deployment is not up yet
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_serve_registers_a_scheduled_deployment_that_digitises_the_inbox(tmp_path: Path) -> None:
    """`broadsheet serve` against a real `prefect server start` (SQLite), and one run of its deployment."""
    import urllib.request

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from broadsheet.apps.flows.digitise import ocr_slot_tags
    from broadsheet.apps.flows.inbox import DEPLOYMENT_NAME
    from broadsheet.run.ledger import LEDGER_NAME, Ledger

    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": url,
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
           "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "gazette_2024-03-05").mkdir(parents=True)
    (inbox / "gazette_2024-03-05" / "page_01.png").write_bytes(b"torn scan")
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    service: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: urllib.request.urlopen(f"{url}/health", timeout=2).status == 200, 90, "the Prefect server")
        service = subprocess.Popen([sys.executable, "-m", "broadsheet", "serve", "--inbox", str(inbox), "--out",
                                    str(out), "--cron", "0 2 * * *", "--ocr-slots", "2", "--quiet"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            deployment = _wait_for(lambda: client.read_deployment_by_name(f"digitise-inbox/{DEPLOYMENT_NAME}"), 90,
                                   "the deployment")
            assert [s.schedule.cron for s in deployment.schedules] == ["0 2 * * *"]
            assert [client.read_concurrency_limit_by_tag(tag).concurrency_limit for tag in ocr_slot_tags(2)] == [1, 1]
            flow_run = client.create_flow_run_from_deployment(deployment.id)
            final = _wait_for(lambda: (state := client.read_flow_run(flow_run.id).state) and state.is_final() and state,
                              120, "the triggered run")
            assert final.is_completed(), final.message
        assert [(e.issue_id, e.pages, e.failed) for e in Ledger(out / LEDGER_NAME).entries()] == [
            ("gazette_2024-03-05", 1, 1)]
        assert (out / "gazette_2024-03-05" / "manifest.json").is_file()
    finally:
        for process in (service, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
