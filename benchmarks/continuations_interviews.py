"""Continuations and interviews, measured on real pipeline output.

* Jumped stories: generated page pairs (``samples.generator.generate_jump_pair``, small 150 dpi pages) through
  every page stage, then ``join_continuations``: jump lines recognised (direction and page right), stories
  joined, and the joined story's body CER against the two pages' truth.
* Roundtables: the seed (plain-text OCR, ``../shared/seed/``) and the bundled generated roundtable page
  (through OCR): precision and recall of speaker turns (in order), and participants found with the right
  role and an affiliation within 5% CER.

    python -m benchmarks.continuations_interviews      # -> benchmarks/results/continuations_interviews.{json,md}
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from broadsheet.config import Settings
from broadsheet.ingest.files import ingest_file
from broadsheet.model.page import Article, Page
from broadsheet.run.existing import process_existing
from broadsheet.run.page import build_stages, process_page
from broadsheet.stages.jumps import join_continuations
from broadsheet.stages.working_images import WorkingImages
from evaluation.generated import PARAGRAPH_MATCH_CER, cer, turn_precision_recall
from samples.generator import PAGES_DIR, generate_jump_pair, write_page

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SEED = ROOT.parent / "shared" / "seed" / "000_0c233a0afbadcdcb.txt"
PAIRS = (("zh", 3), ("en", 3), ("zh", 8), ("en", 8))
PARTICIPANTS = {
    "刘迪": ("host", "本报记者"),
    "张占斌": ("guest", "中央党校（国家行政学院）中国式现代化研究中心主任、一级教授"),
    "殷德生": ("guest", "华东师范大学特聘教授、经济与管理学院院长"),
    "刘志阳": ("guest", "上海财经大学商学院联席教授、创业学院执行副院长"),
}
"""The roundtable's people, as its byline prints them (the seed and the generated page share the text)."""


def _process(image: Path, settings: Settings, work: Path) -> Page:
    [page] = ingest_file(image)
    return process_page(page, build_stages(settings, WorkingImages(work)), settings)


def jump_pair(lang: str, seed: int, settings: Settings, work: Path) -> dict[str, Any]:
    generated = generate_jump_pair(lang, seed=seed, width=1240, height=1754, dpi=150)
    pages, truths = [], []
    for number, page_image in zip((1, 4), generated, strict=True):
        truths.append(page_image.truth)
        image = write_page(page_image, work, f"{lang}{seed}-page{number}")
        pages.append(_process(image, settings, work / ".work").model_copy(update={"page_number": number}))
    truth_jumps = [(t_index, a) for t_index, t in enumerate(truths) for a in t["articles"] if "continuation" in a]
    expected = {(index, "to" if "to_page" in a["continuation"] else "from",
                 a["continuation"].get("to_page", a["continuation"].get("from_page"))) for index, a in truth_jumps}
    found = {(index, c.direction, c.page) for index, page in enumerate(pages) for a in page.articles
             for c in a.continuations}
    headline = truth_jumps[0][1]["headline"]
    issue = join_continuations(pages)
    second_page = issue.articles_from(issue.pages[1])
    spanning = [a for a in issue.articles_from(issue.pages[0]) if len(a.page_ids) == 2]
    parts = [[p for a in t["articles"] if a["headline"] == headline for p in a["paragraphs"]] for t in truths]
    truth_paragraphs = [p for part in parts for p in part]
    story: Article | None = spanning[0] if spanning else None
    found_paragraphs = [p.text for p in story.paragraphs] if story else []

    def in_story(truth: str) -> bool:
        return any(cer(p, truth) <= PARAGRAPH_MATCH_CER for p in found_paragraphs)

    matched = sum(map(in_story, truth_paragraphs))
    return {
        "pair": f"{lang} seed {seed}",
        "jump_lines": len(expected), "recognised": len(expected & found), "false": len(found - expected),
        # Joined right: one article across both pages holding paragraphs of both parts of the story, and
        # the second page left with its other stories only.
        "joined": int(story is not None and all(any(map(in_story, part)) for part in parts)
                      and len(second_page) == len(truths[1]["articles"]) - 1),
        "articles_on_second_page": f"{len(second_page)} of {len(truths[1]['articles'])}",
        "story_paragraphs_matched": f"{matched} of {len(truth_paragraphs)}",
        "story_body_cer": round(cer("".join(found_paragraphs), "".join(truth_paragraphs)), 4) if story else None,
    }


def _turns(article: Article) -> list[str]:
    return [p.speaker_label.rstrip(":：").strip() for p in article.paragraphs if p.speaker_label]


def roundtable(name: str, page: Page, truth_turns: list[str]) -> dict[str, Any]:
    article = max(page.articles, key=lambda a: sum(p.speaker_label is not None for p in a.paragraphs))
    precision, recall = turn_precision_recall(_turns(article), truth_turns)
    right = [p.name for p in article.participants if p.name in PARTICIPANTS and PARTICIPANTS[p.name][0] == p.role
             and cer(p.affiliation or "", PARTICIPANTS[p.name][1]) <= 0.05]
    return {"page": name, "truth_turns": len(truth_turns), "turns_found": len(_turns(article)),
            "turn_precision": round(precision, 3), "turn_recall": round(recall, 3),
            "participants": len(PARTICIPANTS), "participants_right": len(right),
            "participants_extra": len(article.participants) - len(right)}


def main() -> int:
    settings = Settings()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seed_turns = [m.group(1) for m in re.finditer(r"^\*\*([^*:：]+)[:：]\*\*", SEED.read_text(encoding="utf-8"),
                                                      re.M)]
        rounds = [roundtable("seed (plain text)", process_existing(SEED, settings), seed_turns)]
        truth = json.loads((PAGES_DIR / "zh_roundtable.gt.json").read_text(encoding="utf-8"))
        generated_turns = [m.group(1) for p in truth["articles"][0]["paragraphs"]
                           if (m := re.match(r"^(\S{2,4})：", p))]
        rounds.append(roundtable("zh_roundtable (generated, OCR)",
                                 _process(PAGES_DIR / "zh_roundtable.jpg", settings, work / ".work"), generated_turns))
        pairs = [jump_pair(lang, seed, settings, work) for lang, seed in PAIRS]
    result = {"measured": datetime.now(UTC).date().isoformat(), "seconds": round(time.perf_counter() - started, 1),
              "jump_pairs": pairs, "roundtables": rounds}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "continuations_interviews.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    lines = ["| pair | jump lines | recognised | false | joined | story paragraphs matched | story body CER |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {p['pair']} | {p['jump_lines']} | {p['recognised']} | {p['false']} | {p['joined']} | "
              f"{p['story_paragraphs_matched']} | {p['story_body_cer'] if p['story_body_cer'] is not None else '-'} |"
              for p in pairs]
    lines += ["", "| roundtable | turns (truth) | found | precision | recall | participants right |",
              "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['page']} | {r['truth_turns']} | {r['turns_found']} | {r['turn_precision']} | {r['turn_recall']} | "
              f"{r['participants_right']} of {r['participants']} (+{r['participants_extra']}) |" for r in rounds]
    (RESULTS / "continuations_interviews.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
