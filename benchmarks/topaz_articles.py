"""Article segmentation on real pages: the Topaz Times (13 Dec 1944), scored against people's clippings.

    python -m benchmarks.topaz_articles                 # run the pipeline on the 4 pages, then score
    python -m benchmarks.topaz_articles --out OUT       # run into OUT and keep it, or score the run already there
    python -m benchmarks.topaz_articles --vendor-ocr    # no OCR: the vendor's page XML, with the page images
    python -m benchmarks.topaz_articles --vendor-ocr --text-only   # the vendor's page XML alone
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from broadsheet.config import Settings
from broadsheet.ingest.files import ingest_file
from broadsheet.model.page import Page
from broadsheet.run.output import write_page
from broadsheet.run.page import build_stages, process_page
from broadsheet.stages.working_images import WorkingImages
from evaluation.clippings import read_clippings, score_clippings

ROOT = Path(__file__).resolve().parent.parent
TOPAZ = ROOT.parent / "shared" / "real" / "topaz_times_1944"
RESULTS = Path(__file__).resolve().parent / "results"


def run_vendor_pages(out: Path, with_images: bool) -> None:
    """The vendor's own OCR (iArchives page XML) through the stages after OCR; its image gives rules and pictures."""
    from broadsheet.ingest.readers import ExistingPage
    from broadsheet.run.existing import digitise_existing

    pages = [ExistingPage(ocr=xml, image=TOPAZ / "pages" / "images" / f"{xml.stem}.tif" if with_images else None)
             for xml in sorted((TOPAZ / "pages").glob("*.xml"))]
    digitise_existing(pages, out, Settings())


def run_pages(out: Path) -> None:
    settings = Settings()
    stages = build_stages(settings, WorkingImages(out / ".work"))
    for image in sorted((TOPAZ / "pages" / "images").glob("*.tif")):
        for page in ingest_file(image):
            write_page(process_page(page, stages, settings), out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="where the run goes, kept; a run already there is scored as it is")
    parser.add_argument("--vendor-ocr", action="store_true", help="the vendor's OCR instead of ours (no OCR run)")
    parser.add_argument("--text-only", action="store_true", help="with --vendor-ocr: without the page images")
    args = parser.parse_args()
    if not TOPAZ.is_dir():
        raise SystemExit(f"the Topaz Times pages are not at {TOPAZ}")
    with tempfile.TemporaryDirectory(prefix="broadsheet-topaz-") as folder:
        out = args.out or Path(folder)
        if not any((out / "pages").glob("*.json")):
            if args.vendor_ocr:
                run_vendor_pages(out, with_images=not args.text_only)
            else:
                run_pages(out)
        articles = read_clippings(TOPAZ)
        scores = [score_clippings(Page.model_validate_json(p.read_bytes()), articles)
                  for p in sorted((out / "pages").glob("*.json"))]
    rows = [{"page": s.page, "regions": s.regions, "pair_f1": round(s.pair_f1, 4)} for s in scores]
    mean = round(sum(r["pair_f1"] for r in rows) / len(rows), 4)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "topaz_articles" if not args.vendor_ocr else \
        "topaz_articles_vendor_text" if args.text_only else "topaz_articles_vendor"
    (RESULTS / f"{name}.json").write_text(json.dumps(
        {"date": date.today().isoformat(), "cores": os.cpu_count(), "rows": rows, "mean_pair_f1": mean}, indent=1))
    print("| page | regions scored | article pair F1 |\n| --- | --- | --- |")
    for r in rows:
        print(f"| {r['page']} | {r['regions']} | {r['pair_f1']:.3f} |")
    print(f"| **mean** | | {mean:.3f} |")


if __name__ == "__main__":
    main()
