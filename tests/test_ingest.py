"""Ingest: every bad file becomes a failed page with a reason; good files give one page per frame."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.config import IngestConfig
from pipeline.model import PageStatus
from pipeline.stages.ingest import ingest_file, load_gray


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
        ("page.pdf", b"%PDF-1.4", "unsupported file type"),
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
