"""The browser page designer (samples/browser): its designs vary, and its truth holds on the PNG and on the PDF."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pdfplumber
import pytest
from PIL import Image

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Article, Page, Paragraph, Region, RegionType
from evaluation.generated import score_page
from samples.articles import load_pool
from samples.browser import browser_session, chromium_available, draw_design, render_page

PAGES = (("zh", 13, "a4"), ("en", 3, "a4"), ("en", 11, "broadsheet"))
"""Fixed seeds: a framed roundtable beside a story; an English interview with a picture across columns; a
broadsheet with an advertisement, pull quotes, a fact box and pictures."""
DPI = 100
"""Low resolutions keep the test to seconds; the truth scales with them."""
needs_chromium = pytest.mark.skipif(not chromium_available(), reason="/usr/bin/chromium is absent (Debian package "
                                    "`chromium`): the browser pages cannot be laid out")
TEXT_TYPES = {t.value for t in RegionType} - {"figure", "separator"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    with browser_session() as browser:
        return [render_page(lang, seed, out, size=size, dpi=DPI, pdf_dpi=DPI, browser=browser)
                for lang, seed, size in PAGES]


def _pixels(page, fmt: str) -> np.ndarray:
    if fmt == "png":
        return np.asarray(Image.open(page.paths["png"]).convert("L"))
    with pdfplumber.open(page.paths["pdf"]) as pdf:
        return np.asarray(pdf.pages[0].to_image(resolution=DPI).original.convert("L"))


def test_design_switches_vary_over_seeds():
    designs = [draw_design(lang, seed, size, load_pool(lang))
               for lang in ("zh", "en") for size in ("a4", "broadsheet") for seed in range(25)]
    articles = [a for d in designs for a in d.articles]
    assert {d.columns for d in designs} == set(range(2, 8))
    assert {len(d.articles) for d in designs} >= set(range(1, 7))
    assert any(len(set(d.column_weights)) > 1 for d in designs) and any(len(set(d.column_weights)) == 1
                                                                        for d in designs)
    assert {a.kind for a in articles} == {"story", "roundtable", "interview"}
    for switch in ("kicker", "byline", "dateline", "head_rule", "figure", "caption", "pull_quote", "box",
                   "headline_align", "headline_join", "framed", "jump", "column_rule"):
        values = Counter(getattr(a, switch) for a in articles)
        assert len(values) >= 2, (switch, values)
    assert {a.figure for a in articles} >= {"none", "top", "under_head", "aside", "flow", "span"}
    assert any(a.headline_columns < a.body_columns for a in articles)
    for switch in ("header", "folio", "teasers", "section_label", "module_rules", "align", "hyphenate"):
        assert len({getattr(d, switch) for d in designs}) >= 2, switch
    assert any(d.advertisement for d in designs) and not all(d.advertisement for d in designs)
    assert len({d.faces.body for d in designs}) >= 6


def test_design_follows_its_seed():
    pool = load_pool("en")
    assert draw_design("en", 5, "a4", pool) == draw_design("en", 5, "a4", pool)
    assert draw_design("en", 5, "a4", pool) != draw_design("en", 6, "a4", pool)


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_every_box_lies_inside_the_page_and_text_boxes_hold_ink(rendered, fmt):
    for page in rendered:
        truth = page.truths[fmt]
        pixels = _pixels(page, fmt)
        assert pixels.shape == (truth["height"], truth["width"])
        for region in truth["regions"]:
            x0, y0, x1, y1 = region["box"]
            assert 0 <= x0 < x1 <= truth["width"] and 0 <= y0 < y1 <= truth["height"], region
            if region["type"] in TEXT_TYPES:
                ink = (pixels[y0:y1, x0:x1] < 128).mean()
                assert ink > 0.01, (page.paths[fmt].name, region["id"], region["type"], region["text"][:30], ink)


@pytest.mark.slow
@needs_chromium
def test_pdf_text_layer_lies_on_the_truths_text(rendered):
    """Every character of the printed PDF's text layer falls inside a text region of the PDF's truth."""
    for page in rendered:
        truth = page.truths["pdf"]
        boxes = np.array([r["box"] for r in truth["regions"] if r["type"] in TEXT_TYPES], dtype=float)
        with pdfplumber.open(page.paths["pdf"]) as pdf:
            chars = [c for c in pdf.pages[0].chars if c["text"].strip()]
        scale = DPI / 72
        centres = np.array([((c["x0"] + c["x1"]) / 2 * scale, (c["top"] + c["bottom"]) / 2 * scale) for c in chars])
        inside = ((centres[:, None, 0] >= boxes[None, :, 0]) & (centres[:, None, 0] <= boxes[None, :, 2])
                  & (centres[:, None, 1] >= boxes[None, :, 1]) & (centres[:, None, 1] <= boxes[None, :, 3]))
        assert len(chars) > 500
        assert inside.any(axis=1).all(), [chars[i]["text"] for i in np.flatnonzero(~inside.any(axis=1))][:20]


def _letters(text: str) -> str:
    """Text without whitespace or hyphens: what lines and paragraphs must share (line-end hyphens are printed)."""
    return re.sub(r"[\s\-\u00ad]", "", text)


@pytest.mark.slow
@needs_chromium
def test_articles_have_their_paragraphs_exactly_as_printed(rendered):
    for page in rendered:
        truth = page.truths["png"]
        regions = {r["id"]: r for r in truth["regions"]}
        assert truth["articles"]
        for article in truth["articles"]:
            members = [regions[i] for i in article["region_ids"]]
            assert article["headline"] and article["paragraphs"], article["id"]
            assert "headline" in {r["type"] for r in members}
            assert all(r["article"] == article["id"] for r in members)
            printed = "".join(r["text"] for r in members if r["type"] == "body")
            assert _letters(printed) == _letters("".join(article["paragraphs"])), article["id"]
        text_ids = [r["id"] for r in truth["regions"] if r["type"] != "separator"]
        assert truth["reading_order"] == text_ids


@pytest.mark.slow
@needs_chromium
def test_a_body_paragraph_runs_on_across_columns(rendered):
    """CSS columns split paragraphs: some body region starts mid-paragraph (its first line opens no paragraph)."""
    split = 0
    for page in rendered:
        truth = page.truths["png"]
        for article in truth["articles"]:
            starts = {_letters(p)[:6] for p in article["paragraphs"]}
            bodies = [r for r in truth["regions"] if r["article"] == article["id"] and r["type"] == "body"]
            split += sum(_letters(r["text"])[:6] not in starts for r in bodies)
    assert split >= 3


@pytest.mark.slow
@needs_chromium
def test_score_page_reads_the_truth_unchanged(rendered):
    """A prediction that repeats the truth scores perfectly with evaluation.generated.score_page."""
    for page in rendered:
        for fmt, truth in page.truths.items():
            regions = [Region(id=r["id"], type=RegionType(r["type"]), polygon=Polygon.from_box(*r["box"]),
                              confidence=1.0, detector_label="truth") for r in truth["regions"]]
            articles = [Article(id=a["id"], page_ids=["p"], headline_region_id=a["region_ids"][0],
                                region_ids=a["region_ids"], title=a["headline"],
                                paragraphs=[Paragraph(id=f"{a['id']}-{k}", line_ids=[], region_ids=[], text=text)
                                            for k, text in enumerate(a["paragraphs"])]) for a in truth["articles"]]
            predicted = Page(id="p", source=truth["image"], width=truth["width"], height=truth["height"],
                             regions=regions, reading_order=truth["reading_order"], articles=articles)
            score = score_page(predicted, truth)
            assert (score.article_pair_f1, score.body_cer, score.paragraphs_matched) == (1.0, 0.0, 1.0), fmt
            assert score.region_f1 == 1.0 and score.reading_order_tau == 1.0


@pytest.mark.slow
@needs_chromium
def test_truth_records_the_design(rendered):
    for page in rendered:
        design = page.truths["pdf"]["design"]
        assert design["lang"] == page.design.lang and len(design["articles"]) == len(page.truths["pdf"]["articles"])
        assert page.truths["pdf"]["dpi"] == DPI and page.truths["pdf"]["source"]["output"] == "print"
