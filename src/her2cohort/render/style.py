"""The house style of figures, and how they are written.

- Sizes: one column 85 mm, two columns 174 mm wide (Springer, BMC, AACR).
- Palette: Okabe-Ito, safe for colour-blind readers.
- Width: the saved file is exactly the declared width (:func:`width_of`): the
  drawing is laid out to fill it (:func:`fit_width`), never cropped to its
  content (``bbox_inches="tight"`` made 85 mm figures 79-104 mm wide). The
  height is the drawing's own.
- Type: one declared family (:data:`FONT_FAMILY`, or a figure's ``font_family``),
  no text under :data:`FONT_FLOOR` (6 pt) at final size.
- Files: vector PDF and SVG, a 300 dpi PNG and an LZW-compressed TIFF (300 dpi,
  600 dpi for line art), with no creation date, no random ids
  (``svg.hashsalt`` fixed) and no software version in the metadata, so that
  the same data give byte-identical figures.
- PDF fonts: TrueType (Type 42) subsets, embedded, without the OpenType layout
  tables no viewer reads (:mod:`her2cohort.render.pdf_fonts`): journals refuse
  Type 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from her2cohort.io import atomic_path  # noqa: E402
from her2cohort.render.pdf_fonts import lean_type42  # noqa: E402

MM = 1 / 25.4
ONE_COLUMN, TWO_COLUMNS = 85 * MM, 174 * MM
#: Okabe & Ito (2008) colour-blind-safe palette, in the order groups are drawn.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

#: The declared font family of every figure (a figure's ``font_family`` replaces it).
FONT_FAMILY = "DejaVu Sans"
#: No text of a figure is smaller than this at final size (points).
FONT_FLOOR = 6.0
#: Space left at each side of a figure (inches).
MARGIN = 0.02
#: TIFF resolutions: halftone and combination art, and line art (Springer, Elsevier, BMC artwork guides).
TIFF_DPI, LINE_ART_DPI = 300, 600
#: Figure types that are line art (lines, marks, text on white): their TIFF is 600 dpi.
LINE_ART_TYPES = frozenset({"km", "flow", "forest", "roc", "paired", "dot_plot", "count_scatter", "swimmer"})

STYLE = {
    "font.family": FONT_FAMILY,
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
    """``one_column`` (85 mm), ``two_columns`` (174 mm) or a width in millimetres."""
    if name in (None, "one_column"):
        return ONE_COLUMN
    if name == "two_columns":
        return TWO_COLUMNS
    return float(name) * MM


def tiff_dpi(spec: Mapping) -> int:
    """The TIFF resolution of a figure: 600 dpi for line art (``line_art``, by default
    the types of :data:`LINE_ART_TYPES`), else 300 dpi."""
    return LINE_ART_DPI if spec.get("line_art", spec.get("type") in LINE_ART_TYPES) else TIFF_DPI


def apply_type(figure, family: str = FONT_FAMILY, floor: float = FONT_FLOOR) -> None:
    """Every text of ``figure`` in ``family`` and at least ``floor`` points."""
    import matplotlib.text

    figure.draw_without_rendering()  # the tick labels exist once drawn (laid out, not rasterised)
    for text in figure.findobj(matplotlib.text.Text):
        text.set_fontfamily(family)
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)


def _containers(figure) -> list:
    """The figure and its subfigures, each laid out on its own (a panel of a multi-panel figure)."""
    found, queue = [], [figure]
    while queue:
        container = queue.pop(0)
        found.append(container)
        queue += list(getattr(container, "subfigs", []))
    return found


def _laid_out(container) -> list:
    """The figure-level texts of ``container`` that move with its axes: not the panel letters
    (``gid="panel_label"``), which stay in the panel's corner."""
    return [t for t in container.texts if t.get_visible() and t.get_text() and t.get_gid() != "panel_label"]


def fit_width(figure, margin: float = MARGIN, rounds: int = 4) -> None:
    """Lay the drawing out to fill the figure's width: the axes of the figure (and of
    each subfigure, within its own box) are moved and stretched horizontally until
    the drawn content, tick labels and texts outside the axes included, spans the
    width less ``margin`` at each side. Sizes of text stay as drawn; only the
    axes' horizontal extent changes (as ``tight_layout`` changes it, but to the
    declared width rather than the other way round)."""
    from matplotlib.transforms import Bbox

    renderer = figure.canvas.get_renderer()
    pad = margin * figure.dpi
    for container in reversed(_containers(figure)):  # the panels first, then the whole
        own = [axes for axes in container.axes if axes.get_visible() and axes.figure is container]
        if not own:
            continue
        box = container.bbox
        for _ in range(rounds):
            drawn = [a.get_tightbbox(renderer) for a in own]  # each once: it lays the axes' ticks out
            content = Bbox.union([b for b in drawn if b is not None] + [t.get_window_extent(renderer) for t in _laid_out(container)])
            frames = Bbox.union([a.get_window_extent(renderer) for a in own])
            left, right = frames.x0 - content.x0, content.x1 - frames.x1  # what the frames carry outside them
            target0, target1 = box.x0 + pad + left, box.x1 - pad - right
            if target1 <= target0 or (abs(content.x0 - box.x0 - pad) < 0.5 and abs(box.x1 - pad - content.x1) < 0.5):
                break
            scale = (target1 - target0) / frames.width
            for axes in own:
                frame = axes.get_window_extent(renderer)
                x0 = target0 + (frame.x0 - frames.x0) * scale
                x1 = target0 + (frame.x1 - frames.x0) * scale
                position = axes.get_position(original=True)
                axes.set_position([(x0 - box.x0) / box.width, position.y0, (x1 - x0) / box.width, position.height])
                if axes.get_aspect() != "auto":
                    axes.set_aspect("auto")
            for text in _laid_out(container):  # figure-level texts in figure coordinates follow the frames
                if text.get_transform() in (container.transSubfigure, figure.transFigure):
                    x, y = text.get_position()
                    xd = box.x0 + x * box.width
                    text.set_x((target0 + (xd - frames.x0) * scale - box.x0) / box.width)
            # no draw between rounds: get_tightbbox lays the ticks out for the new positions itself


def _save_tiff(figure, path, box, dpi: int, png: Path | None = None) -> None:
    """An RGB TIFF, LZW-compressed, at ``dpi`` (no alpha channel: journals' upload checks
    reject it), of the region ``box`` (inches). ``png``: the figure's PNG of the same
    region at the same ``dpi``, already written: its pixels (lossless, drawn by the same
    Agg renderer) are the TIFF's, rather than drawing the figure again."""
    import io

    from PIL import Image

    if png is not None:
        with Image.open(png) as decoded:
            image = decoded.convert("RGBA")
    else:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="rgba", dpi=dpi, bbox_inches=box)
        raw = buffer.getvalue()
        height = next(h for h in (round(box.height * dpi), int(box.height * dpi), int(box.height * dpi) + 1) if h and len(raw) % (4 * h) == 0 and len(raw) // (4 * h) in (round(box.width * dpi), int(box.width * dpi), int(box.width * dpi) + 1))
        image = Image.frombuffer("RGBA", (len(raw) // (4 * height), height), raw, "raw", "RGBA", 0, 1)
    alpha = image.getchannel("A")
    if alpha.getextrema() == (255, 255):  # opaque (a white figure): on white it is its own colours
        background = image.convert("RGB")
    else:
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=alpha)
    background.save(path, format="TIFF", compression="tiff_lzw", dpi=(dpi, dpi))


def save_figure(figure, stem: str | Path, formats: Sequence[str] = ("pdf", "svg", "png", "tiff"), *, width: float | None = None,
                family: str = FONT_FAMILY, floor: float = FONT_FLOOR, tiff_resolution: int = TIFF_DPI) -> list[Path]:
    """Write ``stem.pdf``, ``.svg``, ``.png`` (300 dpi) and ``.tiff`` (LZW, ``tiff_resolution``)
    exactly ``width`` inches wide (default: the figure's width), without dates or versions.

    The drawing is laid out to fill the width (:func:`fit_width`) and its texts set
    in ``family``, none under ``floor`` points (:func:`apply_type`); the height is
    the drawn content's, with a small margin."""
    from matplotlib.transforms import Bbox

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
        "svg": {"Creator": None, "Date": None, "Format": None, "Type": None},
        "png": {"Software": None},
        "tiff": None,
    }
    if width is not None and abs(figure.get_figwidth() - width) > 1e-9:
        figure.set_figwidth(width)
    width = figure.get_figwidth()
    written = []
    with plt.rc_context({**STYLE, "font.family": family}):  # the svg hash salt and font embedding apply when saving
        figure.set_dpi(300)
        apply_type(figure, family, floor)
        fit_width(figure)
        # the height of the content once, at the PNG's 300 dpi, for every file; the width is the declared one
        tight = figure.get_tightbbox(figure.canvas.get_renderer())
        overflow = max(-tight.x0, tight.x1 - width) * 72
        if overflow > 1:
            plt.close(figure)
            raise ValueError(f"the drawing does not fit the declared width of {round(width / MM)} mm: {round(overflow)} pt too wide")
        tight = tight.padded(MARGIN)
        box = Bbox([[0, tight.y0], [width, tight.y1]])
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            options = {"dpi": 300, "metadata": metadata[fmt], "bbox_inches": box}
            with atomic_path(path) as partial:  # a killed job leaves no half-written figure
                if fmt == "tiff":  # at the PNG's 300 dpi, the PNG's pixels: the figure is not drawn again
                    png = stem.with_suffix(".png") if tiff_resolution == options["dpi"] and stem.with_suffix(".png") in written else None
                    _save_tiff(figure, partial, box, tiff_resolution, png)
                elif fmt == "pdf":
                    with lean_type42():  # TrueType subsets without the layout tables no viewer reads
                        figure.savefig(partial, format=fmt, **options)
                else:
                    figure.savefig(partial, format=fmt, **options)
            written.append(path)
    plt.close(figure)
    return written
