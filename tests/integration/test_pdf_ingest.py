"""PDF ingest: born-digital pages read from their text layer, scans and garbage text layers rasterised for OCR,
broken and encrypted files failed with a reason. The PDFs are typeset here with fpdf2; Topaz Times PDFs are real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from broadsheet.config import IngestConfig, Settings
from broadsheet.engines.pdf_text import PdfTextLayer, group_lines
from broadsheet.ingest.files import ingest_file, load_gray, page_image
from broadsheet.ingest.pdf import is_garbage
from broadsheet.model.page import PageStatus, RegionType
from broadsheet.run.output import write_page
from broadsheet.run.page import build_stages, process_page
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import cer
from samples.articles import load_pool
from samples.pdf_pages import PdfTruth, born_digital_pdf, encrypted_pdf, outlined_text_pdf
from tests.shared_data import needs_shared, shared_path

TOPAZ = shared_path("real", "topaz_times_1944", "pages")


@pytest.fixture(scope="module")
def born_digital(tmp_path_factory: pytest.TempPathFactory) -> PdfTruth:
    return born_digital_pdf(tmp_path_factory.mktemp("pdf") / "born-digital.pdf", load_pool("en")[:2])


def test_born_digital_page_is_read_from_its_text_layer(born_digital: PdfTruth) -> None:
    [page] = ingest_file(born_digital.path, IngestConfig(pdf_dpi=200))
    assert page.status == PageStatus.pending
    assert page.pdf is not None and page.pdf.mode == "text-layer"
    assert page.pdf.ink_covered is not None and page.pdf.ink_covered > 0.95
    assert page.dpi == 200
    assert (page.width, page.height) == (round(612 * 200 / 72), round(792 * 200 / 72))
    assert load_gray(page).shape == (page.height, page.width)
    [step] = page.steps
    assert (step.stage, step.software, step.settings["pdf_mode"]) == ("ingest", "pdfplumber", "text-layer")


def test_text_layer_lines_match_the_typeset_text_and_positions(born_digital: PdfTruth) -> None:
    [page] = ingest_file(born_digital.path, IngestConfig(pdf_dpi=200))
    lines = PdfTextLayer(page).read(load_gray(page))
    scale = 200 / 72
    read = {line.text: line for line in lines}
    assert sorted(read) == sorted(truth.text for truth in born_digital.lines)
    for truth in born_digital.lines:
        (x0, y0), _, (x1, y1), _ = read[truth.text].quad
        assert abs(x0 - truth.box[0] * scale) < 1.0 and abs(x1 - truth.box[2] * scale) < 1.0
        # pdfminer's glyph box runs from the descender to the ascender: its height is the type size
        assert abs((y1 - y0) - truth.size * scale) < 1.0
        assert truth.box[1] * scale - truth.size * scale < y0 < truth.box[3] * scale
    assert all(word.confidence == 1.0 for line in lines for word in line.words)


def test_words_across_a_gutter_or_of_another_size_are_separate_lines() -> None:
    def word(text: str, x0: float, x1: float, size: float = 10.0, top: float = 100.0) -> dict[str, object]:
        return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": top + size, "size": size}

    words = [word("left", 0, 30), word("column", 33, 70), word("right", 90, 120),
             word("BIG", 125, 200, size=24, top=94), word("below", 0, 30, top=113)]
    assert [[w["text"] for w in line] for line in group_lines(words)] == [["BIG"], ["left", "column"], ["right"],
                                                                          ["below"]]


def test_garbage_characters() -> None:
    assert is_garbage("(cid:42)") and is_garbage("\ue041") and is_garbage("\ufffd")
    assert not is_garbage("Harvest") and not is_garbage("丰收")


def test_garbage_text_layer_is_rasterised_for_ocr(tmp_path: Path) -> None:
    truth = born_digital_pdf(tmp_path / "symbol-font.pdf", load_pool("en")[:1], private_use=True)
    [page] = ingest_file(truth.path)
    assert page.pdf is not None and page.pdf.mode == "raster"
    assert page.pdf.garbage_share == 1.0
    assert "garbage text layer" in page.pdf.reason and "ToUnicode" in page.pdf.reason
    assert page.steps[0].settings["pdf_mode"] == "raster"
    # the page still looks like the typeset page: it is the pixels that OCR will read
    gray = load_gray(page)
    assert 0.01 < float((gray < 128).mean()) < 0.2


def test_text_layer_that_misses_the_ink_is_rasterised(tmp_path: Path) -> None:
    path = tmp_path / "outlines.pdf"
    outlined_text_pdf(path, "The Daily Outline, front page", ["Body type converted to outlines"] * 12)
    [page] = ingest_file(path)
    assert page.pdf is not None and page.pdf.mode == "raster"
    assert page.pdf.characters >= 20 and page.pdf.garbage_share == 0.0
    assert page.pdf.ink_covered is not None and page.pdf.ink_covered < 0.5
    assert "covers only" in page.pdf.reason


def test_switching_text_layers_off_rasterises(born_digital: PdfTruth) -> None:
    [page] = ingest_file(born_digital.path, IngestConfig(pdf_text_layer=False))
    assert page.pdf is not None and page.pdf.mode == "raster" and "switched off" in page.pdf.reason


def test_encrypted_malformed_and_truncated_pdfs_fail_with_a_reason(tmp_path: Path, born_digital: PdfTruth) -> None:
    encrypted = tmp_path / "locked.pdf"
    encrypted_pdf(encrypted, "secret")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(born_digital.path.read_bytes()[:4000])
    malformed = tmp_path / "malformed.pdf"
    malformed.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    expected = {encrypted: "PDF is encrypted", truncated: "not a readable PDF", malformed: "not a readable PDF"}
    for path, reason in expected.items():
        [page] = ingest_file(path)
        assert page.status == PageStatus.failed
        assert reason in page.flags[0].reason and "\n" not in page.flags[0].reason
    [locked] = ingest_file(encrypted)
    assert "qpdf --decrypt" in locked.flags[0].reason


def test_multipage_pdf_gives_consecutive_pages(tmp_path: Path, born_digital: PdfTruth) -> None:
    images = [Image.new("L", (850, 1100), 255), Image.new("L", (850, 1100), 128)]
    scanned = tmp_path / "p7.pdf"
    images[0].save(scanned, save_all=True, append_images=images[1:], resolution=100)
    pages = ingest_file(scanned)
    assert [(p.frame, p.page_number) for p in pages] == [(0, 7), (1, 8)]
    assert all(p.pdf is not None and p.pdf.mode == "raster" and "no text layer" in p.pdf.reason for p in pages)
    assert [p.dpi for p in pages] == [100.0, 100.0]  # a scan is read at its own resolution
    assert all(p.pdf is not None and p.pdf.scan_pixels for p in pages)
    assert int(load_gray(pages[1]).mean()) == 128
    preview = page_image(pages[1], "RGB")  # what the review app shows
    assert (preview.mode, preview.size) == ("RGB", (850, 1100))


@needs_shared(TOPAZ)
def test_topaz_pdf_gives_the_same_page_as_its_tiff() -> None:
    for pdf in sorted((TOPAZ / "pdf").glob("*.pdf")):
        [page] = ingest_file(pdf)
        assert page.pdf is not None and page.pdf.mode == "raster"
        assert "scanned page" in page.pdf.reason  # it has a text layer: the vendor's OCR, not trusted
        [tiff] = ingest_file(TOPAZ / "images" / f"{pdf.stem}.tif")
        assert (page.width, page.height) == (tiff.width, tiff.height)
        assert page.pdf.scan_pixels and (load_gray(page) == load_gray(tiff)).all()  # the scan as stored


def test_born_digital_page_runs_the_pipeline_without_ocr(tmp_path: Path, born_digital: PdfTruth) -> None:
    settings = Settings(ingest=IngestConfig(pdf_dpi=150))
    [page] = ingest_file(born_digital.path, settings.ingest)
    page = process_page(page, build_stages(settings, WorkingImages(tmp_path / ".work")), settings)
    assert page.status != PageStatus.failed, page.flags
    ocr = next(step for step in page.steps if step.stage == "ocr")
    assert ocr.software == "pdf-text-layer"
    assert next(step for step in page.steps if step.stage == "orientation").settings.get("skipped")
    lines = [line for region_id in page.reading_order for line in page.region(region_id).lines]
    assert {line.engine for line in lines} == {"pdf-text-layer"}
    assert cer("\n".join(line.text for line in lines), born_digital.text) < 0.01
    headlines = [region for region in page.regions if region.type == RegionType.headline]
    assert len(headlines) == 2  # the 24 pt type is headline size
    assert sorted(article.title for article in page.articles) == sorted(
        a.headline for a in load_pool("en")[:2])
    written, _entry, articles = write_page(page, tmp_path / "out", validate=True, cert_below=0.8)
    assert len(articles) == 2
    alto = etree.parse(str(tmp_path / "out" / "alto" / f"{written.id}.xml"))
    assert "pdfplumber" in etree.tostring(alto).decode()


def test_rasterised_page_matches_the_text_layer_pixels(born_digital: PdfTruth) -> None:
    """@facs zones and ALTO coordinates from the text layer must land on the rendered glyphs."""
    [page] = ingest_file(born_digital.path, IngestConfig(pdf_dpi=150))
    gray = load_gray(page)
    for line in PdfTextLayer(page).read(gray)[:20]:
        (x0, y0), _, (x1, y1), _ = line.quad
        inside = gray[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))]
        assert (inside < 128).mean() > 0.05  # ink where the text layer says the line is

