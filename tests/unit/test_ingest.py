"""Ingest: every bad file becomes a failed page with a reason; good files give one page per frame."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from broadsheet.config import IngestConfig
from broadsheet.ingest.files import ingest_file, load_gray
from broadsheet.model.page import PageStatus
from tests.shared_data import needs_shared, shared_path


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims a huge image: the shape of a decompression bomb, without the memory."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                     + chunk(b"IEND", b""))


@pytest.fixture
def page_image(tmp_path: Path) -> Path:
    path = tmp_path / "page.png"
    Image.fromarray(np.full((300, 200), 255, dtype=np.uint8)).save(path)
    return path


def test_good_png_gives_one_page_with_stable_id(page_image: Path) -> None:
    first = ingest_file(page_image)
    second = ingest_file(page_image)
    assert len(first) == 1
    assert first[0].status == PageStatus.pending
    assert (first[0].width, first[0].height) == (200, 300)
    assert first[0].id == second[0].id
    assert first[0].id.startswith("page-")
    assert len(first[0].sha256) == 64


def test_multipage_tiff_gives_a_page_per_frame(tmp_path: Path) -> None:
    path = tmp_path / "issue.tif"
    frames = [Image.new("L", (120, 160), value) for value in (255, 200, 100)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    pages = ingest_file(path)
    assert [p.frame for p in pages] == [0, 1, 2]
    assert len({p.id for p in pages}) == 3
    assert int(load_gray(pages[2]).mean()) == 100


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.png", b"", "empty"),
        ("text.png", b"this is not an image\n" * 20, "not a readable image"),
        ("page.pdf", b"%PDF-1.4", "not a readable PDF"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_bad_files_fail_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [page] = ingest_file(path)
    assert page.status == PageStatus.failed
    assert reason in page.flags[0].reason


def test_truncated_jpeg_fails(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    noise = np.random.default_rng(1).integers(0, 255, (400, 300), dtype=np.uint8)
    Image.fromarray(noise).save(path, quality=90)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    [page] = ingest_file(path)
    assert page.status == PageStatus.failed
    assert "corrupt" in page.flags[0].reason


def test_tiny_and_bomb_images_fail_before_decoding(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.png"
    Image.new("L", (1, 1)).save(tiny)
    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, 60000, 60000)
    [tiny_page] = ingest_file(tiny)
    [bomb_page] = ingest_file(bomb, IngestConfig())
    assert "too small" in tiny_page.flags[0].reason
    assert "decompression bomb" in bomb_page.flags[0].reason


def test_unreadable_and_missing_paths_fail(tmp_path: Path) -> None:
    [missing] = ingest_file(tmp_path / "nowhere.png")
    assert missing.status == PageStatus.failed
    assert "cannot read" in missing.flags[0].reason
    [directory] = ingest_file(tmp_path)
    assert directory.status == PageStatus.failed


def _gradient(width: int = 240, height: int = 320) -> Image.Image:
    """Gray levels that survive lossless coding exactly and lossy coding nearly."""
    row = np.linspace(0, 255, width, dtype=np.uint8)
    return Image.fromarray(np.tile(row, (height, 1)))


@pytest.mark.parametrize(("name", "options", "tolerance"), [
    ("page.png", {}, 0),
    ("page.jpg", {"quality": 95}, 3),
    ("page.jp2", {"irreversible": False}, 0),
    ("page.j2k", {}, 0),
    ("page.jpx", {}, 0),
    ("page.tif", {"compression": "tiff_deflate"}, 0),
])
def test_every_image_format_loads_as_gray(tmp_path: Path, name: str, options: dict[str, object],
                                          tolerance: int) -> None:
    image = _gradient()
    path = tmp_path / name
    image.save(path, **options)
    [page] = ingest_file(path)
    assert page.status == PageStatus.pending, page.flags
    assert (page.width, page.height) == (240, 320)
    gray = load_gray(page)
    assert gray.shape == (320, 240)
    assert int(np.abs(gray.astype(int) - np.asarray(image, dtype=int)).max()) <= tolerance


def test_bitonal_g4_multipage_tiff(tmp_path: Path) -> None:
    path = tmp_path / "bitonal.tif"
    frames = []
    for k in range(3):
        pixels = np.full((400, 300), 255, dtype=np.uint8)
        pixels[50 + 100 * k:100 + 100 * k, 40:260] = 0  # a black bar lower on each page
        frames.append(Image.fromarray(pixels).convert("1"))
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(300, 300))
    with Image.open(path) as written:
        assert written.info["compression"] == "group4"
    pages = ingest_file(path)
    assert [p.frame for p in pages] == [0, 1, 2]
    assert [p.page_number for p in pages] == [1, 2, 3]
    assert pages[0].dpi == 300
    for k, page in enumerate(pages):
        gray = load_gray(page)
        assert set(np.unique(gray)) == {0, 255}
        dark_rows = np.flatnonzero((gray == 0).any(axis=1))
        assert (dark_rows.min(), dark_rows.max()) == (50 + 100 * k, 99 + 100 * k)


TOPAZ_IMAGES = shared_path("real", "topaz_times_1944", "pages", "images")


@needs_shared(TOPAZ_IMAGES)
def test_real_topaz_g4_pages() -> None:
    for path in sorted(TOPAZ_IMAGES.glob("*.tif")):
        with Image.open(path) as image:
            assert image.info["compression"] == "group4" and image.mode == "1"
        [page] = ingest_file(path)
        assert page.status == PageStatus.pending, page.flags
        assert page.width > 1000 and page.height > 1800  # 152 dpi scans of a tabloid page
        gray = load_gray(page)
        assert gray.shape == (page.height, page.width)
        assert set(np.unique(gray)) == {0, 255}
        assert 0.02 < float((gray == 0).mean()) < 0.4  # printed newsprint, neither blank nor black


def test_loose_file_gets_issue_defaults_from_its_names(tmp_path: Path) -> None:
    folder = tmp_path / "topaz-times_1944-12-13"
    folder.mkdir()
    path = folder / "page_03.png"
    Image.new("L", (200, 300), 255).save(path)
    [page] = ingest_file(path)
    assert page.issue is not None
    assert (page.issue.title, page.issue.date, page.issue.source) == ("Topaz Times", "1944-12-13", "defaults")
    assert page.page_number == 3
