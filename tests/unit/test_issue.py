"""Issue folders: sidecar metadata (YAML or JSON), defaults from names, page order and printed page numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from broadsheet.config import IngestConfig
from broadsheet.ingest.issue import ingest_issue, load_issue, loose_issue
from broadsheet.model.page import PageStatus, Severity


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


def test_a_decompression_bomb_among_good_files_fails_alone(tmp_path: Path) -> None:
    """Issue #15: numbering opened every image before ingest's pixel check, and a 60000x60000 PNG sank the run."""
    from samples.broken_inputs import png_bomb

    _pages(tmp_path, "page_01.png", "page_03.png")
    (tmp_path / "page_02.png").write_bytes(png_bomb())
    issue = loose_issue(sorted(tmp_path.glob("*.png")))
    assert issue.page_numbers == {"page_01.png": 1, "page_02.png": 2, "page_03.png": 3}
    pages = ingest_issue(issue, IngestConfig())
    assert [p.status for p in pages] == [PageStatus.pending, PageStatus.failed, PageStatus.pending]
    assert "60000x60000 pixels, over the" in pages[1].flags[0].reason


def test_entries_named_like_pages_fail_as_pages(tmp_path: Path) -> None:
    import os

    _pages(tmp_path, "page_01.png")
    (tmp_path / "page_02.png").mkdir()
    os.symlink("nowhere.tif", tmp_path / "page_03.tif")
    os.symlink("page_04.png", tmp_path / "page_04.png")
    non_utf8 = tmp_path / os.fsdecode(b"page_05\xff.png")
    non_utf8.write_bytes((tmp_path / "page_01.png").read_bytes())
    issue = load_issue(tmp_path)
    pages = ingest_issue(issue, IngestConfig())
    reasons = {Path(p.source).name: p.flags[0].reason for p in pages if p.status == PageStatus.failed}
    assert reasons == {"page_02.png": "a folder, not a page file",
                       "page_03.tif": "cannot read file: No such file or directory",
                       "page_04.png": "cannot read file: Too many levels of symbolic links",
                       "page_05\\xff.png": reasons["page_05\\xff.png"]}
    assert "not valid UTF-8" in reasons["page_05\\xff.png"]
    assert [p.status for p in pages if Path(p.source).name == "page_01.png"] == [PageStatus.pending]


@pytest.mark.parametrize(("content", "reason"), [
    ('a: &a ["x", "x"]\nb: &b [*a, *a]\ntitle: *b\n', "aliases (*name) are not allowed"),
    ("\x00\xff\xfe binary".encode("latin-1"), "not UTF-8 text"),
    (b"title: big\n" + b"#" * 2_000_000 + b"\n", "over the 1,000,000 byte limit"),
])
def test_unusable_sidecars_are_flagged_and_the_pages_still_read(tmp_path: Path, content: str | bytes,
                                                               reason: str) -> None:
    folder = tmp_path / "times_2024-03-05"
    _pages(folder, "page_01.png")
    sidecar = folder / "issue.yaml"
    sidecar.write_bytes(content.encode() if isinstance(content, str) else content)
    issue = load_issue(folder)
    [flag] = [f for f in issue.flags if f.code == "bad-sidecar"]
    assert reason in flag.reason and flag.reason.startswith("issue.yaml")
    assert (issue.metadata.title, issue.metadata.date) == ("Times", "2024-03-05")
    assert [p.status for p in ingest_issue(issue, IngestConfig())] == [PageStatus.pending]


def test_frames_and_pages_over_the_limit_are_refused_unloaded(tmp_path: Path) -> None:
    from samples.broken_inputs import pdf_pages, tiff_frames

    (tmp_path / "frames.tif").write_bytes(tiff_frames(30))
    (tmp_path / "pages.pdf").write_bytes(pdf_pages(30))
    config = IngestConfig(max_pages_per_file=20)
    issue = loose_issue([tmp_path / "frames.tif", tmp_path / "pages.pdf"], config)
    assert issue.page_numbers == {"frames.tif": 1, "pages.pdf": 2}  # refused files count as one page
    [frames], [pages] = (ingest_issue(issue.model_copy(update={"files": [path]}), config) for path in issue.files)
    assert "more than 20 frames (ingest.max_pages_per_file)" in frames.flags[0].reason
    assert "PDF has 30 pages, over the 20 page limit" in pages.flags[0].reason
    within = loose_issue([tmp_path / "frames.tif", tmp_path / "pages.pdf"], IngestConfig(max_pages_per_file=30))
    assert within.page_numbers == {"frames.tif": 1, "pages.pdf": 31}
