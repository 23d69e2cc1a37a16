"""The verdict rules of the rigor report: the paper's analysis beside the more rigorous one.

Every check ends in one of three verdicts on the paper's conclusion, taken by
a rule stated here and printed beside each row (``rule``):

* :func:`compare_tests` -- the paper's test and the rigorous test of the same
  question (a p, and where both have one, an estimate on a ratio scale).
  Significance is p < ``alpha`` (0.05 unless configured).

  ===================  ======================================================
  conclusion holds     both significant with the estimates on the same side of
                       the null, or both not significant
  weaker               the paper's result significant, the rigorous one not
                       (the estimates, where both exist, on the same side)
  does not hold        the estimates on opposite sides of the null with either
                       significant; or the rigorous test significant where the
                       paper's is not (the paper's "no difference" is not
                       supported); or the rigorous analysis cannot estimate the
                       effect at all (``not_estimable``: the design, not the
                       method, is at fault)
  ===================  ======================================================

A weakness whose rigorous analysis cannot be computed on the data (a
statistic NA, an error of the library) is reported with the verdict ``not
assessed`` and the reason in its note.

* :func:`family_verdict` -- a family of tests at ``alpha`` each, unadjusted,
  against Holm's (family-wise error) and Benjamini-Hochberg's (false
  discovery rate) adjusted p: holds when every unadjusted significant result
  stays significant after Holm (or none was significant), does not hold when
  none stays significant even after Benjamini-Hochberg, weaker otherwise.
* :func:`cutoff_verdict` -- a cutoff chosen by the Youden index on the data
  and tested on the same data: holds when Harrell's optimism of the cut
  predictor's AUC is at most ``negligible`` (0.02), does not hold when the
  optimism-corrected AUC is at most 0.5 (the rule does no better than chance
  once its optimism is removed), weaker otherwise.
* :func:`interval_verdict` -- a confidence interval of a median computed by
  a symmetric normal approximation on a small group, against R's interval
  (``survfit``, log scale, no symmetry assumed): holds when R's interval lies
  within the paper's (its precision was not overstated), weaker when R's is
  wider on either side or a limit is not reached.
"""

from __future__ import annotations

import math
from typing import Any

from her2cohort.numbers import short

HOLDS = "conclusion holds"
WEAKER = "weaker"
DOES_NOT_HOLD = "does not hold"
VERDICTS = (HOLDS, WEAKER, DOES_NOT_HOLD)
#: a weakness detected whose rigorous analysis could not be computed (the reason in the note)
NOT_ASSESSED = "not assessed"

TEST_RULE = (
    "p < {alpha} is significant; holds: same significance (and side of {null}); "
    "weaker: significant only in the paper's analysis; does not hold: opposite sides of {null} with either significant, "
    "significant only in the rigorous analysis, or not estimable without the bias"
)
FAMILY_RULE = (
    "holds: every result with p < {alpha} stays < {alpha} after Holm (or none had p < {alpha}); "
    "does not hold: none stays < {alpha} even after Benjamini-Hochberg; weaker otherwise"
)
INTERVAL_RULE = "holds: R's interval lies within the paper's; weaker: R's interval is wider on either side or a limit is not reached"
CUTOFF_RULE = (
    "holds: Harrell's optimism of the cut predictor's AUC <= {negligible}; "
    "does not hold: optimism-corrected AUC <= 0.5; weaker otherwise"
)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _side(estimate: Any, null: float) -> int:
    """-1, 0 or +1: the side of the null an estimate lies on (0 when missing or on it)."""
    if _missing(estimate) or float(estimate) == null:
        return 0
    return 1 if float(estimate) > null else -1


def compare_tests(
    paper_p: Any,
    rigorous_p: Any,
    paper_estimate: Any = None,
    rigorous_estimate: Any = None,
    *,
    alpha: float = 0.05,
    null: float = 1.0,
    not_estimable: bool = False,
) -> tuple[str, str]:
    """(verdict, reason) of the paper's test against the rigorous one (module docstring)."""
    rule = TEST_RULE.format(alpha=short(alpha, 4), null=short(null, 4))
    if not_estimable:
        return DOES_NOT_HOLD, rule
    if _missing(paper_p) or _missing(rigorous_p):
        return NOT_ASSESSED, rule
    paper_sig, rigorous_sig = float(paper_p) < alpha, float(rigorous_p) < alpha
    sides = _side(paper_estimate, null), _side(rigorous_estimate, null)
    opposite = sides[0] * sides[1] < 0
    if opposite and (paper_sig or rigorous_sig):
        return DOES_NOT_HOLD, rule
    if rigorous_sig and not paper_sig:
        return DOES_NOT_HOLD, rule
    if paper_sig and not rigorous_sig:
        return WEAKER, rule
    return HOLDS, rule


def family_verdict(p: list[float], holm: list[float], bh: list[float], *, alpha: float = 0.05) -> tuple[str, str]:
    """(verdict, rule) of a family of tests (module docstring); NaN p-values are ignored."""
    rule = FAMILY_RULE.format(alpha=short(alpha, 4))
    significant = [k for k, value in enumerate(p) if not _missing(value) and value < alpha]
    if not significant or all(holm[k] < alpha for k in significant):
        return HOLDS, rule
    if not any(bh[k] < alpha for k in significant):
        return DOES_NOT_HOLD, rule
    return WEAKER, rule


def cutoff_verdict(optimism: Any, corrected_auc: Any, *, negligible: float = 0.02) -> tuple[str, str]:
    """(verdict, rule) of a data-chosen cutoff (module docstring)."""
    rule = CUTOFF_RULE.format(negligible=short(negligible, 4))
    if _missing(optimism) or _missing(corrected_auc):
        return NOT_ASSESSED, rule
    if float(corrected_auc) <= 0.5:
        return DOES_NOT_HOLD, rule
    if float(optimism) <= negligible:
        return HOLDS, rule
    return WEAKER, rule


def interval_verdict(paper_low: Any, paper_high: Any, rigorous_low: Any, rigorous_high: Any) -> tuple[str, str]:
    """(verdict, rule) of a paper's interval against a more rigorous one (module docstring).
    A missing rigorous limit is a limit not reached (wider); a missing paper limit is unbounded."""
    low_wider = _missing(rigorous_low) or (not _missing(paper_low) and float(rigorous_low) < float(paper_low))
    high_wider = _missing(rigorous_high) or (not _missing(paper_high) and float(rigorous_high) > float(paper_high))
    return (WEAKER if low_wider or high_wider else HOLDS), INTERVAL_RULE
