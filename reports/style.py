"""One look for every figure: readable in grey (arms differ by marker, line style and lightness,
not only by hue), vector output (SVG with text as paths, so no font has to be embedded twice).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

WIDTH_IN = 6.7  # the PDF text width (180 mm) in inches
# Okabe–Ito colours ordered so that neighbours also differ in lightness when printed in grey.
COLOURS = ("#4d4d4d", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1)), (0, (1, 1)))
TRUTH_COLOUR = "#000000"

RC = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.4,
    "lines.markersize": 4.5,
    "legend.frameon": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "xsim",  # stable ids: the same run renders the same bytes
    "figure.dpi": 100,
}


def arm_style(index: int) -> dict:
    """Line/marker style of the ``index``-th arm (control is 0)."""
    i = index % len(COLOURS)
    return {"color": COLOURS[i], "marker": MARKERS[i], "linestyle": LINES[i]}


@contextmanager
def figure_style(cjk_family: str | None = None) -> Iterator[None]:
    """Apply the report style (and a CJK fallback font family when one is installed)."""
    families = ["DejaVu Sans", *([cjk_family] if cjk_family else [])]
    with plt.rc_context({**RC, "font.family": families}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        yield


def figure(height_in: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A figure as wide as the PDF text."""
    return plt.subplots(nrows, ncols, figsize=(WIDTH_IN, height_in), squeeze=False, **kwargs)


def to_svg(fig: Figure) -> bytes:
    """The figure as SVG bytes (closes it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def to_png(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG bytes (closes it): the fallback when SVG cannot be embedded."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
