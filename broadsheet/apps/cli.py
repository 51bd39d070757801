"""The `broadsheet` command. Thin: parses options, builds Settings, calls a flow or a library function."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broadsheet import __version__
from broadsheet.ingest.names import PAGE_SUFFIXES

if TYPE_CHECKING:
    from collections.abc import Callable

    from broadsheet.config import Settings
    from broadsheet.ingest.issue import Issue
    from broadsheet.ingest.readers import ExistingPage
    from broadsheet.run.issue import IssueSummary

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NO_INPUT = 3
EXIT_ALL_FAILED = 4
EXIT_MISSING_DEPENDENCY = 5
EXIT_SOME_FAILED = 6
EXIT_CANNOT_WRITE = 7
EXIT_INVALID = 8
EXIT_INTERRUPTED = 130

RUN_EXAMPLES = """\
examples:
  broadsheet run samples/pages/zh_roundtable.jpg --out out/
  broadsheet run scans/issue-1944-12-13/ --out out/1944-12-13 --engine tesseract
  broadsheet run scans/1784/ --out out/1784                  # Fraktur pages go to Tesseract Fraktur
  broadsheet run page.jpg --out out/ --engine paddleocr
  broadsheet run page1.tif page2.tif --out out/ --quiet
  broadsheet run inbox/renmin-ribao_2024-03-05/ inbox/renmin-ribao_2024-03-06/ --out out/   (OUT/{issue id}/ each)
  broadsheet run scans/1944-12-13/ --out out/1944-12-13 --dask tcp://scheduler:8786
  broadsheet run archive/1987/*.txt --out out/1987        (existing OCR: .txt, ALTO .xml, hOCR .html/.hocr)
  broadsheet run batch_az_acacia_ver01/ --out out/          (an NDNP batch: OUT/{lccn}_{date}_ed-{n}/ per issue)
  broadsheet run batch/data/BATCH.xml --out out/ --dpi 400  (ALTO in inch1200 with no image or MIX: 400 dpi)
  broadsheet run page.jp2 --ocr page.xml --out out/          (rules and pictures from the image, text from the ALTO)
  broadsheet run issue/ --out out/ --reocr-below 0.5         (0001.tif + 0001.xml paired by name; lines whose ALTO
                                                              word confidences average under 0.5 are read again)

exit codes:
  0  every page was processed (some may be flagged: see OUT/manifest.json)
  1  an unexpected error (run again with --verbose for the traceback)
  2  bad command-line usage (also: images and OCR files mixed in one run)
  3  no input pages found
  4  every page failed
  5  a required engine or package is not installed
  6  some pages failed, or an issue folder held none; the rest were written (failed pages and reasons:
     OUT/quarantine.json, and one line each on standard error)
  7  the output cannot be written (disk full, or another run is writing to OUT); nothing is half-written
"""

SERVE_EXAMPLES = """\
examples:
  prefect server start &                                     # the local Prefect server (SQLite)
  export PREFECT_API_URL=http://127.0.0.1:4200/api
  broadsheet serve --inbox /archive/inbox --out /archive/out --cron "0 2 * * *"
  broadsheet serve --inbox inbox/ --out out/ --cron "*/30 * * * *" --dask tcp://scheduler:8786 --ocr-slots 4
  prefect deployment run digitise-inbox/broadsheet-inbox     # a run now, besides the schedule

Copy an issue into the inbox under a hidden name (.2024-03-05) and rename it when complete: hidden folders
are skipped. OUT/ledger.sqlite3 records each issue digitised by its content hash; a changed issue is new again.
"""

VALIDATE_EXAMPLES = """\
examples:
  broadsheet validate out/
  broadsheet validate out/ --quiet && echo "every file valid"

exit codes:
  0  every TEI file is valid against tei_all and our schemas, every ALTO file against the ALTO 4.4 XSD
  3  OUT holds no TEI or ALTO file
  8  some file is invalid (each is listed with its first error)
"""

REVIEW_EXAMPLES = """\
examples:
  broadsheet review out/ --add-user alice          # asks for alice's password
  echo "$PASSWORD" | broadsheet review out/ --add-user bob
  broadsheet review out/                           # then open http://127.0.0.1:8000/
  broadsheet review out/ --port 8080
  broadsheet review out/ --host 0.0.0.0 --allow-remote   # only behind a TLS-terminating proxy (see README)
"""


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="broadsheet",
        description="Newspaper OCR and layout: page images in, one validated TEI file per article "
                    "and one ALTO file per page out.",
        epilog="examples:\n  broadsheet run samples/pages/zh_roundtable.jpg --out out/\n"
               "  broadsheet validate out/\n\nRun 'broadsheet COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="digitise page images into TEI articles and ALTO pages",
        description="OCR, lay out and segment newspaper pages (PNG, JPEG, TIFF incl. multi-page and G4, "
                    "JPEG 2000, PDF: text layer or scan) and write "
                    "OUT/tei/*.xml (one per article), OUT/alto/*.xml (one per page), OUT/pages/*.json "
                    "(the page model) and OUT/manifest.json. Runs as a Prefect flow with no server needed.",
        epilog=RUN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                     help="page files (one issue, metadata from their folder's name), or issue folders (each "
                          "an issue: pages in page order, metadata from its sidecar); or existing "
                          "OCR to repair and re-serialise: plain text (.txt), ALTO (.xml), hOCR (.html, .hocr); or "
                          "an NDNP batch (its folder or BATCH.xml): each issue to OUT/{lccn}_{date}_ed-{n}/")
    run.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="output folder (created if missing)")
    _add_engine(run)
    run.add_argument("--no-validate", action="store_true", help="skip TEI/ALTO schema validation (faster)")
    run.add_argument("--ocr", type=Path, action="append", metavar="FILE",
                     help="existing OCR (ALTO, hOCR) of the page image given as INPUT, once per image in their "
                          "order: the layout evidence (rules, frames, pictures) comes from the image, the text from "
                          "the OCR, and the page is not read again. In an issue folder, an image and an OCR file of "
                          "one name (0001.tif, 0001.xml) pair by themselves")
    run.add_argument("--reocr-below", type=float, metavar="CONF",
                     help="with existing OCR and its image: read again, with --engine, the lines whose words' own "
                          "confidences (ALTO WC, 0-1) average below CONF; the original text stays in the page model")
    run.add_argument("--dpi", type=float, metavar="DPI",
                     help="resolution of the page images, for existing ALTO in mm10 or inch1200 when neither the "
                          "ALTO, its image nor the METS/MIX gives one; without any, coordinates stay in the ALTO's "
                          "unit and the manifest says so")
    run.add_argument("--jobs", "-j", type=int, metavar="N",
                     help="existing OCR: pages digitised at once, one process each (default: one per core; pages "
                          "with their image run one at a time)")
    run.add_argument("--page-workers", type=int, metavar="N",
                     help="scans: pages of an issue processed at once when it runs without Prefect, each worker "
                          "with engines of its own (default 2; a page starts beside others only while their estimated "
                          "memory stays under RunConfig.memory_budget_mb: a large page runs alone)")
    run.add_argument("--prefect", choices=("auto", "always", "never"), default="auto",
                     help="auto (default): with a Prefect server configured (PREFECT_API_URL in the environment "
                          "or the active Prefect profile) or --dask, Prefect runs the issue, its start-up overlapped "
                          "with loading the models; without one (Prefect's ephemeral mode), and for one loose page "
                          "file or an issue whose every page is already in OUT's cache, the same steps run in this "
                          "process without starting Prefect; always: Prefect, with a temporary server where none is "
                          "configured; never")
    _add_dask(run)
    _add_verbosity(run)

    serve = commands.add_parser(
        "serve", help="digitise new issue folders from an inbox on a schedule (a Prefect deployment)",
        description="Register a Prefect deployment with the server at PREFECT_API_URL and serve it: on each "
                    "scheduled run, every issue folder in INBOX not digitised before (by content) is written to "
                    "OUT/{issue id}/. Runs until stopped with Ctrl-C.",
        epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--inbox", type=Path, required=True, metavar="DIR", help="folder of issue folders")
    serve.add_argument("--out", "-o", type=Path, required=True, metavar="DIR",
                       help="output root: one folder per issue, and the ledger")
    serve.add_argument("--cron", default="0 2 * * *", help='when to look in the inbox (default: "0 2 * * *", 02:00)')
    serve.add_argument("--ocr-slots", type=int, default=1, metavar="N",
                       help="pages OCR'd at once across all runs (default 1); a page always takes the same slot, "
                            "so two runs never OCR one page at once")
    _add_engine(serve)
    _add_dask(serve)
    _add_verbosity(serve)

    validate = commands.add_parser(
        "validate", help="validate a run's TEI against tei_all and our schemas, and its ALTO against the XSD",
        description="Validate every OUT/tei/*.xml against tei_all, schemas/broadsheet-tei.rng and "
                    "broadsheet-tei.sch, and every OUT/alto/*.xml against the ALTO 4.4 XSD. Runs validate against "
                    "our grammar, a strict restriction of tei_all; this runs tei_all itself (its compile takes "
                    "about 12 s).",
        epilog=VALIDATE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("out", type=Path, metavar="OUT", help="a run's output folder")
    _add_verbosity(validate)

    review = commands.add_parser(
        "review", help="start the review app for QA staff on a run's output",
        description="Serve the review app on a run's output folder: a queue of flagged pages, most severe first; "
                    "each page's image with region overlays, its articles, text, flags and repairs; actions that "
                    "correct the page model and rewrite its TEI and ALTO. Reviewers, sessions and the audit trail "
                    "are kept in OUT/review.sqlite3. Binds to 127.0.0.1 unless told otherwise.",
        epilog=REVIEW_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument("out", type=Path, metavar="OUT", help="a run's output folder")
    review.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default: 127.0.0.1, this machine only); any other needs --allow-remote")
    review.add_argument("--allow-remote", action="store_true",
                        help="bind to a non-loopback --host. The app speaks plain HTTP: put a TLS-terminating proxy "
                             "in front, or passwords and session cookies cross the network readable")
    review.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    review.add_argument("--add-user", metavar="NAME",
                        help="create a reviewer instead of serving; the password is read from a prompt, or from "
                             "standard input when it is not a terminal")
    _add_verbosity(review)
    return parser


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("auto", "rapidocr", "paddleocr", "tesseract"), default="auto",
                        help="OCR engine. auto (default): each page's script picks it, rapidocr (PP-OCRv6 small on "
                             "ONNX Runtime) for CJK and modern Latin, Tesseract Fraktur for blackletter; or one "
                             "engine for every page: rapidocr, paddleocr (PaddleOCR 3 on ONNX Runtime, same "
                             "PP-OCRv6 weights; needs broadsheet[paddle]) or tesseract")
    parser.add_argument("--tesseract-languages", default="chi_sim+eng", metavar="LANGS",
                        help="Tesseract languages when --engine tesseract (default: chi_sim+eng)")


def _add_dask(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run the page tasks on a Dask cluster, e.g. tcp://scheduler:8786 (prefect-dask's "
                             "DaskTaskRunner); without it, pages run one at a time in this process")


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    group.add_argument("--verbose", "-v", action="store_true", help="print progress details and tracebacks")


def is_issue_folder(path: Path) -> bool:
    """A folder given as an input is an issue, unless it is named as a page file (a folder called page_03.tif
    among page files fails as a page, with its reason, instead of turning the run into a usage error)."""
    try:
        return path.is_dir() and path.suffix.lower() not in PAGE_SUFFIXES
    except OSError:  # a path that cannot even be looked at (a folder above it unreadable): a page, to fail as one
        return False


def collect_inputs(inputs: Sequence[Path]) -> list[Path]:
    """Files as given; folders expanded to their page images (or, with none, their OCR files).

    A missing path, or a folder that cannot be listed, stays, to fail as a page with its reason.
    """
    from broadsheet.ingest.readers import EXISTING_SUFFIXES

    collected: list[Path] = []
    for path in inputs:
        if not is_issue_folder(path):
            collected.append(path)
            continue
        try:
            entries = sorted(path.iterdir())
        except OSError:
            collected.append(path)
            continue
        images = [p for p in entries if p.suffix.lower() in PAGE_SUFFIXES]
        collected.extend(images or [p for p in entries if p.suffix.lower() in EXISTING_SUFFIXES])
    return collected


def _quiet_prefect(verbose: bool) -> None:
    """Prefect reads these at import: set them before the flow module is imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    # The ephemeral server's 20 s default start-up is too short on a busy 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _settings(args: argparse.Namespace, load_engine: bool = True) -> Settings:
    """Settings from the options, with the chosen engine loaded once to fail early (exit 5) if it is missing (unless
    `load_engine` is False: the caller loads it when it knows there are pages to read, see `_load_engine`)."""
    from broadsheet.config import (
        OcrConfig,
        PaddleOcrConfig,
        RapidOcrConfig,
        ScriptRoutingConfig,
        Settings,
        TesseractConfig,
    )

    engine = {"tesseract": lambda: TesseractConfig(languages=args.tesseract_languages),
              "paddleocr": PaddleOcrConfig, "rapidocr": RapidOcrConfig,
              "auto": ScriptRoutingConfig}[args.engine]()
    settings = Settings(ocr=OcrConfig(engine=engine))
    if getattr(args, "no_validate", False):
        settings = settings.model_copy(update={"output": settings.output.model_copy(update={"validate_tei": False})})
    if load_engine:
        _load_engine(settings)
    return settings


def _load_engine(settings: Settings, compile_models: bool = True) -> None:
    from broadsheet.engines import ocr_engine
    from broadsheet.engines.base import EngineUnavailableError, load_models

    try:
        engine = ocr_engine(settings.ocr.engine)
    except EngineUnavailableError as exc:
        raise CliError(str(exc), EXIT_MISSING_DEPENDENCY) from exc
    if compile_models and settings.ocr.load_models_early:
        import threading

        # Native compiling, overlapping the ingest, preprocessing and the other models' loading (OcrConfig). Not a
        # daemon: a run that stops early (a full disk, exit 7) waits for it, as the interpreter may not be torn down
        # under a native compile (it aborted with SIGABRT instead of exiting with the run's code).
        threading.Thread(target=load_models, args=(engine,), name="ocr-models").start()


def _issues(inputs: Sequence[Path], settings: Settings) -> list[Issue]:
    """Each folder is an issue; loose page files together make one, with metadata guessed from their folder."""
    from broadsheet.ingest.issue import load_issue, loose_issue

    folders = [path for path in inputs if is_issue_folder(path)]
    if folders and len(folders) < len(inputs):
        raise CliError("give issue folders or page files in one run, not both", EXIT_USAGE)
    if folders:
        return [load_issue(folder, settings.ingest) for folder in folders]
    return [loose_issue(list(inputs), settings.ingest)]


def command_run(args: argparse.Namespace) -> int:
    from broadsheet.ingest.readers.ndnp import batch_file

    if args.dpi is not None and args.dpi <= 0:
        raise CliError("--dpi must be positive", EXIT_USAGE)
    if args.jobs is not None and args.jobs < 1:
        raise CliError("--jobs must be at least 1", EXIT_USAGE)
    if args.page_workers is not None and args.page_workers < 1:
        raise CliError("--page-workers must be at least 1", EXIT_USAGE)
    batches = [path for path in args.inputs if batch_file(path)]
    if batches:
        if len(batches) < len(args.inputs):
            raise CliError("give NDNP batches or pages in one run, not both", EXIT_USAGE)
        return _run_batches(batches, args)
    if args.reocr_below is not None and not 0 <= args.reocr_below <= 1:
        raise CliError("--reocr-below is a confidence between 0 and 1", EXIT_USAGE)
    paired = _paired_pages(args)
    if paired:
        return _run_existing(paired, args)
    sources = collect_inputs(args.inputs)
    if not sources:
        raise CliError("no page images found in the given folders", EXIT_NO_INPUT)
    if any(is_existing_ocr(s) for s in sources):
        return _run_existing(sources, args)
    settings = _settings(args, load_engine=False)
    if args.page_workers is not None:
        run = settings.run.model_copy(update={"page_workers": args.page_workers})
        settings = settings.model_copy(update={"run": run})
    issues = _issues(args.inputs, settings)
    from broadsheet.run.issue import surely_uncached

    if any(surely_uncached(issue, _issue_out(args.out, issue, issues)) for issue in issues):
        # Pages to read: exit 5 now if the engine cannot load. A re-run from the cache loads none; on a Dask
        # cluster the workers read them, with engines of their own.
        _load_engine(settings, compile_models=not args.dask)
    _quiet_prefect(args.verbose)
    from broadsheet.atomic import FolderBusyError
    from broadsheet.run.batch import is_out_of_space

    pages = failed = empty_issues = 0
    for issue in issues:
        out = _issue_out(args.out, issue, issues)
        run_issue = _issue_runner(args, issue, out, settings)
        if not args.quiet:
            for flag in issue.flags:
                print(f"issue {issue.id}: {flag.reason}", file=sys.stderr)
        try:
            summary = run_issue(issue, str(out), settings, show_progress=not args.quiet)
        except FolderBusyError as exc:
            raise CliError(str(exc), EXIT_CANNOT_WRITE) from exc
        except OSError as exc:
            if not is_out_of_space(exc):
                raise
            raise CliError(f"cannot write to {out}: {exc.strerror or exc}; finished files are whole, "
                           "re-run when there is room", EXIT_CANNOT_WRITE) from exc
        except Exception as exc:  # one issue's trouble is not the next issue's: report it and go on
            if args.verbose:
                raise
            print(f"broadsheet: error: issue {issue.id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            empty_issues += 1
            continue
        pages += summary.pages
        failed += summary.failed
        empty_issues += not summary.pages
        if not args.quiet:
            for page in summary.failures:
                frame = f" (frame {page.frame + 1})" if page.frame else ""
                print(f"failed: {page.source}{frame}: {page.reason}", file=sys.stderr)
            print(f"{summary.pages} page(s): {summary.pages - summary.failed - summary.flagged} ok, "
                  f"{summary.flagged} flagged, {summary.failed} failed ({summary.from_cache} from cache); "
                  f"{summary.articles} article(s)")
            print(f"TEI written to {summary.tei_dir}")
            print(f"manifest: {summary.manifest}")
            if summary.failed:
                print(f"failed pages and reasons: {summary.quarantine}")
    if pages and failed == pages:
        raise CliError(f"every page failed; the reasons are in quarantine.json under {args.out}", EXIT_ALL_FAILED)
    return EXIT_SOME_FAILED if failed or empty_issues else EXIT_OK


def _issue_out(out: Path, issue: Issue, issues: Sequence[Issue]) -> Path:
    return out if len(issues) == 1 else out / issue.id


def prefect_api_configured(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> bool:
    """Whether Prefect has a server to report to: PREFECT_API_URL in the environment, in the active profile of
    profiles.toml, or in ./prefect.toml or ./pyproject.toml ([tool.prefect]). Without one Prefect would start a
    temporary server of its own for the run (its ephemeral mode): measured on the 8-page issue, about 22 s of CPU
    whatever the pages (README #17, round 6). Read from those files, not through `prefect.settings`, whose import
    alone takes seconds."""
    import tomllib

    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    if environ.get("PREFECT_API_URL"):
        return True

    def table(path: Path) -> dict[str, Any]:
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return {}

    home = Path(environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    profiles = table(Path(environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml"))
    active = environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    if profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"):
        return True
    local = table(cwd / "prefect.toml")
    project = table(cwd / "pyproject.toml").get("tool", {}).get("prefect", {})
    return any(isinstance(found, dict) and found.get("api", {}).get("url") for found in (local, project))


def _issue_runner(args: argparse.Namespace, issue: Issue, out: Path, settings: Settings) -> Callable[..., IssueSummary]:
    """The Prefect flow, or its steps run in this process when there is nothing to orchestrate (see --prefect)."""
    from broadsheet.run.issue import InlineTasks, cached_issue, digitise

    cached = None if args.prefect != "auto" or args.dask or len(issue.files) == 1 \
        else cached_issue(issue, out, settings)
    if args.prefect == "never" or (args.prefect == "auto" and not args.dask
                                   and (len(issue.files) == 1 or cached is not None or not prefect_api_configured())):
        return lambda issue, out_dir, settings, show_progress: digitise(issue, out_dir, settings,
                                                                        InlineTasks(cached), show_progress)
    import threading

    from broadsheet.run.page import warm_up

    def start_prefect() -> None:
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():  # ephemeral mode: the temporary server the flow would start
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().start()

    starting = threading.Thread(target=start_prefect, name="prefect-start", daemon=True)
    starting.start()
    if not args.dask:
        warm_up(settings)  # the models this process's tasks will use, loaded while Prefect starts
    starting.join()
    from broadsheet.apps.flows.digitise import dask_task_runner, digitise_issue

    return digitise_issue.with_options(task_runner=dask_task_runner(args.dask)) if args.dask else digitise_issue


def command_serve(args: argparse.Namespace) -> int:
    if not args.inbox.is_dir():
        raise CliError(f"inbox {args.inbox} is not a folder", EXIT_NO_INPUT)
    if args.ocr_slots < 1:
        raise CliError("--ocr-slots must be at least 1", EXIT_USAGE)
    settings = _settings(args)
    _quiet_prefect(args.verbose)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise CliError("PREFECT_API_URL is not set: start a server with 'prefect server start' and export "
                       "PREFECT_API_URL=http://127.0.0.1:4200/api (see README)", EXIT_USAGE)
    from broadsheet.apps.flows.inbox import serve_inbox

    if not args.quiet:
        print(f"serving digitise-inbox/broadsheet-inbox on {PREFECT_API_URL.value()}: {args.inbox} -> {args.out}, "
              f"schedule {args.cron!r} (Ctrl-C stops it)")
    serve_inbox(args.inbox, args.out, args.cron, settings, ocr_slots=args.ocr_slots, dask_address=args.dask)
    return EXIT_OK


def _paired_pages(args: argparse.Namespace) -> list[ExistingPage]:
    """Images with their existing OCR: given by --ocr, or paired by name in issue folders; [] when there are none."""
    from broadsheet.ingest.issue import load_issue
    from broadsheet.ingest.readers import ExistingPage, is_existing_ocr

    if args.ocr:
        if len(args.ocr) != len(args.inputs) or any(p.is_dir() or is_existing_ocr(p) for p in args.inputs):
            raise CliError("--ocr pairs each page image given with one OCR file: give as many --ocr as images",
                           EXIT_USAGE)
        return [ExistingPage(ocr=ocr, image=image) for image, ocr in zip(args.inputs, args.ocr, strict=True)]
    pages: list[ExistingPage] = []
    for folder in (path for path in args.inputs if path.is_dir()):
        issue = load_issue(folder)
        ocr_files = {p.stem: p for p in folder.iterdir() if is_existing_ocr(p)}
        if issue.files and all(image.stem in ocr_files for image in issue.files):
            pages += [ExistingPage(ocr=ocr_files[image.stem], image=image, page_number=issue.page_numbers.get(
                image.name), issue=issue.metadata) for image in issue.files]
    return pages


def _existing_settings(args: argparse.Namespace) -> Settings:
    from broadsheet.config import ExistingOcrConfig, OutputConfig, Settings

    existing = ExistingOcrConfig(dpi=args.dpi, reocr_below=args.reocr_below, processes=args.jobs or 0)
    settings = Settings(output=OutputConfig(validate_tei=not args.no_validate), existing=existing)
    return _settings(args).model_copy(update={"existing": existing, "output": settings.output}) \
        if args.reocr_below is not None else settings


def _run_batches(batches: list[Path], args: argparse.Namespace) -> int:
    """NDNP batches: every issue of each into OUT/{issue id}/ from its METS and ALTO, no OCR."""
    from broadsheet.ingest.readers.ndnp import NdnpError
    from broadsheet.run.ndnp import digitise_batch

    settings = _existing_settings(args)
    pages = failed = issues_failed = 0
    for batch in batches:
        out = args.out if len(batches) == 1 else args.out / batch.resolve().name
        try:
            results, flags = digitise_batch(batch, out, settings, show_progress=not args.quiet)
        except NdnpError as exc:
            raise CliError(str(exc), EXIT_NO_INPUT) from exc
        for flag in flags:
            if not args.quiet:
                print(f"batch {batch}: {flag.reason}", file=sys.stderr)
        for result in results:
            pages += result.pages
            failed += result.failed
            issue_failed = not result.pages
            issues_failed += issue_failed
            if not args.quiet:
                for flag in result.flags:
                    print(f"issue {result.id}: {flag.reason}", file=sys.stderr)
                print(f"{result.id}: {result.pages} page(s), {result.failed} failed; {result.articles} article(s)")
        if not args.quiet:
            print(f"batch summary: {out / 'batch.json'}")
    if (pages and failed == pages) or (not pages and issues_failed):
        raise CliError(f"every page failed; the reasons are in the manifests under {args.out}", EXIT_ALL_FAILED)
    return EXIT_SOME_FAILED if failed or issues_failed else EXIT_OK


def _run_existing(sources: Sequence[Path | ExistingPage], args: argparse.Namespace) -> int:
    """Existing OCR (plain text, ALTO, hOCR), with its images where paired: no OCR engine needed, except for the
    lines --reocr-below reads again."""
    from broadsheet.model.page import PageStatus
    from broadsheet.run.existing import digitise_existing

    if not all(not isinstance(s, Path) or is_existing_ocr(s) for s in sources):
        raise CliError("give either page images or existing OCR files (.txt, ALTO .xml, hOCR .html/.hocr) "
                       "in one run, not both", EXIT_USAGE)
    settings = _existing_settings(args)
    entries, articles = digitise_existing(sources, args.out, settings, show_progress=not args.quiet)
    failed = sum(e.status == PageStatus.failed for e in entries)
    if not args.quiet:
        flagged = sum(e.status == PageStatus.flagged for e in entries)
        print(f"{len(entries)} page(s) of existing OCR: {len(entries) - failed - flagged} ok, {flagged} flagged, "
              f"{failed} failed; {articles} article(s)")
        print(f"manifest: {args.out / 'manifest.json'}")
    for entry in entries:
        if entry.status == PageStatus.failed and not args.quiet:
            print(f"  {entry.source}: {entry.flags[0].reason}", file=sys.stderr)
    if entries and failed == len(entries):
        raise CliError(f"every page failed; reasons are in {args.out / 'manifest.json'}", EXIT_ALL_FAILED)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def is_existing_ocr(path: Path) -> bool:
    from broadsheet.ingest.readers import is_existing_ocr as existing

    return existing(path)


def command_validate(args: argparse.Namespace) -> int:
    from broadsheet.serialise.validate import validate_folder

    reports = validate_folder(args.out)
    if not reports:
        raise CliError(f"{args.out} holds no tei/*.xml or alto/*.xml: is it a broadsheet run's output?", EXIT_NO_INPUT)
    invalid = {path: report for path, report in reports.items() if not report.valid}
    for path, report in invalid.items():
        print(f"{path}: invalid: {report.errors[0]}", file=sys.stderr)
    if not args.quiet:
        print(f"{len(reports) - len(invalid)} of {len(reports)} file(s) valid")
    return EXIT_INVALID if invalid else EXIT_OK


def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the two passwords differ", EXIT_USAGE)
        return password
    return sys.stdin.readline().rstrip("\r\n")


def command_review(args: argparse.Namespace) -> int:
    if not (args.out / "pages").is_dir():
        raise CliError(f"{args.out} holds no pages/ folder: is it a broadsheet run's output?", EXIT_NO_INPUT)
    if args.add_user is not None:
        from broadsheet.run.corrections.store import DB_NAME, ReviewStore, StoreError

        try:
            ReviewStore(args.out / DB_NAME).add_user(args.add_user, _read_password())
        except StoreError as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
        if not args.quiet:
            print(f"reviewer {args.add_user} added to {args.out / DB_NAME}")
        return EXIT_OK
    if not is_loopback(args.host):
        if not args.allow_remote:
            raise CliError(f"refusing to serve the review app on {args.host}, beyond this machine, without "
                           "--allow-remote; it speaks plain HTTP, so put TLS in front of it", EXIT_USAGE)
        print(f"broadsheet: warning: serving on {args.host} over plain HTTP: passwords and session cookies cross the "
              "network readable unless a TLS-terminating proxy stands in front", file=sys.stderr)
    import uvicorn

    from broadsheet.apps.review.app import create_app

    if not args.quiet:
        print(f"review app on http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    uvicorn.run(create_app(args.out), host=args.host, port=args.port,
                log_level="info" if args.verbose else "warning")
    return EXIT_OK


def is_loopback(host: str) -> bool:
    """Whether an address to bind reaches this machine only: localhost, 127.0.0.0/8, ::1."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # a decoder's warnings about a damaged file: log lines, quiet under --quiet
    handler = {"run": command_run, "serve": command_serve, "validate": command_validate,
               "review": command_review}[args.command]
    try:
        return handler(args)
    except CliError as exc:
        print(f"broadsheet: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("broadsheet: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.verbose:
            raise
        print(f"broadsheet: error: {type(exc).__name__}: {exc} (run with --verbose for details)", file=sys.stderr)
        return 1
