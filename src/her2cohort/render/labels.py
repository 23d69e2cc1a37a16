"""Words every table and figure prints the same way: level labels, test names, test statistics.

Below every table layout and figure type (they all import it, it imports none
of them), so that a label is found, a test named and a statistic written once.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping

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


def find_label(labels: Mapping | None, key: Any) -> str | None:
    """The label ``labels`` gives ``key``, or None; keys compare as result cells do
    (2 == "2" == "2.0", True == "true"). Every lookup is recorded while a table or
    figure is drawn (:func:`label_lookups`), so that a label of a level nothing
    drew is an error (:func:`unknown_label_keys`)."""
    if labels and _ACTIVE and isinstance(labels, Mapping):
        _ACTIVE[-1].setdefault(id(labels), {}).setdefault(canonical(key), str(key))
    for candidate, text in (labels or {}).items():
        if canonical(candidate) == canonical(key):
            return str(text)
    return None


def label(labels: Mapping | None, key: Any, default: Any = None) -> str:
    """The printed label of a level (:func:`find_label`), else ``default``, else the level itself."""
    found = find_label(labels, key)
    return found if found is not None else str(key if default is None else default)


# ---------------------------------------------------------------------------
# Labels of levels nothing drew: a typo in labels, level_labels, group_labels
# ---------------------------------------------------------------------------

#: Keys of a table or figure spec whose mappings label levels (or variables) by their value.
LABEL_KEYS = ("labels", "level_labels", "group_labels", "after_labels", "line_labels")

#: The lookups of the tables and figures being drawn: id of a label mapping -> {canonical key: key}.
_ACTIVE: list[dict[int, dict[str, str]]] = []


@contextlib.contextmanager
def label_lookups() -> Iterator[dict[int, dict[str, str]]]:
    """Record every label lookup (:func:`find_label`) of the block: which levels each
    mapping of a spec was asked for. Read by :func:`unknown_label_keys`."""
    lookups: dict[int, dict[str, str]] = {}
    _ACTIVE.append(lookups)
    try:
        yield lookups
    finally:
        _ACTIVE.remove(lookups)


def _label_mappings(node: Any, path: str = "", under_label_key: bool = False) -> Iterator[tuple[str, Mapping]]:
    """(path, mapping) of every mapping held under a :data:`LABEL_KEYS` key of a spec
    (``level_labels.sex`` inside a ``level_labels`` of variables too)."""
    if isinstance(node, Mapping):
        if under_label_key:
            yield path, node
        for key, value in node.items():
            if key == "inherited_labels" and not path:
                continue  # the record of the study-level labels (her2cohort.declarations), not labels
            inside = under_label_key or key in LABEL_KEYS
            yield from _label_mappings(value, f"{path}.{key}" if path else str(key), inside)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _label_mappings(value, f"{path}[{index}]", under_label_key)


def unknown_label_keys(spec: Mapping, lookups: dict[int, dict[str, str]]) -> list[str]:
    """The keys of a spec's label mappings that match no level the table or figure
    looked up, each with the nearest level and the levels there were
    (:func:`her2cohort.errors.did_you_mean`). A mapping never looked up (level
    labels of a continuous variable, labels read otherwise) is not judged."""
    from her2cohort.errors import did_you_mean

    problems = []
    # labels the study declares once for every table and figure (her2cohort.declarations.inherit_labels)
    # need not match something printed in each: only the spec's own keys are judged
    inherited = {path: {canonical(k) for k in keys} for path, keys in (spec.get("inherited_labels") or {}).items()}
    for path, mapping in _label_mappings(spec):
        asked = lookups.get(id(mapping))
        if not asked:
            continue
        for key in mapping:
            if canonical(key) not in asked and canonical(key) not in inherited.get(path, ()):
                problems.append(f"{path}: {str(key)!r} matches nothing printed here: {did_you_mean(key, asked.values(), 'printed here')}")
    return problems


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
