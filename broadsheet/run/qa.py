"""QA flags: the rules that send a page to a person, each with a severity and a reason a person understands.

The rules only read the page model; `apply_qa` replaces the flags these rules own and leaves the flags other
stages raised (ingest, preprocess, articles, repair, the serialisers) alone, so it can run again after a
reviewer's edit without piling up duplicates. Thresholds come from `QaConfig` (and `OcrConfig.low_confidence`
for the page's mean confidence, which predates this module).
"""

from __future__ import annotations

from collections.abc import Iterable

from broadsheet.config import QaConfig
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, TEXTLESS_TYPES, Flag, Page, PageStatus, RegionType, Severity

# Codes raised here. "repair-uncertain" is shared with the repair stage, which raises it for its own repairs;
# QA only adds it for a low-certainty repair that carries no such flag yet.
QA_CODES = frozenset({
    "low-confidence", "low-confidence-lines", "no-text", "empty-region", "text-outside-regions",
    "article-no-headline", "article-untitled", "rotated-page", "vertical-text", "mostly-pictures",
})
# Raised elsewhere but settled again after a reviewer's edit (broadsheet.run.corrections.edits recomputes them).
RECOMPUTED_CODES = frozenset({"text-outside-articles", "tei-invalid", "alto-invalid"})

SEVERITY_RANK = {Severity.error: 3, Severity.warning: 2, Severity.info: 1}
# Region types whose text is not article text (mirrors the articles stage and the TEI serialiser).
NON_ARTICLE_TYPES = OUTSIDE_ARTICLE_TYPES | TEXTLESS_TYPES


def _ids(ids: Iterable[str], limit: int = 5) -> str:
    ids = list(ids)
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def confidence_flags(page: Page, config: QaConfig, mean_confidence: float) -> list[Flag]:
    lines = [line for region in page.regions for line in region.lines]
    if not lines:
        if any(flag.code == "blank-page" for flag in page.flags):
            return []
        return [Flag(code="no-text", severity=Severity.warning, reason="no text was read on the page")]
    flags = []
    mean = sum(line.confidence for line in lines) / len(lines)
    if mean < mean_confidence:
        flags.append(Flag(code="low-confidence", severity=Severity.warning,
                          reason=f"mean OCR confidence {mean:.2f} is below {mean_confidence:.2f}"))
    low = [line for line in lines if line.confidence < config.line_confidence]
    if len(low) >= config.min_low_lines and len(low) / len(lines) >= config.low_line_share:
        worst = min(low, key=lambda line: line.confidence)
        flags.append(Flag(
            code="low-confidence-lines", severity=Severity.warning, element_id=worst.id,
            reason=f"{len(low)} of {len(lines)} lines were read with confidence below {config.line_confidence:.2f} "
                   f"(worst {worst.confidence:.2f}: {worst.text[:40]!r})"))
    return flags


def region_flags(page: Page) -> list[Flag]:
    flags = []
    for region in page.regions:
        if region.type in TEXTLESS_TYPES:
            continue
        if not any(line.text.strip() for line in region.lines):
            flags.append(Flag(code="empty-region", severity=Severity.warning, element_id=region.id,
                              reason=f"the {region.type.value.replace('_', ' ')} region {region.id} has no text: "
                                     "OCR read nothing where the layout saw text"))
    boxes = [region.polygon.bounds for region in page.regions]
    outside = []
    for region in page.regions:
        for line in region.lines:
            x, y = line.polygon.center
            # Its own region first: that holds nearly every line, and the page's other boxes need not be tried.
            if not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in (region.polygon.bounds, *boxes)):
                outside.append(line.id)
    if outside:
        flags.append(Flag(code="text-outside-regions", severity=Severity.warning, element_id=outside[0],
                          reason=f"{len(outside)} OCR line(s) lie outside every layout region: {_ids(outside)}"))
    return flags


def article_flags(page: Page) -> list[Flag]:
    flags = []
    for article in page.articles:
        headline = None
        if article.headline_region_id is not None:
            headline = next((r for r in page.regions if r.id == article.headline_region_id), None)
        if headline is None and article.title_from == "text":
            flags.append(Flag(code="article-untitled", severity=Severity.info, element_id=article.id,
                              reason=f"article {article.id} has no headline on the page (text before any headline, "
                                     "or the rest of a story from another page): its TEI title is made from its "
                                     f"first words, {article.title!r}"))
        elif headline is None or not headline.text.strip():
            why = "its headline region holds no text" if headline is not None else "no headline was found for it"
            flags.append(Flag(code="article-no-headline", severity=Severity.warning, element_id=article.id,
                              reason=f"article {article.id} has no headline: {why}; its TEI title is a stand-in"))
    return flags


def unclaimed_text_flags(page: Page) -> list[Flag]:
    """Text no article holds, worded as the articles stage words it; used to settle it again after an edit."""
    claimed = {rid for article in page.articles for rid in article.region_ids}
    orphans = [r.id for r in page.regions
               if r.type not in NON_ARTICLE_TYPES and r.id not in claimed and r.text.strip()]
    if not orphans:
        return []
    return [Flag(code="text-outside-articles", severity=Severity.warning, element_id=orphans[0],
                 reason=f"{len(orphans)} text region(s) belong to no headline; they are in the ALTO "
                        f"but in no TEI article: {', '.join(orphans)}")]


def repair_flags(page: Page, config: QaConfig) -> list[Flag]:
    """One flag for a page's uncertain repairs, naming the least certain, unless the repair stage raised it."""
    if any(flag.code == "repair-uncertain" for flag in page.flags):
        return []
    uncertain = sorted((r for r in page.repairs if r.certainty < config.repair_certainty), key=lambda r: r.certainty)
    if not uncertain:
        return []
    worst = uncertain[0]
    return [Flag(code="repair-uncertain", severity=Severity.warning, element_id=worst.element_id,
                 reason=f"{len(uncertain)} repair(s) made with certainty below {config.repair_certainty:.2f}; the "
                        f"least certain: {worst.kind.replace('-', ' ').replace('_', ' ')} ({worst.certainty:.2f}) "
                        f"{worst.before[-40:]!r} -> {worst.after[-40:]!r}")]


def unusual_page_flags(page: Page, config: QaConfig) -> list[Flag]:
    flags = []
    skew = page.transform.skew_degrees
    if abs(skew) >= config.rotated_degrees:
        flags.append(Flag(code="rotated-page", severity=Severity.warning,
                          reason=f"the page is rotated by {skew:.1f}°, more than scanner skew "
                                 f"({config.rotated_degrees:.1f}°): check the reading order"))
    # Only lines of two or more characters: a single CJK glyph is as tall as it is wide either way.
    lines = [line for region in page.regions for line in region.lines if len(line.text.strip()) >= 2]
    upright = [line for line in lines if line.polygon.height > 1.5 * line.polygon.width]
    if lines and len(upright) / len(lines) >= config.vertical_share:
        if page.writing_mode == "vertical-rl":  # read as vertical text: for information
            flags.append(Flag(code="vertical-text", severity=Severity.info, element_id=upright[0].id,
                              reason=f"{len(upright)} of {len(lines)} lines run vertically: read as vertical "
                                     "text, columns right to left"))
        else:
            flags.append(Flag(code="vertical-text", severity=Severity.warning, element_id=upright[0].id,
                              reason=f"{len(upright)} of {len(lines)} lines run vertically, but the page was not "
                                     "found to be set vertically: it may be turned by 90°; check the reading order"))
    area = page.width * page.height
    pictures = sum(r.polygon.area for r in page.regions if r.type == RegionType.figure)
    if area and pictures / area >= config.picture_share:
        flags.append(Flag(code="mostly-pictures", severity=Severity.info,
                          reason=f"pictures cover {pictures / area:.0%} of the page: check nothing was read as text "
                                 "inside them and that their captions are right"))
    return flags


def qa_flags(page: Page, config: QaConfig, mean_confidence: float) -> list[Flag]:
    """Every QA flag the page earns now."""
    return [
        *confidence_flags(page, config, mean_confidence),
        *region_flags(page),
        *article_flags(page),
        *repair_flags(page, config),
        *unusual_page_flags(page, config),
    ]


def apply_qa(page: Page, config: QaConfig, mean_confidence: float) -> Page:
    """The page with its QA flags settled again and its status following its flags (a failed page is left)."""
    page = page.model_copy(deep=True)
    if page.status == PageStatus.failed:
        return page
    page.flags = [flag for flag in page.flags if flag.code not in QA_CODES]
    page.flags.extend(qa_flags(page, config, mean_confidence))
    page.status = PageStatus.flagged if page.flags else PageStatus.ok
    return page


def severity_key(flags: Iterable[Flag]) -> tuple[int, int, int]:
    """Sort key, higher is more severe: worst severity first, then how many errors, then how many flags."""
    flags = list(flags)
    worst = max((SEVERITY_RANK[Severity(f.severity)] for f in flags), default=0)
    errors = sum(Severity(f.severity) == Severity.error for f in flags)
    return worst, errors, len(flags)
