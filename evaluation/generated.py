"""Scoring a run against the page generator's ground truth (`*.gt.json`, format broadsheet-gt/1)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from statistics import mean

from pydantic import BaseModel
from rapidfuzz.distance import LCSseq, Levenshtein

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Page

REGION_MATCH_IOU = 0.5
PARAGRAPH_MATCH_CER = 0.05
_SPACE = re.compile(r"\s+")


def cer(predicted: str, truth: str) -> float:
    """Character error rate with whitespace ignored: layout spacing is not an OCR error."""
    truth, predicted = _SPACE.sub("", truth), _SPACE.sub("", predicted)
    if not truth:
        return 0.0 if not predicted else 1.0
    return Levenshtein.distance(predicted, truth) / len(truth)


class ArticleScore(BaseModel):
    truth_id: str
    predicted_id: str | None
    headline_cer: float
    body_cer: float


class PageScore(BaseModel):
    image: str
    page_id: str | None
    articles: list[ArticleScore]
    body_cer: float
    headline_cer: float
    paragraphs_matched: float
    region_type_accuracy: float
    region_precision: float
    region_recall: float
    region_f1: float
    article_pair_f1: float
    reading_order_tau: float


class RunScore(BaseModel):
    pages: list[PageScore]
    body_cer: float
    headline_cer: float
    paragraphs_matched: float
    region_type_accuracy: float
    region_f1: float
    article_pair_f1: float
    reading_order_tau: float


def _truth_files(truth: Path) -> list[Path]:
    return sorted(truth.glob("*.gt.json")) if truth.is_dir() else [truth]


def _load_pages(out_dir: Path) -> dict[str, Page]:
    """Run pages by their source file's name, which is what ground truth names."""
    pages: dict[str, Page] = {}
    for path in sorted((out_dir / "pages").glob("*.json")):
        page = Page.model_validate_json(path.read_bytes())
        pages[Path(page.source).name] = page
    return pages


def match_regions(page: Page, truth_regions: list[dict]) -> dict[str, str]:
    """Truth region id -> predicted region id, greedily by IoU, one-to-one."""
    candidates = []
    for truth in truth_regions:
        truth_box = Polygon.from_box(*truth["box"])
        for region in page.regions:
            iou = truth_box.iou(region.polygon)
            if iou >= REGION_MATCH_IOU:
                candidates.append((iou, truth["id"], region.id))
    matched: dict[str, str] = {}
    used: set[str] = set()
    for _, truth_id, region_id in sorted(candidates, reverse=True):
        if truth_id not in matched and region_id not in used:
            matched[truth_id] = region_id
            used.add(region_id)
    return matched


def region_errors(page: Page, truth_regions: list[dict]) -> Counter[str]:
    """Where region F1 is lost, as counts of "kind:type" (the truth's type; the prediction's for extras).

    Kinds: ``wrong_type:T->P`` (matched at IoU 0.5, other type), ``split`` (two or more of ours lie
    mostly inside the truth region), ``merged`` (one of ours covers most of it and more), ``missed``
    (neither), and ``extra`` (one of ours no truth region matched).
    """
    matched = match_regions(page, truth_regions)
    by_id = {r.id: r for r in page.regions}
    errors: Counter[str] = Counter()
    for truth in truth_regions:
        box = Polygon.from_box(*truth["box"])
        if truth["id"] in matched:
            predicted = by_id[matched[truth["id"]]].type.value
            if predicted != truth["type"]:
                errors[f"wrong_type:{truth['type']}->{predicted}"] += 1
            continue
        inside = sum(r.polygon.overlap_ratio(box) > 0.6 for r in page.regions)
        covering = any(box.overlap_ratio(r.polygon) > 0.6 for r in page.regions)
        kind = "split" if inside >= 2 else "merged" if covering else "missed"
        errors[f"{kind}:{truth['type']}"] += 1
    used = set(matched.values())
    errors.update(f"extra:{r.type.value}" for r in page.regions if r.id not in used)
    return errors


def pair_f1(truth_groups: dict[str, str | None], predicted_groups: dict[str, str | None]) -> float:
    """Pairwise F1 over items: a pair is positive when both items share a (non-null) group."""
    items = [i for i in truth_groups if i in predicted_groups]
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        same_truth = truth_groups[a] is not None and truth_groups[a] == truth_groups[b]
        same_pred = predicted_groups[a] is not None and predicted_groups[a] == predicted_groups[b]
        tp += same_truth and same_pred
        fp += same_pred and not same_truth
        fn += same_truth and not same_pred
    if tp == 0:
        return 1.0 if fp == fn == 0 else 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def kendall_tau(order: list[str], reference: list[str]) -> float:
    """Agreement of two orders over their common items: 1 identical, -1 reversed."""
    common = [i for i in reference if i in set(order)]
    position = {item: k for k, item in enumerate(order)}
    pairs = list(combinations(common, 2))
    if not pairs:
        return 1.0
    concordant = sum(1 if position[a] < position[b] else -1 for a, b in pairs)
    return concordant / len(pairs)


def turn_precision_recall(predicted: list[str], truth: list[str]) -> tuple[float, float]:
    """Interview turns, each given by its speaker's label, in order: a turn is right when it lines up
    (longest common subsequence) with a truth turn of the same speaker."""
    common = LCSseq.similarity(predicted, truth)
    return (common / len(predicted) if predicted else 1.0, common / len(truth) if truth else 1.0)


def paragraphs_whole_in_order(truth_articles: list[list[str]], predicted: list[str]) -> list[bool]:
    """Per truth paragraph: read whole (CER within PARAGRAPH_MATCH_CER) and after its article's previous one."""
    verdicts = []
    for paragraphs in truth_articles:
        previous = -1
        for truth in paragraphs:
            at = next((i for i, text in enumerate(predicted) if cer(text, truth) <= PARAGRAPH_MATCH_CER), None)
            verdicts.append(at is not None and at > previous)
            previous = at if at is not None else previous
    return verdicts


def score_page(page: Page | None, truth: dict) -> PageScore:
    image = truth["image"]
    if page is None:
        return PageScore(image=image, page_id=None, articles=[], body_cer=1.0, headline_cer=1.0,
                         paragraphs_matched=0.0, region_type_accuracy=0.0, region_precision=0.0,
                         region_recall=0.0, region_f1=0.0, article_pair_f1=0.0, reading_order_tau=0.0)
    truth_regions = truth["regions"]
    matched = match_regions(page, truth_regions)
    by_id = {r.id: r for r in page.regions}
    type_hits = sum(by_id[matched[t["id"]]].type.value == t["type"] for t in truth_regions if t["id"] in matched)
    true_positives = type_hits
    precision = true_positives / len(page.regions) if page.regions else 0.0
    recall = true_positives / len(truth_regions) if truth_regions else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    region_article = {r_id: a.id for a in page.articles for r_id in a.region_ids}
    truth_article = {t["id"]: t.get("article") for t in truth_regions if t["id"] in matched}
    predicted_article = {t_id: region_article.get(matched[t_id]) for t_id in truth_article}

    article_scores = [_score_article(page, article) for article in truth["articles"]]
    truth_paragraphs = [p for a in truth["articles"] for p in a["paragraphs"]]
    predicted_paragraphs = [p.text for a in page.articles for p in a.paragraphs]
    found = sum(paragraphs_whole_in_order([a["paragraphs"] for a in truth["articles"]], predicted_paragraphs))
    truth_order = [t_id for t_id in truth["reading_order"] if t_id in matched]
    predicted_order = [t_id for _, t_id in sorted(
        (page.reading_order.index(matched[t_id]), t_id) for t_id in truth_order
        if matched[t_id] in page.reading_order)]
    return PageScore(
        image=image, page_id=page.id, articles=article_scores,
        body_cer=_mean(a.body_cer for a in article_scores),
        headline_cer=_mean(a.headline_cer for a in article_scores),
        paragraphs_matched=found / len(truth_paragraphs) if truth_paragraphs else 1.0,
        region_type_accuracy=type_hits / len(matched) if matched else 0.0,
        region_precision=precision, region_recall=recall, region_f1=f1,
        article_pair_f1=pair_f1(truth_article, predicted_article),
        reading_order_tau=kendall_tau(predicted_order, truth_order),
    )


def _score_article(page: Page, truth: dict) -> ArticleScore:
    """Match the truth article to the predicted one whose body reads most alike (headline breaks ties)."""
    truth_body = "".join(truth["paragraphs"])
    best: ArticleScore | None = None
    for article in page.articles:
        candidate = ArticleScore(
            truth_id=truth["id"], predicted_id=article.id,
            headline_cer=cer(article.title, truth["headline"]),
            body_cer=cer("".join(p.text for p in article.paragraphs), truth_body),
        )
        if best is None or (candidate.body_cer, candidate.headline_cer) < (best.body_cer, best.headline_cer):
            best = candidate
    return best or ArticleScore(truth_id=truth["id"], predicted_id=None, headline_cer=1.0, body_cer=1.0)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return round(mean(values), 5) if values else 0.0


def evaluate_run(out_dir: Path, truth: Path) -> RunScore:
    pages = _load_pages(out_dir)
    scores = []
    for path in _truth_files(truth):
        data = json.loads(path.read_text(encoding="utf-8"))
        scores.append(score_page(pages.get(data["image"]), data))
    return RunScore(
        pages=scores,
        **{key: _mean(getattr(s, key) for s in scores) for key in (
            "body_cer", "headline_cer", "paragraphs_matched", "region_type_accuracy", "region_f1",
            "article_pair_f1", "reading_order_tau")},
    )


def format_report(report: RunScore) -> str:
    header = f"{'page':32} {'body CER':>9} {'head CER':>9} {'paras':>6} {'types':>6} {'reg F1':>7} " \
             f"{'art F1':>7} {'order':>6}"
    rows = [header]
    for s in [*report.pages, report]:
        name = s.image if isinstance(s, PageScore) else "ALL"
        rows.append(f"{name[:32]:32} {s.body_cer:9.2%} {s.headline_cer:9.2%} {s.paragraphs_matched:6.0%} "
                    f"{s.region_type_accuracy:6.0%} {s.region_f1:7.3f} {s.article_pair_f1:7.3f} "
                    f"{s.reading_order_tau:6.2f}")
    return "\n".join(rows)
