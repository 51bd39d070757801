"""A corpus of broken inputs beside a few good pages, generated from a seed: what `broadsheet run` must survive.

Every case is a file (or a name) that once sank a run somewhere: empty files, files cut short, one format's header
under another's suffix, headers declaring more pixels than any machine holds, a TIFF of 10,000 frames and a PDF of
10,000 pages, links that loop or lead nowhere, a file nobody may read, a folder named like a page, names that are not
UTF-8 or are very long, and issue sidecars that are alias bombs, 100 MB, or binary. The good pages are tiny (a few
printed lines), so a run over the whole corpus costs seconds, not minutes.

    python -m samples.broken_inputs OUT_DIR [--seed N]

writes OUT_DIR/loose/ (every page case and the good pages side by side, as `broadsheet run OUT_DIR/loose/*` takes
them) and OUT_DIR/issues/ (one issue folder holding the same page cases, and one issue folder per broken sidecar).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from samples.fonts import FontBook

HUGE_SIDE = 100_000
"""Headers declare 10^5 x 10^5 pixels ..."""
JPEG_MAX_SIDE = 65_535
"""... except JPEG's, whose frame header holds 16 bits a side: 65535 is the most a JPEG can declare."""
BOMB_SIDE = 60_000
"""The decompression bomb of issue #15: a real, whole 1-bit PNG of 60000 x 60000 white pixels (450 MB decoded)."""
MANY_FRAMES = 10_000
SIDECAR_BOMB_LEVELS = 9
"""A billion laughs: nine levels of nine aliases each are 9^9 (387 million) strings once expanded."""
HUGE_SIDECAR_BYTES = 100_000_000
GOOD_PAGE_SIZE = (480, 200)


@dataclass(frozen=True)
class BrokenCase:
    """One fault case: the file (or sidecar) that carries it, and what a run must do with it."""

    name: str
    """What is wrong, as the README's fault table names it."""
    path: Path
    fails: bool
    """True: the page must fail with a reason naming the file. False: a page that must still be read (a very long
    name, say), or a sidecar that must be flagged while its issue's pages are read."""


@dataclass(frozen=True)
class Corpus:
    loose: Path
    """Every page case and the good pages in one folder."""
    issues: Path
    """Issue folders: `broken-pages_2026-12-02` with the page cases, one per broken sidecar."""
    good_pages: list[Path]
    """The good pages in `loose`."""
    page_cases: list[BrokenCase]
    """Paths relative to `loose` (and to the page-cases issue folder, which holds the same names)."""
    sidecar_cases: list[BrokenCase]
    """Paths are the sidecars, relative to `issues`."""


def good_page(text: str, seed: int) -> bytes:
    """A tiny page of a few printed lines, as PNG: it reads in about a second."""
    rng = random.Random(seed)
    image = Image.new("L", GOOD_PAGE_SIZE, 255)
    draw = ImageDraw.Draw(image)
    font = FontBook.load().get("serif", 28)
    for row, line in enumerate(text.splitlines()):
        draw.text((24 + rng.randrange(8), 24 + row * 48), line, font=font, fill=0)
    return _encoded(image, "PNG")


def _encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def _noise(rng: random.Random, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """Noise compresses badly, so every format's file is long enough to be cut anywhere in its pixel data."""
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _truncated(data: bytes, rng: random.Random) -> bytes:
    """Cut at a random offset past the first tenth (so the header survives) and before the last tenth."""
    return data[:rng.randrange(len(data) // 10, len(data) * 9 // 10)]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, rows: Callable[[], bytes]) -> bytes:
    """A 1-bit grayscale PNG whose image data the callable compresses."""
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", rows()) + _png_chunk(b"IEND", b""))


def png_declaring(side: int) -> bytes:
    """A PNG header declaring side x side pixels, with a few rows of data after it."""
    return _png(side, side, lambda: zlib.compress(b"\0" * 4096))


@lru_cache(maxsize=1)
def png_bomb(side: int = BOMB_SIDE) -> bytes:
    """A whole, valid PNG of side x side white pixels: a few hundred kB that decode to side^2 / 8 bytes."""
    row = b"\0" + b"\xff" * ((side + 7) // 8)

    def rows() -> bytes:
        compressor = zlib.compressobj(9)
        block = row * 1000
        parts = [compressor.compress(block) for _ in range(side // 1000)]
        parts.append(compressor.compress(row * (side % 1000)))
        return b"".join(parts) + compressor.flush()

    return _png(side, side, rows)


def _tiff_ifd(width: int, height: int, strip_offset: int, strip_bytes: int, next_ifd: int) -> bytes:
    """One little-endian TIFF directory of a 1-bit, uncompressed, one-strip image."""
    short, long_ = 3, 4
    entries = [(256, long_, width), (257, long_, height), (258, short, 1), (259, short, 1), (262, short, 0),
               (273, long_, strip_offset), (278, long_, height), (279, long_, strip_bytes)]
    body = b"".join(struct.pack("<HHI", tag, kind, 1) + (struct.pack("<HH", value, 0) if kind == short
                                                         else struct.pack("<I", value))
                    for tag, kind, value in entries)
    return struct.pack("<H", len(entries)) + body + struct.pack("<I", next_ifd)


TIFF_IFD_BYTES = 2 + 8 * 12 + 4


def tiff_declaring(side: int) -> bytes:
    """A TIFF header declaring side x side pixels over a strip of a few bytes."""
    strip = b"\0" * 64
    return b"II*\0" + struct.pack("<I", 8) + _tiff_ifd(side, side, 8 + TIFF_IFD_BYTES, len(strip), 0) + strip


def tiff_frames(frames: int = MANY_FRAMES, side: int = 64) -> bytes:
    """A TIFF of `frames` white side x side frames, every directory pointing at one shared strip (about 1 MB)."""
    strip = b"\0" * (side * side // 8)
    strip_offset = 8
    first_ifd = strip_offset + len(strip)
    ifds = b"".join(_tiff_ifd(side, side, strip_offset, len(strip),
                              first_ifd + (i + 1) * TIFF_IFD_BYTES if i + 1 < frames else 0) for i in range(frames))
    return b"II*\0" + struct.pack("<I", first_ifd) + strip + ifds


def jpeg_declaring(side: int = JPEG_MAX_SIDE) -> bytes:
    """A real small JPEG whose frame header (SOF0) is changed to declare side x side pixels."""
    data = bytearray(_encoded(Image.new("L", (64, 64), 255), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", side, side)
    return bytes(data)


def jp2_declaring(side: int) -> bytes:
    """A real small JPEG 2000 file whose image header box (ihdr) and codestream SIZ declare side x side pixels."""
    data = bytearray(_encoded(Image.new("L", (64, 64), 255), "JPEG2000", no_jp2=False))
    ihdr = data.index(b"ihdr") + 4
    data[ihdr:ihdr + 8] = struct.pack(">II", side, side)
    siz = data.index(b"\xff\x51") + 6
    data[siz:siz + 8] = struct.pack(">II", side, side)
    return bytes(data)


def pdf_pages(pages: int = MANY_FRAMES) -> bytes:
    """A valid PDF of `pages` empty pages, written by hand so it costs a few hundred kB and no time."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % (i + 3)
                                                                                for i in range(pages)))]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def alias_bomb(levels: int = SIDECAR_BOMB_LEVELS) -> bytes:
    """The billion-laughs YAML: each level a list of nine aliases to the level before."""
    lines = ['title: "Laughs"', 'a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return ("\n".join(lines) + "\n").encode()


LONG_NAME_BYTES = 240
"""Most file systems allow 255 bytes a name."""


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _page_cases(folder: Path, rng: random.Random, good: bytes) -> list[BrokenCase]:
    """Every page case written into `folder`; names relative to it."""
    folder.mkdir(parents=True, exist_ok=True)
    noise = _noise(rng)
    formats = {"png": _encoded(noise, "PNG"), "jpg": _encoded(noise, "JPEG", quality=95),
               "tif": _encoded(noise, "TIFF"), "jp2": _encoded(noise, "JPEG2000"), "pdf": _encoded(noise, "PDF")}
    files: dict[str, tuple[str, bytes, bool]] = {
        "zero bytes": ("empty.png", b"", True),
        **{f"truncated {kind.upper()}": (f"cut.{kind}", _truncated(data, rng), True) for kind, data in formats.items()},
        "PDF under .png": ("pdf-inside.png", formats["pdf"], True),
        "PNG under .pdf": ("png-inside.pdf", formats["png"], True),
        "TIFF header under .jpg": ("tiff-header.jpg", b"II*\0" + rng.randbytes(2048), True),
        "PNG declaring 10^5 x 10^5": ("huge.png", png_declaring(HUGE_SIDE), True),
        "TIFF declaring 10^5 x 10^5": ("huge.tif", tiff_declaring(HUGE_SIDE), True),
        "JPEG declaring 65535 x 65535 (JPEG's most)": ("huge.jpg", jpeg_declaring(), True),
        "JP2 declaring 10^5 x 10^5": ("huge.jp2", jp2_declaring(HUGE_SIDE), True),
        "PNG decompression bomb 60000 x 60000": ("bomb.png", png_bomb(), True),
        "TIFF of 10,000 frames": ("frames.tif", tiff_frames(), True),
        "PDF of 10,000 pages": ("pages.pdf", pdf_pages(), True),
        "very long name": ("long-" + "x" * (LONG_NAME_BYTES - 9) + ".png", good, False),
    }
    cases = [BrokenCase(name, Path(file), fails) for name, (file, data, fails) in files.items()]
    for case, (_, data, _) in zip(cases, files.values(), strict=True):
        _write(folder / case.path, data)
    os.symlink("loop.png", folder / "loop.png")
    os.symlink("nowhere.tif", folder / "gone.tif")
    (folder / "folder.png").mkdir()
    locked = _write(folder / "locked.png", good)
    locked.chmod(0)
    non_utf8 = os.fsdecode(b"caf\xe9.png")
    _write(folder / non_utf8, good)
    return [*cases, BrokenCase("symlink loop", Path("loop.png"), True),
            BrokenCase("dangling symlink", Path("gone.tif"), True),
            BrokenCase("folder named page.png", Path("folder.png"), True),
            # root reads any file: there the locked page is simply read
            BrokenCase("no read permission", Path("locked.png"), os.geteuid() != 0),
            BrokenCase("non-UTF-8 name", Path(non_utf8), True)]


def _sidecar_cases(issues: Path, good: bytes) -> list[BrokenCase]:
    sidecars = {"alias-bomb_2026-12-02": ("YAML alias bomb sidecar", alias_bomb()),
                "binary-sidecar_2026-12-02": ("binary sidecar", bytes(range(256)) * 64),
                "huge-sidecar_2026-12-02": ("100 MB sidecar", b"")}
    cases: list[BrokenCase] = []
    for folder_name, (name, data) in sidecars.items():
        folder = issues / folder_name
        folder.mkdir(parents=True)
        _write(folder / "page_01.png", good)
        sidecar = _write(folder / "issue.yaml", data or b'title: "Huge"\n')
        if not data:
            with sidecar.open("r+b") as handle:  # sparse: 100 MB long, no time to write
                handle.truncate(HUGE_SIDECAR_BYTES)
        cases.append(BrokenCase(name, sidecar.relative_to(issues), True))
    return cases


GOOD_TEXTS = ("本报讯 今日天气晴朗\n市民出行踊跃", "The council met on Monday\nand voted for the bridge")


def build_corpus(root: Path, seed: int) -> Corpus:
    """The corpus under `root` (which must not exist yet), every random choice drawn from `seed`."""
    rng = random.Random(seed)
    goods = [good_page(text, rng.randrange(1 << 30)) for text in GOOD_TEXTS]
    loose = root / "loose"
    page_cases = _page_cases(loose, random.Random(rng.randrange(1 << 30)), goods[0])
    good_pages = [_write(loose / f"good-{i + 1}.png", data) for i, data in enumerate(goods)]
    issues = root / "issues"
    issue_pages = issues / "broken-pages_2026-12-02"
    _page_cases(issue_pages, random.Random(rng.randrange(1 << 30)), goods[0])
    for page in good_pages:
        _write(issue_pages / page.name, page.read_bytes())
    return Corpus(loose=loose, issues=issues, good_pages=good_pages, page_cases=page_cases,
                  sidecar_cases=_sidecar_cases(issues, goods[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = build_corpus(args.out, args.seed)
    print(f"{len(corpus.page_cases)} page cases and {len(corpus.good_pages)} good pages in {corpus.loose}; "
          f"{len(corpus.sidecar_cases)} sidecar cases in {corpus.issues}")


if __name__ == "__main__":
    main()
