"""The repair stage: normalisation, duplicates, split paragraphs; on the seed, on generated defects, on a scan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from broadsheet.config import RepairConfig, Settings
from broadsheet.model.geometry import Polygon
from broadsheet.model.page import Article, Line, Page, Paragraph, Region, RegionType
from broadsheet.run.existing import process_existing
from broadsheet.run.output import write_page
from broadsheet.serialise.validate import validate_tei
from broadsheet.stages.repair import RepairStage
from broadsheet.text.normalise import normalise
from broadsheet.text.xmlsafe import parse_xml
from evaluation.repair_score import RepairScore, repair_article_text, score_article
from samples.generator import Defects, generate_page
from tests.shared_data import require_shared, shared_path

SEED = shared_path("seed", "000_0c233a0afbadcdcb.txt")
TEI = "{http://www.tei-c.org/ns/1.0}"


@pytest.mark.parametrize(("raw", "prose", "expected"), [
    ("新质生产力,是2023年9月(国家)提到的?好!", True, "新质生产力，是2023年9月（国家）提到的？好！"),
    ("■主持人: 刘 迪 本报记者", False, "■主持人：刘迪 本报记者"),
    ("孙玮 黄旦 等", False, "孙玮 黄旦 等"),
    ("见 https://example.org/a,b?c=1 和 1,000 元 10:30", True, "见 https://example.org/a,b?c=1 和 1,000 元 10:30"),
    ("Hello, world: (Latin) stays; ok?", True, "Hello, world: (Latin) stays; ok?"),
    ("Cafe\u0301\x07 报道\x00", True, "Café 报道"),
])
def test_normalise(raw: str, prose: bool, expected: str) -> None:
    assert normalise(raw, prose) == expected


def test_hyphenation_at_a_split_is_removed_but_real_hyphens_stay() -> None:
    page = repair_article_text("Floodwall", ["The council is reduc-", "ing the budget, the well-", "known mayor said."])
    text = page.articles[0].paragraphs[0].text
    assert text == "The council is reducing the budget, the well-known mayor said."
    assert {r.kind for r in page.repairs} >= {"join-paragraphs", "dehyphenate"}


def test_pull_quote_repeating_a_body_sentence_is_kept_and_noisy_copies_go() -> None:
    text = ("# 标题\n\n观点\n\n“新质生产力是推动高质量发展的新动能。”\n\n"
            "主持人：新质生产力是推动高质量发展的新动能。我们如何理解这一概念的深刻内涵？\n\n"
            "张占斌：这是第一句话。从驱动力来看，传统生产力的驱动力主要依赖于劳动\n\n"
            "殷德生：这是第二句话。从驱动力来看，传统生严力的驱动力主要依赖于劳动\n")
    path = Path("mem.txt")
    from broadsheet.ingest.readers.plain_text import page_from_text

    page = RepairStage(RepairConfig())(page_from_text(text, path, "0" * 64))
    quotes = [r for r in page.regions if r.type == RegionType.pull_quote]
    assert len(quotes) == 1 and "新动能" in quotes[0].text
    body = [p.text for p in page.articles[0].paragraphs]
    assert "新质生产力是推动高质量发展的新动能。" in body[0]
    # The OCR-noisy second copy (生严力) is dropped; the first copy and every sentence stay.
    assert body[2] == "殷德生：这是第二句话。"
    assert body[1].endswith("主要依赖于劳动")
    duplicate = next(r for r in page.repairs if r.kind == "duplicate-line")
    assert duplicate.certainty < 0.95


def _scan_page() -> Page:
    """A page with real geometry: one column of lines, a line read twice, a paragraph split at a figure."""
    def line(n: int, text: str, x0: float = 100, x1: float = 900) -> Line:
        return Line(id=f"pg-r1-l{n}", text=text, polygon=Polygon.from_box(x0, 100 + 40 * n, x1, 130 + 40 * n),
                    confidence=0.95, engine="rapidocr")

    lines = [line(1, "新质生产力具有丰富的内涵，代表生产力演化过程", 140),
             line(2, "中的一种能级跃升，是科技创新发挥主导作用的生"),
             line(3, "中的一种能级跃升，是科技创新发挥主导作用的生"),  # read twice
             line(4, "产力，以高效能为基本要求。", x1=500),
             line(5, "新质生产力是生产力要素全新质态的生产力。一是", 140),
             line(6, "新劳动者，高技能人才、大学生、研究生成为新劳")]
    lines2 = [Line(id="pg-r2-l1", text="动力的主体。", polygon=Polygon.from_box(100, 500, 300, 530), confidence=0.9,
                   engine="rapidocr")]
    regions = [Region(id="pg-r1", type=RegionType.body, polygon=Polygon.from_box(100, 100, 900, 400),
                      confidence=0.9, detector_label="text", lines=lines),
               Region(id="pg-r2", type=RegionType.body, polygon=Polygon.from_box(100, 500, 900, 540),
                      confidence=0.9, detector_label="text", lines=lines2)]
    paragraphs = [Paragraph(id="pg-a1-p1", line_ids=[f"pg-r1-l{n}" for n in (1, 2, 3, 4)], region_ids=["pg-r1"],
                            text=""),
                  Paragraph(id="pg-a1-p2", line_ids=["pg-r1-l5", "pg-r1-l6"], region_ids=["pg-r1"], text=""),
                  Paragraph(id="pg-a1-p3", line_ids=["pg-r2-l1"], region_ids=["pg-r2"], text="")]
    article = Article(id="pg-a1", page_ids=["pg"], headline_region_id=None, region_ids=["pg-r1", "pg-r2"],
                      paragraphs=paragraphs)
    return Page(id="pg", source="pg.png", width=1000, height=1000, regions=regions, articles=[article])


def test_scan_page_duplicate_line_removed_and_split_joined_from_geometry() -> None:
    page = RepairStage(RepairConfig())(_scan_page())
    paragraphs = page.articles[0].paragraphs
    assert [p.id for p in paragraphs] == ["pg-a1-p1", "pg-a1-p2"]
    assert paragraphs[0].text.count("中的一种能级跃升") == 1
    assert paragraphs[0].text.endswith("以高效能为基本要求。")
    assert paragraphs[1].text.endswith("成为新劳动力的主体。") and "pg-r2" in paragraphs[1].region_ids
    assert "pg-r1-l3" not in {ln.id for r in page.regions for ln in r.lines}
    assert page.steps[-1].stage == "repair"


def test_short_last_line_is_evidence_against_a_join() -> None:
    page = _scan_page()
    page.regions[0].lines[5].polygon = Polygon.from_box(100, 340, 400, 370)  # "…成为新劳" ends short: a real end
    repaired = RepairStage(RepairConfig())(page)
    assert len(repaired.articles[0].paragraphs) == 3


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Page, bytes]:
    page = process_existing(require_shared(SEED), Settings())
    out = tmp_path_factory.mktemp("seed")
    written, _, articles = write_page(page, out, validate=False)
    return written, (out / articles[0].tei).read_bytes()


def test_seed_acceptance(seed_run: tuple[Page, bytes]) -> None:
    page, tei = seed_run
    report = validate_tei(tei)
    assert report.valid, report.errors[:3]
    body = [p.text for p in page.articles[0].paragraphs if p.kind == "p"]
    text = "\n".join(body)
    for joined in ("依赖于劳动、资本、土地要素", "企业研发新生态", "开发利用，实施更加积极"):
        assert joined in text, joined
    fragment = "从驱动力来看，传统生产力的驱动力主要依赖于劳动、资"
    assert text.count(fragment) == 1
    assert next(p for p in body if fragment in p).startswith("殷德生：无论是生产力")
    quotes = [r.text for r in page.regions if r.type == RegionType.pull_quote]
    assert len(quotes) == 3
    for sentence in ("新质生产力是推动高质量发展的新动能", "战略性新兴产业和未来产业是新质生产力的主要载体",
                     "培育新质生产力，其根本是以新引擎催化新动能"):
        assert any(sentence in q for q in quotes) and sentence in text
    assert "→" not in text and "6版" not in text and "新华社图" not in text
    assert not re.search(r"[\u4e00-\u9fff],|,[\u4e00-\u9fff]", text)
    tree = parse_xml(tei)
    notes = list(tree.iter(f"{TEI}note"))
    assert len(notes) == 1 and notes[0].text.startswith("编者按") and notes[0].get("type") == "editorial"
    assert len(list(tree.iter(f"{TEI}quote"))) == 3
    paragraphs = "".join("".join(p.itertext()) for p in tree.iter(f"{TEI}p"))
    assert "新华社图" not in paragraphs and "→" not in paragraphs and "," not in paragraphs
    changes = [c.get("type") for c in tree.iter(f"{TEI}change")]
    assert changes.count("join-paragraphs") == 3 and changes.count("duplicate-line") == 1


def test_repair_measured_on_generated_defects() -> None:
    total = RepairScore()
    for lang in ("zh", "en"):
        for seed in (1, 2):
            page = generate_page(lang, "random", seed=seed, width=1240, height=1754, dpi=150, degrade=False,
                                 defects=Defects(splits=3, duplicates=3))
            for article in page.truth["articles"]:
                total.add(score_article(article))
    assert total.true_positives >= 20
    assert total.precision >= 0.95 and total.recall >= 0.95, vars(total)
    assert total.chars_lost == 0


def test_generator_without_defects_is_unchanged() -> None:
    plain = generate_page("zh", "random", seed=3, width=1240, height=1754, dpi=150, degrade=False)
    assert all("defects" not in a for a in plain.truth["articles"])
    json.dumps(plain.truth)


@pytest.mark.slow
def test_bundled_pages_are_repaired_and_lose_no_text(bundled_run: tuple[Path, object]) -> None:
    out, _ = bundled_run
    for path in sorted((out / "pages").glob("*.json")):
        page = Page.model_validate_json(path.read_bytes())
        assert "repair" in [s.stage for s in page.steps]
        removed = [r for r in page.repairs if r.kind == "duplicate-line"]
        kept = "".join(ln.text for region in page.regions for ln in region.lines)
        # A line is only dropped when a copy of it stays on the page.
        for repair in removed:
            assert repair.before.strip()[:6] in kept


def test_alike_lines_in_different_places_are_both_kept() -> None:
    """A story repeats phrases; only the same printed line read twice (same place, or identical) is dropped."""
    page = _scan_page()
    lines = page.regions[0].lines
    lines[1].text, lines[2].text = "told the council that the", "told the council that he had"
    lines[3].text = "told the council that he had"
    lines[3].polygon = Polygon.from_box(100, 222, 900, 252)  # overlaps line 3: the same line, read twice
    repaired = RepairStage(RepairConfig())(page)
    texts = [ln.text for ln in repaired.regions[0].lines]
    assert texts.count("told the council that he had") == 1
    assert "told the council that the" in texts
    assert [r.kind for r in repaired.repairs].count("duplicate-line") == 1


@pytest.mark.parametrize(("raw", "expected", "kind"), [
    ("⼈民⽇报：⽂化版，１２⽉", "人民日报：文化版，１２月", "unify-ideograph"),  # Kangxi; full-width kept
    ("⻋站⻓⻔", "车站长门", "unify-ideograph"),  # CJK Radicals Supplement (U+2ECB, U+2EA7 ...)
    ("\uf900\uf91d", "\u8c48\u6b04", "unify-ideograph"),  # compatibility ideographs (豈 欄)
    ("ﬁnancial ﬂows ﬀ", "financial flows ff", "ligature"),
    ("zero\u200bwidth so\u00adft", "zerowidth soft", "invisible-break"),
])
def test_text_layer_forms_are_repaired_and_recorded(raw: str, expected: str, kind: str) -> None:
    page = repair_article_text("Headline", [raw])
    [line] = [line for r in page.regions for line in r.lines if line.text and "Headline" not in line.text]
    assert line.text == expected
    assert any(r.kind == kind and r.before == raw and r.after == expected for r in page.repairs), page.repairs


def test_text_layer_forms_are_repaired_in_the_words_that_alto_writes() -> None:
    """ALTO's Strings come from the words: a library's search of the ALTO must find 车, not ⻋, as in the TEI."""
    from broadsheet.model.page import Word
    from broadsheet.serialise.alto import build_alto

    page = _scan_page()
    line = page.regions[0].lines[0]
    line.text = "⻋站⻓⻔ ⼈民"
    line.words = [Word(id=f"{line.id}-w{k}", text=text, confidence=0.9,
                       polygon=Polygon.from_box(100 + 200 * k, 140, 280 + 200 * k, 170))
                  for k, text in enumerate(("⻋站⻓⻔", "⼈民"), start=1)]
    repaired = RepairStage(RepairConfig())(page)
    assert [w.text for w in repaired.regions[0].lines[0].words] == ["车站长门", "人民"]
    strings = [s.get("CONTENT") for s in build_alto(repaired, image_url="page.png").iter("{*}String")]
    assert "车站长门" in strings and not any("⻋" in s for s in strings)


def test_a_soft_hyphen_at_a_line_end_joins_the_word() -> None:
    page = repair_article_text("Floodwall", ["The council is reduc\u00ad", "ing the budget."])
    assert page.articles[0].paragraphs[0].text == "The council is reducing the budget."
    assert any(r.kind == "dehyphenate" and r.after == "reducing" for r in page.repairs)


def test_shipped_language_statistics_match_the_sample_texts() -> None:
    """The product reads its counts from package data; they must be what `samples/text` gives today."""
    from broadsheet.text.normalise import STATISTICS_FILE
    from samples.language_statistics import statistics_json

    assert STATISTICS_FILE.read_text(encoding="utf-8") == statistics_json(), \
        "run `python -m samples.language_statistics` after editing samples/text"
