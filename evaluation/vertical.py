"""Scores for vertical pages against the ECPO truth (issue #18): articles found by text, their CER, their order,
region F1 against the human polygons; and the raw engine baseline's column order. Used by
`benchmarks/vertical_pages.py`.

The ECPO truth (`derived/text_*.json`, `derived/regions_*.json` of ../shared/real/ecpo_jingbao_1939-04-21) has
article texts in reading order page by page, and region polygons with no link to them: articles are matched by text.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dinglehopper.extracted_text import ExtractedText
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from broadsheet.engines.base import EngineLine
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import PAGE_FURNITURE_TYPES, Page, RegionType
from broadsheet.stages.ocr_columns import split_columns
from evaluation.generated import kendall_tau
from evaluation.real_scores import text_scores

FOUND_CER = 0.3
"""A truth article is found when a text of ours is within this CER of it."""
REGION_IOU = 0.5
TRUTH_LABELS = {"article": "article", "advertisement": "advertisement", "image": "image"}
OUR_LABELS = {RegionType.advertisement: "advertisement", RegionType.figure: "image"}
"""Our region types scored as the truth's labels; every other text type (body, headline, caption...) is article."""
NOT_SCORED = PAGE_FURNITURE_TYPES | {RegionType.separator}


def flat(text: str) -> str:
    """NFKC, whitespace removed: how article texts are compared (the truth has no spaces; spacing is not reading)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class TruthArticle:
    page: int
    """Index of the truth page in the fold (its order in the file)."""
    order: int
    """Position among the fold's articles, in reading order."""
    text: str


def truth_articles(text_json: Path) -> list[TruthArticle]:
    fold = json.loads(text_json.read_text(encoding="utf-8"))
    articles = []
    for page_index, page in enumerate(fold["pages"]):
        for block in page["blocks"]:
            if block["type"] == "article" and flat(block["text"]):
                articles.append(TruthArticle(page_index, len(articles), flat(block["text"])))
    return articles


def cer(truth: str, ours: str) -> float:
    """dinglehopper's CER of two flattened texts."""
    return text_scores(ExtractedText.from_str(truth), ExtractedText.from_str(ours)).cer


@dataclass(frozen=True)
class Match:
    truth: int
    ours: int
    cer: float


def match_within_cer(truth: Sequence[str], ours: Sequence[str], limit: float = FOUND_CER) -> list[Match]:
    """One to one, closest first: pairs whose CER is within `limit` (screened by edit distance, scored by
    dinglehopper)."""
    pairs = []
    for t, truth_text in enumerate(truth):
        for o, our_text in enumerate(ours):
            if abs(len(our_text) - len(truth_text)) > limit * len(truth_text):
                continue  # a length difference alone already costs more than the limit
            distance = Levenshtein.distance(truth_text, our_text, score_cutoff=int(limit * len(truth_text)) + 1)
            if distance <= limit * len(truth_text):
                pairs.append((distance / max(1, len(truth_text)), t, o))
    matches, used_truth, used_ours = [], set(), set()
    for _, t, o in sorted(pairs):
        if t in used_truth or o in used_ours:
            continue
        score = cer(truth[t], ours[o])
        if score <= limit:
            matches.append(Match(t, o, score))
            used_truth.add(t)
            used_ours.add(o)
    return sorted(matches, key=lambda m: m.truth)


def best_window(truth: str, text: str) -> tuple[float, int]:
    """The CER of the truth article against the stretch of a whole reading that matches it best (a baseline has
    no articles: this is the most it could have found), and where that stretch begins."""
    if not truth or not text:
        return 1.0, 0
    alignment = fuzz.partial_ratio_alignment(truth, text)
    if alignment is None:
        return 1.0, 0
    return cer(truth, text[alignment.dest_start:alignment.dest_end]), alignment.dest_start


WINDOW_ORDER_CER = 0.5
"""Articles whose best window is within this CER are placed by it for the window τ."""


def window_taus(truth: Sequence[TruthArticle], windows: Sequence[tuple[float, int]]) -> list[float]:
    """τ per truth page of the articles a reading holds (best window within `WINDOW_ORDER_CER`): the order of their
    windows in the reading against the truth's order. The baselines' reading order, and ours beside it."""
    taus = []
    for page in sorted({a.page for a in truth}):
        placed = [(windows[k][1], str(a.order)) for k, a in enumerate(truth)
                  if a.page == page and windows[k][0] <= WINDOW_ORDER_CER]
        if len(placed) >= 2:
            ours = [order for _, order in sorted(placed)]
            taus.append(kendall_tau(ours, sorted(ours, key=int)))
    return taus


def order_tau(matches: Sequence[Match], truth: Sequence[TruthArticle], our_page: Sequence[int],
              our_position: Sequence[int]) -> list[float]:
    """τ of the matched articles on each of our pages with two or more: our order against the truth's."""
    taus = []
    for page in sorted(set(our_page)):
        on_page = [m for m in matches if our_page[m.ours] == page]
        if len(on_page) < 2:
            continue
        ours = [str(truth[m.truth].order) for m in sorted(on_page, key=lambda m: our_position[m.ours])]
        taus.append(kendall_tau(ours, sorted(ours, key=int)))
    return taus


def columns_right_to_left(lines: Sequence[EngineLine]) -> list[EngineLine]:
    """An engine's lines in vertical-rl order with nothing else known: columns (lines sharing most of their width)
    from the right, each top to bottom."""
    return [line for column in reversed(split_columns(list(lines), share=0.5)) for line in column]


def truth_regions(regions_json: Path) -> list[tuple[str, Polygon]]:
    data = json.loads(regions_json.read_text(encoding="utf-8"))
    return [(TRUTH_LABELS[r["label"]], Polygon.from_points([tuple(p) for p in r["polygon"]]))
            for r in data["regions"] if r["label"] in TRUTH_LABELS]


def our_regions(pages: Sequence[Page]) -> list[tuple[str, Polygon]]:
    return [(OUR_LABELS.get(region.type, "article"), region.polygon) for page in pages for region in page.regions
            if region.type not in NOT_SCORED and (region.lines or region.type == RegionType.figure)]


def region_counts(truth: Sequence[tuple[str, Polygon]], ours: Sequence[tuple[str, Polygon]]) -> dict[str, list[int]]:
    """Per label: [matched, ours, truth], one to one at IoU ≥ 0.5, best first."""
    counts: dict[str, list[int]] = {}
    for label in TRUTH_LABELS.values():
        mine = [p for lab, p in ours if lab == label]
        theirs = [p for lab, p in truth if lab == label]
        pairs = sorted(((a.iou(b), i, j) for i, a in enumerate(mine) for j, b in enumerate(theirs)
                        if a.intersection_area(b) > 0), reverse=True)
        used_a, used_b, matched = set(), set(), 0
        for score, i, j in pairs:
            if score < REGION_IOU:
                break
            if i not in used_a and j not in used_b:
                used_a.add(i)
                used_b.add(j)
                matched += 1
        counts[label] = [matched, len(mine), len(theirs)]
    return counts
