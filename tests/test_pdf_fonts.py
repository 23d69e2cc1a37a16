"""A figure's PDF embeds TrueType (Type 42) font subsets without the OpenType layout tables
(her2cohort.render.pdf_fonts), pinned to the matplotlib release it was verified with, and draws
exactly what the full subsets draw."""

from __future__ import annotations

import contextlib
import inspect
import re
import shutil
import subprocess
import zlib
from io import BytesIO

import pytest

from conftest import ROOT
from her2cohort.render import style
from her2cohort.render.pdf_fonts import LAYOUT_TABLES, MATPLOTLIB, hook_applies, lean_type42
from her2cohort.render.style import MM, save_figure

PDFFONTS, PDFTOPPM = shutil.which("pdffonts"), shutil.which("pdftoppm")


def _figure():
    """Regular and bold text, ligature candidates (fi, ff), minus signs, mathtext and a legend."""
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(85 * MM, 60 * MM))
    axes = figure.add_subplot()
    axes.plot([-3, 0, 5], [-1, 2, 0.5], label="Confidence fit, office staff")
    axes.set_title("Survival by HER2 difference", fontweight="bold")
    axes.set_xlabel("Months since diagnosis (affixed)")
    axes.set_ylabel(r"Effect $\beta \pm$ SE")
    axes.legend()
    return figure


def _embedded_fonts(pdf: bytes) -> list:
    """The font programs embedded in ``pdf`` (FontFile2 streams, as matplotlib writes them), read by fontTools."""
    from fontTools.ttLib import TTFont

    fonts = []
    for match in re.finditer(rb"<<[^>]*/Length1 \d+[^>]*>>\s*stream\r?\n", pdf):
        length = int(re.search(rb"/Length (\d+)", match.group(0)).group(1))
        data = pdf[match.end():match.end() + length]
        fonts.append(TTFont(BytesIO(zlib.decompress(data) if b"/FlateDecode" in match.group(0) else data)))
    return fonts


def test_the_hook_is_pinned_to_the_locked_matplotlib():
    import matplotlib

    locked = re.search(r"^matplotlib==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M).group(1)
    assert MATPLOTLIB == locked == matplotlib.__version__, (
        f"matplotlib {matplotlib.__version__} (lock: {locked}) is not the release the lean Type 42 hook was verified with "
        f"({MATPLOTLIB}): check matplotlib.backends._backend_pdf_ps.get_glyphs_subset, re-run the render comparison, then update MATPLOTLIB"
    )
    assert hook_applies()


def test_matplotlib_builds_its_subset_options_where_the_hook_reads_them():
    """The hook swaps the ``subset`` module that matplotlib's private subsetting reads its Options from."""
    from fontTools import subset
    from matplotlib.backends import _backend_pdf_ps

    source = inspect.getsource(_backend_pdf_ps.get_glyphs_subset)
    assert "subset.Options(" in source and "subset.Subsetter(options=options)" in source and "subset.load_font(" in source
    with lean_type42() as applied:
        assert applied and _backend_pdf_ps.subset is not subset
        assert set(LAYOUT_TABLES) <= set(_backend_pdf_ps.subset.Options(glyph_names=True).drop_tables)
    assert _backend_pdf_ps.subset is subset  # restored
    assert not {"GSUB", "GPOS", "GDEF"} & set(subset.Options().drop_tables)  # fontTools' own Options untouched


def test_subsets_lose_the_layout_tables_only_inside_the_hook():
    from matplotlib import font_manager
    from matplotlib.backends import _backend_pdf_ps

    path = font_manager.FontPath(font_manager.findfont("DejaVu Sans"), 0)
    glyphs = {36, 37, 38}
    with _backend_pdf_ps.get_glyphs_subset(path, glyphs) as full:
        assert {"GSUB", "GPOS"} <= set(full.font.keys())  # matplotlib keeps them: else the hook is no longer needed
    with lean_type42(), _backend_pdf_ps.get_glyphs_subset(path, glyphs) as lean:
        assert not set(LAYOUT_TABLES) & set(lean.font.keys())
        assert {"glyf", "loca", "hmtx", "head", "hhea", "maxp", "cmap", "fpgm", "prep", "cvt "} <= set(lean.font.keys())
        assert glyphs <= set(lean.glyph_index_map)


def test_the_saved_pdf_embeds_truetype_subsets_without_layout_tables(tmp_path):
    first = save_figure(_figure(), tmp_path / "a" / "figure", formats=("pdf",))[0].read_bytes()
    second = save_figure(_figure(), tmp_path / "b" / "figure", formats=("pdf",))[0].read_bytes()
    assert first == second
    assert b"/FontType3" not in first and b"/Type3" not in first
    fonts = _embedded_fonts(first)
    assert fonts and all(font.sfntVersion == "\0\1\0\0" and "glyf" in font for font in fonts)  # TrueType outlines
    for font in fonts:
        assert not set(LAYOUT_TABLES) & set(font.keys()), sorted(font.keys())


@pytest.mark.skipif(PDFFONTS is None, reason="pdffonts not installed (Debian: poppler-utils)")
def test_pdffonts_sees_embedded_truetype_and_no_type3(tmp_path):
    pdf = save_figure(_figure(), tmp_path / "figure", formats=("pdf",))[0]
    rows = subprocess.run([PDFFONTS, str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows and all(re.search(r"\bCID TrueType\s+Identity-H\s+yes\s+yes\s+yes\b", row) for row in rows), rows
    assert not any("Type 3" in row for row in rows)


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm not installed (Debian: poppler-utils)")
def test_the_lean_pdf_draws_what_the_full_subsets_draw(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    lean = save_figure(_figure(), tmp_path / "lean", formats=("pdf",))[0]
    monkeypatch.setattr(style, "lean_type42", contextlib.nullcontext)
    full = save_figure(_figure(), tmp_path / "full", formats=("pdf",))[0]
    assert lean.read_bytes() != full.read_bytes()
    pixels = []
    for pdf in (lean, full):
        subprocess.run([PDFTOPPM, "-r", "300", "-png", "-singlefile", str(pdf), str(pdf.with_suffix(""))], check=True)
        pixels.append(np.asarray(Image.open(pdf.with_suffix(".png")).convert("RGB")))
    assert pixels[0].shape == pixels[1].shape and (pixels[0] == pixels[1]).all()
