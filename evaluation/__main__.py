"""`python -m evaluation OUT GT`: score a run's output against the page generator's ground truth.

Evaluation is not part of the shipped `broadsheet` command (it reads the generator's `*.gt.json`, which only
this repository makes); it runs from a checkout, as the benchmarks do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evaluation.generated import evaluate_run, format_report

EXIT_OK = 0
EXIT_NO_INPUT = 3

EXAMPLES = """\
examples:
  python -m evaluation out/ samples/pages/
  python -m evaluation out/ samples/pages/zh_roundtable.gt.json --json
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation",
        description="Compare OUT (a finished run) with ground truth (*.gt.json files from the page generator): "
                    "body and headline CER, paragraphs matched, region-type accuracy, article grouping.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, metavar="OUT", help="a run's output folder")
    parser.add_argument("truth", type=Path, metavar="GT", help="a .gt.json file or a folder of them")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    if not (args.out / "manifest.json").exists():
        return _error(f"{args.out} holds no manifest.json: is it a broadsheet run's output?")
    if not args.truth.exists():
        return _error(f"ground truth {args.truth} does not exist")
    report = evaluate_run(args.out, args.truth)
    print(report.model_dump_json(indent=1) if args.json else format_report(report))
    return EXIT_OK


def _error(message: str) -> int:
    print(f"evaluation: error: {message}", file=sys.stderr)
    return EXIT_NO_INPUT


if __name__ == "__main__":
    sys.exit(main())
