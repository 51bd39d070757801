"""Script-aware text helpers shared by the stages and the serialisers: which characters are CJK, how pieces of text
join, and which language a page's text is in."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

from broadsheet.text.xmlsafe import clean_text

_CJK = re.compile(
    "["
    "\u2e80-\u2fff"  # CJK and Kangxi radicals (OCR reads some Han characters as these), ideographic description
    "\u3000-\u30ff"  # CJK symbols and punctuation, hiragana, katakana
    "\u3100-\u312f\u3190-\u31ff"  # bopomofo; kanbun, bopomofo extended, CJK strokes, katakana extensions
    "\u3200-\u33ff"  # enclosed CJK letters and months, CJK compatibility
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han: extension A, unified and compatibility ideographs
    "\ufe30-\ufe4f"  # CJK compatibility forms (vertical punctuation)
    "\uff00-\uff9f\uffe0-\uffef"  # fullwidth forms, halfwidth CJK punctuation and katakana
    "\U0001b000-\U0001b16f"  # kana supplement and extensions
    "\U00020000-\U0003ffff"  # Han: extensions B and later, compatibility supplement
    "]"
)


def is_cjk(char: str) -> bool:
    """A character of the scripts written without spaces between words: Han, kana, bopomofo, their punctuation and
    fullwidth forms.

    This is the one CJK test, for both things asked of it: where pieces of text join without a space (`join_fragments`,
    `join_lines`, ALTO's SP), and how much of a text is CJK (`cjk_share`: engine routing, type pitch, titles,
    language). Hangul is not in it: Korean is written with spaces between words, so its pieces join as Latin ones
    do. Nor are the other characters East Asian Width calls wide (emoji, some symbols): a space beside one is the
    writer's. On Chinese and Latin pages it agrees with the Unicode ranges and the East Asian Width tests it replaces.
    """
    return bool(_CJK.match(char))


CJK_SHARE = 0.3
"""The share of CJK characters from which a text is CJK: its language (`language_of`), the engine that reads it
(broadsheet.engines.routing)."""


def cjk_share(text: str) -> float:
    visible = [c for c in text if not c.isspace()]
    return sum(1 for c in visible if is_cjk(c)) / len(visible) if visible else 0.0


def _joined(pieces: Iterable[str], tight_after_hyphen: bool) -> str:
    joined = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if joined and not (is_cjk(joined[-1]) or is_cjk(piece[0])
                           or (tight_after_hyphen and len(joined) > 1 and joined[-1] == "-" and joined[-2].isalpha())):
            joined += " "
        joined += piece
    return joined


def join_fragments(fragments: Iterable[str]) -> str:
    """Join words or lines: no space where either side is CJK, one space between Latin pieces."""
    return _joined(fragments, tight_after_hyphen=False)


def join_lines(lines: Iterable[str]) -> str:
    """Join OCR lines into running text as written out (XML-safe): `join_fragments`, but a Latin line ending in a
    hyphen is joined without a space and keeps its hyphen.

    Decided per boundary rather than per article so mixed-script headlines ("G20峰会 opens") join right. Whether
    the hyphen is a soft one is a dehyphenation stage's call, not the serialiser's.
    """
    return _joined(map(clean_text, lines), tight_after_hyphen=True)


LONG_S = str.maketrans({"ſ": "s"})
"""Long s folded to round s: the convention of transcriptions (the NZZ ground truth) that do not keep it."""

_WORD = re.compile(r"[^\W\d_]+")
GERMAN_WORDS = frozenset({
    "der", "die", "das", "den", "dem", "des", "und", "ist", "nicht", "sich", "mit", "von", "für", "auf", "auch",
    "ein", "eine", "einer", "eines", "einem", "einen", "zu", "zum", "zur", "im", "wird", "werden", "wurde", "sind",
    "waren", "haben", "nach", "aus", "bei", "über", "oder", "wenn", "nur", "noch", "wie", "dass", "daß", "ich", "er",
    "sie", "wir", "ihr", "es", "sein", "seine", "ihre", "aber", "durch", "unter", "vor", "schon", "sehr", "diese",
    "dieser", "dieses", "kann", "muss", "muß"
})
"""German function words that are no English words (not "in", "an", "so", "was", "war", "will", "man", "hat")."""
ENGLISH_WORDS = frozenset({
    "the", "and", "of", "to", "is", "that", "for", "it", "with", "as", "be", "by", "at", "this", "from", "his", "her",
    "are", "have", "not", "or", "had", "were", "which", "they", "but", "their", "been", "has", "would", "there",
    "what", "when", "who", "its", "one", "all", "can", "more", "into", "than", "them", "only", "our", "out", "new",
    "said", "after"
})
"""English function words that are no German words (not "also")."""
GERMAN_LETTERS = frozenset("äöüÄÖÜßſ")


def language_of(texts: Iterable[str], blackletter: bool = False) -> str:
    """The language of a page's text: 'zh' when at least `CJK_SHARE` of its visible characters are CJK; else 'de'
    or 'en', by which language's function words it holds more of, or, where they do not tell (too little text), by
    umlauts, ß and long s or by `blackletter` (its script routing found Fraktur type, in which these pages print
    German)."""
    sample = "\n".join(texts)
    if cjk_share(sample) >= CJK_SHARE:
        return "zh"
    words = [word.lower() for word in _WORD.findall(sample.translate(LONG_S))]
    german = sum(word in GERMAN_WORDS for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    if german != english:
        return "de" if german > english else "en"
    return "de" if blackletter or any(c in GERMAN_LETTERS for c in sample) else "en"



TRADITIONAL_MIN_CHARACTERS = 5
"""Fewer characters that exist only in traditional form than this tell nothing about the script."""
SCRIPT_MARGIN = 3.0
"""The traditional-only characters must outnumber the simplified-only ones this many times (and the other way)."""


@cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def chinese_script(text: str) -> str | None:
    """'Hant' when the text is written in traditional characters, 'Hans' in simplified ones, None where it does
    not tell: character by character, those OpenCC changes from traditional to simplified (traditional-only
    forms: 報, 國) are weighed against those it changes from simplified to traditional (simplified-only: 报, 国).
    Most characters are the same in both and count for neither."""
    characters = [c for c in text if is_cjk(c)]
    counts = Counter(characters)
    to_simplified, to_traditional = _converter("t2s"), _converter("s2t")
    traditional = sum(n for c, n in counts.items() if to_simplified.convert(c) != c)
    simplified = sum(n for c, n in counts.items() if to_traditional.convert(c) != c)
    if traditional >= TRADITIONAL_MIN_CHARACTERS and traditional >= SCRIPT_MARGIN * simplified:
        return "Hant"
    if simplified >= TRADITIONAL_MIN_CHARACTERS and simplified >= SCRIPT_MARGIN * traditional:
        return "Hans"
    return None
