"""Text conservation: how much of the page's article text reaches the TEI.

A library cannot tell what a TEI file leaves out, so the article stage must not drop text. This
measures it from a run's outputs alone, as an importer would see them: the characters of the
article-content regions in each page's ALTO (every text region but page furniture and
advertisements), against the characters in the bodies of all TEI files of that page. Characters
compare as a bag after NFKC and with whitespace removed, so repair's normalisation (full-width
punctuation, joined lines) is not counted as loss; text that repair removed on purpose (a line
read twice, a line-end hyphen) is counted as kept, from the page model's repair records.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.ingest.readers.alto import read_alto
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, TEXTLESS_TYPES, Page
from broadsheet.text.xmlsafe import parse_xml

TEI = "{http://www.tei-c.org/ns/1.0}"
REMOVED_BY_REPAIR = ("duplicate-line", "dehyphenate")
"""Repair kinds whose removed characters were taken out on purpose, not lost."""


def characters(text: str) -> Counter[str]:
    """The bag of characters of a text, compared as conservation compares them."""
    return Counter(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


@dataclass
class PageConservation:
    page_ids: list[str]
    """The page, or the pages an article continued across links into one group."""
    content_characters: int
    kept_characters: int
    lost_regions: list[str] = field(default_factory=list)
    """Article-content regions of the ALTO none of whose lines any TEI file references."""

    @property
    def share(self) -> float:
        return self.kept_characters / self.content_characters if self.content_characters else 1.0


def _alto_content(path: Path) -> tuple[Counter[str], dict[str, list[str]]]:
    page = read_alto(path)
    bag: Counter[str] = Counter()
    line_ids: dict[str, list[str]] = {}
    for region in page.regions:
        if region.type in OUTSIDE_ARTICLE_TYPES or region.type in TEXTLESS_TYPES or not region.lines:
            continue
        bag.update(characters(region.text))
        line_ids[region.id] = [line.id for line in region.lines]
    return bag, line_ids


def content_share(alto: Path) -> float:
    """Share of an ALTO page's text characters in article-content regions: conservation counts only those, so a
    page whose text were all typed furniture or advertisement would conserve 100% of nothing."""
    content, _ = _alto_content(alto)
    every = sum((characters(region.text) for region in read_alto(alto).regions if region.lines), Counter())
    return sum(content.values()) / sum(every.values()) if every else 1.0


def _tei_body(path: Path) -> tuple[Counter[str], set[str]]:
    """A TEI file's body characters, and the ids of the page elements its zones stand for."""
    tree = parse_xml(path.read_bytes())
    body = tree.find(f".//{TEI}text/{TEI}body")
    bag = characters("".join(body.itertext())) if body is not None else Counter()
    # Each zone's xml:id names the page element it is the place of (line ids end in -l<n>).
    zones = {zone.get("{http://www.w3.org/XML/1998/namespace}id", "") for zone in tree.iter(f"{TEI}zone")}
    return bag, zones


def _removed(page: Page) -> Counter[str]:
    bag: Counter[str] = Counter()
    for repair in page.repairs:
        if repair.kind in REMOVED_BY_REPAIR:
            bag.update(characters(repair.before) - characters(repair.after))
    return bag


def run_conservation(out_dir: Path) -> list[PageConservation]:
    """Conservation per page (or group of pages joined by a continued article) of one run's OUT folder."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    pages = [p for p in manifest["pages"] if p.get("alto")]
    group_of = {p["id"]: p["id"] for p in pages}

    def root(page_id: str) -> str:
        while group_of[page_id] != page_id:
            page_id = group_of[page_id]
        return page_id

    tei_by_group: dict[str, list[Path]] = {}
    for article in manifest["articles"]:
        members = [pid for pid in article["pages"] if pid in group_of]
        for other in members[1:]:
            group_of[root(other)] = root(members[0])
    for article in manifest["articles"]:
        members = [pid for pid in article["pages"] if pid in group_of]
        if members:
            tei_by_group.setdefault(root(members[0]), []).append(out_dir / article["tei"])
    results = []
    for group in sorted({root(p["id"]) for p in pages}):
        member_pages = [p for p in pages if root(p["id"]) == group]
        content: Counter[str] = Counter()
        kept: Counter[str] = Counter()
        region_lines: dict[str, list[str]] = {}
        for entry in member_pages:
            bag, lines = _alto_content(out_dir / entry["alto"])
            content += bag
            region_lines.update(lines)
            model = out_dir / entry.get("model", f"pages/{entry['id']}.json")
            if model.exists():
                kept += _removed(Page.model_validate_json(model.read_bytes()))
        zones: set[str] = set()
        for tei in tei_by_group.get(group, []):
            bag, tei_zones = _tei_body(tei)
            kept += bag
            zones |= tei_zones
        lost = [rid for rid, lines in region_lines.items()
                if not ({rid, f"zone-{rid}"} & zones or any({line, f"line-{line}"} & zones for line in lines))]
        results.append(PageConservation(
            page_ids=[p["id"] for p in member_pages], content_characters=sum(content.values()),
            kept_characters=sum((content & kept).values()), lost_regions=lost))
    return results


def lost_text(out_dir: Path) -> dict[str, str]:
    """The text of each article-content region no TEI file holds, by region id: what a library would miss."""
    missing: dict[str, str] = {}
    lost = {rid for result in run_conservation(out_dir) for rid in result.lost_regions}
    for path in sorted((out_dir / "alto").glob("*.xml")):
        for region in read_alto(path).regions:
            if region.id in lost:
                missing[region.id] = region.text
    return missing


__all__ = ["PageConservation", "characters", "content_share", "lost_text", "run_conservation"]
