"""Fonts for the PDF: DejaVu Sans (shipped with matplotlib, so always there) for Latin text and
symbols, plus a CJK-capable font when one is installed (Debian ``fonts-noto-cjk``).

Scenario, arm and product names may be Chinese. When no CJK font is installed, characters that
no font can draw become ``?`` and the report says so in a visible note (`FontSet.note`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTCollection, TTFont

_DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
BASE_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
MONO_FILE = "DejaVuSansMono.ttf"
# Debian/Ubuntu (fonts-noto-cjk), Fedora, Arch, macOS: the first that exists wins.
CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
CJK_PREFERRED_FACE = "SC"  # simplified Chinese glyph shapes
MISSING = "?"


@dataclass(frozen=True)
class CJKFont:
    path: Path
    index: int  # face number inside a .ttc collection
    family: str  # family name as matplotlib knows it
    bold_path: Path | None = None


@dataclass(frozen=True)
class FontSet:
    """The fonts one report uses and the characters they can draw."""

    cjk: CJKFont | None
    needs_cjk: bool  # the report's text has characters DejaVu cannot draw

    @property
    def note(self) -> str | None:
        if self.needs_cjk and self.cjk is None:
            return (
                "Font note: no CJK font is installed, so characters outside the Latin, Greek "
                f"and Cyrillic sets are shown as '{MISSING}'. Install fonts-noto-cjk and re-render "
                "with `xsim report RUN_DIR`."
            )
        return None

    def clean(self, text: str) -> str:
        """``text`` with every character no font of this set can draw replaced by '?'."""
        if self.cjk is not None or not self.needs_cjk:
            return text
        covered = base_coverage()
        return "".join(c if ord(c) in covered or not c.isprintable() else MISSING for c in text)


def base_path(style: str = "") -> Path:
    return _DEJAVU / BASE_FILES[style]


def mono_path() -> Path:
    return _DEJAVU / MONO_FILE


@functools.cache
def base_coverage() -> frozenset[int]:
    """Code points DejaVu Sans can draw."""
    font = TTFont(base_path(), lazy=True)
    return frozenset(font.getBestCmap())


def needs_cjk(*texts: str) -> bool:
    covered = base_coverage()
    return any(ord(c) not in covered and c.isprintable() for t in texts for c in t)


def font_set(*texts: str) -> FontSet:
    """Fonts for a report whose text includes ``texts`` (looks for a CJK font only if needed)."""
    wanted = needs_cjk(*texts)
    return FontSet(find_cjk_font() if wanted else None, wanted)


@functools.cache
def find_cjk_font() -> CJKFont | None:
    """The first installed CJK font, with the face index of its simplified-Chinese member."""
    for candidate in CJK_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            try:
                index, family = _pick_face(path)
            except Exception:  # an unreadable font file is as good as none
                continue
            bold = Path(candidate.replace("-Regular", "-Bold"))
            return CJKFont(path, index, family, bold if bold.is_file() and bold != path else None)
    return None


def _pick_face(path: Path) -> tuple[int, str]:
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0, TTFont(path, lazy=True)["name"].getDebugName(1)
    names = [face["name"].getDebugName(1) for face in TTCollection(path, lazy=True).fonts]
    for index, name in enumerate(names):
        if name.endswith(CJK_PREFERRED_FACE) and "Mono" not in name:
            return index, name
    return 0, names[0]
