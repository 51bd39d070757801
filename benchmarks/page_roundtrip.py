"""PAGE XML read back and written as TEI and ALTO: the NZZ and Kant ground truth (../shared/real/).

    python -m benchmarks.page_roundtrip

Per page: whether every PAGE line's text comes back verbatim as a line of our ALTO (lines identical); the share
of the PAGE text's characters in the bodies of the page's TEI articles, and with what stays outside articles
(running heads, folios, catch-words) and what repair removed on purpose (accounted); and whether the reading
order is kept: Kendall's tau between the PAGE ReadingOrder and the order each TEI article holds its regions in
(over the PAGE regions that come through typing whole).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from broadsheet.config import Settings
from broadsheet.ingest.readers.alto import read_alto
from broadsheet.ingest.readers.page_xml import read_page_xml
from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, Page
from broadsheet.run.existing import digitise_existing
from broadsheet.text.xmlsafe import parse_xml
from evaluation.conservation import REMOVED_BY_REPAIR, characters

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real"
SOURCES = {"nzz": REAL / "nzz_black_letter_gt" / "GT-PAGE", "kant": REAL / "kant_aufklaerung_1784" / "data"
           / "OCR-D-GT-PAGE"}
RESULTS = Path(__file__).resolve().parent / "results"
TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def kendall_tau(groups: list[list[int]]) -> float:
    """Kendall's tau (no ties) over the pairs within each group (an article's regions, in the order the TEI holds
    them) against their stated ranks: 1 when every article reads in the stated order."""
    pairs = [(a, b) for ranks in groups for i, a in enumerate(ranks) for b in ranks[i + 1:]]
    if not pairs:
        return 1.0
    return (sum(1 if a < b else -1 for a, b in pairs)) / len(pairs)


def page_row(source: Path, out: Path, entry: dict[str, object], articles: list[dict[str, object]]) -> dict[str, object]:
    original = read_page_xml(source)
    ours = read_alto(out / str(entry["alto"]))
    page = Page.model_validate_json((out / str(entry["model"])).read_bytes())
    their_lines = [line.text for region in original.regions for line in region.lines]
    our_lines = Counter(line.text for region in ours.regions for line in region.lines)
    identical = sum((Counter(their_lines) & our_lines).values())
    tei: Counter[str] = Counter()
    zone_order: list[list[str]] = []
    by_id = {a["id"]: a for a in articles}
    for article in page.articles:  # in the order the manifest and the page hold them
        tree = parse_xml((out / str(by_id[article.id]["tei"])).read_bytes())
        body = tree.find(f".//{TEI}text/{TEI}body")
        tei.update(characters("".join(body.itertext())) if body is not None else Counter())
        zone_order.append([zone.get(XML_ID, "").removeprefix("zone-") for zone in tree.iter(f"{TEI}zone")
                           if zone.get("type") != "line"])
    text = characters("".join(line for line in their_lines))
    outside = characters("".join(r.text for r in page.regions if r.type in OUTSIDE_ARTICLE_TYPES))
    removed: Counter[str] = Counter()
    for repair in page.repairs:
        if repair.kind in REMOVED_BY_REPAIR:
            removed.update(characters(repair.before) - characters(repair.after))
    total = sum(text.values())
    held = {rid for zones in zone_order for rid in zones}
    stated = [rid for rid in original.reading_order if rid in held]
    tau = kendall_tau([[stated.index(r) for r in zones if r in stated] for zones in zone_order])
    return {"page": source.name, "lines": len(their_lines), "lines_identical_in_alto": identical,
            "articles": len(page.articles), "to_tei": round(sum((text & tei).values()) / total, 4),
            "accounted": round(sum((text & (tei + outside + removed)).values()) / total, 4),
            "reading_order_regions": len(stated), "reading_order_tau": round(float(tau), 4)}


def main() -> None:
    rows = []
    seconds = 0.0
    for name, folder in SOURCES.items():
        if not folder.is_dir():
            raise SystemExit(f"{folder} is absent")
        with tempfile.TemporaryDirectory(prefix=f"broadsheet-page-{name}-") as tmp:
            out = Path(tmp)
            files = sorted(folder.glob("*.xml"))
            started = time.perf_counter()
            # Text only: the round trip of the PAGE itself, not what the image adds.
            digitise_existing(files, out, Settings())
            seconds += time.perf_counter() - started
            manifest = json.loads((out / "manifest.json").read_text())
            for source, entry in zip(files, manifest["pages"], strict=True):
                rows.append({"set": name, **page_row(source, out, entry, manifest["articles"])})
    summary = {"date": date.today().isoformat(), "cores": os.cpu_count(), "pages": len(rows),
               "seconds_per_page": round(seconds / len(rows), 2), "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "page_roundtrip.json").write_text(json.dumps(summary, indent=1))
    print("| set | page | lines | identical in ALTO | articles | to TEI | accounted | RO regions | RO tau |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['set']} | {r['page']} | {r['lines']} | {r['lines_identical_in_alto']} | {r['articles']} | "
              f"{r['to_tei']:.4f} | {r['accounted']:.4f} | {r['reading_order_regions']} | {r['reading_order_tau']} |")


if __name__ == "__main__":
    main()
