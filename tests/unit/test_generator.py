"""The synthetic page generator: ground truth must match what is printed, exactly."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from samples import fonts
from samples.__main__ import main as cli_main
from samples.articles import TEXT_DIR, load_article, load_pool, parse_article
from samples.fonts import FontMissingError
from samples.generator import BUNDLED, FORMAT, PAGES_DIR, GeneratedPage, generate_bundled, generate_page, write_page
from samples.imaging import Degradation
from samples.typeset import NO_END, NO_START

SMALL = (1240, 1754, 150)  # A4 at 150 dpi: same layout as the bundled pages, a quarter of the pixels

# Page -> region types its layout must produce.
ILLUSTRATED_STORY_TYPES = {
    "running_header", "folio", "headline", "kicker", "byline", "body", "figure", "caption", "pull_quote", "separator",
}
EXPECTED_TYPES = {
    ("zh", "roundtable"): {
        "running_header",
        "folio",
        "teaser",
        "section",
        "headline",
        "kicker",
        "byline",
        "sidebar",
        "body",
        "figure",
        "caption",
        "pull_quote",
        "separator",
    },
    ("zh", "two_articles"): ILLUSTRATED_STORY_TYPES,
    ("en", "feature"): ILLUSTRATED_STORY_TYPES,
    # Page one: nameplate and date line instead of the running header, story datelines, a display ad.
    ("en", "front_page"): ILLUSTRATED_STORY_TYPES - {"running_header"} | {"masthead", "dateline", "advertisement"},
}
PAGE_KEYS = [*EXPECTED_TYPES, ("zh", "random"), ("en", "random")]


@pytest.fixture(scope="module")
def pages() -> dict[tuple[str, str], GeneratedPage]:
    return {(lang, layout): generate_page(lang, layout, 5, *SMALL, degrade="light") for lang, layout in PAGE_KEYS}


def _regions(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in truth["regions"]}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sources(lang: str) -> dict[str, Any]:
    return {_squash(a.headline): a for a in load_pool(lang)}


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_truth_is_well_formed(pages: dict[tuple[str, str], GeneratedPage], key: tuple[str, str]) -> None:
    page = pages[key]
    truth = page.truth
    assert truth["format"] == FORMAT
    assert (truth["width"], truth["height"], truth["dpi"]) == SMALL
    assert page.image.mode == "L" and page.image.size == SMALL[:2]
    regions = _regions(truth)
    assert len(regions) == len(truth["regions"]), "region ids are unique"
    for region in truth["regions"]:
        x0, y0, x1, y1 = region["box"]
        assert 0 <= x0 < x1 <= truth["width"] and 0 <= y0 < y1 <= truth["height"], region
        assert len(region["polygon"]) == 4
        xs = [p[0] for p in region["polygon"]]
        ys = [p[1] for p in region["polygon"]]
        assert x0 <= min(xs) and max(xs) <= x1 and y0 <= min(ys) and max(ys) <= y1
        if region["type"] in ("figure", "separator"):
            assert region["text"] == ""
        else:
            assert region["text"].strip(), region
    # Reading order: every region except separators, once each.
    non_separators = [r["id"] for r in truth["regions"] if r["type"] != "separator"]
    assert sorted(truth["reading_order"]) == sorted(non_separators)
    members: list[str] = []
    for article in truth["articles"]:
        ids = article["region_ids"]
        assert regions[ids[0]]["type"] == "headline"
        assert all(regions[i]["article"] == article["id"] for i in ids)
        joiner = "" if truth["language"] == "zh" else " "
        assert article["headline"] == joiner.join(regions[ids[0]]["text"].split("\n"))
        members += ids
    assert members == [i for i in truth["reading_order"] if regions[i]["article"] is not None]


@pytest.mark.parametrize("key", list(EXPECTED_TYPES))
def test_layout_region_types_present(pages: dict[tuple[str, str], GeneratedPage], key: tuple[str, str]) -> None:
    types = {r["type"] for r in pages[key].truth["regions"]}
    assert EXPECTED_TYPES[key] <= types, EXPECTED_TYPES[key] - types
    assert len(pages[key].truth["articles"]) == (1 if key[1] == "roundtable" else 2)


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_flow_loses_no_text(pages: dict[tuple[str, str], GeneratedPage], key: tuple[str, str]) -> None:
    truth = pages[key].truth
    regions = _regions(truth)
    sources = _sources(truth["language"])
    for article in truth["articles"]:
        body = "".join(regions[i]["text"] for i in article["region_ids"] if regions[i]["type"] == "body")
        assert _squash(body) == _squash("".join(article["paragraphs"]))
        # Printed paragraphs are the source's, in order; only the last may be cut (at a sentence end).
        source = sources[_squash(article["headline"])]
        expected = list(source.paragraphs)
        if source.sidebar and "sidebar" not in {regions[i]["type"] for i in article["region_ids"]}:
            expected.insert(0, source.sidebar)
        got = article["paragraphs"]
        assert got[:-1] == expected[: len(got) - 1]
        assert expected[len(got) - 1].startswith(got[-1])
        assert got[-1][-1] in '。！？”’.!?"”’)', got[-1][-20:]


def _body_line_owners(truth: dict[str, Any], article: dict[str, Any]) -> list[set[str]]:
    """For each paragraph, the body regions its printed lines sit in (paragraphs must be whole lines)."""
    regions = _regions(truth)
    lines = [
        (rid, line)
        for rid in article["region_ids"]
        if regions[rid]["type"] == "body"
        for line in regions[rid]["text"].split("\n")
    ]
    owners: list[set[str]] = []
    cursor = 0
    for paragraph in article["paragraphs"]:
        target, got, seen = _squash(paragraph), "", set()
        while len(got) < len(target):
            rid, line = lines[cursor]
            got += _squash(line)
            seen.add(rid)
            cursor += 1
        assert got == target, "a paragraph boundary fell inside a line"
        owners.append(seen)
    assert cursor == len(lines)
    return owners


@pytest.mark.parametrize("key", list(EXPECTED_TYPES))
def test_paragraph_flows_across_columns(pages: dict[tuple[str, str], GeneratedPage], key: tuple[str, str]) -> None:
    truth = pages[key].truth
    regions = _regions(truth)
    split_across_columns = 0
    for article in truth["articles"]:
        for owners in _body_line_owners(truth, article):
            lefts = sorted(regions[r]["box"][0] for r in owners)
            if len(lefts) > 1 and lefts[-1] - lefts[0] > truth["width"] / 10:
                split_across_columns += 1
    assert split_across_columns >= 1


@pytest.mark.parametrize("key", list(EXPECTED_TYPES))
def test_pull_quote_is_a_body_sentence(pages: dict[tuple[str, str], GeneratedPage], key: tuple[str, str]) -> None:
    truth = pages[key].truth
    regions = _regions(truth)
    joiner = "" if truth["language"] == "zh" else " "
    quotes = 0
    for article in truth["articles"]:
        body = joiner.join(article["paragraphs"])
        ids = article["region_ids"]
        for rid in ids:
            if regions[rid]["type"] == "pull_quote":
                quote = joiner.join(regions[rid]["text"].split("\n"))
                assert len(quote) > 8 and quote in body
                # The body above and below the quote are separate regions around it.
                k = ids.index(rid)
                assert regions[ids[k - 1]]["type"] == "body" and regions[ids[k + 1]]["type"] == "body"
                quotes += 1
    assert quotes == 1
    if key == ("zh", "roundtable"):
        source = load_article(TEXT_DIR / "zh_roundtable.txt")
        assert source.pull_quote in {regions[r]["text"].replace("\n", "") for r in regions}


def test_chinese_lines_obey_kinsoku(pages: dict[tuple[str, str], GeneratedPage]) -> None:
    for (lang, _layout), page in pages.items():
        if lang != "zh":
            continue
        for region in page.truth["regions"]:
            for line in filter(None, region["text"].split("\n")):
                assert line[0] not in NO_START and line[-1] not in NO_END, line


def test_english_wraps_at_word_boundaries(pages: dict[tuple[str, str], GeneratedPage]) -> None:
    truth = pages[("en", "feature")].truth
    words = {w for a in load_pool("en") for p in a.paragraphs for w in p.split()}
    for region in truth["regions"]:
        if region["type"] == "body":
            for line in region["text"].split("\n"):
                assert set(line.split()) <= words, line


def _ink_inside(image: np.ndarray, polygon: list[list[float]], grow: int) -> tuple[int, int]:
    dark = image < 110
    mask = np.zeros(image.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.array(polygon)).astype(np.int32)], 1)
    wide = cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return int((dark & (mask > 0)).sum()), int((dark & (wide > 0)).sum())


def test_skew_rotates_polygons_and_they_still_fit_the_ink() -> None:
    skew = 1.2
    clean = generate_page("zh", "two_articles", 3, *SMALL, degrade=False)
    skewed = generate_page("zh", "two_articles", 3, *SMALL, degrade=Degradation(skew_degrees=skew))
    assert skewed.truth["degradation"]["skew_degrees"] == skew
    assert len(clean.truth["regions"]) == len(skewed.truth["regions"])
    image = np.asarray(skewed.image)
    checked = 0
    for before, after in zip(clean.truth["regions"], skewed.truth["regions"], strict=True):
        (x0, y0), (x1, y1) = after["polygon"][0], after["polygon"][1]
        if x1 - x0 > 200:
            # Positive skew turns the page counter-clockwise: the top edge rises to the right.
            assert math.degrees(math.atan2(y0 - y1, x1 - x0)) == pytest.approx(skew, abs=0.05)
        assert before["polygon"] != after["polygon"] and before["text"] == after["text"]
        if after["type"] in ("headline", "body", "caption"):
            inside, around = _ink_inside(image, after["polygon"], grow=6)
            assert inside >= 0.98 * around, after["id"]
            checked += 1
    assert checked >= 5


def test_boxes_are_tight_on_a_clean_page() -> None:
    page = generate_page("en", "feature", 1, *SMALL, degrade=False)
    image = np.asarray(page.image)
    pad = max(2.0, SMALL[2] / 100)
    for region in page.truth["regions"]:
        if region["type"] in ("body", "headline", "byline", "caption"):
            x0, y0, x1, y1 = region["box"]
            ys, xs = np.nonzero(image[y0:y1, x0:x1] < 160)
            # Ink reaches within a few pixels of every side of the box.
            assert xs.min() <= pad + 2 and ys.min() <= pad + 2, region["id"]
            assert (x1 - x0) - xs.max() <= pad + 3 and (y1 - y0) - ys.max() <= pad + 3, region["id"]


def test_same_seed_same_page_and_other_seed_differs() -> None:
    first = generate_page("zh", "random", 11, *SMALL)
    again = generate_page("zh", "random", 11, *SMALL)
    other = generate_page("zh", "random", 12, *SMALL)
    assert first.truth == again.truth
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    assert first.truth["regions"] != other.truth["regions"]


def test_write_page_files(tmp_path: Path) -> None:
    page = generate_page("en", "two_articles", 2, *SMALL, degrade="light")
    path = write_page(page, tmp_path, "p1")
    assert path.name == "p1.jpg" and path.is_file()
    truth = json.loads((tmp_path / "p1.gt.json").read_text(encoding="utf-8"))
    assert truth["image"] == "p1.jpg" and truth["regions"] == page.truth["regions"]
    clean = write_page(generate_page("en", "two_articles", 2, *SMALL, degrade=False), tmp_path, "p2")
    assert clean.suffix == ".png"
    assert json.loads((tmp_path / "p2.gt.json").read_text(encoding="utf-8"))["degradation"]["jpeg_quality"] is None


def test_missing_fonts_raise_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fonts, "font_search_dirs", lambda: [tmp_path])
    with pytest.raises(FontMissingError, match="apt-get install fonts-noto-cjk"):
        generate_page("zh", "roundtable", 1, *SMALL)
    code = cli_main(["generate", "--out", str(tmp_path), "--name", "x"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "fonts-noto-cjk" in err


def test_text_format_rejects_a_pull_quote_not_in_the_body() -> None:
    with pytest.raises(ValueError, match="pull_quote"):
        parse_article("headline: H\npull_quote: nowhere\n\nSome body text.\n", "en_x")
    article = parse_article("headline: 标题\n\n**主持人：**今年 9 月 ，开幕 。\n", "zh_x")
    assert article.paragraphs == ("主持人：今年9月，开幕。",)


def test_roundtable_text_is_clean() -> None:
    article = load_article(TEXT_DIR / "zh_roundtable.txt")
    assert article.headline == "新质生产力释放高质量发展新动能"
    assert article.kicker == "以科技创新引领产业振兴，以产业升级构建新竞争优势"
    assert article.caption.endswith("新华社图") and article.sidebar.startswith("编者按")
    body = article.body
    assert not re.search(r"[,:;?!()]|\*\*", body + article.sidebar + article.caption)
    assert body.count("从驱动力来看，传统生产力的驱动力主要依赖于劳动、资") == 1


def test_bundled_pages_are_shipped_and_current() -> None:
    for name in BUNDLED:
        truth = json.loads((PAGES_DIR / f"{name}.gt.json").read_text(encoding="utf-8"))
        image = PAGES_DIR / truth["image"]
        assert image.is_file() and image.stat().st_size < 1_600_000
        assert (truth["width"], truth["height"], truth["dpi"]) == (2480, 3508, 300)
        assert abs(truth["degradation"]["skew_degrees"]) <= 1.0
    # Regenerating gives the same ground truth as the committed files (``python -m samples bundled``).
    regenerated = generate_bundled("zh_roundtable").truth
    assert regenerated == json.loads((PAGES_DIR / "zh_roundtable.gt.json").read_text(encoding="utf-8"))


def test_broadsheet_size_page_is_filled() -> None:
    # Broadsheet proportions at a low dpi keep this fast; the layout is the same at 5100x8200 @ 350 dpi.
    page = generate_page("zh", "broadsheet", 1, 1457, 2343, 100, degrade=False)
    body = [r for r in page.truth["regions"] if r["type"] == "body"]
    assert len(page.truth["articles"]) >= 3
    assert max(r["box"][3] for r in body) > 0.8 * page.truth["height"]


def test_each_text_regions_truth_lines_are_its_printed_lines_inside_its_box() -> None:
    """Line boxes are the ink of each printed line: the stages after OCR, fed the truth, see lines as OCR boxes
    them (a headline's tight leading and a body's open one alike), not the region's height shared out."""
    page = generate_page("en", "random", seed=5, degrade=False)
    image = np.asarray(page.image.convert("L"))
    lined = [r for r in page.truth["regions"] if r.get("lines")]
    assert len(lined) >= 0.8 * sum(1 for r in page.truth["regions"] if r["text"])
    for region in lined:
        assert "\n".join(line["text"] for line in region["lines"]) == region["text"]
        x0, y0, x1, y1 = region["box"]
        for line in region["lines"]:
            lx0, ly0, lx1, ly1 = line["box"]
            assert x0 <= lx0 < lx1 <= x1 and y0 <= ly0 < ly1 <= y1
            assert (image[ly0:ly1, lx0:lx1] < 128).any(), line  # the box holds the line's ink
