"""Build the language statistics the repair stage ships (`broadsheet/text/language_statistics.json`).

The repair stage weighs whether a character bigram across a line break occurs in running Chinese text, and whether
a Latin word is known. Those counts come from the article texts in `samples/text/*.txt`; the product ships the
counts, never reads this folder. Run `python -m samples.language_statistics` after editing the texts; a test fails
while the shipped file is out of date.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from broadsheet.text.normalise import STATISTICS_FILE

TEXTS = Path(__file__).resolve().parent / "text"
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def language_statistics(texts: Path = TEXTS) -> dict[str, object]:
    """CJK character bigrams and unigrams, and the Latin word list, of every article text in `texts`."""
    bigrams: Counter[str] = Counter()
    unigrams: Counter[str] = Counter()
    words: set[str] = set()
    for path in sorted(texts.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for run in _HAN_RUN.findall(text):
            unigrams.update(run)
            bigrams.update(run[i:i + 2] for i in range(len(run) - 1))
        words.update(w.lower() for w in _LATIN_WORD.findall(text))
    return {"source": "samples/text/*.txt", "cjk_bigrams": dict(sorted(bigrams.items())),
            "cjk_unigrams": dict(sorted(unigrams.items())), "latin_words": sorted(words)}


def statistics_json(texts: Path = TEXTS) -> str:
    return json.dumps(language_statistics(texts), ensure_ascii=False, indent=0) + "\n"


if __name__ == "__main__":
    STATISTICS_FILE.write_text(statistics_json(), encoding="utf-8")
    print(f"wrote {STATISTICS_FILE}")
