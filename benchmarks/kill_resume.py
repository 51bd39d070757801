"""kill -9 at random moments, then run again: the outputs must equal an uninterrupted run's, with no temp file left.

An issue of two small generated pages and one tiny one is digitised by `broadsheet run` once uninterrupted (the
reference), while OUT is watched to time its phases: start-up (until the run takes OUT's lock), OCR (until the first
page model is written) and writing (until the process ends). Then, per trial, a fresh OUT, a run killed with SIGKILL
(its whole process group, as a power cut would) at a random moment in one of those phases, and a second run to the
end. A kill is aimed by what OUT shows, not by the clock alone (a busy machine stretches every phase): a random
delay into the phase, at most its length in the reference run, counted from the moment the phase is seen to begin,
and never past its end. Each trial checks:

* the second run exits 0 and leaves no temporary file (`.*.part`) in OUT;
* every output file (TEI, ALTO, page models, manifest, quarantine list) equals the reference's byte for byte once
  the clock is masked: timestamps and stage durations, which differ between any two uninterrupted runs too (the
  reference is run twice to show that nothing else does).

    python -m benchmarks.kill_resume                  # 10 trials, results in benchmarks/results/kill_resume.json
    python -m benchmarks.kill_resume --trials 3 --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import write_results

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("start-up", "OCR", "writing")
POLL_SECONDS = 0.02
_CLOCK = re.compile(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?'
                    rb'|(seconds: )[\d.e+-]+'
                    rb'|("(?:seconds|total_seconds|seconds_per_page|created|started|from_cache)": )'
                    rb'(?:"[^"]*"|[\d.e+-]+)'
                    rb'|("stages": )\{[^}]*\}'
                    rb'|("(?:alto_sha256|model_sha256|sha256)": )"[0-9a-f]{64}"')
"""What differs between two uninterrupted runs: when each step ran, how long it took, and so the manifest's hashes of
the files that record it (`hashes_match` checks those hashes against the files instead); and the manifest's count of
pages that came from the cache, which is a resumed run's bookkeeping, not its output."""


def make_issue(folder: Path) -> Path:
    from samples.broken_inputs import good_page
    from samples.generator import generate_page, write_page

    issue = folder / "kill-times_2026-12-02"
    for number in (1, 2):
        page = generate_page("zh", "random", seed=number, width=1240, height=1754, dpi=150, degrade="light")
        write_page(page, issue, f"page_{number:02d}")
    (issue / "page_03.png").write_bytes(good_page("本报讯 最后一版\n谢谢阅读", 3))
    return issue


def _command(issue: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "broadsheet", "run", str(issue), "--out", str(out), "--prefect", "never", "--quiet"]


def _env() -> dict[str, str]:
    return {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # Pinned, so that the page cache's code fingerprint cannot change between a killed run and its resumption.
            "BROADSHEET_CODE_VERSION": os.environ.get("BROADSHEET_CODE_VERSION", f"kill-resume-{time.time_ns()}")}


def _phase_marks(out: Path) -> tuple[bool, bool]:
    """Whether the run holds OUT's lock yet, and whether it has started writing page outputs."""
    return (out / ".lock").exists(), (out / "pages").is_dir() and any((out / "pages").iterdir())


def reference_run(issue: Path, out: Path, env: dict[str, str]) -> dict[str, float]:
    """An uninterrupted run, watched: the seconds at which each phase ended."""
    started = time.perf_counter()
    process = subprocess.Popen(_command(issue, out), env=env, cwd=ROOT)
    locked = writing = None
    while process.poll() is None:
        has_lock, has_pages = _phase_marks(out)
        now = time.perf_counter() - started
        locked = locked or (now if has_lock else None)
        writing = writing or (now if has_pages else None)
        time.sleep(POLL_SECONDS)
    end = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"the reference run failed with exit {process.returncode}")
    return {"start-up": locked or 0.0, "OCR": writing or end, "writing": end}


def outputs(out: Path) -> dict[str, bytes]:
    """Every output file with the clock masked; the cache and work folders are the run's own business."""
    def masked(match: re.Match[bytes]) -> bytes:
        return (match.group(1) or match.group(2) or match.group(3) or match.group(4) or b"") + b"<clock>"

    return {str(p.relative_to(out)): _CLOCK.sub(masked, p.read_bytes()) for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).parts[0].startswith(".")}


def hashes_match(out: Path) -> bool:
    """Whether every file the manifest lists has the SHA-256 the manifest gives it."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = [(page[kind], page[f"{kind}_sha256"]) for page in manifest["pages"] for kind in ("alto", "model")
              if page.get(kind)] + [(article["tei"], article["sha256"]) for article in manifest["articles"]]
    return bool(listed) and all(hashlib.sha256((out / path).read_bytes()).hexdigest() == digest
                                for path, digest in listed)


def leftovers(out: Path) -> list[str]:
    return [str(p.relative_to(out)) for p in out.rglob("*") if p.name.endswith(".part")]


def _phase_now(out: Path) -> str:
    has_lock, has_pages = _phase_marks(out)
    return "writing" if has_pages else "OCR" if has_lock else "start-up"


def _kill_in(process: subprocess.Popen[bytes], out: Path, phase: str, delay: float) -> bool:
    """SIGKILL the run's process group `delay` seconds into `phase`, or as the phase ends if sooner; whether it was
    still running to be killed."""
    order = PHASES.index(phase)
    while process.poll() is None and PHASES.index(_phase_now(out)) < order:
        time.sleep(POLL_SECONDS)
    entered = time.perf_counter()
    while process.poll() is None and time.perf_counter() - entered < delay and _phase_now(out) == phase:
        time.sleep(POLL_SECONDS)
    if process.poll() is not None:
        return False
    os.killpg(process.pid, signal.SIGKILL)
    return True


def trial(issue: Path, out: Path, env: dict[str, str], phase: str, delay: float,
          reference: dict[str, bytes]) -> dict[str, object]:
    started = time.perf_counter()
    process = subprocess.Popen(_command(issue, out), env=env, cwd=ROOT, start_new_session=True)
    killed = _kill_in(process, out, phase, delay)
    kill_at = time.perf_counter() - started
    state = _phase_now(out) if killed else "finished"
    process.wait()
    after_kill = leftovers(out)
    resumed_at = time.perf_counter()
    resumed = subprocess.run(_command(issue, out), env=env, cwd=ROOT, capture_output=True, text=True)
    resume_seconds = time.perf_counter() - resumed_at
    found = outputs(out)
    differing = sorted(name for name in set(found) | set(reference) if found.get(name) != reference.get(name))
    return {"delay_into_phase_seconds": round(delay, 2), "kill_at_seconds": round(kill_at, 2), "killed": killed,
            "state_at_kill": state, "part_files_after_kill": len(after_kill), "resume_exit": resumed.returncode,
            "resume_seconds": round(resume_seconds, 1), "part_files_after_resume": leftovers(out),
            "differing_files": differing, "manifest_hashes_match": hashes_match(out),
            "identical": resumed.returncode == 0 and not differing and not leftovers(out) and hashes_match(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None, help="of the kill moments (default: random, printed)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"kill-resume seed {seed} (replay with --seed {seed})", flush=True)
    rng = random.Random(seed)
    env = _env()
    with tempfile.TemporaryDirectory(prefix="broadsheet-kill-") as tmp:
        issue = make_issue(Path(tmp))
        phases = reference_run(issue, Path(tmp) / "reference", env)
        reference = outputs(Path(tmp) / "reference")
        reference_run(issue, Path(tmp) / "reference-again", env)
        again = outputs(Path(tmp) / "reference-again")
        repeatable = again == reference
        print(f"reference phases (s): {phases}; a second uninterrupted run equal with the clock masked: {repeatable}",
              flush=True)
        lengths = {"start-up": phases["start-up"], "OCR": phases["OCR"] - phases["start-up"],
                   "writing": phases["writing"] - phases["OCR"]}
        trials = []
        for number in range(args.trials):
            phase = PHASES[number * len(PHASES) // args.trials]
            result = {"aimed_at": phase, **trial(issue, Path(tmp) / f"trial-{number}", env, phase,
                                                  rng.uniform(0, lengths[phase]), reference)}
            print(json.dumps(result, ensure_ascii=False), flush=True)
            trials.append(result)
    identical = sum(bool(t["identical"]) for t in trials)
    path = write_results("kill_resume", {
        "seed": seed, "reference_phase_ends_seconds": {k: round(v, 2) for k, v in phases.items()},
        "uninterrupted_runs_equal_with_clock_masked": repeatable, "trials": trials, "identical": identical})
    print(f"{identical} of {len(trials)} trials identical to the uninterrupted run; results in {path}")


if __name__ == "__main__":
    main()
