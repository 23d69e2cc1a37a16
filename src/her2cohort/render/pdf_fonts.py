"""How a figure's PDF embeds its fonts: TrueType (Type 42) subsets without the OpenType layout tables.

- Type: journals take TrueType (Type 42, ``pdf.fonttype: 42``) embedded fonts and
  many refuse Type 3, so the fonts stay TrueType subsets, embedded.
- What is left out: the tables that lay text out (:data:`LAYOUT_TABLES`: GSUB,
  GPOS, GDEF, kern, MATH, BASE, JSTF). A PDF places its text glyph by glyph:
  matplotlib has already shaped every string (ligatures, kerning) and names
  each glyph by its index (``CIDToGIDMap``), so no viewer reads these tables.
  Left in: the outlines and metrics (glyf, loca, hmtx, head, hhea, maxp), the
  hinting (cvt, fpgm, prep, gasp), cmap, name, OS/2 and post, as matplotlib
  keeps them. Rasterised at 300 dpi by poppler the pages are pixel for pixel
  those of the full subsets.
- Why: subsetting the fonts was most of a PDF's time, and decompiling and
  subsetting the layout tables half of that (issue 18).
- How: matplotlib has no option for the subset; it builds the fontTools
  ``subset.Options`` inside a private function
  (``matplotlib.backends._backend_pdf_ps.get_glyphs_subset``). :func:`lean_type42`
  gives that module, for the duration of one save, a view of
  ``fontTools.subset`` whose ``Options`` also drop :data:`LAYOUT_TABLES`
  (a documented fontTools option); the rest is matplotlib's and fontTools' own.
  It does so only on the matplotlib release it was verified with
  (:data:`MATPLOTLIB`, as pinned in requirements.lock): under any other
  release the PDF keeps matplotlib's full subsets (still Type 42, larger and
  slower) and tests/test_pdf_fonts.py fails until the hook is verified again.
"""

from __future__ import annotations

import functools
import types
from contextlib import contextmanager
from typing import Iterator

#: The tables a PDF viewer never reads: the OpenType layout tables, the old
#: kerning table and the math layout table.
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "MATH", "BASE", "JSTF")
#: The matplotlib release whose private subsetting :func:`lean_type42` was verified against.
MATPLOTLIB = "3.11.2"


@functools.lru_cache(maxsize=None)
def _lean_subset_module(fonttools_subset: types.ModuleType) -> types.ModuleType:
    """A view of ``fontTools.subset`` whose ``Options`` also drop :data:`LAYOUT_TABLES`."""

    class Options(fonttools_subset.Options):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.drop_tables = [*self.drop_tables, *(t for t in LAYOUT_TABLES if t not in self.drop_tables)]

    view = types.ModuleType(fonttools_subset.__name__, fonttools_subset.__doc__)
    view.__dict__.update({k: v for k, v in vars(fonttools_subset).items() if not k.startswith("__")})
    view.Options = Options
    return view


def hook_applies() -> bool:
    """Whether :func:`lean_type42` changes this matplotlib's subsets: its release is
    :data:`MATPLOTLIB` and its private subsetting reads ``subset.Options`` where verified."""
    import matplotlib

    if matplotlib.__version__ != MATPLOTLIB:
        return False
    try:
        from fontTools import subset
        from matplotlib.backends import _backend_pdf_ps
    except ImportError:
        return False
    return getattr(_backend_pdf_ps, "subset", None) is subset and callable(getattr(_backend_pdf_ps, "get_glyphs_subset", None))


@contextmanager
def lean_type42() -> Iterator[bool]:
    """While open, matplotlib's PDF (and PS) font subsets leave out :data:`LAYOUT_TABLES`;
    yields whether the hook applies (:func:`hook_applies`; if not, nothing changes).
    Not thread-safe: one save at a time, as a figures job saves."""
    if not hook_applies():
        yield False
        return
    from matplotlib.backends import _backend_pdf_ps

    original = _backend_pdf_ps.subset
    _backend_pdf_ps.subset = _lean_subset_module(original)
    try:
        yield True
    finally:
        _backend_pdf_ps.subset = original
