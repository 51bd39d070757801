"""Article ground truth from a vendor's article clippings (iArchives export, as in the Topaz Times).

People drew each article's clippings on the page: boxes in page pixels, holding elements
typed headline / subheadline / article, each with a zone relative to its clipping. Those
zones say which article each part of the page belongs to. Grouping is scored as American
Stories does: pairwise F1 over our text regions, a pair being positive when both regions
belong to the same article.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import PAGE_FURNITURE_TYPES, TEXTLESS_TYPES, Page
from broadsheet.text.xmlsafe import parse_xml
from evaluation.generated import pair_f1

NS = "{http://www.iarchives.com/schema/2002/export}"
CLAIM = 0.5
"""Share of a region's box that must lie in one article's zones for that article to claim it."""


@dataclass(frozen=True)
class ClippedArticle:
    id: str
    classification: str
    headline: str
    page_image: str
    """Stem of the page file the zones lie on (one article may span pages)."""
    zones: tuple[Polygon, ...]


def read_clippings(folder: Path) -> list[ClippedArticle]:
    """Every article's zones, per page, in page pixels."""
    articles = []
    for path in sorted((folder / "articles").glob("*.xml"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0):
        root = parse_xml(path).getroot()
        headline = next((h.text or "" for h in root.iter(f"{NS}header-item") if h.get("name") == "headline"), "")
        for article_page in root.iter(f"{NS}article-page"):
            zones = []
            for clipping in article_page.iter(f"{NS}article-clipping"):
                left, top = float(clipping.get("l", 0)), float(clipping.get("t", 0))
                for zone in clipping.iter(f"{NS}zone"):
                    zones.append(Polygon.from_box(left + float(zone.get("l", 0)), top + float(zone.get("t", 0)),
                                                  left + float(zone.get("r", 0)), top + float(zone.get("b", 0))))
                if not list(clipping.iter(f"{NS}zone")):
                    zones.append(Polygon.from_box(left, top, float(clipping.get("r", 0)), float(clipping.get("b", 0))))
            articles.append(ClippedArticle(
                id=path.stem, classification=root.get("classification", ""), headline=headline,
                page_image=Path(article_page.get("href", "")).stem, zones=tuple(zones)))
    return articles


def claimed_by(box: Polygon, articles: list[ClippedArticle]) -> str | None:
    best: tuple[float, str] | None = None
    for article in articles:
        share = sum(box.intersection_area(zone) for zone in article.zones) / max(box.width * box.height, 1.0)
        if share >= CLAIM and (best is None or share > best[0]):
            best = (share, article.id)
    return best[1] if best else None


@dataclass(frozen=True)
class ClippingScore:
    page: str
    regions: int
    """Text regions of ours lying inside some article's zones, the ones scored."""
    pair_f1: float


def score_clippings(page: Page, articles: list[ClippedArticle]) -> ClippingScore:
    """Pairwise F1 of our article grouping against the clippings, over our text regions they cover."""
    stem = Path(page.source).stem
    on_page = [a for a in articles if a.page_image == stem and a.classification == "article"]
    ours = {region_id: article.id for article in page.articles for region_id in article.region_ids}
    truth: dict[str, str | None] = {}
    for region in page.regions:
        if region.type in TEXTLESS_TYPES or region.type in PAGE_FURNITURE_TYPES or not region.lines:
            continue
        owner = claimed_by(region.polygon, on_page)
        if owner is not None:
            truth[region.id] = owner
    predicted = {region_id: ours.get(region_id) for region_id in truth}
    return ClippingScore(page=stem, regions=len(truth), pair_f1=pair_f1(truth, predicted))
