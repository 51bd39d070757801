"""Region ground truth of the real pages in ``../shared/real``, mapped to our region types.

Two sets carry regions people drew:

- Kant 1784 (OCR-D): PAGE 2013 text regions typed paragraph / heading / page-number / catch-word /
  signature-mark. `KANT_TYPES` maps them: a paragraph is body, a heading a headline, and the
  printer's marks in the margins (page number, catch-word, signature mark) are folio, our one
  type for marginal page furniture. A drop capital is left out: it is the first letter of its
  paragraph's first line, and we keep it in that line.
- Topaz Times 1944 (iArchives): one box per article ("article-clipping" zones), classified
  article / advertising / masthead / unclassified. Headline and subheadline elements carry text
  but no box of their own, so an article's zone holds its headline and all its columns: region
  F1 can only be scored on the clippings that are one region of ours (`TOPAZ_TYPES`: masthead,
  advertisement; an unclassified strip across the top of the page is the running header, any
  other unclassified clipping a section name). Article zones are scored by containment instead
  (`zone_agreement`): how many of our text regions inside them are typed as article content.

The returned truth dicts have the ``broadsheet-gt/1`` shape `evaluation.generated.score_page`
reads, with no articles or paragraphs. XML is read with entities, DTDs and the network off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from broadsheet.model.geometry import Polygon
from broadsheet.model.page import PAGE_FURNITURE_TYPES, TEXTLESS_TYPES, Page, RegionType
from broadsheet.text.xmlsafe import parse_xml
from evaluation.clippings import NS as CLIPPING_NS

KANT_TYPES: dict[str, RegionType] = {
    "paragraph": RegionType.body,
    "heading": RegionType.headline,
    "page-number": RegionType.folio,
    "catch-word": RegionType.folio,
    "signature-mark": RegionType.folio,
}
TOPAZ_TYPES: dict[str, RegionType] = {"masthead": RegionType.masthead, "advertising": RegionType.advertisement}
TOP_STRIP = 0.1
"""An unclassified clipping ending within this share of the page's height is the running header."""
ARTICLE_CONTENT = frozenset(RegionType) - PAGE_FURNITURE_TYPES - TEXTLESS_TYPES - {RegionType.advertisement}


def _region(number: int, kind: RegionType, polygon: Polygon, text: str = "") -> dict[str, Any]:
    x0, y0, x1, y1 = polygon.bounds
    return {"id": f"r{number}", "type": kind.value, "box": [x0, y0, x1, y1],
            "polygon": [list(point) for point in polygon.points], "article": None, "text": text}


def _truth(image: str, regions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "broadsheet-gt/1", "image": image, "regions": regions,
            "reading_order": [r["id"] for r in regions], "articles": []}


def kant_truth(page_xml: Path) -> dict[str, Any]:
    """The PAGE file's text regions as typed truth regions, in its reading order."""
    root = parse_xml(page_xml).getroot()
    namespace = root.tag.split("}")[0] + "}"
    page = root.find(f"{namespace}Page")
    if page is None:
        raise ValueError(f"{page_xml} has no Page element")
    regions = []
    for element in page.iter(f"{namespace}TextRegion"):
        kind = KANT_TYPES.get(element.get("type", ""))
        coords = element.find(f"{namespace}Coords")
        if kind is None or coords is None:
            continue
        points = [tuple(float(v) for v in pair.split(",")) for pair in coords.get("points", "").split()]
        text = "\n".join(u.text or "" for u in element.iterfind(f"{namespace}TextLine/{namespace}TextEquiv/"
                                                                f"{namespace}Unicode"))
        regions.append(_region(len(regions) + 1, kind, Polygon.from_points(points), text))
    return _truth(Path(page.get("imageFilename", page_xml.stem)).name, regions)


def topaz_truth(folder: Path, page_stem: str, page_height: float) -> tuple[dict[str, Any], list[Polygon]]:
    """The clippings on one page: truth regions for the one-region ones, and the article zones."""
    regions: list[dict[str, Any]] = []
    article_zones: list[Polygon] = []
    for path in sorted((folder / "articles").glob("*.xml"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0):
        root = parse_xml(path).getroot()
        classification = root.get("classification", "")
        for article_page in root.iter(f"{CLIPPING_NS}article-page"):
            if Path(article_page.get("href", "")).stem != page_stem:
                continue
            for clipping in article_page.iter(f"{CLIPPING_NS}article-clipping"):
                box = Polygon.from_box(*(float(clipping.get(side, 0)) for side in "ltrb"))
                if classification == "article":
                    article_zones.append(box)
                elif classification == "unclassified":
                    on_top = box.bounds[3] <= TOP_STRIP * page_height
                    regions.append(_region(len(regions) + 1, RegionType.running_header if on_top
                                           else RegionType.section, box))
                elif classification in TOPAZ_TYPES:
                    regions.append(_region(len(regions) + 1, TOPAZ_TYPES[classification], box))
    return _truth(f"{page_stem}.tif", regions), article_zones


def zone_agreement(page: Page, zones: list[Polygon]) -> tuple[int, int]:
    """Of our text regions lying mostly inside an article zone, how many are typed as article content."""
    inside = [r for r in page.regions if r.lines and r.type not in TEXTLESS_TYPES
              and any(r.polygon.intersection_area(zone) >= 0.5 * r.polygon.area for zone in zones)]
    return sum(r.type in ARTICLE_CONTENT for r in inside), len(inside)
