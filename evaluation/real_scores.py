"""Scores of a run on real pages against their ground truth (`evaluation.real_sets`), with the field's definitions.

- **CER and WER in reading order**: dinglehopper (the OCR-D evaluation tool), its own text extraction:
  the PAGE ground truth's line ``TextEquiv`` in its ``ReadingOrder`` against our ALTO's lines in the
  order we wrote them. Also with long s folded to s on both sides (`LONG_S`: the NZZ truth writes s
  where the print has ſ), and ABBYY FineReader XIX's reading of the same NZZ page, same tool.
- **Line-matched CER** (order ignored): each truth line is paired with at most one line of ours, the
  closest pairs first (normalised Levenshtein distance); CER is the edits within pairs plus every
  character of lines left unpaired (truth: deleted; ours: inserted), over the truth's characters.
  What reading order costs is the difference between it and the CER in reading order.
- **Article F1**: an article is found when one of ours and one of the truth overlap by at least
  `ARTICLE_OVERLAP` both ways (their shared part is that share of each), matched one to one, best
  overlap first; F1 = 2·matched / (ours + truth). Overlap is
  - by text (ECPO, whose truth has text but no coordinates): the shared multiset of character bigrams,
    NFKC and whitespace removed; bigrams keep what a line says but do not depend on the order columns
    were read in, which τ measures apart;
  - by area (Topaz, whose truth is the clippings people drew and whose text is only the vendor's OCR):
    the area our article's regions share with the truth article's clipping zones on the page.
- **Body CER**: dinglehopper's CER of each matched article's text (its TEI ``<text>``: head and body)
  against the truth article's, whitespace removed (ECPO's truth has none); the mean over matched articles.
- **Reading-order τ** (Kendall): against PAGE ``ReadingOrder``, over pairs of our text regions
  lying in different truth regions (a region of ours belongs to the truth region that holds at least
  `REGION_INSIDE` of its area): +1 for a pair in the truth's order, -1 against it, over the pairs.
  On ECPO, over the matched articles: our order (where each article's first region stands in our
  reading order) against the truth's block order.
- **Conservation**: `evaluation.conservation`, from the run's ALTO and TEI.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from dinglehopper.character_error_rate import character_error_rate
from dinglehopper.extracted_text import ExtractedText, normalize_sbb
from dinglehopper.ocr_files import alto_extract, alto_extract_lines, page_extract
from dinglehopper.word_error_rate import word_error_rate
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import TEXTLESS_TYPES, Page
from broadsheet.text.script import LONG_S
from broadsheet.text.xmlsafe import parse_xml
from evaluation.clippings import ClippedArticle
from evaluation.generated import kendall_tau
from evaluation.real_sets import EcpoTruth, PageTruth

ARTICLE_OVERLAP = 0.5
"""Share of each side an article of ours and a truth article must share to match (the usual 0.5)."""
REGION_INSIDE = 0.5
"""Share of a region of ours that must lie in one truth region for τ to place it there."""
TEI = "{http://www.tei-c.org/ns/1.0}"
TET = "{http://www.pdflib.com/XML/TET3/TET-3.0}"


@dataclass(frozen=True)
class TextScores:
    cer: float
    wer: float
    cer_long_s_folded: float
    characters: int
    """Characters of the truth text: the weight of this page in a set's mean."""


def text_scores(truth: ExtractedText, ours: ExtractedText) -> TextScores:
    """dinglehopper's CER and WER of a reading against the truth, in reading order; CER again with long s folded."""
    folded_truth = ExtractedText.from_str(truth.text.translate(LONG_S))
    folded_ours = ExtractedText.from_str(ours.text.translate(LONG_S))
    return TextScores(cer=character_error_rate(truth, ours), wer=word_error_rate(truth, ours),
                      cer_long_s_folded=character_error_rate(folded_truth, folded_ours), characters=len(truth.text))


def unspaced_scores(truth: str, ours: str) -> TextScores:
    """`text_scores` with whitespace removed on both sides (Chinese: the truth has none, spacing is not reading)."""
    return text_scores(ExtractedText.from_str(_unspaced(truth)), ExtractedText.from_str(_unspaced(ours)))


def page_truth_text(truth: PageTruth) -> ExtractedText:
    """The PAGE file's text as dinglehopper reads it: line TextEquiv, regions in ReadingOrder."""
    return page_extract(parse_xml(truth.path), textequiv_level="line")


def alto_text(alto: Path) -> ExtractedText:
    """An ALTO file's text as dinglehopper reads it: its lines in document order."""
    return alto_extract(parse_xml(alto))


def abbyy_text(tet: Path) -> ExtractedText:
    """ABBYY FineReader's reading in PDFlib TET XML: its paragraphs in document order, words joined by spaces."""
    root = parse_xml(tet).getroot()
    paragraphs = [" ".join("".join(text.itertext()) for text in para.iter(f"{TET}Text"))
                  for para in root.iter(f"{TET}Para")]
    return ExtractedText.from_str("\n".join(p for p in paragraphs if p))


def truth_lines(truth: PageTruth) -> list[str]:
    """The PAGE file's line texts, normalised as dinglehopper normalises them."""
    return [normalize_sbb(line) for region in truth.regions for line in region.lines if line.strip()]


def alto_lines(alto: Path) -> list[str]:
    return [line.text for line in alto_extract_lines(parse_xml(alto)) if line.text.strip()]


def line_matched_cer(truth: list[str], ours: list[str]) -> float:
    """CER with lines paired one to one, closest first, whatever their order (see the module's notes)."""
    total = sum(len(t) for t in truth)
    if not total:
        return 0.0 if not ours else 1.0
    distance = cdist(truth, ours, scorer=Levenshtein.normalized_distance, workers=1) if ours else None
    pairs = sorted((distance[i, j], i, j) for i in range(len(truth)) for j in range(len(ours))
                    if distance[i, j] < 1.0) if distance is not None else []
    used_truth: set[int] = set()
    used_ours: set[int] = set()
    edits = 0
    for _, i, j in pairs:
        if i not in used_truth and j not in used_ours:
            used_truth.add(i)
            used_ours.add(j)
            edits += Levenshtein.distance(truth[i], ours[j])
    edits += sum(len(t) for i, t in enumerate(truth) if i not in used_truth)
    edits += sum(len(o) for j, o in enumerate(ours) if j not in used_ours)
    return edits / total


def _unspaced(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def bigrams(text: str) -> Counter[str]:
    """The multiset of character bigrams of a text, NFKC, whitespace removed (a one-character text: itself)."""
    flat = _unspaced(text)
    return Counter(flat[k:k + 2] for k in range(max(len(flat) - 1, 1))) if flat else Counter()


@dataclass(frozen=True)
class ArticleMatch:
    ours: int
    truth: int
    overlap_ours: float
    overlap_truth: float


@dataclass(frozen=True)
class ArticleScores:
    ours: int
    truth: int
    matches: list[ArticleMatch]

    @property
    def f1(self) -> float:
        total = self.ours + self.truth
        return 2 * len(self.matches) / total if total else 1.0


def match_articles(shared: list[list[float]], size_ours: list[float], size_truth: list[float]) -> ArticleScores:
    """One-to-one matches where the shared amount is at least ARTICLE_OVERLAP of each side, best first.

    ``shared[i][j]`` is what our article i and truth article j share (bigrams or area); sizes are each one's whole.
    """
    candidates = []
    for i, row in enumerate(shared):
        for j, amount in enumerate(row):
            a, b = amount / max(size_ours[i], 1e-9), amount / max(size_truth[j], 1e-9)
            if min(a, b) >= ARTICLE_OVERLAP:
                candidates.append((min(a, b), i, j, a, b))
    used_ours: set[int] = set()
    used_truth: set[int] = set()
    matches = []
    for _, i, j, a, b in sorted(candidates, reverse=True):
        if i not in used_ours and j not in used_truth:
            used_ours.add(i)
            used_truth.add(j)
            matches.append(ArticleMatch(i, j, round(a, 4), round(b, 4)))
    return ArticleScores(len(size_ours), len(size_truth), sorted(matches, key=lambda m: m.truth))


def match_by_text(ours: list[str], truth: list[str]) -> ArticleScores:
    our_bags, truth_bags = [bigrams(t) for t in ours], [bigrams(t) for t in truth]
    shared = [[float(sum((a & b).values())) for b in truth_bags] for a in our_bags]
    return match_articles(shared, [float(sum(a.values())) for a in our_bags],
                          [float(sum(b.values())) for b in truth_bags])


def _area(polygons: list[Polygon]) -> float:
    return sum(p.area for p in polygons)


def match_by_area(page: Page, truth: list[ClippedArticle]) -> ArticleScores:
    """Our articles on the page against the truth's clipped articles, by the area their regions share."""
    by_id = {region.id: region for region in page.regions}
    ours = [[by_id[rid].polygon for rid in article.region_ids if rid in by_id] for article in page.articles]
    shared = [[sum(p.intersection_area(zone) for p in polygons for zone in clipped.zones) for clipped in truth]
              for polygons in ours]
    return match_articles(shared, [_area(p) for p in ours], [_area(list(c.zones)) for c in truth])


def tei_text(tei: Path) -> str:
    """What a TEI file says: its ``<text>`` (heads and body), as a library would index it."""
    text = parse_xml(tei).getroot().find(f"{TEI}text")
    return " ".join(" ".join(text.itertext()).split()) if text is not None else ""


def ecpo_articles(truth: EcpoTruth, ours: list[str]) -> tuple[ArticleScores, list[float]]:
    """Article matches of a fold by text, and each matched article's CER (in truth order)."""
    truth_texts = [block.text for block in truth.articles]
    scores = match_by_text(ours, truth_texts)
    return scores, [unspaced_scores(truth_texts[m.truth], ours[m.ours]).cer for m in scores.matches]


def order_tau_over_matches(scores: ArticleScores, our_positions: list[int]) -> float | None:
    """τ of the matched articles: our positions (reading order) against the truth's order."""
    if len(scores.matches) < 2:
        return None
    by_position = sorted(scores.matches, key=lambda m: our_positions[m.ours])
    return kendall_tau([str(m.truth) for m in by_position], [str(m.truth) for m in scores.matches])


def region_order_tau(page: Page, truth: PageTruth) -> float | None:
    """τ of our text regions (in our reading order) against the PAGE ReadingOrder of the truth regions holding them."""
    if not truth.has_reading_order:
        return None
    by_id = {region.id: region for region in page.regions}
    order = [rid for rid in dict.fromkeys(page.reading_order) if rid in by_id]
    order += [region.id for region in page.regions if region.id not in set(order)]
    placed: list[int] = []
    for rid in order:
        region = by_id[rid]
        if region.type in TEXTLESS_TYPES or not region.lines or region.polygon.area <= 0:
            continue
        shares = [region.polygon.intersection_area(t.polygon) / region.polygon.area for t in truth.regions]
        best = max(range(len(shares)), key=shares.__getitem__, default=None)
        if best is not None and shares[best] >= REGION_INSIDE:
            placed.append(best)
    pairs = [(a, b) for a, b in combinations(placed, 2) if a != b]
    if not pairs:
        return None
    return sum(1 if a < b else -1 for a, b in pairs) / len(pairs)


__all__ = [
    "ARTICLE_OVERLAP",
    "REGION_INSIDE",
    "ArticleMatch",
    "ArticleScores",
    "TextScores",
    "abbyy_text",
    "alto_lines",
    "alto_text",
    "bigrams",
    "ecpo_articles",
    "line_matched_cer",
    "match_articles",
    "match_by_area",
    "match_by_text",
    "order_tau_over_matches",
    "page_truth_text",
    "region_order_tau",
    "tei_text",
    "text_scores",
    "truth_lines",
    "unspaced_scores",
]
