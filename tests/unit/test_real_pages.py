"""The readers and scorers of benchmarks/real_pages.py on the real ground truth in ../shared/real: seconds, no OCR.

Each scorer is checked where its answer is known: the truth scored against itself (or its own
ALTO twin) scores perfectly, and a known damage (two articles run together, the order reversed)
costs what it must. Conservation is checked on a real page through the existing-OCR path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.real_sets import REAL, read_ecpo, read_page_xml, real_pages
from tests.shared_data import needs_shared

pytestmark = needs_shared(REAL)
dinglehopper = pytest.importorskip("dinglehopper", reason="dinglehopper is in the eval extra: pip install -e '.[eval]'")

from broadsheet.model.geometry import Polygon  # noqa: E402
from broadsheet.model.page import Article, Line, Page, PreprocessTransform, Region, RegionType  # noqa: E402
from evaluation.real_scores import (  # noqa: E402 (needs dinglehopper)
    abbyy_text,
    alto_lines,
    alto_text,
    ecpo_articles,
    line_matched_cer,
    match_by_area,
    match_by_text,
    page_truth_text,
    region_order_tau,
    text_scores,
    truth_lines,
)

KANT = REAL / "kant_aufklaerung_1784" / "data"


def _pages(kind: str) -> list:
    return list(real_pages([kind]))


def test_every_set_is_listed_with_its_truth() -> None:
    counts = {kind: len(_pages(kind)) for kind in ("kant", "nzz", "gbn", "ecpo", "topaz", "ndnp")}
    assert counts == {"kant": 2, "nzz": 5, "gbn": 6, "ecpo": 4, "topaz": 4, "ndnp": 5}
    for page in real_pages():
        assert page.source.exists(), page
        assert page.truth is None or page.truth.exists(), page


def test_page_xml_reader_keeps_reading_order_and_line_text() -> None:
    for page in _pages("kant") + _pages("nzz"):
        truth = read_page_xml(page.truth)
        assert truth.has_reading_order and truth.has_text, page.name
        assert len({r.id for r in truth.regions}) == len(truth.regions)
    kant = read_page_xml(KANT / "OCR-D-GT-PAGE" / "PAGE_0017_PAGE.xml")
    assert [r.id for r in kant.regions][:4] == ["r_1_1", "r_1_2", "r_1_3", "r_2_1"]
    for page in _pages("gbn"):  # regions only
        truth = read_page_xml(page.truth)
        assert truth.regions and not truth.has_text and not truth.has_reading_order


def test_ecpo_reader_matches_the_sets_own_conversion() -> None:
    """76 articles over the 4 folds, each block's text as derived/convert.py flattened it (gaiji as 〓)."""
    articles = 0
    for page in _pages("ecpo"):
        truth = read_ecpo(page.truth)
        derived = json.loads((page.truth.parent.parent / "derived" / f"text_{page.name}.json").read_text("utf-8"))
        assert [b.text for b in truth.blocks] == [b["text"] for p in derived["pages"] for b in p["blocks"]]
        articles += len(truth.articles)
    assert articles == 76


def test_dinglehopper_scores_the_truths_own_alto_twin_near_zero() -> None:
    truth = read_page_xml(KANT / "OCR-D-GT-PAGE" / "PAGE_0017_PAGE.xml")
    twin = text_scores(page_truth_text(truth), alto_text(KANT / "OCR-D-GT-ALTO" / "PAGE_0017_ALTO.xml"))
    assert twin.cer < 0.05 and twin.wer < 0.01  # only line and region breaks differ
    assert twin.characters > 500
    lines = truth_lines(truth)
    assert line_matched_cer(lines, lines[::-1]) == 0.0  # order does not count
    assert line_matched_cer(lines, []) == 1.0
    assert line_matched_cer(lines, alto_lines(KANT / "OCR-D-GT-ALTO" / "PAGE_0017_ALTO.xml")) < 0.05
    nzz = _pages("nzz")[0]
    abbyy = text_scores(page_truth_text(read_page_xml(nzz.truth)), abbyy_text(nzz.extra["abbyy"]))
    assert 0.02 < abbyy.cer < 0.5  # a real engine's reading: neither perfect nor garbage


def test_article_f1_by_text_finds_whole_articles_and_counts_a_merge() -> None:
    truth = read_ecpo(_pages("ecpo")[0].truth)
    texts = [block.text for block in truth.articles]
    scores, cers = ecpo_articles(truth, texts)
    assert scores.f1 == 1.0 and max(cers) == 0.0
    longest = max(range(len(texts) - 1), key=lambda k: len(texts[k]) + len(texts[k + 1]))
    merged = [*texts[:longest], texts[longest] + texts[longest + 1], *texts[longest + 2:]]
    damaged = match_by_text(merged, texts)
    assert len(damaged.matches) in (len(texts) - 1, len(texts) - 2)
    assert damaged.f1 < 1.0


def _region(region_id: str, polygon: Polygon, text: str = "x") -> Region:
    return Region(id=region_id, type=RegionType.body, polygon=polygon, confidence=1.0, detector_label="text",
                  lines=[Line(id=f"{region_id}-l1", text=text, polygon=polygon, confidence=1.0, engine="truth")])


def _page(regions: list[Region], order: list[str], articles: list[Article] = ()) -> Page:
    return Page(id="p", source="p.png", width=8000, height=12000, regions=regions, reading_order=order,
                articles=list(articles), transform=PreprocessTransform(working_width=8000, working_height=12000))


def test_reading_order_tau_against_page_reading_order() -> None:
    truth = read_page_xml(_pages("nzz")[1].truth)
    regions = [_region(f"o{k}", r.polygon) for k, r in enumerate(truth.regions)]
    ids = [r.id for r in regions]
    assert region_order_tau(_page(regions, ids), truth) == 1.0
    assert region_order_tau(_page(regions, ids[::-1]), truth) == -1.0
    assert region_order_tau(_page(regions, ids), read_page_xml(_pages("gbn")[0].truth)) is None  # no order there


def test_article_f1_by_area_against_topaz_clippings() -> None:
    from evaluation.clippings import read_clippings

    page = _pages("topaz")[0]
    clipped = [a for a in read_clippings(page.truth) if a.page_image == page.name and a.classification == "article"]
    regions, articles = [], []
    for k, article in enumerate(clipped):
        members = [_region(f"a{k}z{z}", zone) for z, zone in enumerate(article.zones)]
        regions += members
        articles.append(Article(id=f"a{k}", page_ids=["p"], headline_region_id=None,
                                region_ids=[r.id for r in members]))
    assert match_by_area(_page(regions, [r.id for r in regions], articles), clipped).f1 == 1.0
    one_story = Article(id="all", page_ids=["p"], headline_region_id=None, region_ids=[r.id for r in regions])
    assert match_by_area(_page(regions, [r.id for r in regions], [one_story]), clipped).f1 < 0.5


def test_conservation_on_a_real_page_through_the_existing_ocr_path(tmp_path: Path) -> None:
    """The Kant ground truth's ALTO read as existing OCR: every article-content character reaches the TEI."""
    from broadsheet.config import Settings
    from broadsheet.run.existing import digitise_existing
    from evaluation.conservation import run_conservation

    entries, articles = digitise_existing([KANT / "OCR-D-GT-ALTO" / "PAGE_0017_ALTO.xml"], tmp_path, Settings())
    assert entries[0].status.value != "failed" and articles >= 1
    [kept] = run_conservation(tmp_path)
    assert kept.content_characters > 500
    assert kept.share == 1.0 and not kept.lost_regions


def test_ndnp_alto_in_inch1200_is_read_in_its_own_unit() -> None:
    from broadsheet.ingest.readers.alto import read_alto

    page = read_alto(_pages("ndnp")[-1].source)
    assert page.unit == "inch1200" and page.width > 1000
    assert sum(len(region.lines) for region in page.regions) > 100



def test_real_page_xml_comes_back_line_for_line_with_its_reading_order(tmp_path: Path) -> None:
    """The Kant PAGE 2013 ground truth through the existing-OCR path: every PAGE line's text is a line of our ALTO,
    verbatim, and each TEI article holds its regions in the PAGE's stated order (benchmarks/page_roundtrip.py
    measures all seven NZZ and Kant pages)."""
    from benchmarks.page_roundtrip import SOURCES, page_row
    from broadsheet.config import Settings
    from broadsheet.run.existing import digitise_existing

    source = sorted(SOURCES["kant"].glob("*.xml"))[0]
    digitise_existing([source], tmp_path, Settings())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    row = page_row(source, tmp_path, manifest["pages"][0], manifest["articles"])
    assert row["lines"] == row["lines_identical_in_alto"] > 20
    assert row["reading_order_tau"] == 1.0 and row["accounted"] == 1.0
