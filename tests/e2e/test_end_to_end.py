"""The whole path on the bundled pages: real models, real Prefect, real schemas, measured against ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.serialise.validate import validate_alto, validate_tei
from broadsheet.text.xmlsafe import parse_xml
from evaluation.generated import evaluate_run
from tests.conftest import BUNDLED

pytestmark = pytest.mark.slow
TEI = "{http://www.tei-c.org/ns/1.0}"


def test_manifest_contract(bundled_run: tuple[Path, object]) -> None:
    out, _ = bundled_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) >= {"pages", "articles", "timings"}
    assert len(manifest["pages"]) == 3
    for page in manifest["pages"]:
        assert set(page) >= {"id", "source", "status", "flags", "alto"}
        assert page["status"] in ("ok", "flagged")
        assert all(set(flag) >= {"code", "reason"} for flag in page["flags"])
        assert (out / page["alto"]).is_file()
    assert len(manifest["articles"]) >= 5
    for article in manifest["articles"]:
        assert set(article) >= {"id", "pages", "tei"}
        assert (out / article["tei"]).is_file()
    assert manifest["timings"]["pages"] == 3
    assert manifest["timings"]["stages"]["ocr"] > 0
    assert not list(out.rglob("*.part")), "a temporary file was left behind"


def test_every_tei_file_validates_and_links_to_zones(bundled_run: tuple[Path, object]) -> None:
    out, _ = bundled_run
    for path in sorted((out / "tei").glob("*.xml")):
        report = validate_tei(path.read_bytes())
        assert report.valid, f"{path.name}: {report.errors[:3]}"
        tree = parse_xml(path)
        zones = {z.get("{http://www.w3.org/XML/1998/namespace}id") for z in tree.iter(f"{TEI}zone")}
        body = tree.find(f".//{TEI}body")
        assert body is not None
        linked = [e for e in body.iter() if e.get("facs")]
        assert linked, f"{path.name} has no element linked to the page"
        for element in linked:
            for pointer in element.get("facs", "").split():
                assert pointer.lstrip("#") in zones
        assert tree.findtext(f".//{TEI}titleStmt/{TEI}title")
        apps = [a.get("ident") for a in tree.iter(f"{TEI}application")]
        assert "rapidocr" in apps and "rapid-layout" in apps


def test_every_alto_file_validates_against_the_official_xsd(bundled_run: tuple[Path, object]) -> None:
    out, _ = bundled_run
    alto_files = sorted((out / "alto").glob("*.xml"))
    assert len(alto_files) == 3
    for path in alto_files:
        report = validate_alto(path.read_bytes())
        assert report.valid, report.errors[:3]
        root = etree.fromstring(path.read_bytes())
        ns = {"a": "http://www.loc.gov/standards/alto/ns-v4#"}
        page = root.find(".//a:Page", ns)
        width, height = float(page.get("WIDTH")), float(page.get("HEIGHT"))
        strings = root.findall(".//a:String", ns)
        assert len(strings) > 300
        for string in strings:
            assert 0 <= float(string.get("HPOS")) <= width and 0 <= float(string.get("VPOS")) <= height
            assert 0 <= float(string.get("WC")) <= 1


def test_accuracy_against_ground_truth(bundled_run: tuple[Path, object]) -> None:
    out, _ = bundled_run
    report = evaluate_run(out, BUNDLED)
    scores = {page.image: page for page in report.pages}
    for name in ("zh_roundtable.jpg", "zh_two_articles.jpg"):
        page = scores[name]
        assert page.body_cer <= 0.01, f"{name}: body CER {page.body_cer:.2%}"
        assert page.headline_cer <= 0.02, f"{name}: headline CER {page.headline_cer:.2%}"
        assert page.paragraphs_matched >= 0.9, name
        assert all(article.predicted_id for article in page.articles), "an article was not found"
    english = scores["en_two_articles.jpg"]
    assert english.body_cer <= 0.02, f"English body CER {english.body_cer:.2%}"
    assert report.article_pair_f1 >= 0.9
    assert report.region_type_accuracy >= 0.75
    # Every truth region, rules included, at IoU >= 0.5 with the same type (0.97 measured on 2026-11-26).
    assert report.region_f1 >= 0.9, [f"{p.image}: {p.region_f1:.2f}" for p in report.pages]


def test_coordinates_are_source_pixels(bundled_run: tuple[Path, object]) -> None:
    """Ground-truth boxes are in the (skewed) image's pixels; our regions must land on them."""
    from broadsheet.model.page import Page
    from evaluation.generated import match_regions

    out, _ = bundled_run
    for path in (out / "pages").glob("*.json"):
        page = Page.model_validate_json(path.read_bytes())
        truth = json.loads((BUNDLED / Path(page.source).name).with_suffix("").with_suffix(".gt.json").read_text())
        body_truth = [t for t in truth["regions"] if t["type"] == "body"]
        matched = match_regions(page, body_truth)
        assert len(matched) >= 0.8 * len(body_truth), page.source
        assert page.transform.skew_degrees != 0


def test_no_article_text_is_lost(bundled_run: tuple[Path, object]) -> None:
    """Conservation, as a library would check it: the article text of each page's ALTO is all in its TEI files."""
    from evaluation.conservation import run_conservation

    out, _ = bundled_run
    results = run_conservation(out)
    assert len(results) == 3
    for result in results:
        assert result.share == 1.0 and not result.lost_regions, (result.page_ids, result.lost_regions)
