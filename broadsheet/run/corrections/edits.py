"""Reviewers' actions on the page model, and re-applying them after a re-run of the pipeline.

Every action is (action, element id, value). `current_value` reads what the model holds now and `apply`
changes it; both are plain functions over the model and its review state, so the web app, the run's re-run path
(`broadsheet.run.issue.corrected`, `broadsheet.run.existing.digitise_existing`) and the tests share them.

Why re-run safety works this way: the audit trail in SQLite is the record of every decision, keyed by page
id and image sha256. The page's `Review` (kept in the same store, beside the written model, not in it) says in
`applied_through` which audit rows that model already holds. A re-run starts from a fresh model (no review state),
so `reapply_corrections` replays every row of that page in order:
a row whose element still holds the row's "before" value is applied; anything else (the element is gone,
or the new run read something else) is not guessed at but raised as a `review-conflict` error flag naming
the correction, so the page is back in the queue and a person decides. Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from broadsheet.config import OcrConfig, QaConfig
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import (
    TEXTLESS_TYPES,
    Flag,
    Line,
    Page,
    PageStatus,
    Paragraph,
    Region,
    RegionType,
    Repair,
    Severity,
)
from broadsheet.run.corrections.store import DB_NAME, AuditRow, Review, ReviewStore
from broadsheet.run.qa import RECOMPUTED_CODES, apply_qa, unclaimed_text_flags
from broadsheet.text.script import join_lines

ACTIONS = ("line-text", "region-text", "region-type", "region-article", "accept")
REVIEW_ENGINE = "review"
"""`Line.engine` of a line whose text a reviewer typed."""
NO_ARTICLE = ""


class EditError(ValueError):
    """The action cannot be applied (unknown element, a value that does not fit)."""


def _line(page: Page, line_id: str) -> tuple[Region, Line]:
    for region in page.regions:
        for line in region.lines:
            if line.id == line_id:
                return region, line
    raise EditError(f"no line {line_id!r} on page {page.id}")


def _region(page: Page, region_id: str) -> Region:
    try:
        return page.region(region_id)
    except KeyError:
        raise EditError(f"no region {region_id!r} on page {page.id}") from None


def article_of(page: Page, region_id: str) -> str:
    return next((a.id for a in page.articles if region_id in a.region_ids), NO_ARTICLE)


def current_value(page: Page, action: str, element_id: str, review: Review | None = None) -> str:
    """What the page model (and, for "accept", its review state) holds now for the action's element."""
    if action == "line-text":
        return _line(page, element_id)[1].text
    if action == "region-text":
        return _region(page, element_id).text
    if action == "region-type":
        return _region(page, element_id).type.value
    if action == "region-article":
        _region(page, element_id)
        return article_of(page, element_id)
    if action == "accept":
        return "accepted" if review and review.accepted else ""
    raise EditError(f"unknown action {action!r}")


def _clean(text: str) -> str:
    return " ".join(text.replace("\r", "").split()) if "\n" not in text else text


def _set_line_text(page: Page, line: Line, text: str) -> None:
    old = line.text
    line.text = text
    # The engine's word boxes no longer match the text; ALTO then writes one String over the line.
    line.words = []
    line.confidence = 1.0
    line.engine = REVIEW_ENGINE
    for article in page.articles:
        for para in article.paragraphs:
            if line.id not in para.line_ids:
                continue
            # Keep the repair stage's work on the rest of the paragraph where the old line is found verbatim.
            if old and para.text.count(old) == 1:
                para.text = para.text.replace(old, text)
            else:
                para.text = join_lines(_line(page, lid)[1].text for lid in para.line_ids)


def _set_region_text(page: Page, region: Region, text: str) -> None:
    rows = [row.strip() for row in text.replace("\r", "").split("\n")]
    while rows and not rows[-1]:
        rows.pop()
    if region.lines:
        if len(rows) != len(region.lines):
            raise EditError(f"region {region.id} has {len(region.lines)} line(s) but {len(rows)} were given: "
                            "give one line of text per printed line, or correct the lines one by one")
        for line, row in zip(region.lines, rows, strict=True):
            if line.text != row:
                _set_line_text(page, line, row)
        return
    if region.type in TEXTLESS_TYPES:
        raise EditError(f"a {region.type.value} region holds no text")
    # A region OCR read nothing in: the lines split its box into equal strips.
    x0, y0, x1, y1 = region.polygon.bounds
    step = (y1 - y0) / max(len(rows), 1)
    region.lines = [
        Line(id=f"{region.id}-l{n}", text=row, confidence=1.0, engine=REVIEW_ENGINE,
             polygon=Polygon.from_box(x0, y0 + (n - 1) * step, x1, y0 + n * step))
        for n, row in enumerate(rows, start=1)
    ]


def _set_region_type(region: Region, value: str) -> None:
    try:
        kind = RegionType(value)
    except ValueError:
        raise EditError(f"unknown region type {value!r}") from None
    if kind in TEXTLESS_TYPES and region.text.strip():
        raise EditError(f"region {region.id} holds text; a {kind.value} region cannot")
    region.type = kind


def _set_region_article(page: Page, region: Region, article_id: str) -> None:
    if article_id and not any(a.id == article_id for a in page.articles):
        raise EditError(f"no article {article_id!r} on page {page.id}")
    line_ids = {line.id for line in region.lines}
    for article in page.articles:
        if region.id not in article.region_ids:
            continue
        article.region_ids.remove(region.id)
        if article.headline_region_id == region.id:
            # The headline's text stays the title, now supplied: the page no longer shows it as this article's.
            article.headline_region_id, article.title_from = None, "text"
        kept: list[Paragraph] = []
        for para in article.paragraphs:
            if region.id in para.region_ids:
                para.line_ids = [lid for lid in para.line_ids if lid not in line_ids]
                para.region_ids = [rid for rid in para.region_ids if rid != region.id]
                para.text = join_lines(_line(page, lid)[1].text for lid in para.line_ids)
            if para.line_ids:
                kept.append(para)
        article.paragraphs = kept
    # An article left with no region has nothing to write; its TEI file goes (see app.save_page).
    page.articles = [a for a in page.articles if a.region_ids]
    if not article_id:
        return
    article = next(a for a in page.articles if a.id == article_id)
    order = {rid: i for i, rid in enumerate(page.reading_order)}
    if region.type == RegionType.headline and article.headline_region_id is None:
        article.headline_region_id, article.title_from = region.id, "headline"
        article.title = join_lines(line.text for line in region.lines)
        article.region_ids.insert(0, region.id)
        return
    # Body text not covered by a paragraph is written as a paragraph of its own by the TEI serialiser.
    article.region_ids.append(region.id)
    head = article.region_ids[:1] if article.region_ids[0] == article.headline_region_id else []
    rest = sorted(article.region_ids[len(head):], key=lambda rid: order.get(rid, len(order)))
    article.region_ids = [*head, *rest]


def apply(page: Page, action: str, element_id: str, value: str, user: str, when: datetime | None = None,
          review: Review | None = None) -> tuple[Page, Review]:
    """A copy of the page with the action applied, and its review state after it; raises EditError when it cannot
    be. `review` is the page's state before (None: a fresh model's)."""
    page = page.model_copy(deep=True)
    review = review or Review()
    before = current_value(page, action, element_id, review)
    if action == "accept":
        accepted = value == "accepted"
        return page, replace(review, accepted=accepted, accepted_by=user if accepted else None,
                             accepted_at=(when or datetime.now(UTC)) if accepted else None)
    if action == "line-text":
        text = _clean(value).strip()
        if "\n" in text:
            raise EditError("a line's text is one line")
        _set_line_text(page, _line(page, element_id)[1], text)
    elif action == "region-text":
        _set_region_text(page, _region(page, element_id), value)
    elif action == "region-type":
        _set_region_type(_region(page, element_id), value)
    elif action == "region-article":
        _set_region_article(page, _region(page, element_id), value)
    after = current_value(page, action, element_id, review)
    if after != before:
        # Written into the TEI's revisionDesc like the repair stage's repairs: provenance of the text.
        page.repairs.append(Repair(kind=f"review-{action}", element_id=element_id, before=before, after=after))
        review = replace(review, corrections=review.corrections + 1)
    return page, review


def settle(page: Page, qa: QaConfig | None = None, mean_confidence: float | None = None) -> Page:
    """Flags and status settled again after an edit: the QA flags, the text no article holds, validation."""
    page = page.model_copy(deep=True)
    page.flags = [flag for flag in page.flags if flag.code not in RECOMPUTED_CODES]
    page.flags.extend(unclaimed_text_flags(page))
    low = OcrConfig().low_confidence if mean_confidence is None else mean_confidence
    return apply_qa(page, qa or QaConfig(), low)


def replay(page: Page, rows: list[AuditRow], review: Review) -> tuple[Page, Review, list[Flag]]:
    """Apply audit rows in order; rows that no longer fit come back as conflict flags instead."""
    conflicts: list[Flag] = []
    failed: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.action, row.element_id)
        try:
            now = current_value(page, row.action, row.element_id, review)
            if key in failed or (now != row.before and row.action != "accept"):
                raise EditError(f"it now reads {now[:60]!r}")
            if row.action == "accept" and conflicts:
                continue  # an acceptance stands only for a page whose corrections all came back
            page, review = apply(page, row.action, row.element_id, row.after, row.user,
                                 when=datetime.fromisoformat(row.at), review=review)
        except EditError as exc:
            if key not in failed:
                conflicts.append(Flag(
                    code="review-conflict", severity=Severity.error, element_id=row.element_id,
                    reason=f"{row.user}'s correction of {row.element_id} ({row.action}: {row.before[:60]!r} -> "
                           f"{row.after[:60]!r}, {row.at}) was not re-applied after a re-run: {exc}"))
            failed.add(key)
        review = replace(review, applied_through=row.id)
    return page, review, conflicts


def reapply_corrections(page: Page, out_dir: Path, review: Review | None = None) -> tuple[Page, Review | None]:
    """Called before every page write: bring back reviewers' decisions this page model does not hold yet.

    `review` is the model's review state (None: a fresh model, as a run makes, which holds no decision); the
    state after comes back with the page, None only when there was nothing to replay into a fresh model."""
    db = out_dir / DB_NAME
    if not db.exists() or not page.sha256 or page.status == PageStatus.failed:
        return page, review  # a failed page holds nothing to correct; its rows wait in the trail for the next run
    rows = ReviewStore(db).history(page.id, page.sha256, after_id=review.applied_through if review else 0)
    if not rows:
        return page, review
    page, review, conflicts = replay(page, rows, review or Review())
    page = settle(page)
    page.flags.extend(conflicts)
    if conflicts and page.status != PageStatus.failed:
        page.status = PageStatus.flagged
    return page, review


def keep_review(out_dir: Path, page_id: str, model_sha256: str | None, review: Review | None) -> None:
    """Record beside the page model just written (by its SHA-256) the review state it holds."""
    if review is not None and model_sha256:
        ReviewStore(out_dir / DB_NAME).keep_page_review(page_id, model_sha256, review)
