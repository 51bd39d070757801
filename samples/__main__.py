"""Command line for the page generator: ``python -m samples --help``."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from samples.designs import generate_designed_page
from samples.fonts import FontMissingError
from samples.generator import BUNDLED, PAGES_DIR, SIZES, generate_page, write_bundled, write_page
from samples.layouts import PRESETS, Layout, random_layout

EXAMPLES = """\
examples:
  python -m samples bundled                       # regenerate samples/pages/ (deterministic)
  python -m samples generate --lang zh --layout roundtable --seed 7 --out out --name p1
  python -m samples generate --lang en --layout random --seed 3 --no-degrade --out out --name clean
  python -m samples generate --lang zh --layout random --columns 5 --articles 3 --seed 9 --out out --name r5
  python -m samples generate --lang zh --layout broadsheet --size broadsheet --seed 1 --out out --name big
  python -m samples generate --lang zh --width 1240 --height 1754 --dpi 150 --out out --name small
  python -m samples layouts                       # list the layout presets
  python -m samples designed --lang zh --seed 7 --dpi 150 --out out --name d7   # design-randomised page

Each page is written as NAME.png (NAME.jpg when JPEG degradation is on) plus NAME.gt.json
(format broadsheet-gt/1: regions with polygons, reading order, articles and their paragraphs).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m samples",
        description="Render synthetic newspaper pages with layout, reading-order and article ground truth.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    bundled = sub.add_parser("bundled", help=f"regenerate the bundled pages ({', '.join(BUNDLED)})")
    bundled.add_argument("--out", type=Path, default=PAGES_DIR, help="output folder (default: samples/pages)")

    gen = sub.add_parser("generate", help="render one page")
    gen.add_argument("--lang", choices=["zh", "en"], default="zh")
    gen.add_argument("--layout", default="random", help=f"one of {', '.join(PRESETS)} or random")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--columns", type=int, choices=range(3, 7), help="random layout only: grid columns (3-6)")
    gen.add_argument("--articles", type=int, choices=range(1, 4), help="random layout only: main articles (1-3)")
    gen.add_argument("--size", choices=sorted(SIZES), default="a4", help="page size preset (default a4)")
    gen.add_argument("--width", type=int, help="page width in pixels (overrides --size)")
    gen.add_argument("--height", type=int, help="page height in pixels (overrides --size)")
    gen.add_argument("--dpi", type=int, help="resolution; with --size alone the pixel size follows it")
    degrade = gen.add_mutually_exclusive_group()
    degrade.add_argument("--no-degrade", action="store_true", help="clean page: no skew, noise, blur or JPEG")
    degrade.add_argument("--light", action="store_true", help="mild degradation, as on the bundled pages")
    gen.add_argument("--no-fill", action="store_true", help="do not add extra articles to fill empty space")
    gen.add_argument("--out", type=Path, default=Path("out"))
    gen.add_argument("--name", default="page")

    designed = sub.add_parser("designed", help="render a design-randomised page (samples.designs)")
    designed.add_argument("--lang", choices=["zh", "en"], default="zh")
    designed.add_argument("--seed", type=int, default=0)
    designed.add_argument("--dpi", type=int, default=150)
    designed.add_argument("--size", choices=sorted(SIZES), help="page size (default: as the design drew)")
    designed.add_argument("--no-degrade", action="store_true", help="clean page: no skew, noise, blur or JPEG")
    designed.add_argument("--out", type=Path, default=Path("out"))
    designed.add_argument("--name", default="page")

    sub.add_parser("layouts", help="list layout presets")
    return parser


def _size(args: argparse.Namespace) -> tuple[int, int, int]:
    width, height, dpi = SIZES[args.size]
    if args.dpi and not (args.width or args.height):
        # Keep the physical size of the preset and change only the resolution.
        width, height = round(width * args.dpi / dpi), round(height * args.dpi / dpi)
    return args.width or width, args.height or height, args.dpi or dpi


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "bundled":
            for path in write_bundled(args.out):
                print(f"{path}  {path.stat().st_size / 1e6:.2f} MB")
        elif args.command == "layouts":
            for name, layout in PRESETS.items():
                print(f"{name:14} {layout.columns} columns, {layout.article_count} article(s)")
            print(f"{'random':14} seeded: 3-6 columns, 1-3 articles")
        elif args.command == "designed":
            started = time.perf_counter()
            page = generate_designed_page(args.lang, args.seed, args.dpi, size=args.size,
                                          degrade=not args.no_degrade, name=args.name)
            path = write_page(page, args.out, args.name)
            design = ", ".join(f"{k}={v}" for k, v in page.truth["design"].items())
            print(f"{path}  {time.perf_counter() - started:.1f} s\n{design}")
        else:
            width, height, dpi = _size(args)
            started = time.perf_counter()
            layout: str | Layout = args.layout
            if args.layout == "random" and (args.columns or args.articles):
                layout = random_layout(random.Random(args.seed), args.columns, args.articles)
            page = generate_page(
                args.lang,
                layout,
                args.seed,
                width,
                height,
                dpi,
                degrade=False if args.no_degrade else ("light" if args.light else True),
                fill=False if args.no_fill else None,
                name=args.name,
            )
            path = write_page(page, args.out, args.name)
            seconds = time.perf_counter() - started
            print(f"{path}  {width}x{height} @ {dpi} dpi, {len(page.truth['regions'])} regions, {seconds:.1f} s")
    except FontMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
