"""her2cohort.stats.molecular: the L755S case report's clonal arithmetic (no R counterpart: closed form)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from her2cohort.stats._result import StatisticsError
from her2cohort.stats.molecular import (
    clonality_table,
    mutant_alleles_per_cell,
    mutant_cell_fraction,
    total_copies_per_cell,
)

# FoundationOne CDx report of the case: purity 20%, HER2 copy number 16 (printed "16%"), VAF 52%.
CASE = {"vaf": 0.52, "copy_number": 16, "purity": 0.20}


def test_case_report_numbers():
    """ "L755S-positive cells ... 78% of the tumor cell population"; "approximately 12.5 mutant alleles"."""
    assert total_copies_per_cell(16, 0.20) == pytest.approx(0.2 * 16 + 0.8 * 2)  # 4.8
    fraction = mutant_cell_fraction(**CASE)
    per_cell = mutant_alleles_per_cell(**CASE)
    assert fraction == pytest.approx(0.52 * 4.8 / (0.2 * 16), rel=1e-12)  # 0.78
    assert f"{100 * fraction:.0f}%" == "78%"
    assert per_cell == pytest.approx(0.52 * 4.8 / 0.2, rel=1e-12)  # 12.48
    assert f"{per_cell:.1f}" == "12.5"
    assert per_cell == pytest.approx(fraction * 16, rel=1e-12)


def test_reading_copy_number_as_a_percentage_cannot_reproduce_the_paper():
    """The printed "16%" is a typo: as a fraction (0.16 copies) the model is inconsistent."""
    with pytest.raises(StatisticsError, match="inconsistent"):
        mutant_cell_fraction(0.52, 0.16, 0.20)


def test_model_limits():
    # Pure tumour: the mutant cell fraction is the VAF itself.
    assert mutant_cell_fraction(0.3, 8, 1.0) == pytest.approx(0.3)
    # A diploid tumour, heterozygous clonal mutation at 50% purity: VAF 0.25 -> 50% of cells with 2 mutant copies.
    assert mutant_cell_fraction(0.25, 2, 0.5) == pytest.approx(0.5)
    assert mutant_cell_fraction(0.0, 16, 0.2) == 0.0
    # Another normal copy number (e.g. a haploid X-linked gene in a male) is a parameter.
    assert total_copies_per_cell(4, 0.5, normal_copy_number=1) == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("vaf", "copy_number", "purity", "message"),
    [
        (52, 16, 0.2, "vaf must be a fraction"),
        (-0.1, 16, 0.2, "vaf must be a fraction"),
        (0.52, 16, 0.0, "purity"),
        (0.52, 16, 20, "purity"),
        (0.52, 0, 0.2, "copy_number"),
        (float("nan"), 16, 0.2, "finite"),
        (0.9, 16, 0.2, "inconsistent"),  # f = 0.9 * 4.8 / 3.2 = 1.35 > 1
    ],
)
def test_invalid_or_inconsistent_inputs_raise(vaf, copy_number, purity, message):
    with pytest.raises(StatisticsError, match=message):
        mutant_cell_fraction(vaf, copy_number, purity)


def test_clonality_table_keeps_going_past_bad_rows():
    specimens = pd.DataFrame(
        {
            "specimen": ["case", "inconsistent", "missing", "pure"],
            "vaf": [0.52, 0.9, None, 0.3],
            "copy_number": [16, 16, 16, 8],
            "purity": [0.2, 0.2, 0.2, 1.0],
        }
    )
    got = clonality_table(specimens)
    assert got.specimen.tolist() == specimens.specimen.tolist()
    assert got.loc[0, "total_copies_per_cell"] == pytest.approx(4.8)
    assert got.loc[0, "mutant_copies_per_cell"] == pytest.approx(2.496)
    assert got.loc[0, "mutant_cell_fraction"] == pytest.approx(0.78)
    assert got.loc[0, "mutant_alleles_per_tumour_cell"] == pytest.approx(12.48)
    assert got.loc[0, "note"] == ""
    assert math.isnan(got.loc[1, "mutant_cell_fraction"]) and "inconsistent" in got.loc[1, "note"]
    assert math.isnan(got.loc[2, "mutant_cell_fraction"]) and "finite" in got.loc[2, "note"]
    assert got.loc[3, "mutant_cell_fraction"] == pytest.approx(0.3)
    with pytest.raises(StatisticsError, match="not in specimens"):
        clonality_table(specimens.drop(columns="purity"))
