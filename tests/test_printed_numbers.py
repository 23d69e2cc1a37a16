"""Every number the pipeline prints is her2cohort.numbers' formatting of its source value.

Each table and figure writes ``{id}_numbers.csv``: every number it printed,
the value(s) at full precision it was printed from, the format and where it
went (:class:`her2cohort.numbers.Printed`). For every table and figure of
every study this checks that

* each recorded number reprints to exactly its text (one rounding rule, one
  format per kind of number);
* each recorded value read straight from a result is a value of that result
  (``source`` names the analysis; computed values say so and are checked by
  their format only);
* nothing else prints a number: in every format of every table (Markdown,
  LaTeX, Word, HTML) each value cell is the display cell (markers aside), and a display cell's
  digits all belong to recorded numbers; in every figure, every text drawn
  (``{id}_texts.csv``) is recorded numbers, words of the figure's declaration
  and of the data it draws, or a numeric axis scale.
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from her2cohort.numbers import reprint
from her2cohort.render.export import latex_escape
from her2cohort.render.tables.journal import SUPERSCRIPT, typographic_minus

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
STUDIES = {name: yaml.safe_load((ROOT / "config" / "studies" / f"{name}.yaml").read_text()) for name in CONFIG["studies"]}
TABLES = [(s, t["id"]) for s, study in STUDIES.items() for t in study.get("tables", [])]
FIGURES = [(s, f["id"]) for s, study in STUDIES.items() for f in study.get("figures", [])]
METAS = {name: yaml.safe_load((ROOT / "config" / "meta" / f"{name}.yaml").read_text()) for name in CONFIG.get("meta_analyses", [])}
META_FIGURES = [(m, f["id"]) for m, meta in METAS.items() for f in meta.get("figures", [])]
DIGIT = re.compile(r"\d")
#: Names with digits that are not numbers: McNemar's discordant cells, and the words
#: of axis titles the figure types write themselves.
NAMES = ("n12", "n21", "1 - specificity", "1 \u2212 specificity", "95% CI")
#: How a record says its value was computed, not read straight from the result.
COMPUTED = ("computed", " x ", "sum of")


def _numbers(folder, item: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{item}_numbers.csv", keep_default_na=False, dtype=str)


def _flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as one space (figures wrap long labels)."""
    return " ".join(str(text).split())


def _strip(text: str, pieces) -> str:
    text = _flat(text)
    for piece in sorted({_flat(p) for p in pieces if _flat(p)}, key=len, reverse=True):
        text = text.replace(piece, " ")
    return text


def _reprints(numbers: pd.DataFrame) -> list[str]:
    return [f"{r.where}: {r.text!r} is not {reprint(r.kind, r.values, r.options)!r}" for r in numbers.itertuples() if reprint(r.kind, r.values, r.options) != r.text]


def _sourced(numbers: pd.DataFrame, stats) -> list[str]:
    """Values recorded from a result that the result does not hold."""
    wrong = []
    for record in numbers.itertuples():
        analysis = record.source.split(" / ")[0].split(":")[0].strip()
        path = stats / f"{analysis}.csv"
        if not record.source or any(word in record.source for word in COMPUTED) or not path.exists():
            continue
        table = pd.read_csv(path, keep_default_na=False, na_values=[""], float_precision="round_trip")
        held = set(table.select_dtypes("number").to_numpy().ravel().tolist())
        for value in json.loads(record.values):
            if isinstance(value, float) and value == value and value not in held:
                wrong.append(f"{record.where}: {value!r} is not a value of {analysis}")
    return wrong


def _markdown_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[2:]]


@pytest.mark.parametrize(("study", "table"), TABLES)
def test_every_number_of_every_table_is_the_format_of_its_source(pipeline_run, study, table):
    folder = pipeline_run / "results" / study / "tables"
    numbers = _numbers(folder, table)
    assert _reprints(numbers) == []
    assert _sourced(numbers, pipeline_run / "results" / study / "stats") == []
    display = _markdown_rows((folder / f"{table}.md").read_text(encoding="utf-8"))
    header = [line for line in (folder / f"{table}.md").read_text(encoding="utf-8").splitlines() if line.startswith("|")][0]
    # a heading prints its group's size after a comma ("Hetero-HER2, n = 53") and may carry a test marker
    columns = [re.sub(r", n = \d+$", "", _plain(c.strip())) for c in header.strip("|").split("|")]
    recorded = numbers.groupby("where")["text"].apply(list).to_dict()
    value_columns = {w.split(", ", 1)[1] for w in recorded}
    loose = []
    for i, row in enumerate(display, start=1):
        for column, cell in zip(columns, row):
            # a number cell prints numbers.py's text with the typographic minus (journal.typographic_minus)
            if column in value_columns and DIGIT.search(_strip(cell, [*map(typographic_minus, recorded.get(f"row {i}, {column}", [])), *NAMES])):
                loose.append(f"row {i}, {column}: {cell!r}")
    assert loose == [], "digits no recorded number accounts for"
    # the other formats print the same cells (markers: superscripts in Markdown, <sup> in HTML, superscript runs in Word)
    from docx import Document

    plain = [[_plain(c) for c in row] for row in display]
    grid = Document(str(folder / f"{table}.docx")).tables[0]
    header_rows = sum(1 for r in grid.rows if r._tr.trPr is not None and r._tr.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None)
    word = [[c.text.replace("\t", " ").strip() for c in r.cells] for r in grid.rows][header_rows:]  # "<tab>60<tab>(29–71)": aligned by tab stops
    page = (folder / f"{table}.html").read_text(encoding="utf-8")
    body = page.split("<tbody>", 1)[1]
    cells = [[html.unescape(re.sub(r"</?sup>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)] for row in re.findall(r"<tr[^>]*>(<td.*?)</tr>", body)]
    latex = (folder / f"{table}.tex").read_text(encoding="utf-8")
    assert word == plain and cells == plain
    assert all(latex_escape(c.strip()) in latex for row in display for c in row if c.strip() and not SUPERSCRIPTS.intersection(c))


SUPERSCRIPTS = set(SUPERSCRIPT.values())


def _plain(text: str) -> str:
    """A cell with its superscript markers as plain letters (how Word's runs and HTML's <sup> read)."""
    back = {v: k for k, v in SUPERSCRIPT.items()}
    return "".join(back.get(ch, ch) for ch in text)


def _spec_words(spec) -> set[str]:
    if isinstance(spec, dict):
        return set().union(*(_spec_words(v) for v in spec.values()), {str(k) for k in spec}) if spec else set()
    if isinstance(spec, list):
        return set().union(*(_spec_words(v) for v in spec)) if spec else set()
    return {str(spec)}


def _is_scale(text: str) -> bool:
    try:
        float(text.replace("\u2212", "-").replace("%", ""))
        return True
    except ValueError:
        return False


@pytest.mark.parametrize(("study", "figure"), FIGURES)
def test_every_number_drawn_in_every_figure_is_the_format_of_its_source(pipeline_run, study, figure):
    spec = next(f for f in STUDIES[study]["figures"] if f["id"] == figure)
    _check_figure(pipeline_run / "results" / study, spec)


@pytest.mark.parametrize(("meta", "figure"), META_FIGURES)
def test_every_number_drawn_in_every_meta_analysis_figure_is_the_format_of_its_source(pipeline_run, meta, figure):
    spec = next(f for f in METAS[meta]["figures"] if f["id"] == figure)
    _check_figure(pipeline_run / "results" / "meta" / meta, spec)


def _check_figure(results, spec) -> None:
    folder, figure = results / "figures", spec["id"]
    numbers = _numbers(folder, figure)
    assert _reprints(numbers) == []
    assert _sourced(numbers, results / "stats") == []
    words = _spec_words({key: value for key, value in spec.items() if key != "layout"})  # a grid's "1, 2" are no words
    declared = STUDIES.get(results.name, {})
    words |= _spec_words({key: declared.get(key) for key in ("labels", "level_labels")})  # printed names declared once for the study
    if spec["type"] == "multi_panel":  # a multi-panel figure draws its panels' declarations
        words |= set().union(*(_spec_words(f) for f in declared["figures"] if f["id"] in spec["panels"]))
    for data in folder.glob(f"{figure}_*.csv"):
        if data.name not in (f"{figure}_numbers.csv", f"{figure}_texts.csv"):
            frame = pd.read_csv(data, dtype=str, keep_default_na=False)
            words |= set(frame.select_dtypes("object").to_numpy().ravel().tolist())
    texts = pd.read_csv(folder / f"{figure}_texts.csv", dtype=str, keep_default_na=False)["text"]
    pieces = set(numbers["text"]) | words | set(NAMES)
    loose = [text for text in texts if not _is_scale(text.strip()) and DIGIT.search(_strip(text, pieces))]
    assert loose == [], "texts with digits no recorded number or declared word accounts for"
