"""Script-aware text helpers shared by the stages."""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))


def cjk_share(text: str) -> float:
    visible = [c for c in text if not c.isspace()]
    return sum(1 for c in visible if is_cjk(c)) / len(visible) if visible else 0.0


def join_fragments(fragments: Iterable[str]) -> str:
    """Join words or lines: no space where either side is CJK, one space between Latin pieces."""
    joined = ""
    for fragment in fragments:
        fragment = fragment.strip()
        if not fragment:
            continue
        if joined and not (is_cjk(joined[-1]) or is_cjk(fragment[0])):
            joined += " "
        joined += fragment
    return joined


def language_of(texts: Iterable[str]) -> str:
    """'zh' when most visible characters are CJK, else 'en'."""
    sample = "".join(texts)
    return "zh" if cjk_share(sample) >= 0.3 else "en"


LONG_S = str.maketrans({"ſ": "s"})
"""Long s folded to round s: the convention of transcriptions (the NZZ ground truth) that do not keep it."""
