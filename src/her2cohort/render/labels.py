"""Words every table and figure prints the same way: level labels, test names, test statistics.

Below every table layout and figure type (they all import it, it imports none
of them), so that a label is found, a test named and a statistic written once.
"""

from __future__ import annotations

from typing import Any, Mapping

from her2cohort.numbers import Printed, is_missing
from her2cohort.results import canonical

#: Statistic symbols as journals print them.
STATISTIC_SYMBOLS = {"chi2": "\u03c7\u00b2", "Z": "z", "z": "z", "W": "W", "V": "V", "H": "H", "U": "U"}

#: Short names of the tests, by a phrase of the ``method`` a result states.
_SHORT_TESTS = (
    ("Fisher", "Fisher's exact"),
    ("Yates", "\u03c7\u00b2 (Yates)"),
    ("Chi-squared", "\u03c7\u00b2"),
    ("chi-square", "\u03c7\u00b2"),
    ("Kruskal", "Kruskal-Wallis"),
    ("Wilcoxon rank sum", "Mann-Whitney"),
    ("Mann", "Mann-Whitney"),
    ("signed rank", "Wilcoxon signed-rank"),
    ("log-rank", "log-rank"),
    ("Cox", "Cox"),
    ("binomial", "exact binomial"),
    ("logistic", "logistic (Wald)"),
)


def label(labels: Mapping | None, key: Any, default: Any = None) -> str:
    """The printed label of a level; keys compare as result cells do (2 == "2" == "2.0", True == "true")."""
    for candidate, text in (labels or {}).items():
        if canonical(candidate) == canonical(key):
            return str(text)
    return str(key if default is None else default)


def short_test(method: Any) -> str:
    """The test's name as a table's Test column prints it ("Fisher's exact", "χ²", "log-rank")."""
    text = "" if is_missing(method) else str(method)
    return next((short for needle, short in _SHORT_TESTS if needle in text), text)


def method_name(method: Any) -> str:
    """The test's name as a figure prints it before its p: the method up to " test"
    ("Wilcoxon signed rank" of "Wilcoxon signed rank test")."""
    return str(method).split(" test")[0]


def statistic_text(row: Mapping, printed: Printed, where: str = "") -> str:
    """``χ² = 4.16 (df 1)``, ``z = 2.00``, ``OR 1.82 (0.50–6.70)`` (Fisher: the conditional MLE and its CI)."""
    statistic, name = row.get("statistic"), row.get("statistic_name")
    if not is_missing(statistic) and isinstance(name, str) and name not in ("successes",):
        text = f"{STATISTIC_SYMBOLS.get(name, name)} = {printed('number', statistic, decimals=2, where=where)}"
        df = row.get("df")
        if not is_missing(df) and name == "chi2":
            text += f" (df {printed('count', df, where=where)})"
        return text
    if "Fisher" in str(row.get("method", "")) and not is_missing(row.get("estimate")):
        return f"OR {printed('estimate_ci', row['estimate'], row.get('conf_low'), row.get('conf_high'), decimals=2, where=where)}"
    return ""
