"""Design-randomised pages: every switch is drawn, and the truth still matches what is printed."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from broadsheet.model.page import OUTSIDE_ARTICLE_TYPES, RegionType
from samples.designs import SWITCH_VALUES_BY_LANG, SWITCHES, draw_design, generate_designed_page
from samples.fonts import FAMILIES
from samples.generator import GeneratedPage

DPI = 60  # small pages: the layout is the same at any dpi, and this keeps the module to a few seconds
DRAWN_SEEDS = range(300)
# Rendered: a Chinese page with a roundtable and the rest of a story, an 1850s English page, an English
# roundtable under a headless rest of a story, a Chinese page with a jump head.
RENDERED = (("zh", 3), ("en", 3), ("en", 1), ("zh", 5))
TEXT_TYPES = {t.value for t in RegionType} - {"figure", "separator"}


@pytest.fixture(scope="module")
def pages() -> dict[tuple[str, int], GeneratedPage]:
    return {key: generate_designed_page(*key, dpi=DPI, degrade=False) for key in RENDERED}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_switch_value_occurs_over_the_seed_set(lang: str) -> None:
    designs = [draw_design(lang, seed) for seed in DRAWN_SEEDS]
    for switch, values in {**SWITCHES, **SWITCH_VALUES_BY_LANG[lang]}.items():
        seen = {d[switch] for d in designs}
        assert seen == set(values), f"{switch}: drew {seen}, not {set(values)}"
    script = "cjk" if lang == "zh" else "latin"
    families = {d[key] for d in designs for key in ("body_family", "headline_family")}
    assert families == {f.name for f in FAMILIES.values() if f.script == script}
    assert len({d["body_pt"] for d in designs}) > 10 and len({d["leading"] for d in designs}) > 10
    assert {d["columns"] for d in designs} >= {3, 4, 5, 6, 7}


def test_switches_are_drawn_independently() -> None:
    # Switch by switch, the share of a value is about the same whatever another switch drew.
    designs = [draw_design("en", seed) for seed in range(2000)]
    with_rule = [d for d in designs if d["head_rule"] != "none"]
    without = [d for d in designs if d["head_rule"] == "none"]
    share = lambda group: sum(d["kicker"] == "above" for d in group) / len(group)  # noqa: E731
    assert abs(share(with_rule) - share(without)) < 0.06


@pytest.mark.parametrize("key", RENDERED)
def test_truth_records_the_drawn_design(pages: dict[tuple[str, int], GeneratedPage], key: tuple[str, int]) -> None:
    truth = pages[key].truth
    assert truth["layout"] == "designed" and truth["design"] == draw_design(*key)
    for article in truth["articles"]:
        assert article["design"], f"{article['id']} records no design"


@pytest.mark.parametrize("key", RENDERED)
def test_truth_is_consistent(pages: dict[tuple[str, int], GeneratedPage], key: tuple[str, int]) -> None:
    page = pages[key]
    truth = page.truth
    ids = {r["id"]: r for r in truth["regions"]}
    articles = {a["id"]: a for a in truth["articles"]}
    for region in truth["regions"]:
        x0, y0, x1, y1 = region["box"]
        assert 0 <= x0 < x1 <= truth["width"] and 0 <= y0 < y1 <= truth["height"], region
        assert region["type"] in {t.value for t in RegionType}
        content = region["type"] not in {t.value for t in OUTSIDE_ARTICLE_TYPES} | {"separator"}
        # A jump line ("Continued on A4") is a teaser of its story; the date line under a masthead is furniture.
        jump_line = region["type"] == "teaser" and region["article"] is not None
        issue_date = region["type"] == "dateline" and region["article"] is None and _by_type(truth, "masthead")
        if not issue_date:
            assert (region["article"] in articles) if content or jump_line else region["article"] is None, region
    for article in truth["articles"]:
        assert article["paragraphs"] and all(article["paragraphs"]), f"{article['id']} has no paragraphs"
        assert all(ids[r]["article"] == article["id"] for r in article["region_ids"])
        body = "".join(ids[r]["text"] for r in article["region_ids"] if ids[r]["type"] == "body")
        assert _squash(body) == _squash("".join(article["paragraphs"])), f"{article['id']}: body != paragraphs"
    assert set(truth["reading_order"]) == {r["id"] for r in truth["regions"] if r["type"] != "separator"}


@pytest.mark.parametrize("key", RENDERED)
def test_ink_lies_in_the_truth_boxes(pages: dict[tuple[str, int], GeneratedPage], key: tuple[str, int]) -> None:
    """Every text region has ink in its box, and no ink lies outside every region (nothing unrecorded)."""
    page = pages[key]
    ink = np.asarray(page.image) < 128
    covered = np.zeros_like(ink)
    for region in page.truth["regions"]:
        x0, y0, x1, y1 = region["box"]
        covered[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = True
        if region["type"] in TEXT_TYPES:
            assert ink[y0:y1, x0:x1].any(), f"{region['id']} ({region['type']}) has no ink in its box"
    stray = ink & ~covered
    assert stray.sum() <= 0.001 * ink.sum(), f"{stray.sum()} ink pixels outside every region"


def _by_type(truth: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in truth["regions"] if r["type"] == kind]


def test_1850s_page_is_set_as_one(pages: dict[tuple[str, int], GeneratedPage]) -> None:
    truth = pages[("en", 3)].truth
    assert truth["design"]["era"] == "1850s" and 5 <= truth["design"]["columns"] <= 7
    assert not _by_type(truth, "figure") and not _by_type(truth, "kicker")
    heads = _by_type(truth, "headline")
    # Headings are centred capitals of body size: each of their lines about one body line's pitch.
    pitch = truth["dpi"] * truth["design"]["body_pt"] * truth["design"]["leading"] / 72
    assert heads and all(h["text"] == h["text"].upper() for h in heads)
    pad = 2 * max(2, truth["dpi"] / 100) + 1  # the generator pads every box by this much, plus rounding
    assert all((h["box"][3] - h["box"][1] - pad) / (h["text"].count("\n") + 1) < 1.2 * pitch for h in heads)
    col = (truth["width"] * 0.9) / truth["design"]["columns"]
    dashes = [s for s in _by_type(truth, "separator") if s["box"][2] - s["box"][0] < col / 2]
    assert len(dashes) >= len(heads) - truth["design"]["columns"]


def test_roundtable_and_rest_of_story(pages: dict[tuple[str, int], GeneratedPage]) -> None:
    for key, label in ((("zh", 3), "主持人："), (("en", 1), "MODERATOR:")):
        truth = pages[key].truth
        [table] = [a for a in truth["articles"] if a["design"].get("roundtable")]
        assert table["paragraphs"][0].startswith(label)
        [rest] = [a for a in truth["articles"] if a["design"].get("continuation") == "rest_of_story"]
        assert rest["headline"] == "" and "from_page" in rest["continuation"]
        assert rest["id"] == truth["articles"][0]["id"], "the rest of a story heads the page"


def test_same_seed_same_page() -> None:
    first, second = (generate_designed_page("en", 11, dpi=40, degrade=False) for _ in range(2))
    assert first.truth == second.truth
    assert np.array_equal(np.asarray(first.image), np.asarray(second.image))
