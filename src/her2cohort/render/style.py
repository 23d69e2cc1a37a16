"""The house style of figures, and how they are written.

- Sizes: one column 85 mm, two columns 174 mm wide (Springer, BMC, AACR).
- Palette: Okabe-Ito, safe for colour-blind readers.
- Files: vector PDF and SVG plus a 300 dpi PNG, with no creation date, no
  random ids (``svg.hashsalt`` fixed) and no software version in the metadata,
  so that the same data give byte-identical figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from her2cohort.io import atomic_path  # noqa: E402

MM = 1 / 25.4
ONE_COLUMN, TWO_COLUMNS = 85 * MM, 174 * MM
#: Okabe & Ito (2008) colour-blind-safe palette, in the order groups are drawn.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "svg.hashsalt": "her2cohort",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "path.simplify": False,
}


def width_of(name: str | float | None) -> float:
    """``one_column`` (85 mm), ``two_columns`` (174 mm) or inches."""
    if name in (None, "one_column"):
        return ONE_COLUMN
    if name == "two_columns":
        return TWO_COLUMNS
    return float(name)


def save_figure(figure, stem: str | Path, formats: Sequence[str] = ("pdf", "svg", "png")) -> list[Path]:
    """Write ``stem.pdf``, ``stem.svg`` and ``stem.png`` (300 dpi) without dates or versions."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
        "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
        "png": {"Software": None},
    }
    written = []
    with plt.rc_context(STYLE):  # the svg hash salt and font embedding apply when saving
        # The tight bounding box once, at the PNG's 300 dpi, for all three files:
        # bbox_inches="tight" would draw the figure an extra time per format (a
        # quarter of the figures job); vector files differ from their own tight
        # box by under 0.5 pt.
        figure.set_dpi(300)
        box = figure.get_tightbbox(figure.canvas.get_renderer()).padded(0.02)
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            with atomic_path(path) as partial:  # a killed job leaves no half-written figure
                figure.savefig(partial, format=fmt, dpi=300, metadata=metadata[fmt], bbox_inches=box)
            written.append(path)
    plt.close(figure)
    return written
