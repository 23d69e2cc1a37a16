"""How every number is printed: one rounding rule and one format per kind of number.

Every output prints numbers through this module: manuscript tables (all
formats), figure labels, captions, the HTML report and the replication audit.
Nothing else formats a number for a reader.

The rounding rule: **half up on the decimal the value prints as** (its shortest
round-trip representation, Python's ``repr``). 31.25 -> 31.3, 81.25 -> 81.3,
2.675 -> 2.68, 0.0465 -> 0.047, 1.005 -> 1.01: a value is rounded as a reader
of the full-precision CSV sees it, and as journals ask ("round 5 up"; the
papers of this project print 35/112 = 31.25% as 31.3%). Rounding the exact
binary value instead (what C's printf and R's ``sprintf``/``format`` do,
after IEEE's round-half-even on exact ties) prints 31.2 for 31.25 and 2.67 for
2.675, whose double lies just below the tie: a reader who sees 2.675 in the
data and 2.67 in the table has reason to doubt the table. The replication
audit compares printed numbers with the same rule, so a number the audit calls
reproduced prints the same in every table.

Formats: a number at fixed decimals; n (%); a p-value (three decimals,
``< 0.001`` below; a :class:`JournalStyle` may ask ``<.001``, ``.047``, CIs
"0.70 to 2.55"); an estimate with its CI ("1.34 (0.70–2.55)"), a limit that
is NA printed "NR" (not reached); an interval ("25–75", "-76.0 to -32.5" when a
limit is negative); NA as an en dash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DASH = "\u2013"
NOT_REACHED = "NR"


def is_missing(value: Any) -> bool:
    """None, NaN or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and pd.NA compare unequal to themselves
    except TypeError:  # pd.NA raises on bool()
        return True


def half_up(value: float, decimals: int) -> Decimal:
    """``value`` rounded half up at ``decimals``, on the decimal it prints as (see the module docstring)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: Any, decimals: int = 1) -> str:
    """A number at ``decimals`` places; NA as an en dash, infinity as ∞."""
    if is_missing(value):
        return DASH
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = str(half_up(value, decimals))
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text  # no "-0.0"


def short(value: Any, decimals: int = 3) -> str:
    """A number at up to ``decimals`` places without trailing zeros: 225, 37.5, 4.36
    (a median H-score or ISH ratio beside a plot, a cutoff in a rule)."""
    text = number(value, decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


def significant(value: Any, digits: int = 4) -> str:
    """A number to ``digits`` significant digits, half up, without trailing zeros: 0.2686, 16.66, 48."""
    if is_missing(value):
        return DASH
    value = float(value)
    if value == 0 or math.isinf(value):
        return number(value, 0)
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return short(value, decimals)


def count(value: Any) -> str:
    """A count as an integer (46, not 46.0); NA as an en dash."""
    return DASH if is_missing(value) else str(int(round(float(value))))


def percent(value: Any, decimals: int = 1) -> str:
    """A percentage without its sign, at ``decimals`` places: 31.3."""
    return number(value, decimals)


def n_percent(n: Any, pct: Any, decimals: int = 1) -> str:
    """26 (76.5)"""
    return f"{count(n)} ({percent(pct, decimals)})"


def p_value(p: Any, decimals: int = 3, less_than: str = "< ", leading_zero: bool = True) -> str:
    """0.047; ``< 0.001`` below the last decimal; 1.000; NA as an en dash.
    ``less_than`` is what stands before the floor (``"<"``: ``<0.001``);
    ``leading_zero=False`` prints ``.047`` and ``< .001`` (JAMA, APA)."""
    if is_missing(p):
        return DASH
    floor = 10**-decimals
    if float(p) < floor:
        text = f"{less_than}{_drop_zero(f'{floor:.{decimals}f}', leading_zero)}"
        return text
    return _drop_zero(number(p, decimals), leading_zero)


def _drop_zero(text: str, leading_zero: bool) -> str:
    """``0.047`` -> ``.047`` when ``leading_zero`` is False (a p cannot exceed 1)."""
    return text[1:] if not leading_zero and text.startswith("0.") else text


def p_phrase(p: Any, prefix: str = "p", decimals: int = 3, less_than: str = "< ", leading_zero: bool = True) -> str:
    """``p = 0.047`` or ``p < 0.001``, for a legend or a label."""
    text = p_value(p, decimals, less_than, leading_zero)
    return f"{prefix} {text}" if text.startswith("<") else f"{prefix} = {text}"


def interval(low: Any, high: Any, decimals: int, separator: str = DASH) -> str:
    """``25–75``; with a negative limit ``-76.0 to -32.5`` (a dash between minus signs misreads);
    ``separator=" to "`` always prints ``25 to 75``."""
    text_low, text_high = number(low, decimals), number(high, decimals)
    negative = any(not is_missing(v) and float(v) < 0 for v in (low, high))
    return f"{text_low} to {text_high}" if negative else f"{text_low}{separator}{text_high}"


def estimate_ci(estimate: Any, low: Any, high: Any, decimals: int = 2, na_estimate: str = DASH, separator: str = DASH) -> str:
    """1.34 (0.70–2.55); a limit that is NA prints NR (not reached).

    An estimate that is NA prints ``na_estimate``: a dash alone (not computable:
    its limits mean nothing either), or "NR" for a median survival time that is
    not reached, with its limits ("NR (20.5–NR)", as the papers print it).
    ``separator`` stands between the limits (a journal style's " to ")."""

    def limit(x: Any) -> str:
        return NOT_REACHED if is_missing(x) else number(x, decimals)

    if is_missing(estimate):
        return DASH if na_estimate == DASH else f"{na_estimate} ({limit(low)}{separator}{limit(high)})"
    return f"{number(estimate, decimals)} ({limit(low)}{separator}{limit(high)})"


def median_range(median: Any, low: Any, high: Any, decimals: int = 0, separator: str = DASH, whole: bool = False) -> str:
    """57 (29–79). ``whole=True`` (data in whole numbers, such as ages in years): the
    median with at most ``decimals`` places and no trailing zero (68, 62.5, as the
    papers print a median of whole numbers) and the limits as whole numbers
    ("68 (35–86)", never "68.0 (35.0–86.0)")."""
    if whole:
        return f"{short(median, decimals)} ({interval(low, high, 0, separator)})"
    return f"{number(median, decimals)} ({interval(low, high, decimals, separator)})"


def beside(value: Any, printed_decimals: int) -> str:
    """A value printed beside a paper's number: a whole number as an integer where the
    paper prints integers (46, not 46.0), anything else to one decimal beyond the
    printed precision, enough to show which way it rounds."""
    if is_missing(value):
        return "NA"
    if printed_decimals == 0 and math.isfinite(float(value)) and float(value).is_integer():
        return str(int(value))
    if math.isinf(float(value)):
        return "inf" if float(value) > 0 else "-inf"
    return str(half_up(value, printed_decimals + 1))


@dataclass(frozen=True)
class JournalStyle:
    """How a journal prints numbers and pages: the ``journal_style`` of a study (config/studies/{study}.yaml).

    The default keeps the pipeline's own style (p ``< 0.001`` and ``0.047``, CI
    ``1.34 (0.70–2.55)``, one decimal for percentages, two for ratios, A4). A
    journal asks otherwise, e.g. JAMA: ``p_style: "<0.001"``, ``leading_zero:
    false`` (p ``.047``, ``<.001``) and ``ci_separator: " to "``. Decimals set
    here are each table's default; a table's own ``decimals`` options win.

    - ``p_decimals``: places of a p (3: 0.047, < 0.001).
    - ``p_style``: ``"< 0.001"`` (a space after <) or ``"<0.001"``.
    - ``leading_zero``: False drops the zero before the point of a p (.047, < .001).
    - ``ci_separator``: between the limits of a CI or a range, ``"–"`` or ``" to "``.
    - ``percent_decimals``, ``estimate_decimals``: places of a percentage, of an HR/OR/median.
    - ``paper``: ``a4`` or ``letter``, the page of Word tables.
    """

    p_decimals: int = 3
    p_style: str = "< 0.001"
    leading_zero: bool = True
    ci_separator: str = DASH
    percent_decimals: int = 1
    estimate_decimals: int = 2
    paper: str = "a4"

    P_STYLES = ("< 0.001", "<0.001")
    PAPERS = ("a4", "letter")

    @classmethod
    def from_config(cls, declared: Any = None) -> "JournalStyle":
        """The style a study declares (a mapping of the fields above; None: the default);
        an unknown key or value is a ValueError naming it."""
        if not declared:
            return cls()
        fields = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(declared) - fields)
        if unknown:
            raise ValueError(f"journal_style: unknown key(s) {unknown}; known: {sorted(fields)}")
        style = cls(**declared)
        if style.p_style not in cls.P_STYLES:
            raise ValueError(f"journal_style: p_style {style.p_style!r} is not one of {list(cls.P_STYLES)}")
        if style.paper not in cls.PAPERS:
            raise ValueError(f"journal_style: paper {style.paper!r} is not one of {list(cls.PAPERS)}")
        return style

    def options(self, kind: str) -> dict:
        """The format options this style adds to a ``kind`` of number: only those that differ
        from the formats' defaults, so that the default style prints and records as before."""
        out: dict = {}
        if kind in ("p_value", "p_phrase"):
            if self.p_style != "< 0.001":
                out["less_than"] = "<"
            if not self.leading_zero:
                out["leading_zero"] = False
        if kind in ("interval", "estimate_ci", "median_range") and self.ci_separator != DASH:
            out["separator"] = self.ci_separator
        return out


#: The formats by name, as :class:`Printed` records them.
FORMATS = {
    "number": number,
    "short": short,
    "significant": significant,
    "count": count,
    "percent": percent,
    "n_percent": n_percent,
    "p_value": p_value,
    "p_phrase": p_phrase,
    "interval": interval,
    "estimate_ci": estimate_ci,
    "median_range": median_range,
}


class Printed:
    """Formats numbers for one output and keeps a record of each: what was printed, from what.

    ``printed("p_value", 0.0465)`` returns ``"0.047"`` and records the format,
    the value(s) at full precision, the keyword arguments and, when given, the
    ``source`` (``"analysis / {row} / column"``, or how the value was computed)
    and ``where`` (the table cell or figure element). A :class:`JournalStyle`
    adds its options (p style, CI separator) to every number of its kinds; the
    record holds them, so a number reprints as it was printed. Outputs write the record
    beside themselves (``{id}_numbers.csv``), so that a test can check that every
    printed number is this module's formatting of its source value.
    """

    def __init__(self, style: JournalStyle | None = None) -> None:
        self.records: list[dict] = []
        self.style = style or JournalStyle()

    def __call__(self, kind: str, *values: Any, source: str = "", where: str = "", **options: Any) -> str:
        if kind == "p_value" and "decimals" not in options and self.style.p_decimals != 3:
            options["decimals"] = self.style.p_decimals
        options = {**self.style.options(kind), **options}
        text = FORMATS[kind](*values, **options)
        self.records.append({"where": where, "kind": kind, "values": list(values), "options": dict(options), "source": source, "text": text})
        return text

    def frame(self):
        """The record as a table: values and options as JSON (floats exact, NA as null)."""
        import json

        import pandas as pd

        def plain(value: Any) -> Any:
            if is_missing(value):
                return None
            if isinstance(value, bool) or isinstance(value, str):
                return value
            return float(value)

        rows = [
            {
                "where": r["where"],
                "kind": r["kind"],
                "values": json.dumps([plain(v) for v in r["values"]]),
                "options": json.dumps(r["options"], sort_keys=True),
                "source": r["source"],
                "text": r["text"],
            }
            for r in self.records
        ]
        return pd.DataFrame(rows, columns=["where", "kind", "values", "options", "source", "text"])


def reprint(kind: str, values_json: str, options_json: str) -> str:
    """Format a recorded number again (the check of :class:`Printed` records)."""
    import json

    values = [math.nan if v is None else v for v in json.loads(values_json)]
    return FORMATS[kind](*values, **json.loads(options_json))
