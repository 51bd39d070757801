"""Scoring the repair stage against pages generated with known defects (``samples.generator.Defects``).

Each generated article is written as a plain-text OCR dump, read, repaired, and its repairs matched
against the defects the generator recorded: precision, recall, and the characters of real text that
the repaired article lacks compared with the defect-free text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from broadsheet.config import RepairConfig
from broadsheet.ingest.readers.plain_text import page_from_text
from broadsheet.model.page import Page, Repair
from broadsheet.stages.repair import repair_stages
from broadsheet.text.script import join_fragments

SCORED_KINDS = frozenset({"join-paragraphs", "duplicate-line"})


@dataclass
class RepairScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    chars_lost: int = 0
    clean_chars: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    def add(self, other: RepairScore) -> None:
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives
        self.chars_lost += other.chars_lost
        self.clean_chars += other.clean_chars


def clean_paragraphs(paragraphs: list[str], defects: list[dict[str, Any]]) -> list[str]:
    """The article's text as it was before the generator injected its defects."""
    out = list(paragraphs)
    for defect in (d for d in defects if d["kind"] == "duplicate"):
        index = next(i for i, p in enumerate(out) if p.endswith(defect["text"]))
        out[index] = out[index][: -len(defect["text"])].rstrip()
    out = [p for p in out if p]
    for defect in (d for d in defects if d["kind"] == "split"):
        index = next(i for i in range(len(out) - 1)
                     if out[i].endswith(defect["left"]) and out[i + 1].startswith(defect["right"]))
        out[index:index + 2] = [join_fragments([out[index], out[index + 1]])]
    return out


def _matches(repair: Repair, defect: dict[str, Any]) -> bool:
    if defect["kind"] == "split":
        left, _, right = repair.before.partition("¶")
        return repair.kind == "join-paragraphs" and left.endswith(defect["left"][-8:]) and right.startswith(
            defect["right"][:8])
    return repair.kind == "duplicate-line" and repair.before.rstrip().endswith(defect["text"]) and (
        repair.after == repair.before.rstrip()[: -len(defect["text"])].rstrip())


def repair_article_text(headline: str, paragraphs: list[str], config: RepairConfig | None = None) -> Page:
    text = f"# {headline}\n\n" + "\n\n".join(paragraphs) + "\n"
    page = page_from_text(text, Path("generated.txt"), hashlib.sha256(text.encode()).hexdigest())
    for stage in repair_stages(config or RepairConfig()):
        page = stage(page)
    return page


def score_article(article: dict[str, Any], config: RepairConfig | None = None) -> RepairScore:
    """Score one article of a generator truth that carries ``defects``."""
    defects: list[dict[str, Any]] = article["defects"]
    page = repair_article_text(article["headline"], article["paragraphs"], config)
    repairs = [r for r in page.repairs if r.kind in SCORED_KINDS]
    matched = [any(_matches(r, d) for d in defects) for r in repairs]
    found = [any(_matches(r, d) for r in repairs) for d in defects]
    clean = "".join(clean_paragraphs(article["paragraphs"], defects))
    repaired = "".join(p.text for p in page.articles[0].paragraphs)
    lost = sum(src_end - src_start for tag, src_start, src_end, _, _ in Levenshtein.opcodes(clean, repaired)
               if tag in ("delete", "replace"))
    return RepairScore(true_positives=sum(matched), false_positives=len(matched) - sum(matched),
                       false_negatives=len(found) - sum(found), chars_lost=lost, clean_chars=len(clean))
