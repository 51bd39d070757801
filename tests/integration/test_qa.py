"""QA flag rules, @cert in the TEI, and reviewers' corrections surviving a re-run (no OCR: built pages)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from broadsheet.config import QaConfig
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import (
    Article,
    Line,
    Page,
    PageStatus,
    PreprocessTransform,
    Region,
    RegionType,
    Repair,
    Severity,
)
from broadsheet.run.corrections.edits import EditError, apply, keep_review, reapply_corrections, settle
from broadsheet.run.corrections.store import DB_NAME, ReviewStore, check_password, hash_password
from broadsheet.run.output import write_page
from broadsheet.run.qa import apply_qa, qa_flags, severity_key
from broadsheet.serialise.tei import build_tei, tei_bytes
from broadsheet.text.xmlsafe import parse_xml

PID = "qa-0123abcd-f0"
TEI = "{http://www.tei-c.org/ns/1.0}"


def _line(region_id: str, n: int, text: str, conf: float, y: float, x0: float = 100, x1: float = 900) -> Line:
    return Line(id=f"{region_id}-l{n}", text=text, confidence=conf, engine="test",
                polygon=Polygon.from_box(x0, y, x1, y + 40))


def make_page(body_conf: float = 0.97) -> Page:
    head = Region(id=f"{PID}-r1", type=RegionType.headline, confidence=0.9, detector_label="title",
                  polygon=Polygon.from_box(100, 100, 900, 180),
                  lines=[_line(f"{PID}-r1", 1, "Harbour reopens", 0.95, 120)])
    body = Region(id=f"{PID}-r2", type=RegionType.body, confidence=0.9, detector_label="text",
                  polygon=Polygon.from_box(100, 200, 900, 400),
                  lines=[_line(f"{PID}-r2", n, f"body line number {n}", body_conf, 160 + 50 * n) for n in range(1, 4)])
    return Page(id=PID, source="/nonexistent/qa.png", sha256="0123abcd" * 8, width=1000, height=1400,
                status=PageStatus.ok, regions=[head, body], reading_order=[head.id, body.id],
                articles=[Article(id=f"{PID}-a1", page_ids=[PID], headline_region_id=head.id,
                                  region_ids=[head.id, body.id], title="Harbour reopens")])


def codes(page: Page) -> set[str]:
    return {flag.code for flag in qa_flags(page, QaConfig(), 0.8)}


def test_a_clean_page_earns_no_flag() -> None:
    page = apply_qa(make_page(), QaConfig(), 0.8)
    assert page.flags == [] and page.status == PageStatus.ok


def test_low_confidence_lines_and_mean() -> None:
    flags = {f.code: f for f in qa_flags(make_page(body_conf=0.3), QaConfig(), 0.8)}
    assert {"low-confidence", "low-confidence-lines"} <= set(flags)
    assert "3 of 4 lines" in flags["low-confidence-lines"].reason
    # Configurable: with fewer low lines required, or a lower line threshold, the verdict follows.
    assert "low-confidence-lines" not in codes_with(make_page(body_conf=0.3), QaConfig(line_confidence=0.2))
    assert "low-confidence-lines" not in codes_with(make_page(body_conf=0.3), QaConfig(min_low_lines=4))


def codes_with(page: Page, config: QaConfig) -> set[str]:
    return {flag.code for flag in qa_flags(page, config, 0.0)}


def test_empty_region_and_text_outside_regions() -> None:
    page = make_page()
    page.regions.append(Region(id=f"{PID}-r3", type=RegionType.caption, confidence=0.5, detector_label="text",
                               polygon=Polygon.from_box(100, 900, 500, 950)))
    page.regions[1].lines.append(_line(f"{PID}-r2", 9, "stray", 0.9, 1200))
    flags = {f.code: f for f in qa_flags(page, QaConfig(), 0.8)}
    assert flags["empty-region"].element_id == f"{PID}-r3"
    assert flags["text-outside-regions"].element_id == f"{PID}-r2-l9"


def test_article_without_headline() -> None:
    page = make_page()
    page.articles[0].headline_region_id = None
    assert "article-no-headline" in codes(page)


def test_low_certainty_repair_flag_is_not_doubled() -> None:
    page = make_page()
    page.repairs = [Repair(kind="paragraph-join", element_id=f"{PID}-a1-p1", before="a", after="ab", certainty=0.4),
                    Repair(kind="duplicate-removal", element_id=f"{PID}-r2-l2", before="x", after="", certainty=0.95)]
    flags = [f for f in qa_flags(page, QaConfig(), 0.8) if f.code == "repair-uncertain"]
    assert [f.element_id for f in flags] == [f"{PID}-a1-p1"]
    # The repair stage already raised one for that element: QA does not raise it again.
    page.flags = flags
    assert "repair-uncertain" not in codes(page)


def test_unusual_pages() -> None:
    page = make_page()
    page.transform = PreprocessTransform(skew_degrees=4.0)
    page.regions.append(Region(id=f"{PID}-r4", type=RegionType.figure, confidence=0.9, detector_label="figure",
                               polygon=Polygon.from_box(0, 400, 1000, 1400)))
    for line in page.regions[1].lines:  # turn the body lines upright
        x0, y0, _, _ = line.polygon.bounds
        line.polygon = Polygon.from_box(x0, y0, x0 + 30, y0 + 300)
    found = {f.code: f for f in qa_flags(page, QaConfig(), 0.8)}
    assert {"rotated-page", "vertical-text", "mostly-pictures"} <= set(found)
    assert found["mostly-pictures"].severity == Severity.info


def test_severity_orders_errors_first() -> None:
    error, warning = make_page(), make_page()
    error.flags = apply_qa(make_page(body_conf=0.3), QaConfig(), 0.8).flags[:1]
    error.flags[0].severity = Severity.error
    warning.flags = apply_qa(make_page(body_conf=0.3), QaConfig(), 0.8).flags
    assert severity_key(error.flags) > severity_key(warning.flags)


def test_low_confidence_text_carries_cert_in_tei() -> None:
    page = make_page()
    page.regions[1].lines[1].confidence = 0.42
    tree = parse_xml(tei_bytes(build_tei(page.articles[0], [page], language="en", image_urls={PID: "x.png"})))
    zone = tree.find(f".//{TEI}zone[@{{http://www.w3.org/XML/1998/namespace}}id='line-{PID}-r2-l2']")
    assert zone is not None and zone.get("cert") == "0.42"
    para = tree.find(f".//{TEI}body//{TEI}p")
    assert para is not None and para.get("cert") == "0.42"
    head = tree.find(f".//{TEI}body//{TEI}head")
    assert head is not None and head.get("cert") is None  # read with confidence 0.95


def test_passwords_use_scrypt_and_check() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_password("correct horse", stored) and not check_password("wrong horse", stored)


def test_corrections_survive_a_rerun_and_conflicts_are_flagged(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / DB_NAME)
    line_id = f"{PID}-r2-l1"
    fresh = make_page()
    edited, review = apply(fresh, "line-text", line_id, "body line number ONE", "alice")
    row = store.record("alice", PID, fresh.sha256, "line-text", line_id, "body line number 1", "body line number ONE")
    store.record("alice", PID, fresh.sha256, "region-type", f"{PID}-r2", "body", "sidebar")
    assert edited.regions[1].lines[0].text == "body line number ONE" and review.corrections == 1 and row > 0

    # A re-run writes a fresh model: the run brings the corrections back from the audit trail, in order, before it
    # writes, and keeps the review state of the model it wrote (run.issue, run.existing.digitise_existing).
    replayed, review = reapply_corrections(make_page(), tmp_path)
    written, entry, _ = write_page(replayed, tmp_path, validate=False)
    keep_review(tmp_path, entry.id, entry.model_sha256, review)
    assert written.regions[1].lines[0].text == "body line number ONE"
    assert written.regions[1].lines[0].engine == "review"
    assert written.regions[1].type == RegionType.sidebar
    model_bytes = (tmp_path / "pages" / f"{PID}.json").read_bytes()
    assert entry.model_sha256 == hashlib.sha256(model_bytes).hexdigest()
    # Which rows the written model holds is kept beside it, by its bytes, not in it.
    kept = store.page_review(PID, entry.model_sha256)
    assert kept.applied_through == row + 1 and kept.corrections == 2 and "review" not in json.loads(model_bytes)
    on_disk = Page.model_validate_json(model_bytes)
    assert on_disk.regions[1].lines[0].text == "body line number ONE"
    assert "body line number ONE" in (tmp_path / "alto" / f"{PID}.xml").read_text()
    # Written again: nothing is applied twice.
    assert reapply_corrections(on_disk, tmp_path, kept) == (on_disk, kept)

    # A re-run that now reads the line differently: not overwritten, not dropped, but flagged for a person.
    changed = make_page()
    changed.regions[1].lines[0].text = "body line nunber 1"
    replayed, _ = reapply_corrections(changed, tmp_path)
    conflict = [f for f in replayed.flags if f.code == "review-conflict"]
    assert len(conflict) == 1 and conflict[0].element_id == line_id and conflict[0].severity == Severity.error
    assert replayed.regions[1].lines[0].text == "body line nunber 1"
    assert replayed.status == PageStatus.flagged


def test_edits_refuse_what_does_not_fit() -> None:
    page = make_page()
    with pytest.raises(EditError):
        apply(page, "region-text", f"{PID}-r2", "only one line", "alice")  # the region has three
    with pytest.raises(EditError):
        apply(page, "region-type", f"{PID}-r2", "figure", "alice")  # it holds text
    with pytest.raises(EditError):
        apply(page, "line-text", f"{PID}-r9-l1", "x", "alice")
    moved, _ = apply(page, "region-article", f"{PID}-r2", "", "alice")
    assert moved.articles[0].region_ids == [f"{PID}-r1"]
    assert "text-outside-articles" in {f.code for f in settle(moved).flags}


def test_tei_cert_threshold_comes_from_settings(tmp_path: Path) -> None:
    """QaConfig.tei_cert_below decides which text carries @cert in the TEI written for a page."""
    page = make_page()
    lowest = min(line.confidence for region in page.regions for line in region.lines)
    _, _, strict = write_page(page, tmp_path / "strict", validate=False, cert_below=1.01)
    _, _, lenient = write_page(page, tmp_path / "lenient", validate=False, cert_below=min(lowest, 0.01))
    strict_tei = (tmp_path / "strict" / strict[0].tei).read_text()
    lenient_tei = (tmp_path / "lenient" / lenient[0].tei).read_text()
    assert 'cert="' in strict_tei
    assert 'cert="' not in lenient_tei
