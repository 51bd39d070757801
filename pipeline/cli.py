"""The `broadsheet` command. Thin: parses options, builds Settings, calls a flow or a library function."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import __version__

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NO_INPUT = 3
EXIT_ALL_FAILED = 4
EXIT_MISSING_DEPENDENCY = 5
EXIT_INTERRUPTED = 130

INPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

RUN_EXAMPLES = """\
examples:
  broadsheet run samples/pages/zh_roundtable.jpg --out out/
  broadsheet run scans/issue-1944-12-13/ --out out/1944-12-13 --engine tesseract
  broadsheet run scans/1784/ --out out/1784                  # Fraktur pages go to Tesseract Fraktur
  broadsheet run page.jpg --out out/ --engine paddleocr
  broadsheet run page1.tif page2.tif --out out/ --quiet
  broadsheet run archive/1987/*.txt --out out/1987        (existing OCR: .txt, ALTO .xml, hOCR .html/.hocr)

exit codes:
  0  every page was processed (some may be flagged or failed: see OUT/manifest.json)
  1  an unexpected error (run again with --verbose for the traceback)
  2  bad command-line usage (also: images and OCR files mixed in one run)
  3  no input pages found
  4  every page failed
  5  a required engine or package is not installed
"""

EVAL_EXAMPLES = """\
examples:
  broadsheet eval out/ samples/pages/
  broadsheet eval out/ samples/pages/zh_roundtable.gt.json --json
"""


REVIEW_EXAMPLES = """\
examples:
  broadsheet review out/ --add-user alice          # asks for alice's password
  echo "$PASSWORD" | broadsheet review out/ --add-user bob
  broadsheet review out/                           # then open http://127.0.0.1:8000/
  broadsheet review out/ --port 8080
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
               "  broadsheet eval out/ samples/pages/\n\nRun 'broadsheet COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="digitise page images into TEI articles and ALTO pages",
        description="OCR, lay out and segment newspaper pages (PNG, JPEG, TIFF incl. multi-page) and write "
                    "OUT/tei/*.xml (one per article), OUT/alto/*.xml (one per page), OUT/pages/*.json "
                    "(the page model) and OUT/manifest.json. Runs as a Prefect flow with no server needed.",
        epilog=RUN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                     help="page image files, or folders whose images are read in name order; or existing "
                          "OCR to repair and re-serialise: plain text (.txt), ALTO (.xml), hOCR (.html, .hocr)")
    run.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="output folder (created if missing)")
    run.add_argument("--engine", choices=("auto", "rapidocr", "paddleocr", "tesseract"), default="auto",
                     help="OCR engine. auto (default): each page's script picks it, rapidocr (PP-OCRv6 small on "
                          "ONNX Runtime) for CJK and modern Latin, Tesseract Fraktur for blackletter; or one "
                          "engine for every page: rapidocr, paddleocr (PaddleOCR 3 on ONNX Runtime, same "
                          "PP-OCRv6 weights; needs broadsheet[paddle]) or tesseract")
    run.add_argument("--tesseract-languages", default="chi_sim+eng", metavar="LANGS",
                     help="Tesseract languages when --engine tesseract (default: chi_sim+eng)")
    run.add_argument("--no-validate", action="store_true", help="skip TEI/ALTO schema validation (faster)")
    _add_verbosity(run)

    evaluate = commands.add_parser(
        "eval", help="score a run's output against generated ground truth",
        description="Compare OUT (a finished run) with ground truth (*.gt.json files from the page generator): "
                    "body and headline CER, paragraphs matched, region-type accuracy, article grouping.",
        epilog=EVAL_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("out", type=Path, metavar="OUT", help="a run's output folder")
    evaluate.add_argument("truth", type=Path, metavar="GT", help="a .gt.json file or a folder of them")
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    _add_verbosity(evaluate)

    review = commands.add_parser(
        "review", help="start the review app for QA staff on a run's output",
        description="Serve the review app on a run's output folder: a queue of flagged pages, most severe first; "
                    "each page's image with region overlays, its articles, text, flags and repairs; actions that "
                    "correct the page model and rewrite its TEI and ALTO. Reviewers, sessions and the audit trail "
                    "are kept in OUT/review.sqlite3. Binds to 127.0.0.1 unless told otherwise.",
        epilog=REVIEW_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument("out", type=Path, metavar="OUT", help="a run's output folder")
    review.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    review.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    review.add_argument("--add-user", metavar="NAME",
                        help="create a reviewer instead of serving; the password is read from a prompt, or from "
                             "standard input when it is not a terminal")
    _add_verbosity(review)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    group.add_argument("--verbose", "-v", action="store_true", help="print progress details and tracebacks")


def collect_inputs(inputs: Sequence[Path]) -> list[Path]:
    """Files as given; folders expanded to their page images (or, with none, their OCR files).

    A missing path stays, to fail as a page.
    """
    from pipeline.readers import EXISTING_SUFFIXES

    collected: list[Path] = []
    for path in inputs:
        if path.is_dir():
            images = sorted(p for p in path.iterdir() if p.suffix.lower() in INPUT_SUFFIXES)
            collected.extend(images or sorted(p for p in path.iterdir() if p.suffix.lower() in EXISTING_SUFFIXES))
        else:
            collected.append(path)
    return collected


def _quiet_prefect(verbose: bool) -> None:
    """Prefect reads these at import: set them before the flow module is imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")


def command_run(args: argparse.Namespace) -> int:
    from pipeline.config import (
        OcrConfig,
        PaddleOcrConfig,
        RapidOcrConfig,
        ScriptRoutingConfig,
        Settings,
        TesseractConfig,
    )
    from pipeline.engines import ocr_engine
    from pipeline.engines.base import EngineUnavailableError

    sources = collect_inputs(args.inputs)
    if not sources:
        raise CliError("no page images found in the given folders", EXIT_NO_INPUT)
    if any(is_existing_ocr(s) for s in sources):
        return _run_existing(sources, args)
    engine = {"tesseract": lambda: TesseractConfig(languages=args.tesseract_languages),
              "paddleocr": PaddleOcrConfig, "rapidocr": RapidOcrConfig,
              "auto": ScriptRoutingConfig}[args.engine]()
    settings = Settings(ocr=OcrConfig(engine=engine))
    settings = settings.model_copy(update={"output": settings.output.model_copy(
        update={"validate_tei": not args.no_validate})})
    try:
        ocr_engine(settings.ocr.engine)
    except EngineUnavailableError as exc:
        raise CliError(str(exc), EXIT_MISSING_DEPENDENCY) from exc
    _quiet_prefect(args.verbose)
    from flows.digitise import digitise_pages

    summary = digitise_pages([str(s) for s in sources], str(args.out), settings, show_progress=not args.quiet)
    if not args.quiet:
        print(f"{summary.pages} page(s): {summary.pages - summary.failed - summary.flagged} ok, "
              f"{summary.flagged} flagged, {summary.failed} failed; {summary.articles} article(s)")
        print(f"TEI written to {summary.tei_dir}")
        print(f"manifest: {summary.manifest}")
    if summary.pages and summary.failed == summary.pages:
        raise CliError(f"every page failed; reasons are in {summary.manifest}", EXIT_ALL_FAILED)
    return EXIT_OK


def _run_existing(sources: list[Path], args: argparse.Namespace) -> int:
    """Existing OCR (plain text, ALTO, hOCR): structure and repair stages only, no engine needed."""
    from pipeline.config import OutputConfig, Settings
    from pipeline.model import PageStatus
    from pipeline.readers import digitise_existing

    if not all(is_existing_ocr(s) for s in sources):
        raise CliError("give either page images or existing OCR files (.txt, ALTO .xml, hOCR .html/.hocr) "
                       "in one run, not both", EXIT_USAGE)
    settings = Settings(output=OutputConfig(validate_tei=not args.no_validate))
    entries, articles = digitise_existing(sources, args.out, settings)
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
    return EXIT_OK


def is_existing_ocr(path: Path) -> bool:
    from pipeline.readers import is_existing_ocr as existing

    return existing(path)


def command_eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate_run, format_report

    if not (args.out / "manifest.json").exists():
        raise CliError(f"{args.out} holds no manifest.json: is it a broadsheet run's output?", EXIT_NO_INPUT)
    if not args.truth.exists():
        raise CliError(f"ground truth {args.truth} does not exist", EXIT_NO_INPUT)
    report = evaluate_run(args.out, args.truth)
    print(report.model_dump_json(indent=1) if args.json else format_report(report))
    return EXIT_OK


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
        from pipeline.review.store import DB_NAME, ReviewStore, StoreError

        try:
            ReviewStore(args.out / DB_NAME).add_user(args.add_user, _read_password())
        except StoreError as exc:
            raise CliError(str(exc), EXIT_USAGE) from exc
        if not args.quiet:
            print(f"reviewer {args.add_user} added to {args.out / DB_NAME}")
        return EXIT_OK
    import uvicorn

    from pipeline.review.app import create_app

    if not args.quiet:
        print(f"review app on http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    uvicorn.run(create_app(args.out), host=args.host, port=args.port,
                log_level="info" if args.verbose else "warning")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handler = {"run": command_run, "eval": command_eval, "review": command_review}[args.command]
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


if __name__ == "__main__":
    sys.exit(main())
