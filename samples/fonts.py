"""Locating and loading the Noto CJK fonts the generator typesets with.

Only the Debian package ``fonts-noto-cjk`` is needed: its fonts carry Latin glyphs too, so English
pages use them as well and a page never depends on whatever other fonts a machine happens to have.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FreeTypeFont = ImageFont.FreeTypeFont

# Roles the layout asks for, and the file that plays each role.
FONT_FILES: dict[str, str] = {
    "serif": "NotoSerifCJK-Regular.ttc",
    "serif_bold": "NotoSerifCJK-Bold.ttc",
    "sans_bold": "NotoSansCJK-Bold.ttc",
}

DEFAULT_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/local/share/fonts"),
)


class FontMissingError(RuntimeError):
    """A Noto CJK font file the generator needs is not installed."""


def font_search_dirs() -> list[Path]:
    """Folders to look in for the Noto CJK ``.ttc`` files, most likely first.

    Tests monkeypatch this function to simulate a machine without the fonts.
    """
    dirs = list(DEFAULT_FONT_DIRS)
    try:
        # fc-match knows about non-standard installs; a missing fontconfig is not an error.
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Serif CJK SC"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if found.lower().endswith((".ttc", ".otf", ".ttf")):
        dirs.insert(0, Path(found).parent)
    return dirs


def find_font(role: str) -> Path:
    """Path of the font file for a role ('serif', 'serif_bold', 'sans_bold')."""
    file_name = FONT_FILES[role]
    dirs = font_search_dirs()
    for folder in dirs:
        candidate = folder / file_name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in dirs)
    raise FontMissingError(
        f"font {file_name} not found (searched {searched}); install it with: apt-get install fonts-noto-cjk"
    )


@lru_cache(maxsize=16)
def _sc_index(path: str) -> int:
    """Face index of the Simplified Chinese face inside a Noto CJK collection.

    The glyph shapes of punctuation differ between the JP/KR/SC/TC faces (SC puts ， in the
    lower left corner), so picking the right face matters for realistic Chinese pages.
    """
    for index in range(10):
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        if face.getname()[0].endswith(" SC"):
            return index
    return 2  # the documented position in every released Noto CJK collection


@dataclass
class FontBook:
    """Fonts by role and pixel size, loaded once per page."""

    paths: dict[str, Path] = field(default_factory=dict)
    _cache: dict[tuple[str, int], FreeTypeFont] = field(default_factory=dict)

    @classmethod
    def load(cls) -> FontBook:
        """Resolve every role up front so a missing font fails before any drawing starts."""
        return cls(paths={role: find_font(role) for role in FONT_FILES})

    def get(self, role: str, size_px: int) -> FreeTypeFont:
        key = (role, max(4, int(size_px)))
        font = self._cache.get(key)
        if font is None:
            path = str(self.paths[role])
            font = ImageFont.truetype(path, key[1], index=_sc_index(path))
            self._cache[key] = font
        return font
