"""A manuscript table as a journal prints it: caption, headings with group n, spanners, footnotes with markers.

:func:`compose` draws a declared table (:func:`her2cohort.render.tables.render_table`)
with the study's :class:`her2cohort.numbers.JournalStyle` and adds what the
writers of :mod:`her2cohort.render.export` print around its cells:

- the caption: the declared ``title`` ("Table 1. Baseline characteristics"),
  split into its label ("Table 1") and text, and the ``legend`` when declared;
- headings: each group column with its size on a second line ("n = 34",
  ``baseline``), merged group headings over several columns (the endpoints of
  ``hazard_ratios``, the after-levels of ``shift_matrix``, ``group_heading``
  of ``baseline``);
- superscript markers naming each test actually used: every p of a table
  carries the letter of its test ("0.029ᵃ", note "ᵃ Fisher's exact test"), or,
  when every p of a column comes from one test, the column heading carries it;
  the Test column is then dropped (``test_column: true`` keeps it);
- declared footnotes, each either unmarked or attached to a printed label
  (``{text, on}``: the marker follows that label);
- an abbreviation footnote: the table's ``abbreviations`` and the statistical
  abbreviations the table prints (CI, HR, OR, NR, IQR, SD), alphabetically;
- one style for symbols in its words: ``>=`` prints ≥, ``<=`` ≤, ``+/-`` ±;
  and in its numbers the minus sign −, not the hyphen.

Manuscript words only: the report's ``caption`` and an ``audit_note`` (R
functions, quantile types) are never printed in a table file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from her2cohort.numbers import JournalStyle, Printed

#: Superscript letters (Unicode) for plain-text formats (Markdown, the notes sidecar).
SUPERSCRIPT = dict(zip("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))

#: Tests as a footnote names them, by the short name of the Test column (her2cohort.render.labels.short_test).
TEST_NAMES = {
    "Fisher's exact": "Fisher's exact test",
    "\u03c7\u00b2 (Yates)": "\u03c7\u00b2 test with Yates' continuity correction",
    "\u03c7\u00b2": "Pearson's \u03c7\u00b2 test",
    "Kruskal-Wallis": "Kruskal\u2013Wallis test",
    "Mann-Whitney": "Mann\u2013Whitney U test",
    "Wilcoxon signed-rank": "Wilcoxon signed-rank test",
    "log-rank": "log-rank test",
    "Cox": "Wald test of the Cox proportional hazards model",
    "exact binomial": "exact binomial test",
    "logistic (Wald)": "Wald test of the logistic regression model",
}

#: Statistical abbreviations the pipeline itself prints, found as whole words in headings and cells.
STATISTICAL_ABBREVIATIONS = {
    "CI": "confidence interval",
    "HR": "hazard ratio",
    "OR": "odds ratio",
    "NR": "not reached",
    "IQR": "interquartile range",
    "SD": "standard deviation",
}

#: ASCII spellings of symbols and the symbol a journal prints (labels, headings, notes; never numbers).
SYMBOLS = ((re.compile(r">="), "\u2265"), (re.compile(r"<="), "\u2264"), (re.compile(r"\+/-"), "\u00b1"))
#: A hyphen-minus that is a number's sign: before a digit, not inside a word or a range ("−42.5", "(−60.8 to −12.0)").
SIGN = re.compile(r"(?<![\w.\u2013])-(?=\.?\d)")


def typographic_minus(cell: str) -> str:
    """A printed number cell with the minus sign (U+2212) a journal prints, not the hyphen:
    "-42.5 (-60.8 to -12.0)" as "−42.5 (−60.8 to −12.0)". The digits are numbers.py's."""
    return SIGN.sub("\u2212", cell)


def typographic(text: str) -> str:
    """Words as a journal prints them: ``>=`` as ≥, ``<=`` as ≤, ``+/-`` as ± ("≥ 67", not ">= 67")."""
    for pattern, symbol in SYMBOLS:
        text = pattern.sub(symbol, text)
    return text


def test_name(short: str) -> str:
    """The test named in words for a footnote ("Fisher's exact test") from the Test column's short name."""
    return TEST_NAMES.get(short, short)


def marker(index: int) -> str:
    """The footnote marker of the ``index``-th note (0: "a")."""
    letters = "abcdefghijklmnoprstuvwxyz"
    return letters[index] if index < len(letters) else letters[index // len(letters) - 1] + letters[index % len(letters)]


def superscript(letters: str) -> str:
    """Markers as Unicode superscript letters, for plain text."""
    return "".join(SUPERSCRIPT.get(c, c) for c in letters)


@dataclass
class Note:
    """A footnote under a table: its marker ("" unmarked) and text."""

    text: str
    marker: str = ""


@dataclass
class JournalTable:
    """Everything a writer prints of one table (:mod:`her2cohort.render.export`).

    ``display``: the body cells (strings, as :func:`render_table` draws them);
    ``headings``: the printed heading of each column (lines split by "\\n": a
    group and its "n = 34"); ``spanners``: merged headings over columns, as
    (text, first column, last column), 0-based, inclusive; ``marks``: footnote
    markers after a body cell ((row, column) -> "a") and ``heading_marks`` after a
    heading (column -> "a"); ``label_columns``: how many leading columns hold
    labels (left aligned; the rest are numbers, centred); ``notes``: footnotes in
    print order (legend first, marked notes, abbreviations, declared notes).
    """

    id: str
    display: pd.DataFrame
    headings: list[str]
    label: str = ""
    title: str = ""
    legend: str = ""
    spanners: list[tuple[str, int, int]] = field(default_factory=list)
    marks: dict[tuple[int, int], str] = field(default_factory=dict)
    heading_marks: dict[int, str] = field(default_factory=dict)
    label_columns: int = 1
    notes: list[Note] = field(default_factory=list)
    style: JournalStyle = field(default_factory=JournalStyle)

    @property
    def caption(self) -> str:
        """"Table 1. Title" as declared (label and text)."""
        return f"{self.label}. {self.title}" if self.label else self.title

    def is_section(self, row: int) -> bool:
        """A section heading: a row with text in its first cell only (printed bold)."""
        cells = [str(v).strip() for v in self.display.iloc[row]]
        return len(cells) > 1 and bool(cells[0]) and not any(cells[1:])

    def plain_cell(self, row: int, column: int) -> str:
        """A body cell with its marker as a Unicode superscript (Markdown, text)."""
        return str(self.display.iat[row, column]) + superscript(self.marks.get((row, column), ""))

    def plain_heading(self, column: int, joiner: str = ", ") -> str:
        """A heading on one line with its marker (Markdown: "Hetero-HER2, n = 53")."""
        return joiner.join(self.headings[column].split("\n")) + superscript(self.heading_marks.get(column, ""))


_LABEL = re.compile(r"^((?:Supplementary |ESM )?Table S?\d+[A-Za-z]?)\.\s+(.*)$", re.S)


def split_title(title: str) -> tuple[str, str]:
    """("Table 1", "Baseline characteristics") of "Table 1. Baseline characteristics"; ("", title) when unnumbered."""
    match = _LABEL.match(title.strip())
    return (match.group(1), match.group(2)) if match else ("", title.strip())


def compose(results, spec: Mapping, style: JournalStyle | None = None, printed: Printed | None = None) -> tuple[JournalTable, pd.DataFrame, Printed]:
    """The declared table ``spec`` drawn from ``results`` in ``style``: (the journal table, the tidy table, the record of printed numbers)."""
    from her2cohort.render.tables import render_table

    style = style or JournalStyle()
    printed = printed or Printed(style)
    display, tidy = render_table(results, spec, printed)
    attrs = dict(display.attrs)
    display = display.reset_index(drop=True)
    columns = [str(c) for c in display.columns]
    headings = [attrs.get("headings", {}).get(c, c) for c in columns]
    group_n = attrs.get("group_n", {})
    headings = [f"{h}\nn = {group_n[c]}" if c in group_n else h for h, c in zip(headings, columns)]
    label, title = split_title(spec.get("title", spec["id"]))
    table = JournalTable(id=spec["id"], display=display, headings=headings, label=label, title=title, legend=str(spec.get("legend", "") or ""), style=style)
    table.label_columns = int(attrs.get("label_columns", 1))
    # one style for symbols in the words of the table (labels, headings, title); numbers are printed by numbers.py
    for c in range(table.label_columns):
        table.display.iloc[:, c] = [typographic(str(v)) for v in table.display.iloc[:, c]]
    for c in range(table.label_columns, len(columns)):
        table.display.iloc[:, c] = [typographic_minus(str(v)) for v in table.display.iloc[:, c]]
    table.headings = [typographic(h) for h in table.headings]
    table.title, table.legend = typographic(table.title), typographic(table.legend)
    for text, first, last in attrs.get("spanners", []):
        table.spanners.append((typographic(text), columns.index(first), columns.index(last)))
    if "group_heading" in spec and attrs.get("group_columns"):
        positions = [columns.index(c) for c in attrs["group_columns"]]
        table.spanners.append((spec["group_heading"], min(positions), max(positions)))
    notes: list[Note] = []
    letters: dict[str, str] = {}

    def letter_for(text: str) -> str:
        if text not in letters:
            letters[text] = marker(len(letters))
            notes.append(Note(text, letters[text]))
        return letters[text]

    # the tests actually used: a marker on each p (or on a p heading when one test serves the column)
    for column, tests in attrs.get("column_tests", {}).items():
        table.heading_marks[columns.index(column)] = letter_for(test_name(tests))
    if "Test" in columns and "p" in columns and spec.get("layout") in ("baseline", "baseline_row_percent", "estimates"):
        p_at, test_at = columns.index("p"), columns.index("Test")
        for row in range(len(display)):
            short = str(display.iat[row, test_at])
            if str(display.iat[row, p_at]).strip() and short:
                table.marks[(row, p_at)] = letter_for(test_name(short))
        if not spec.get("test_column", False):
            table.display = display.drop(columns="Test")
            table.headings.pop(test_at)
            table.marks = {(r, c - (c > test_at)): m for (r, c), m in table.marks.items()}
            table.heading_marks = {c - (c > test_at): m for c, m in table.heading_marks.items()}
            table.spanners = [(t, a - (a > test_at), b - (b > test_at)) for t, a, b in table.spanners]
    # declared footnotes: plain text, or {text, after} attached to a printed label
    plain_notes = []
    for note in spec.get("footnotes", []):
        if isinstance(note, Mapping):
            letter = letter_for(typographic(str(note["text"])))
            _attach(table, typographic(str(note["after"])), letter)
        else:
            plain_notes.append(Note(typographic(str(note))))
    abbreviations = abbreviation_note(table, spec.get("abbreviations", {}))
    table.notes = notes + ([Note(abbreviations)] if abbreviations else []) + plain_notes
    return table, tidy, printed


def _attach(table: JournalTable, text: str, letter: str) -> None:
    """Put the marker ``letter`` after the printed label ``text`` (a body cell or a heading)."""
    for row in range(len(table.display)):
        for column in range(len(table.display.columns)):
            if str(table.display.iat[row, column]) == text:
                table.marks[(row, column)] = table.marks.get((row, column), "") + letter
                return
    for column, heading in enumerate(table.headings):
        if heading.split("\n")[0] == text:
            table.heading_marks[column] = table.heading_marks.get(column, "") + letter
            return
    printed = sorted({str(v) for v in table.display.to_numpy().ravel() if str(v).strip()} | {h.split("\n")[0] for h in table.headings})
    from her2cohort.errors import did_you_mean

    raise ValueError(f"footnotes: 'after: {text}' is no label the table prints: {did_you_mean(text, printed, 'its labels')}")


def abbreviation_note(table: JournalTable, declared: Mapping[str, Any]) -> str:
    """"CI, confidence interval; HR, hazard ratio." : the declared abbreviations and the
    statistical ones the table prints (headings, cells, caption), sorted case-blind."""
    words = " ".join([table.caption, *table.headings, *(h for h, _, _ in table.spanners), *map(str, table.display.to_numpy().ravel())])
    found = {k: v for k, v in STATISTICAL_ABBREVIATIONS.items() if k not in declared and re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", words)}
    entries = {**found, **{str(k): str(v) for k, v in declared.items()}}
    if not entries:
        return ""
    return "; ".join(f"{k}, {v}" for k, v in sorted(entries.items(), key=lambda kv: kv[0].casefold())) + "."


def as_journal(table: JournalTable | pd.DataFrame, caption: str | None = None, footnotes: Sequence[str] | None = None, style: JournalStyle | None = None) -> JournalTable:
    """A JournalTable from a display DataFrame (columns as headings), or the given one;
    ``caption`` ("Table 1. Title") and ``footnotes`` (unmarked) replace its own when given."""
    if isinstance(table, pd.DataFrame):
        table = JournalTable(id="table", display=table.reset_index(drop=True), headings=[str(c) for c in table.columns])
    else:
        table = JournalTable(**{k: getattr(table, k) for k in table.__dataclass_fields__})
    if caption is not None:
        table.label, table.title = split_title(caption)
    if footnotes is not None:
        table.notes = [n if isinstance(n, Note) else Note(str(n)) for n in footnotes]
    if style is not None:
        table.style = style
    return table


def note_lines(table: JournalTable) -> list[tuple[str, str]]:
    """(marker, text) of everything printed under a table: the legend first, then its notes."""
    return ([("", table.legend)] if table.legend else []) + [(n.marker, n.text) for n in table.notes]
