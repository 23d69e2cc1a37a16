"""Multiplicity: a family of tests each read at 0.05 without adjustment.

**Detected** families (each with at least two tests; a family whose tests are
exactly another's is reported once):

* the tests of one ``baseline_table`` analysis (a Table 2-style screen of
  factors by a group);
* the tests of the analyses one declared table prints (every analysis id the
  table's spec names but table analyses, which are families of their own;
  variants, ``id--variant``, are other conventions of the same test and are
  left out), e.g. ESM 4's 22 univariable Cox models;
* one test (type and parameters) repeated on subgroups (``where``), e.g. a
  log-rank test in each HR and relapse-type subgroup, the subgroups and the
  whole cohort together;
* a family declared in the study file (``rigor: {families: {name: [ids]}}``).

A test is a result row with a p-value: a Cox or logistic coefficient (not the
intercept or the model tests), a log-rank test, a table's test row.

**Rigorous analysis**: Holm's step-down (family-wise error) and
Benjamini-Hochberg's (false discovery rate) adjusted p-values over the family
(:func:`her2cohort.stats.multiplicity.p_adjust_values`, R ``p.adjust``), and
how many results stay below ``alpha``. Verdict:
:func:`her2cohort.rigor.verdict.family_verdict`.
"""

from __future__ import annotations

import json

import numpy as np

from her2cohort.numbers import short

from her2cohort.rigor._context import Context, number, test_label, tested_rows
from her2cohort.rigor._rows import rigor_row
from her2cohort.rigor.verdict import family_verdict
from her2cohort.stats.multiplicity import p_adjust_values

CHECK = "multiplicity"
WEAKNESS = "family of tests, each at the nominal level, unadjusted"


def _ids_in(spec, known: set[str]) -> list[str]:
    """Every analysis id a table's spec names (any string value equal to one), in order."""
    found = []

    def walk(item):
        if isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)
        elif isinstance(item, str) and item in known and item not in found:
            found.append(item)

    walk(spec)
    return found


def families(context: Context) -> list[tuple[str, str, list[str]]]:
    """(name, description, analysis ids) of each detected family, before the tests are counted."""
    out: list[tuple[str, str, list[str]]] = []
    known = [a["id"] for a in context.analyses()]
    for analysis in context.analyses("baseline_table"):
        if analysis.get("params", {}).get("group"):
            out.append((analysis["id"], f"the tests of table analysis {analysis['id']}", [analysis["id"]]))
    for table in context.study.get("tables", []):
        # a table analysis's tests are a family of their own (above); a table naming it
        # beside other analyses often reads only its counts
        ids = [i for i in _ids_in(table, set(known)) if context.analysis(i)["type"] != "baseline_table"]
        if len(ids) > 1:
            out.append((f"table {table['id']}", f"the tests printed in table {table['id']}", ids))
    groups: dict[str, list[str]] = {}
    for analysis in context.analyses():
        key = json.dumps([analysis["type"], analysis.get("params", {}), analysis.get("derive", {})], sort_keys=True, default=str)
        groups.setdefault(key, []).append(analysis["id"])
    for ids in groups.values():
        wheres = {context.analysis(i).get("where") for i in ids}
        if len(ids) > 1 and len(wheres) > 1:
            out.append((f"{ids[0]} and {len(ids) - 1} subgroup(s)", f"one {context.analysis(ids[0])['type']} test repeated on {len(ids)} sets of patients", ids))
    for name, ids in ((context.study.get("rigor") or {}).get("families") or {}).items():
        out.append((str(name), f"the declared family {name}", list(ids)))
    return out


def check(context: Context) -> list[dict]:
    rows, seen = [], set()
    settings = context.settings
    alpha = settings.alpha
    for name, description, ids in families(context):
        tests = []
        for analysis_id in ids:
            for _, row in tested_rows(context.results.table(analysis_id)).iterrows():
                tests.append((analysis_id, test_label(row), number(row["p_value"])))  # fisher_test clips p to [0, 1] as R
        key = tuple((a, t) for a, t, _ in tests)
        if len(tests) < 2 or key in seen:
            continue
        seen.add(key)
        p = [value for _, _, value in tests]
        holm, bh = p_adjust_values(p, "holm"), p_adjust_values(p, "BH")
        verdict, rule = family_verdict(p, list(holm), list(bh), alpha=alpha)
        significant = [k for k, value in enumerate(p) if value < alpha]
        smallest = int(np.argmin(p))
        named = ", ".join(f"{tests[k][0]}: {tests[k][1]}" for k in significant)
        rows.append(rigor_row(
            CHECK, WEAKNESS, name,
            term=tests[smallest][1],
            detected=f"{description} ({', '.join(dict.fromkeys(a for a, _, _ in tests))}): {len(tests)} tests, each read at {short(alpha, 4)}",
            paper_method=f"{len(tests)} unadjusted tests",
            paper_p=p[smallest],
            rigorous_analysis="Holm and Benjamini-Hochberg adjusted p",
            rigorous_method="R p.adjust(method = 'holm'), p.adjust(method = 'BH') over the family",
            rigorous_p=float(holm[smallest]),
            n_tests=len(tests),
            n_significant=len(significant),
            n_significant_holm=int(np.sum(holm < alpha)),
            n_significant_bh=int(np.sum(bh < alpha)),
            verdict=verdict, rule=rule,
            note=(f"smallest p: {tests[smallest][0]}: {tests[smallest][1]}; Holm-adjusted p is the rigorous p; "
                  + (f"unadjusted p < {short(alpha, 4)}: {named}" if significant else f"no test had p < {short(alpha, 4)}")),
        ))
    return rows
