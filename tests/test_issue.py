"""Issue folders: sidecar metadata (YAML or JSON), defaults from names, page order and printed page numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from pipeline.config import IngestConfig
from pipeline.issue import ingest_issue, load_issue, loose_issue
from pipeline.model import PageStatus, Severity


def _pages(folder: Path, *names: str, frames: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        images = [Image.new("L", (200, 300), 255 - 40 * k) for k in range(frames)]
        images[0].save(folder / name, save_all=frames > 1, append_images=images[1:])


def test_yaml_sidecar_gives_metadata_and_page_numbers(tmp_path: Path) -> None:
    folder = tmp_path / "scans-0312"
    _pages(folder, "front.tif", "sport.png", "back.jpg")
    (folder / "issue.yaml").write_text(
        "title: Renmin Ribao\n"
        "date: 2024-03-05\n"  # unquoted: YAML reads a date
        "edition: overseas\nissue_number: 27402\nvolume: '76'\npublisher: People's Daily\nplace: Beijing\n"
        "language: zh\npages:\n  front.tif: 1\n  back.jpg: 24\n  sport.png: 12\n", encoding="utf-8")
    issue = load_issue(folder)
    assert issue.flags == []
    meta = issue.metadata
    assert (meta.title, meta.date, meta.edition, meta.issue_number, meta.volume, meta.source) == (
        "Renmin Ribao", "2024-03-05", "overseas", "27402", "76", "sidecar")
    assert (meta.publisher, meta.place, meta.language) == ("People's Daily", "Beijing", "zh")
    assert issue.id == "renmin-ribao_2024-03-05_overseas"
    assert [p.name for p in issue.files] == ["front.tif", "sport.png", "back.jpg"]
    assert issue.page_numbers == {"front.tif": 1, "sport.png": 12, "back.jpg": 24}
    pages = ingest_issue(issue, IngestConfig())
    assert [(Path(p.source).name, p.page_number) for p in pages] == [
        ("front.tif", 1), ("sport.png", 12), ("back.jpg", 24)]
    assert all(p.issue == meta for p in pages)


def test_json_sidecar_with_an_ordered_page_list_and_a_multipage_file(tmp_path: Path) -> None:
    folder = tmp_path / "issue"
    _pages(folder, "cover.png")
    _pages(folder, "inside.tif", frames=3)
    _pages(folder, "last.png")
    (folder / "issue.json").write_text(json.dumps(
        {"title": "Topaz Times", "date": "1944-12-13", "pages": ["cover.png", "inside.tif", "last.png"]}))
    issue = load_issue(folder)
    assert issue.page_numbers == {"cover.png": 1, "inside.tif": 2, "last.png": 5}
    pages = ingest_issue(issue, IngestConfig())
    assert [p.page_number for p in pages] == [1, 2, 3, 4, 5]
    assert [p.frame for p in pages] == [0, 0, 1, 2, 0]


def test_no_sidecar_guesses_from_folder_and_file_names(tmp_path: Path) -> None:
    folder = tmp_path / "renmin-ribao_2024-03-05"
    _pages(folder, "page_04.tif", "A02.png", "p3.jpg", "01.jp2", ".hidden.png")
    (folder / "._page_04.tif").write_bytes(b"AppleDouble")
    (folder / "notes.txt").write_text("scanned on the Zeutschel")
    issue = load_issue(folder)
    assert (issue.metadata.title, issue.metadata.date, issue.metadata.source) == (
        "Renmin Ribao", "2024-03-05", "defaults")
    assert issue.id == "renmin-ribao_2024-03-05"
    assert [p.name for p in issue.files] == ["01.jp2", "A02.png", "p3.jpg", "page_04.tif"]
    assert issue.page_numbers == {"01.jp2": 1, "A02.png": 2, "p3.jpg": 3, "page_04.tif": 4}
    [flag] = issue.flags
    assert flag.code == "no-sidecar" and "metadata guessed from names" in flag.reason


def test_a_date_folder_takes_its_title_from_the_parent(tmp_path: Path) -> None:
    folder = tmp_path / "topaz-times" / "19441213"
    _pages(folder, "front.png", "rear.png")
    issue = load_issue(folder)
    assert (issue.metadata.title, issue.metadata.date) == ("Topaz Times", "1944-12-13")
    assert issue.page_numbers == {"front.png": 1, "rear.png": 2}  # names without numbers: file order


def test_folders_that_name_the_file_type_are_looked_past(tmp_path: Path) -> None:
    folder = tmp_path / "renmin-ribao_2024-03-05" / "tiff"
    _pages(folder, "0001.tif")
    metadata = load_issue(folder).metadata
    assert (metadata.title, metadata.date) == ("Renmin Ribao", "2024-03-05")


def test_names_whose_numbers_clash_fall_back_to_file_order(tmp_path: Path) -> None:
    folder = tmp_path / "paper"
    _pages(folder, "A1.png", "B1.png", "B2.png")
    assert load_issue(folder).page_numbers == {"A1.png": 1, "B1.png": 2, "B2.png": 3}


@pytest.mark.parametrize(("name", "content", "where"), [
    ("issue.yaml", "title: Renmin Ribao\ndate: [2024\n", "issue.yaml line 3"),
    ("issue.yml", "title: Renmin Ribao\n  date: 2024-03-05\n", "issue.yml line 2"),
    ("issue.json", '{"title": "Renmin Ribao",\n "date": }', "issue.json line 2"),
    ("issue.yaml", "- just\n- a list\n", "must hold a mapping"),
    ("issue.yaml", "title: X\ndate: 2024-02-30\n", "is not a date"),
    ("issue.yaml", "title: X\npages: {a.png: zero}\n", "'pages' must map"),
])
def test_malformed_sidecar_is_an_issue_error_and_pages_still_go(tmp_path: Path, name: str, content: str,
                                                                where: str) -> None:
    folder = tmp_path / "renmin-ribao_2024-03-05"
    _pages(folder, "p1.png", "p2.png")
    (folder / name).write_text(content, encoding="utf-8")
    issue = load_issue(folder)
    [flag] = issue.flags
    assert flag.code == "bad-sidecar" and flag.severity == Severity.error
    assert where in flag.reason and "guessed from names" in flag.reason
    assert (issue.metadata.title, issue.metadata.source) == ("Renmin Ribao", "defaults")
    pages = ingest_issue(issue, IngestConfig())
    assert [p.page_number for p in pages] == [1, 2]
    assert all(p.status == PageStatus.pending for p in pages)


def test_sidecar_problems_that_do_not_stop_it_are_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "issue"
    _pages(folder, "a.png", "b.png", "c.png")
    (folder / "issue.yaml").write_text("title: Daily\ntitel: typo\npages: [b.png, a.png, gone.png]\n")
    (folder / "issue.json").write_text("{}")
    issue = load_issue(folder)
    codes = {flag.code: flag.reason for flag in issue.flags}
    assert set(codes) == {"several-sidecars", "sidecar-unknown-key", "sidecar-missing-page", "sidecar-unlisted-page"}
    assert "titel" in codes["sidecar-unknown-key"] and "gone.png" in codes["sidecar-missing-page"]
    assert [p.name for p in issue.files] == ["b.png", "a.png", "c.png"]
    assert issue.page_numbers == {"b.png": 1, "a.png": 2, "c.png": 3}


def test_a_corrupt_page_fails_alone(tmp_path: Path) -> None:
    folder = tmp_path / "issue"
    _pages(folder, "page_1.png", "page_3.png")
    (folder / "page_2.png").write_bytes(b"not a png at all" * 10)
    pages = ingest_issue(load_issue(folder), IngestConfig())
    assert [(p.page_number, p.status) for p in pages] == [
        (1, PageStatus.pending), (2, PageStatus.failed), (3, PageStatus.pending)]
    assert pages[1].issue is not None


def test_an_empty_folder_is_an_issue_error(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    issue = load_issue(folder)
    assert issue.files == [] and "no-pages" in {flag.code for flag in issue.flags}
    assert ingest_issue(issue, IngestConfig()) == []


def test_loose_files_are_numbered_in_the_order_given_counting_each_page_of_a_multipage_file(tmp_path: Path) -> None:
    folder = tmp_path / "Topaz Times 1944-12-13"
    _pages(folder, "cover.png")
    _pages(folder, "inside.tif", frames=3)
    _pages(folder, "back.png")
    issue = loose_issue([folder / "cover.png", folder / "inside.tif", folder / "back.png"])
    assert issue.page_numbers == {"cover.png": 1, "inside.tif": 2, "back.png": 5}
    assert issue.metadata.date == "1944-12-13"
