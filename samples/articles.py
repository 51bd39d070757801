"""Article source texts: the format of ``samples/text/*.txt`` and its parser.

File format (UTF-8)::

    # comment lines start with '#', only in the header block
    headline: 江海港自动化码头迎来满负荷运行首月     (required)
    kicker: 单机作业效率提升三成                     (optional; 引题 / deck)
    byline: 本报记者 王晓明                          (optional, repeatable: one rendered line each)
    caption: ……本报记者 王晓明摄                    (optional; used when the layout has a figure)
    pull_quote: 一个句子                             (optional; must occur verbatim in the body)
    sidebar: 编者按：……                             (optional; a framed box when the layout asks for one,
                                                      otherwise the first body paragraph)
    section: 学术圆桌                                (optional; the page's section label)
    lang: zh                                         (optional; default from the file name prefix zh_/en_)

    first paragraph, one per line
    second paragraph ...

The header block ends at the first blank line. Paragraphs are one per line; blank lines between
paragraphs are ignored. Markdown ``**`` marks are dropped, runs of whitespace collapse to one space,
and in Chinese paragraphs spaces next to CJK characters are removed (they are OCR debris, not text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEXT_DIR = Path(__file__).resolve().parent / "text"

HEADER_KEYS = frozenset({"headline", "kicker", "byline", "caption", "pull_quote", "sidebar", "section", "lang"})

# A space touching a CJK character or full-width punctuation is never meaningful in Chinese prose.
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_HEADER_LINE = re.compile(r"^([a-z_]+):\s?(.*)$")


@dataclass(frozen=True)
class ArticleText:
    """One article's source text, before typesetting."""

    name: str
    lang: str
    headline: str
    paragraphs: tuple[str, ...]
    kicker: str = ""
    bylines: tuple[str, ...] = ()
    caption: str = ""
    pull_quote: str = ""
    sidebar: str = ""
    section: str = ""

    @property
    def body(self) -> str:
        """All paragraphs joined the way the ground truth joins rendered lines."""
        return ("" if self.lang == "zh" else " ").join(self.paragraphs)


def clean(text: str, lang: str, prose: bool) -> str:
    """Normalise one field: drop markdown bold marks, collapse whitespace."""
    text = re.sub(r"\s+", " ", text.replace("**", "")).strip()
    if lang == "zh" and prose:
        text = _SPACE_NEAR_CJK.sub("", text)
    return text


def parse_article(source: str, name: str, lang: str | None = None) -> ArticleText:
    """Parse the text format described in the module docstring."""
    fields: dict[str, list[str]] = {}
    lines = source.splitlines()
    body_start = len(lines)
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            body_start = index + 1
            break
        if line.startswith("#"):
            continue
        match = _HEADER_LINE.match(line)
        if match is None or match.group(1) not in HEADER_KEYS:
            raise ValueError(f"{name}: line {index + 1} is not a 'key: value' header line: {line!r}")
        fields.setdefault(match.group(1), []).append(match.group(2))
    lang = fields.get("lang", [lang or ""])[0] or (name.split("_", 1)[0] if "_" in name else "zh")
    if lang not in ("zh", "en"):
        raise ValueError(f"{name}: language must be 'zh' or 'en', got {lang!r}")

    def one(key: str, prose: bool = False) -> str:
        return clean(fields.get(key, [""])[-1], lang, prose)

    paragraphs = tuple(p for p in (clean(raw, lang, True) for raw in lines[body_start:]) if p)
    article = ArticleText(
        name=name,
        lang=lang,
        headline=one("headline"),
        paragraphs=paragraphs,
        kicker=one("kicker"),
        bylines=tuple(clean(b, lang, False) for b in fields.get("byline", []) if b.strip()),
        caption=one("caption", prose=True),
        pull_quote=one("pull_quote", prose=True),
        sidebar=one("sidebar", prose=True),
        section=one("section"),
    )
    if not article.headline:
        raise ValueError(f"{name}: no 'headline:' line")
    if not paragraphs:
        raise ValueError(f"{name}: no body paragraphs after the header block")
    if article.pull_quote and not any(article.pull_quote in p for p in paragraphs):
        raise ValueError(f"{name}: pull_quote does not occur verbatim in any paragraph")
    return article


def load_article(path: Path | str) -> ArticleText:
    path = Path(path)
    return parse_article(path.read_text(encoding="utf-8"), path.stem)


def load_pool(lang: str, text_dir: Path = TEXT_DIR) -> list[ArticleText]:
    """Every bundled article of one language, sorted by name so seeded choices are reproducible."""
    return [load_article(p) for p in sorted(text_dir.glob(f"{lang}_*.txt"))]


def sentences(paragraph: str, lang: str) -> list[str]:
    """Split a paragraph into sentences, keeping terminators and closing quotes with their sentence."""
    if lang == "zh":
        found = [s.strip() for s in re.findall(r"[^。！？]*[。！？]+[”’」）]*", paragraph)]
        return [s for s in found if s]
    # A full stop ends an English sentence only before a space (not in 1.6) and not after a title.
    pieces = [s.strip() for s in re.findall(r".+?[.!?]+[\"”’)]*(?=\s|$)", paragraph)]
    out: list[str] = []
    for piece in pieces:
        if out and re.search(r"\b(?:Mr|Mrs|Ms|Dr|St|No|Jan|Feb|Aug|Sept|Oct|Nov|Dec|a\.m|p\.m)\.$", out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return [s for s in out if s]
