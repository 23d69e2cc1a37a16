"""Clonal arithmetic from a variant allele frequency, gene copy number and tumour purity.

The HER2 L755S case report (The Oncologist, 2021; "Molecular tumor board")
asks how prominent a mutation is in the tumour given what a sequencing report
prints: the variant allele frequency (VAF) of the mutation, the tumour copy
number (CN) of the gene, and the tumour purity (share of tumour nuclei).

Model and derivation (per average cell of the sequenced specimen):

* normal cells are diploid (``normal_copy_number = 2``) and carry no mutant copy;
* a fraction ``purity`` of the cells are tumour cells with ``CN`` copies, so the
  specimen holds, per cell, ``total = purity * CN + (1 - purity) * 2`` copies
  of the gene;
* the VAF is the mutant share of those copies: ``mutant = VAF * total``.

Two readings of where the mutant copies sit:

1. *All-or-none* (:func:`mutant_cell_fraction`): a fraction ``f`` of the tumour
   cells carry only mutant copies (CN of them), the rest only wild-type copies.
   Then ``mutant = purity * f * CN``, so
   ``f = VAF * (purity * CN + 2 * (1 - purity)) / (purity * CN)``.
2. *Evenly spread* (:func:`mutant_alleles_per_cell`): every tumour cell carries
   the same number ``m`` of mutant copies. Then ``mutant = purity * m``, so
   ``m = VAF * (purity * CN + 2 * (1 - purity)) / purity`` (= f x CN).

The case: VAF 52%, CN 16 (printed "16%", a typo: a copy number has no
percent), purity 20% -> total 4.8 copies per cell, 2.496 mutant, f = 0.78
("78% of the tumour cell population") and m = 12.48 ("approximately 12.5
mutant alleles").

If f > 1 (equivalently m > CN) the three numbers cannot all be right under the
model (e.g. a subclonal copy-number change, or a purity overestimate): the
scalar functions raise :class:`StatisticsError`; :func:`clonality_table`
returns NA with that reason.
"""

from __future__ import annotations

import math
from numbers import Real

import pandas as pd

from her2cohort.stats._result import StatisticsError

__all__ = ["clonality_table", "mutant_alleles_per_cell", "mutant_cell_fraction", "total_copies_per_cell"]


def _check(vaf: float, copy_number: float, purity: float, normal_copy_number: float) -> None:
    values = {"vaf": vaf, "copy_number": copy_number, "purity": purity, "normal_copy_number": normal_copy_number}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise StatisticsError(f"{name} must be a finite number, got {value!r}")
    if not 0 <= vaf <= 1:
        raise StatisticsError(f"vaf must be a fraction in [0, 1], got {vaf} (give 52% as 0.52)")
    if not 0 < purity <= 1:
        raise StatisticsError(f"purity must be in (0, 1], got {purity} (no tumour cells: nothing to attribute)")
    if copy_number <= 0:
        raise StatisticsError(f"copy_number must be positive, got {copy_number}")
    if normal_copy_number < 0:
        raise StatisticsError(f"normal_copy_number must be non-negative, got {normal_copy_number}")


def total_copies_per_cell(copy_number: float, purity: float, normal_copy_number: float = 2) -> float:
    """Copies of the gene per average cell of the specimen: purity x CN + (1 - purity) x normal CN."""
    _check(0.0, copy_number, purity, normal_copy_number)
    return purity * copy_number + (1 - purity) * normal_copy_number


def mutant_alleles_per_cell(vaf: float, copy_number: float, purity: float, normal_copy_number: float = 2) -> float:
    """Mutant copies per tumour cell if the mutant copies are spread evenly over tumour cells.

    m = VAF x (purity x CN + (1 - purity) x normal CN) / purity (derivation in
    the module docstring). The L755S case: VAF 0.52, CN 16, purity 0.20 ->
    12.48 ("approximately 12.5"). Raises :class:`StatisticsError` for inputs
    outside their range, or if m > CN (the model cannot hold).
    """
    _check(vaf, copy_number, purity, normal_copy_number)
    mutant = vaf * total_copies_per_cell(copy_number, purity, normal_copy_number)
    per_cell = mutant / purity
    if per_cell > copy_number * (1 + 1e-12):
        raise StatisticsError(
            f"inconsistent inputs: {per_cell:.3g} mutant copies per tumour cell exceed its copy number {copy_number:g} "
            "(VAF too high for this purity and copy number)"
        )
    return per_cell


def mutant_cell_fraction(vaf: float, copy_number: float, purity: float, normal_copy_number: float = 2) -> float:
    """Fraction of tumour cells carrying the mutation if mutant cells carry only mutant copies.

    f = VAF x (purity x CN + (1 - purity) x normal CN) / (purity x CN)
    (derivation in the module docstring). The L755S case: VAF 0.52, CN 16,
    purity 0.20 -> 0.78. Raises :class:`StatisticsError` for inputs outside
    their range, or if f > 1 (the model cannot hold).
    """
    return mutant_alleles_per_cell(vaf, copy_number, purity, normal_copy_number) / copy_number


def clonality_table(
    specimens: pd.DataFrame,
    vaf: str = "vaf",
    copy_number: str = "copy_number",
    purity: str = "purity",
    normal_copy_number: float = 2,
) -> pd.DataFrame:
    """Per specimen: copies per cell, mutant copies, mutant cell fraction and mutant copies per tumour cell.

    ``specimens`` has one row per sequenced specimen with the three columns as
    fractions (VAF 52% -> 0.52). Returns the input columns plus
    ``total_copies_per_cell``, ``mutant_copies_per_cell``,
    ``mutant_cell_fraction``, ``mutant_alleles_per_tumour_cell`` and ``note``;
    a specimen with missing, out-of-range or inconsistent inputs gets NA and
    the reason in ``note`` (the other rows are still computed).
    """
    if not isinstance(specimens, pd.DataFrame):
        raise StatisticsError("specimens must be a pandas DataFrame")
    for name in (vaf, copy_number, purity):
        if name not in specimens.columns:
            raise StatisticsError(f"column {name!r} not in specimens (columns: {list(specimens.columns)})")
    rows = []
    for v, cn, p in zip(specimens[vaf], specimens[copy_number], specimens[purity]):
        row = dict.fromkeys(
            [
                "total_copies_per_cell",
                "mutant_copies_per_cell",
                "mutant_cell_fraction",
                "mutant_alleles_per_tumour_cell",
            ],
            math.nan,
        )
        row["note"] = ""
        try:
            v, cn, p = float(v), float(cn), float(p)
            _check(v, cn, p, normal_copy_number)
            total = total_copies_per_cell(cn, p, normal_copy_number)
            row["total_copies_per_cell"] = total
            row["mutant_copies_per_cell"] = v * total
            per_cell = mutant_alleles_per_cell(v, cn, p, normal_copy_number)
            row["mutant_alleles_per_tumour_cell"] = per_cell
            row["mutant_cell_fraction"] = per_cell / cn
        except (StatisticsError, TypeError, ValueError) as error:
            row["note"] = str(error)
        rows.append(row)
    return pd.concat([specimens.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
