"""Text-level evidence and normalisation for the repair stage: pure functions over strings.

Everything here is script-aware: Chinese rules apply only where a CJK character is adjacent, so Latin
text, numbers and URLs pass through unchanged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

from broadsheet.text.radicals import RADICAL_SUPPLEMENT_IDEOGRAPHS
from broadsheet.text.script import is_cjk
from broadsheet.text.xmlsafe import clean_text

STATISTICS_FILE = Path(__file__).with_name("language_statistics.json")
"""Character bigrams and unigrams and a Latin word list, counted in the article texts of `samples/text/` by
`samples/language_statistics.py`: shipped as package data, so the product never reads the repository's samples."""

FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
SENTENCE_FINAL = frozenset("。！？!?….；;")
CLOSING_QUOTES = frozenset("”’\"')）」』")
MID_SENTENCE = frozenset("，、,—-")

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.]+", re.IGNORECASE)
_HALF_PUNCT = re.compile(r"[,:;?!()]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_LETTER_SPACED = re.compile(
    r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u00a0\u3000]+(?=[\u4e00-\u9fff](?![\u4e00-\u9fff]))")
# "主持人：", "张占斌：", "Q:" — a short label opening a turn in an interview or roundtable.
SPEAKER = re.compile(r"^\s*[■●◆]?\s*(?:[\u4e00-\u9fff]{1,6}|[A-Z][A-Za-z. ]{0,20})\s*[:：]")


def _cjk_side(ch: str) -> bool:
    # Full-width punctuation and CJK quotes count: "“新质”,而" is Chinese context on both sides.
    return bool(ch) and (is_cjk(ch) or ch in "“”‘’")


def _neighbour(text: str, index: int, step: int) -> str:
    index += step
    while 0 <= index < len(text) and text[index] in " \t":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def full_width_punctuation(text: str) -> str:
    """Half-width , : ; ? ! ( ) next to Chinese text become full-width; URLs and numbers keep theirs."""
    if not _HALF_PUNCT.search(text):
        return text
    protected = [m.span() for m in _URL.finditer(text)]
    chars = list(text)
    for match in _HALF_PUNCT.finditer(text):
        i = match.start()
        if any(a <= i < b for a, b in protected):
            continue
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if before.isdigit() and after.isdigit():
            continue  # 1,000 and 10:30 are numbers even inside Chinese text
        # A bracket is Chinese when the text it opens or closes is, or when it sits against Chinese.
        if _cjk_side(before) or _cjk_side(after):
            chars[i] = FULL_WIDTH[text[i]]
    return "".join(chars)


def remove_cjk_spaces(text: str, prose: bool) -> str:
    """Drop spaces between CJK characters.

    In prose every such space is OCR debris. In headings and bylines a space can separate two names
    ("孙玮 黄旦 等"), so there only letter-spacing goes: runs of single characters ("刘 迪", "嘉 宾").
    """
    if prose:
        return re.sub(r"(?<=\S)[ \t\u00a0\u3000]+(?=\S)",
                      lambda m: "" if _cjk_side(text[m.start() - 1]) and _cjk_side(text[m.end()]) else m.group(0),
                      text)
    # A space is letter-spacing when the Han characters on both sides stand alone: "刘 迪", "嘉 宾：".
    return _LETTER_SPACED.sub(r"\1", text)


KANGXI_RADICALS = range(0x2F00, 0x2FE0)
COMPATIBILITY_IDEOGRAPHS = (range(0xF900, 0xFB00), range(0x2F800, 0x2FA20))
LATIN_LIGATURES = range(0xFB00, 0xFB07)
"""ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ: what a PDF's text layer holds where the font drew a ligature glyph."""
SOFT_HYPHEN = "\u00ad"
INVISIBLE_BREAKS = "\u200b\u2060\ufeff"
"""Zero-width space, word joiner, zero-width no-break space: break opportunities a browser's PDF keeps in its text
layer (Chromium may write a soft hyphen as one), never letters."""


def unify_ideographs(text: str) -> str:
    """Radicals (Kangxi, CJK Radicals Supplement) and compatibility ideographs as the unified ideographs they stand
    for: ⽂ (U+2F42) is 文, ⻋ (U+2ECB) 车. Full-text search finds only the unified ones. NFKC would also do this,
    but it folds full-width punctuation (，：) and digits too, which Chinese text keeps: so only these blocks."""
    def unified(ch: str) -> str:
        code = ord(ch)
        if code in KANGXI_RADICALS or any(code in block for block in COMPATIBILITY_IDEOGRAPHS):
            return unicodedata.normalize("NFKC", ch)
        return chr(RADICAL_SUPPLEMENT_IDEOGRAPHS.get(code, code))
    return "".join(unified(ch) if ch >= "\u2e80" else ch for ch in text)


def split_ligatures(text: str) -> str:
    """Latin ligatures as their letters: ﬁnd is find."""
    return "".join(unicodedata.normalize("NFKC", ch) if ord(ch) in LATIN_LIGATURES else ch for ch in text)


def drop_invisible_breaks(text: str) -> str:
    """Zero-width breaks and soft hyphens inside a line go (they print as nothing there); one at the line's end stays
    as a soft hyphen, the word broken there, which the paragraph's text then joins (see `ends_in_soft_hyphen`)."""
    body = text.rstrip()
    broken = body.endswith((SOFT_HYPHEN, *INVISIBLE_BREAKS)) and len(body.rstrip(SOFT_HYPHEN + INVISIBLE_BREAKS)) > 0
    body = re.sub(f"[{SOFT_HYPHEN}{INVISIBLE_BREAKS}]", "", body)
    return body + SOFT_HYPHEN if broken and body[-1:].isalpha() else body


def ends_in_soft_hyphen(text: str) -> bool:
    return text.rstrip().endswith(SOFT_HYPHEN)


TEXT_LAYER_FORMS = (("unify-ideograph", unify_ideographs), ("ligature", split_ligatures),
                    ("invisible-break", drop_invisible_breaks))
"""Repairs of forms a PDF text layer carries and OCR never reads, each recorded under its kind."""


def normalise(text: str, prose: bool) -> str:
    """NFC, no control or XML-forbidden characters, full-width punctuation and no spaces in Chinese."""
    text = clean_text(unicodedata.normalize("NFC", text)).replace("\t", " ")
    text = full_width_punctuation(text)
    # A full-width mark leaves the space OCR put after the half-width one: "主持人: 刘" -> "主持人：刘".
    text = re.sub(r"(?<=[，：；？！（）])[ \u00a0]+(?=\S)|(?<=\S)[ \u00a0]+(?=[，：；？！（）])",
                  lambda m: "" if any(_cjk_side(c) for c in _around(text, m)) else m.group(0), text)
    if not any(is_cjk(c) for c in text):
        return text
    return remove_cjk_spaces(text, prose)


def _around(text: str, match: re.Match[str]) -> tuple[str, str]:
    start, end = match.span()
    return (text[start - 1] if start else "", text[end] if end < len(text) else "")


def ends_sentence(text: str) -> bool:
    """True when the text ends a sentence: final punctuation, possibly inside closing quotes."""
    stripped = text.rstrip()
    while stripped and stripped[-1] in CLOSING_QUOTES:
        if len(stripped) > 1 and stripped[-2] in SENTENCE_FINAL:
            return True
        stripped = stripped[:-1]
    return bool(stripped) and stripped[-1] in SENTENCE_FINAL


def unterminated_tail(text: str) -> str:
    """The text after the last sentence end: what a paragraph cut mid-sentence (or a stray line) leaves."""
    stripped = text.rstrip()
    for i in range(len(stripped) - 1, -1, -1):
        if stripped[i] in SENTENCE_FINAL and stripped[i] not in ";；":
            j = i + 1
            while j < len(stripped) and stripped[j] in CLOSING_QUOTES:
                j += 1
            return stripped[j:]
    return stripped


@cache
def corpus_statistics() -> tuple[Counter[str], Counter[str], frozenset[str]]:
    """CJK character bigrams and unigrams, and the Latin word list, from the shipped statistics."""
    loaded = json.loads(STATISTICS_FILE.read_text(encoding="utf-8"))
    return Counter(loaded["cjk_bigrams"]), Counter(loaded["cjk_unigrams"]), frozenset(loaded["latin_words"])


def cjk_reads_on(left: str, right: str) -> bool | None:
    """Does the character bigram across a break occur in running text? None when either side is not Han."""
    if not left or not right or not ("\u4e00" <= left[-1] <= "\u9fff" and "\u4e00" <= right[0] <= "\u9fff"):
        return None
    bigrams, _, _ = corpus_statistics()
    return bigrams[left[-1] + right[0]] > 0


# Word endings that never stand alone: "reduc-" + "ing" is one word whatever the word list says.
_SUFFIXES = ("ing", "ed", "ion", "ions", "tion", "ment", "ments", "ness", "ly", "ity", "ies", "er", "ers",
             "est", "al", "ance", "ence", "ous", "ive", "able", "ible", "ful", "less", "ship", "ture", "es")


# First halves of compounds that keep their hyphen at a line end ("well-" + "known", "self-" + "made").
_COMPOUND_HEADS = frozenset({
    "well", "self", "non", "anti", "long", "short", "high", "low", "full", "half", "all", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "first", "second", "third", "old",
    "new", "semi", "multi", "cross"
})


def soft_hyphen(left_word: str, right_word: str) -> tuple[bool, float]:
    """Whether a line-end hyphen between two word parts is typographic (remove) or real (keep), with certainty."""
    _, _, words = corpus_statistics()
    left, right = left_word.lower(), right_word.lower()
    if left + right in words:
        return True, 0.95
    if left in _COMPOUND_HEADS or (left in words and right in words):
        return False, 0.85  # "well-" + "known": both halves are words, the joined form is not
    if right in _SUFFIXES:
        return True, 0.9
    return True, 0.6


def latin_word_at_end(text: str) -> str:
    found = re.search(r"([A-Za-z]+)-$", text.rstrip())
    return found.group(1) if found else ""


def latin_word_at_start(text: str) -> str:
    found = re.match(r"([a-z]+)", text.lstrip())
    return found.group(1) if found else ""


def plausibility(text: str) -> float:
    """Share of Han characters the corpus knows; tells a right decoding of legacy bytes from a wrong one."""
    _, unigrams, _ = corpus_statistics()
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    return sum(1 for c in han if unigrams[c]) / len(han)


_VERTICAL_FORMS = re.compile("[\ufe10-\ufe19\ufe30-\ufe44\ufe47\ufe48]")
"""Punctuation in its vertical presentation forms (﹁ ︽ ︵ ︒): what a vertical page prints and OCR reads."""


def _horizontal_form(match: re.Match[str]) -> str:
    # NFKC gives each form's horizontal twin; the few it makes ASCII (︵ -> "(", ︐ -> ",") become full-width.
    form = unicodedata.normalize("NFKC", match.group())
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in form)


def horizontal_punctuation(text: str) -> str:
    """Vertical punctuation in its horizontal form (﹁ -> 「, ︽ -> 《, ︵ -> （), as text is searched and quoted."""
    return _VERTICAL_FORMS.sub(_horizontal_form, text)
