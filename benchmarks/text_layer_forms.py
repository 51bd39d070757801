"""Compatibility forms in browser-printed PDFs' text layers, before and after repair (issue #15).

Chinese and English pages from the independent browser designer (samples/browser) are printed to PDF by Chromium;
each page's text layer is read as a run reads it (`PdfTextLayer`, the no-OCR engine) and counted: characters in the
Kangxi Radicals and CJK Radicals Supplement blocks, CJK compatibility ideographs, Latin ligatures, soft hyphens and
zero-width breaks. Then the same lines through the repair stage's text-layer repairs (`TEXT_LAYER_FORMS`), counted
again, with the repairs recorded.

    python -m benchmarks.text_layer_forms [--pages 5] [--seed 1]   # --pages of each language

Results in benchmarks/results/text_layer_forms.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks import write_results

FORMS = {"radical": lambda code: 0x2E80 <= code <= 0x2FDF,
         "compatibility ideograph": lambda code: 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F,
         "ligature": lambda code: 0xFB00 <= code <= 0xFB06,
         "soft hyphen or zero-width": lambda code: code in (0x00AD, 0x200B, 0x2060, 0xFEFF)}


def count_forms(texts: list[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for text in texts:
        for ch in text:
            counts.update(name for name, within in FORMS.items() if within(ord(ch)))
    return {name: counts[name] for name in FORMS}


def main() -> None:
    from broadsheet.config import IngestConfig
    from broadsheet.engines.pdf_text import PdfTextLayer
    from broadsheet.ingest.files import ingest_file
    from broadsheet.text.normalise import TEXT_LAYER_FORMS
    from samples.browser.render import browser_session, render_page

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="broadsheet-forms-") as tmp, browser_session() as browser:
        for lang, seed in ((lang, seed) for lang in ("zh", "en") for seed in range(args.seed, args.seed + args.pages)):
            rendered = render_page(lang, seed, tmp, formats=("pdf",), name=f"{lang}-{seed}", browser=browser)
            path = Path(rendered.paths["pdf"])
            [page] = ingest_file(path, IngestConfig())
            # The text layer needs only the raster's size, for its coordinates.
            lines = [line.text for line in PdfTextLayer(page).read(np.zeros((page.height, page.width), np.uint8))]
            repaired, kinds = [], Counter()
            for text in lines:
                for kind, repair in TEXT_LAYER_FORMS:
                    after = repair(text)
                    kinds[kind] += after != text
                    text = after
                repaired.append(text)
            found = Counter(ch for text in lines for ch in text if FORMS["radical"](ord(ch)))
            rows.append({"lang": lang, "seed": seed, "mode": page.pdf.mode if page.pdf else None, "lines": len(lines),
                         "before": count_forms(lines), "after": count_forms(repaired),
                         "lines_repaired": dict(kinds), "radicals_seen": "".join(sorted(found))})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    totals = {when: {form: sum(r[when][form] for r in rows) for form in FORMS} for when in ("before", "after")}
    pages_with = {when: {form: sum(r[when][form] > 0 for r in rows) for form in FORMS} for when in ("before", "after")}
    path = write_results("text_layer_forms", {"pages": rows, "characters": totals, "pages_with": pages_with})
    print(f"{len(rows)} pages; characters before {totals['before']}, after {totals['after']}; pages with them before "
          f"{pages_with['before']}; results in {path}")


if __name__ == "__main__":
    main()
