"""One rounding rule and one format per kind of number (her2cohort.numbers), at the ties where rules differ."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from her2cohort import numbers
from her2cohort.numbers import Printed, reprint


@pytest.mark.parametrize(
    ("value", "decimals", "printed", "printf"),
    [
        (31.25, 1, "31.3", "31.2"),  # 35/112: the paper and Table 1 print 31.3
        (81.25, 1, "81.3", "81.2"),
        (0.0465, 3, "0.047", "0.046"),  # its double lies just below the tie
        (2.675, 2, "2.68", "2.67"),
        (1.005, 2, "1.01", "1.00"),
        (0.05, 1, "0.1", "0.1"),
        (0.0005, 3, "0.001", "0.001"),
        (-2.675, 2, "-2.68", "-2.67"),  # half away from zero
    ],
)
def test_half_up_on_the_decimal_the_value_prints_as(value, decimals, printed, printf):
    assert numbers.number(value, decimals) == printed
    assert f"{value:.{decimals}f}" == printf  # what Python's and R's printf give, for the record


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=6))
def test_rounding_is_that_of_the_decimal_digits(digits, places):
    """For any decimal with ``places + 1`` places, the printed value is the decimal rounded half up."""
    text = f"{digits / 10 ** (places + 1):.{places + 1}f}"
    expected = str(Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    if expected.startswith("-") and Decimal(expected) == 0:
        expected = expected[1:]
    assert numbers.number(float(text), places) == expected


@pytest.mark.parametrize(
    ("p", "printed"),
    [(0.0471, "0.047"), (0.0465, "0.047"), (0.00099, "< 0.001"), (0.001, "0.001"), (0.0005, "< 0.001"), (1.0, "1.000"), (0.05, "0.050"), (math.nan, "\u2013")],
)
def test_p_values(p, printed):
    assert numbers.p_value(p) == printed


def test_the_other_formats():
    assert numbers.n_percent(35, 100 * 35 / 112) == "35 (31.3)"
    assert numbers.count(46.0) == "46"
    assert numbers.short(225.0) == "225" and numbers.short(37.5) == "37.5" and numbers.short(4.3649) == "4.365"
    assert numbers.interval(25, 75, 0) == "25\u201375" and numbers.interval(-76.04, -32.5, 1) == "-76.0 to -32.5"
    assert numbers.estimate_ci(1.335, 0.695, 2.555) == "1.34 (0.70\u20132.56)"
    assert numbers.estimate_ci(29.3, 20.5, math.nan, 1) == "29.3 (20.5\u2013NR)"
    assert numbers.estimate_ci(math.nan, 20.5, math.nan, 1, na_estimate="NR") == "NR (20.5\u2013NR)"
    assert numbers.estimate_ci(math.nan, math.nan, math.nan) == "\u2013"
    assert numbers.median_range(57, 29, 79) == "57 (29\u201379)"
    assert numbers.p_phrase(0.0004, "Log-rank p") == "Log-rank p < 0.001" and numbers.p_phrase(0.0465) == "p = 0.047"
    assert numbers.number(-0.0001, 2) == "0.00"
    assert numbers.beside(46.0, 0) == "46" and numbers.beside(29.1666, 1) == "29.17"


def test_printed_numbers_are_recorded_and_reprint_exactly():
    printed = Printed()
    assert printed("estimate_ci", 1.2, 0.5, math.nan, decimals=2, source="cox / {term: x}", where="row 1, HR") == "1.20 (0.50\u2013NR)"
    assert printed("p_value", 0.0465, source="cox / {term: x}") == "0.047"
    frame = printed.frame()
    assert frame["text"].tolist() == ["1.20 (0.50\u2013NR)", "0.047"]
    assert [reprint(k, v, o) for k, v, o in zip(frame["kind"], frame["values"], frame["options"])] == frame["text"].tolist()
    assert frame.loc[0, "values"] == "[1.2, 0.5, null]" and frame.loc[0, "where"] == "row 1, HR"


def test_outputs_format_numbers_only_through_the_numbers_module():
    """No f-string format spec ({x:.1f}, {x:g}) in the modules that print for readers (tables, figures,
    the audit, the validation report, the rigor report), except an axis scale's tick formatter and an error message."""
    import ast

    from conftest import ROOT

    offenders = []
    package = ROOT / "src" / "her2cohort"
    paths = [p for folder in ("render", "replication", "rigor") for p in sorted((package / folder).rglob("*.py"))] + [package / "validation.py"]
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
                line = lines[node.lineno - 1]
                if "# axis scale" not in line and "Error(" not in line and "raise " not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {line.strip()[:100]}")
    assert offenders == []
