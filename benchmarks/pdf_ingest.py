"""PDF ingest: a born-digital page read from its text layer against the same page OCR'd, and a scanned Topaz
Times PDF against its TIFF.

Both paths of each pair run in this one process after the engines are built, so the timings compare like with
like on the same (noisy, 2-core) machine; speed is reported as a ratio.

    python -m benchmarks.pdf_ingest            # writes benchmarks/results/pdf_ingest.{json,md}
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from broadsheet.config import IngestConfig, Settings
from broadsheet.ingest.files import ingest_file, load_gray
from broadsheet.model.page import Page
from broadsheet.run.page import build_stages, process_page
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import cer
from samples.articles import load_pool
from samples.pdf_pages import born_digital_pdf

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TOPAZ = ROOT.parent / "shared" / "real" / "topaz_times_1944" / "pages"


def page_text(page: Page) -> str:
    return "\n".join(line.text for region_id in page.reading_order for line in page.region(region_id).lines)


def timed_run(path: Path, settings: Settings, work: Path) -> tuple[Page, float]:
    stages = build_stages(settings, WorkingImages(work))
    started = time.perf_counter()
    [page] = ingest_file(path, settings.ingest)
    page = process_page(page, stages, settings)
    return page, time.perf_counter() - started


def born_digital(work: Path) -> dict[str, object]:
    truth = born_digital_pdf(work / "born-digital.pdf", load_pool("en")[:2])
    runs = {}
    for label, text_layer in (("text-layer", True), ("ocr", False)):
        settings = Settings(ingest=IngestConfig(pdf_text_layer=text_layer))
        page, seconds = timed_run(truth.path, settings, work / label)
        runs[label] = {"seconds": round(seconds, 2), "cer": round(cer(page_text(page), truth.text), 4),
                       "mode": page.pdf.mode if page.pdf else None, "articles": len(page.articles),
                       "size": [page.width, page.height]}
    ratio = runs["ocr"]["seconds"] / runs["text-layer"]["seconds"]  # type: ignore[operator]
    return {"page": "2 English articles, 3 columns, US letter, 300 dpi", "lines": len(truth.lines), **runs,
            "ocr_over_text_layer_time": round(ratio, 1)}


def topaz(work: Path) -> dict[str, object]:
    pages = []
    for pdf in sorted((TOPAZ / "pdf").glob("*.pdf")):
        [from_pdf] = ingest_file(pdf)
        [from_tiff] = ingest_file(TOPAZ / "images" / f"{pdf.stem}.tif")
        same = (load_gray(from_pdf) < 128) == (load_gray(from_tiff) < 128)
        pages.append({"page": pdf.stem, "pdf_size": [from_pdf.width, from_pdf.height],
                      "tiff_size": [from_tiff.width, from_tiff.height], "pdf_dpi": from_pdf.dpi,
                      "mode": from_pdf.pdf.mode if from_pdf.pdf else None,
                      "pixel_agreement": round(float(np.mean(same)), 4)})
    first = sorted((TOPAZ / "pdf").glob("*.pdf"))[0]
    settings = Settings()
    pdf_page, pdf_seconds = timed_run(first, settings, work / "topaz-pdf")
    tiff_page, tiff_seconds = timed_run(TOPAZ / "images" / f"{first.stem}.tif", settings, work / "topaz-tiff")
    return {"pages": pages, "ocr_page": first.stem,
            "text_cer_pdf_vs_tiff": round(cer(page_text(pdf_page), page_text(tiff_page)), 4),
            "pdf_seconds": round(pdf_seconds, 2), "tiff_seconds": round(tiff_seconds, 2),
            "pdf_chars": len(page_text(pdf_page)), "tiff_chars": len(page_text(tiff_page))}


def markdown(result: dict) -> str:
    born, scan = result["born_digital"], result["topaz"]
    rows = [f"Measured {result['date']} on 2 shared cores (`python -m benchmarks.pdf_ingest`).", "",
            f"Born-digital page ({born['page']}, {born['lines']} printed lines), whole pipeline from ingest to "
            "repair:", "",
            "| path | seconds | CER vs typeset text | articles |", "| --- | ---: | ---: | ---: |"]
    for label in ("text-layer", "ocr"):
        run = born[label]
        rows.append(f"| {label} | {run['seconds']} | {run['cer']:.2%} | {run['articles']} |")
    rows += ["", f"OCR takes {born['ocr_over_text_layer_time']}x as long as reading the text layer.", "",
             "Topaz Times 1944: the vendor PDF (a scan with an OCR text layer, so rasterised and OCR'd) against the "
             "TIFF of the same page:", "",
             "| page | PDF size | TIFF size | PDF dpi | pixels agreeing |", "| --- | --- | --- | ---: | ---: |"]
    for page in scan["pages"]:
        rows.append(f"| {page['page']} | {page['pdf_size'][0]}x{page['pdf_size'][1]} | "
                    f"{page['tiff_size'][0]}x{page['tiff_size'][1]} | {page['pdf_dpi']:g} | "
                    f"{page['pixel_agreement']:.2%} |")
    rows += ["", f"OCR text of {scan['ocr_page']} from the PDF against that from the TIFF: CER "
             f"{scan['text_cer_pdf_vs_tiff']:.2%} ({scan['pdf_chars']} and {scan['tiff_chars']} characters; "
             f"{scan['pdf_seconds']} s and {scan['tiff_seconds']} s).", ""]
    return "\n".join(rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        result = {"date": date.today().isoformat(), "born_digital": born_digital(work), "topaz": topaz(work)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf_ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "pdf_ingest.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
