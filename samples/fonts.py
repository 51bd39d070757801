"""Locating and loading the fonts the generator typesets with.

The preset pages need only the Debian package ``fonts-noto-cjk``: its fonts carry Latin glyphs too,
so English pages use them as well and a page never depends on whatever other fonts a machine
happens to have. Design-randomised pages (``samples.designs``) also draw Latin families from the
Debian packages named in ``FAMILIES`` (all in the Makefile's APT_PACKAGES).
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



@dataclass(frozen=True)
class Family:
    """A type family as the Debian package ships it: its files by weight, and what kind of face it is."""

    name: str
    package: str
    folder: str
    regular: str
    bold: str
    italic: str
    kind: str
    """"serif" or "sans"."""
    script: str
    """"cjk" (Noto CJK, Chinese and Latin) or "latin"."""


_CJK_DIR, _TT = "/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype"
_URW = "/usr/share/fonts/opentype/urw-base35"
FAMILIES: dict[str, Family] = {f.name: f for f in (
    # Noto CJK has no italic: its "italic" is the regular face, and designs never ask a CJK family for one.
    Family("noto-serif-cjk", "fonts-noto-cjk", _CJK_DIR, "NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc",
           "NotoSerifCJK-Regular.ttc", "serif", "cjk"),
    Family("noto-sans-cjk", "fonts-noto-cjk", _CJK_DIR, "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc",
           "NotoSansCJK-Regular.ttc", "sans", "cjk"),
    Family("dejavu-serif", "fonts-dejavu-extra", f"{_TT}/dejavu", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
           "DejaVuSerif-Italic.ttf", "serif", "latin"),
    Family("dejavu-sans", "fonts-dejavu-extra", f"{_TT}/dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
           "DejaVuSans-Oblique.ttf", "sans", "latin"),
    Family("liberation-serif", "fonts-liberation", f"{_TT}/liberation", "LiberationSerif-Regular.ttf",
           "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf", "serif", "latin"),
    Family("liberation-sans", "fonts-liberation", f"{_TT}/liberation", "LiberationSans-Regular.ttf",
           "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf", "sans", "latin"),
    Family("liberation-sans-narrow", "fonts-liberation", f"{_TT}/liberation", "LiberationSansNarrow-Regular.ttf",
           "LiberationSansNarrow-Bold.ttf", "LiberationSansNarrow-Italic.ttf", "sans", "latin"),
    Family("free-serif", "fonts-freefont-ttf", f"{_TT}/freefont", "FreeSerif.ttf", "FreeSerifBold.ttf",
           "FreeSerifItalic.ttf", "serif", "latin"),
    Family("free-sans", "fonts-freefont-ttf", f"{_TT}/freefont", "FreeSans.ttf", "FreeSansBold.ttf",
           "FreeSansOblique.ttf", "sans", "latin"),
    Family("caladea", "fonts-crosextra-caladea", f"{_TT}/crosextra", "Caladea-Regular.ttf", "Caladea-Bold.ttf",
           "Caladea-Italic.ttf", "serif", "latin"),
    Family("carlito", "fonts-crosextra-carlito", f"{_TT}/crosextra", "Carlito-Regular.ttf", "Carlito-Bold.ttf",
           "Carlito-Italic.ttf", "sans", "latin"),
    Family("c059", "fonts-urw-base35", _URW, "C059-Roman.otf", "C059-Bold.otf", "C059-Italic.otf", "serif", "latin"),
    Family("p052", "fonts-urw-base35", _URW, "P052-Roman.otf", "P052-Bold.otf", "P052-Italic.otf", "serif", "latin"),
    Family("nimbus-roman", "fonts-urw-base35", _URW, "NimbusRoman-Regular.otf", "NimbusRoman-Bold.otf",
           "NimbusRoman-Italic.otf", "serif", "latin"),
    Family("nimbus-sans", "fonts-urw-base35", _URW, "NimbusSans-Regular.otf", "NimbusSans-Bold.otf",
           "NimbusSans-Italic.otf", "sans", "latin"),
)}
"""Every family a designed page may be set in, by name."""


def family_file(family: Family, weight: str) -> Path:
    """The installed file of a family's weight ("regular", "bold", "italic"), or a clear error naming its package."""
    name = getattr(family, weight)
    path = Path(family.folder) / name
    if path.is_file():
        return path
    if family.script == "cjk":
        return find_font_file(name)
    raise FontMissingError(f"font {name} not found in {family.folder}; install it with: apt-get install "
                           f"{family.package}")


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
    return find_font_file(FONT_FILES[role])


def find_font_file(file_name: str) -> Path:
    """Path of a Noto CJK file by name, searched as ``find_font`` searches."""
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
    def load(cls, roles: dict[str, tuple[Family, str]] | None = None) -> FontBook:
        """Resolve every role up front so a missing font fails before any drawing starts.

        ``roles`` adds or replaces roles with (family, weight) pairs: how a designed page sets its faces.
        """
        paths = {role: find_font(role) for role in FONT_FILES}
        paths.update({role: family_file(family, weight) for role, (family, weight) in (roles or {}).items()})
        return cls(paths=paths)

    def get(self, role: str, size_px: int) -> FreeTypeFont:
        key = (role, max(4, int(size_px)))
        font = self._cache.get(key)
        if font is None:
            path = str(self.paths[role])
            font = ImageFont.truetype(path, key[1], index=_sc_index(path) if path.endswith(".ttc") else 0)
            self._cache[key] = font
        return font
