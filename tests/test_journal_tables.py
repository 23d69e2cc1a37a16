"""Tables a journal takes (issue 15, item 1): caption and footnotes in every format, group n in
headings, statistic labels, superscript markers naming each test used, an abbreviation
footnote, a declared journal style, three-line Word tables on A4 or Letter, LaTeX that pdflatex
compiles with the caption numbered as declared."""

from __future__ import annotations

import html
import math
import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
import yaml

from conftest import ROOT
from her2cohort.numbers import JournalStyle, Printed, reprint
from her2cohort.render.export import (
    add_docx_table,
    add_markdown_table,
    latex_document,
    latex_escape,
    markdown_table,
    new_document,
    notes_markdown,
    save_docx,
    split_number,
    text_mm,
    number_tab_stop,
    to_docx,
    to_latex,
    write_table_files,
)
from her2cohort.render.html import table_html
from her2cohort.render.tables.journal import JournalTable, as_journal, compose, split_title, typographic, typographic_minus
from her2cohort.results import Results
from her2cohort.stats.table1 import baseline_table

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
STUDIES = {name: yaml.safe_load((ROOT / "config" / "studies" / f"{name}.yaml").read_text()) for name in CONFIG["studies"]}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def results() -> Results:
    data = pd.read_csv(ROOT / "tests" / "data" / "table1_patients.csv", keep_default_na=False, na_values=[""])
    tidy = baseline_table(data, [{"name": "age", "kind": "continuous"}, "sex", "ecog", {"name": "cea", "kind": "continuous"}], "group", group_levels=["heterogeneous", "homogeneous"])
    return Results.from_tables({"t1": tidy})


SPEC = {
    "id": "table1",
    "layout": "baseline",
    "from": "t1",
    "title": "Table 3. Characteristics by HER2 heterogeneity",
    "legend": "Patients with paired biopsies.",
    "options": {"continuous": "median_range", "decimals": {"cea": 1}},
    "group_labels": {"heterogeneous": "Hetero-HER2", "homogeneous": "Homo-HER2"},
    "labels": {"age": "Age (years)", "sex": "Sex", "cea": "CEA (ng/ml)"},
    "abbreviations": {"CEA": "carcinoembryonic antigen", "ECOG": "Eastern Cooperative Oncology Group"},
    "footnotes": ["Ages at diagnosis.", {"text": "Serum level at baseline.", "after": "CEA (ng/ml), median (range)"}],
}


@pytest.fixture(scope="module")
def composed(results):
    return compose(results, SPEC)


def test_group_n_in_headings_statistic_label_per_row_and_test_markers(composed):
    table, tidy, printed = composed
    data = pd.read_csv(ROOT / "tests" / "data" / "table1_patients.csv", keep_default_na=False, na_values=[""])
    sizes = {**data["group"].value_counts().to_dict(), "Total": len(data)}  # every patient, known age or not
    assert table.headings[2:5] == [f"Total\nn = {sizes['Total']}", f"Hetero-HER2\nn = {sizes['heterogeneous']}", f"Homo-HER2\nn = {sizes['homogeneous']}"]
    names = [n for n in table.display["Characteristic"] if n]
    assert names == ["Age (years), median (range)", "Sex, n (%)", "ecog, n (%)", "CEA (ng/ml), median (range)"]
    assert "Test" not in table.display.columns  # the test is named by the p's marker
    # one marker per test actually used, each named in words in its footnote
    used = {t for t in tidy.loc[tidy["group"] == "test", "test"]}
    marked = {table.marks[k] for k in table.marks if table.display.columns[k[1]] == "p"}
    notes = {n.marker: n.text for n in table.notes if n.marker}
    assert len(marked) == len({_short(t) for t in used}) and marked <= set(notes)
    assert {notes[m] for m in marked} <= {"Fisher's exact test", "Pearson's \u03c7\u00b2 test", "Mann\u2013Whitney U test"}
    for (row, column), mark in table.marks.items():
        if table.display.columns[column] == "p":
            assert table.display.iat[row, column] != ""


def _short(method: str) -> str:
    from her2cohort.render.labels import short_test

    return short_test(method)


def test_ages_in_whole_years_print_as_the_papers_print_them(composed):
    table, _, _ = composed
    age = table.display.iloc[0]
    assert re.fullmatch(r"\d+(\.5)? \(\d+\u2013\d+\)", age["Total"]), age["Total"]  # never "67.0 (35.0–86.0)"
    cea = table.display[table.display["Characteristic"].str.startswith("CEA")].iloc[0]
    assert re.fullmatch(r"\d+\.\d \(\d+\.\d\u2013\d+\.\d\)", cea["Total"]), cea["Total"]  # decimal data keep their decimal


def test_abbreviations_and_marked_footnotes(composed):
    table, _, _ = composed
    texts = [n.text for n in table.notes]
    assert "CEA, carcinoembryonic antigen; ECOG, Eastern Cooperative Oncology Group." in texts
    marked = next(n for n in table.notes if n.text == "Serum level at baseline.")
    row = table.display.index[table.display["Characteristic"] == "CEA (ng/ml), median (range)"][0]
    assert table.marks[(row, 0)] == marked.marker
    assert texts[-1] == "Ages at diagnosis."


def test_an_unknown_footnote_label_names_the_nearest(results):
    spec = {**SPEC, "footnotes": [{"text": "x", "after": "CEA, median (range)"}]}
    with pytest.raises(ValueError, match="CEA \\(ng/ml\\), median \\(range\\)"):
        compose(results, spec)


def test_caption_and_footnotes_in_every_format(composed, tmp_path):
    table, tidy, printed = composed
    written = {p.name for p in write_table_files(table, tidy, printed, tmp_path)}
    assert written == {f"table1.{s}" for s in ("csv", "notes.md", "md", "tex", "html", "docx")} | {"table1_numbers.csv"}
    notes = [n.text for n in table.notes]
    markdown = (tmp_path / "table1.md").read_text()
    assert markdown.startswith("**Table 3.** Characteristics by HER2 heterogeneity")
    assert all(n in markdown for n in ["Patients with paired biopsies.", *notes])
    assert "Hetero-HER2, n = " in markdown and "\u1d43" in markdown  # superscript a
    sidecar = (tmp_path / "table1.notes.md").read_text()
    assert "Table 3. Characteristics" in sidecar and all(n in sidecar for n in notes)
    page = (tmp_path / "table1.html").read_text()
    assert "<caption><b>Table 3.</b> Characteristics by HER2 heterogeneity</caption>" in page and "<sup>a</sup>" in page
    assert all(n.replace("'", "&#x27;") in page for n in notes)
    latex = (tmp_path / "table1.tex").read_text()
    assert r"\renewcommand{\thetable}{3}" in latex and r"\caption{Characteristics by HER2 heterogeneity}" in latex
    assert "Table 3." not in latex  # LaTeX numbers it: never "Table 1: Table 3."
    assert r"\textsuperscript{a}" in latex and latex.isascii()
    from docx import Document

    document = Document(str(tmp_path / "table1.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Table 3. Characteristics by HER2 heterogeneity"
    assert all(any(n in p for p in paragraphs) for n in notes)


def test_word_tables_are_three_line_tables_with_repeated_headings(composed, tmp_path):
    table, _, _ = composed
    to_docx(table, tmp_path / "a.docx")
    to_docx(table, tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    from docx import Document

    document = Document(str(tmp_path / "a.docx"))
    grid = document.tables[0]
    assert grid.style is None or grid.style.name != "Table Grid"
    xml = grid._tbl.xml
    borders = re.findall(r"<w:tcBorders>(.*?)</w:tcBorders>", xml, re.S)
    assert borders and not any(re.search(r"<w:(left|right|insideV|start|end) ", b) for b in borders)  # no vertical rules
    assert "w:tblBorders" not in xml and "w:tblStyle" not in xml
    header_rows = [r for r in grid.rows if r._tr.trPr is not None and r._tr.trPr.find(f"{W}tblHeader") is not None]
    assert len(header_rows) == 2  # the group names and their n, repeated on every page
    top = grid.rows[0].cells[0]._tc.tcPr.find(f"{W}tcBorders").find(f"{W}top")
    last = grid.rows[-1].cells[0]._tc.tcPr.find(f"{W}tcBorders").find(f"{W}bottom")
    under = grid.rows[1].cells[0]._tc.tcPr.find(f"{W}tcBorders").find(f"{W}bottom")
    assert top.get(f"{W}sz") == last.get(f"{W}sz") == "12" and under.get(f"{W}sz") == "6"
    widths = [c.width for c in grid.columns]
    assert len(set(widths)) > 1  # widths by content, not equal
    runs = [r for p in grid.rows[-1].cells[0].paragraphs for r in p.runs] + [r for row in grid.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert any(r.font.superscript for r in runs)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    to_docx(table, tmp_path / "letter.docx", style=JournalStyle(paper="letter"))
    section = Document(str(tmp_path / "letter.docx")).sections[0]
    assert (round(section.page_width.mm, 1), round(section.page_height.mm, 1)) == (215.9, 279.4)


def test_split_number_and_tab_stop():
    assert split_number("34 (70.8)") == ("34", "(70.8)")
    assert split_number("0.86 (0.45\u20131.62)") == ("0.86", "(0.45\u20131.62)")
    assert split_number("< 0.001") == ("< 0.001", "")
    # Times Roman: digits 0.5 em, a space 0.25 em, brackets 0.333 em; 9 pt = 3.175 mm
    assert text_mm("10") == pytest.approx(3.175)
    assert text_mm("(1)") == pytest.approx(3.175 * (0.333 * 2 + 0.5))
    lead, rest = text_mm("100"), text_mm(" (12.5)")
    assert number_tab_stop(["5 (1.0)", "100 (12.5)", ""], 30) == pytest.approx((30 - lead - rest) / 2 + lead)
    assert number_tab_stop(["", ""], 30) == 0.0


def test_numbers_print_the_minus_sign_not_the_hyphen():
    assert typographic_minus("-42.5 (-60.8 to -12.0)") == "\u221242.5 (\u221260.8 to \u221212.0)"
    for kept in ("25 (35\u201386)", "1.2e-05", "0-1", "IHC 2+", "3 - 4"):
        assert typographic_minus(kept) == kept
    results = Results.from_tables({"x": pd.DataFrame({"term": ["best-change"], "estimate": [-42.54]})})
    spec = {"id": "x", "layout": "listing", "from": "x", "title": "Table 9. Change", "columns": [{"column": "term", "heading": "Term"}, {"column": "estimate", "heading": "Median", "decimals": 1}]}
    table, _, _ = compose(results, spec)
    assert list(table.display.iloc[0]) == ["best-change", "\u221242.5"]  # the sign of a number, not a word's hyphen
    assert r"$-$42.5" in to_latex(table)


def test_word_numbers_align_on_their_leading_number(composed, tmp_path):
    """Every number cell is "<tab>number<tab>(rest)" against a right tab stop common to its
    column and a left one a space further: the counts end on one line, the brackets open on
    another, and the block fits inside the column."""
    table, _, _ = composed
    to_docx(table, tmp_path / "a.docx")
    from docx import Document

    grid = Document(str(tmp_path / "a.docx")).tables[0]
    header_rows = 2
    body = list(table.display.itertuples(index=False))
    for c in range(table.label_columns, len(table.headings)):
        stops = set()
        column_mm = grid.columns[c].width.mm - 2.4  # less the cell margins
        for r, row in enumerate(body):
            text = str(row[c])
            paragraph = grid.rows[header_rows + r].cells[c].paragraphs[0]
            if not text:
                continue
            lead, rest = split_number(text)
            assert paragraph.text.startswith("\t" + lead + ("\t" + rest if rest else "")), (r, c, paragraph.text)
            tabs = [(round(t.position.mm, 2), str(t.alignment)) for t in paragraph.paragraph_format.tab_stops]
            assert [a.split()[0] for _, a in tabs] == ["RIGHT", "LEFT"], tabs
            assert tabs[1][0] == pytest.approx(tabs[0][0] + text_mm(" "), abs=0.02)
            stops.add(tabs[0][0])
            assert tabs[0][0] >= text_mm(lead) - 0.01 and tabs[1][0] + text_mm(rest) <= column_mm + 0.05, (r, c)
        assert len(stops) == 1, (c, stops)  # one line for the column
    # heading cells left empty by a shorter heading are set at the table's size, not Word's 11 pt
    for row in grid.rows[:header_rows]:
        for cell in row.cells:
            assert cell.paragraphs[0]._p.pPr.find(f"{W}rPr").find(f"{W}sz").get(f"{W}val") == "18"


def test_merged_headings_over_endpoints():
    table = pd.DataFrame({"Covariate": ["Age"], "n": ["4"], "PFS HR (95% CI)": ["1.2 (0.5\u20132.0)"], "PFS p": ["0.3"]})
    from her2cohort.render.tables.journal import JournalTable

    journal = JournalTable(id="t", display=table, headings=["Covariate", "n", "HR (95% CI)", "p"], title="Table 2. Cox", spanners=[("PFS", 2, 3)], heading_marks={3: "a"})
    from docx import Document

    document = new_document()
    add_docx_table(document, journal)
    grid = document.tables[0]
    assert grid.rows[0]._tr.xml.count("w:gridSpan") == 1 and "PFS" in grid.rows[0].cells[2].text
    assert r"\multicolumn{2}{c}{PFS}" in to_latex(journal) and r"\cmidrule(lr){3-4}" in to_latex(journal)
    assert 'colspan="2"' in table_html(journal)
    assert "| Covariate | n | PFS HR (95% CI) | PFS p\u1d43 |" in markdown_table(journal)
    assert isinstance(document, type(Document()))


def test_manuscript_builders_append_tables(composed, tmp_path):
    table, _, _ = composed
    document = new_document(JournalStyle(paper="letter"))
    document.add_paragraph("Results")
    add_docx_table(document, table)
    add_docx_table(document, table.display, caption="Table 4. Plain", footnotes=["A note."])
    save_docx(document, tmp_path / "m.docx")
    from docx import Document

    again = Document(str(tmp_path / "m.docx"))
    assert len(again.tables) == 2
    texts = [p.text for p in again.paragraphs]
    assert texts[0] == "Results" and "Table 4. Plain" in texts and "A note." in texts
    blocks = add_markdown_table(["# Results"], table)
    assert len(blocks) == 2 and blocks[1].startswith("**Table 3.**")


def test_journal_style_p_ci_and_leading_zero():
    default = Printed()
    assert default("p_value", 0.0465) == "0.047" and default("p_value", 0.0001) == "< 0.001"
    assert default.records[0]["options"] == {}  # the default style prints and records as before
    jama = Printed(JournalStyle.from_config({"p_style": "<0.001", "leading_zero": False, "ci_separator": " to ", "p_decimals": 2}))
    assert jama("p_value", 0.0465) == ".05"
    assert jama("p_value", 0.0001) == "<.01"
    assert jama("estimate_ci", 1.344, 0.7, 2.55, decimals=2) == "1.34 (0.70 to 2.55)"
    assert jama("median_range", 68, 35, 86, decimals=1, whole=True) == "68 (35 to 86)"
    for record in jama.records:  # each number reprints from its record
        import json

        assert reprint(record["kind"], json.dumps(record["values"]), json.dumps(record["options"])) == record["text"]
    with pytest.raises(ValueError, match="p_style"):
        JournalStyle.from_config({"p_style": "p<.001"})
    with pytest.raises(ValueError, match="unknown key"):
        JournalStyle.from_config({"ci_sep": " to "})


def test_the_style_reaches_every_format(results, tmp_path):
    style = JournalStyle(p_style="<0.001", leading_zero=False, ci_separator=" to ")
    table, _, printed = compose(results, SPEC, style)
    ps = [c for c in table.display["p"] if c]
    assert ps and all(not c.startswith("0.") for c in ps)
    assert all(" to " in c for c in table.display["Total"][:1])


def test_words_print_symbols_not_ascii():
    assert typographic("Age >= 67, CEA <= 5.0, +/- 2") == "Age \u2265 67, CEA \u2264 5.0, \u00b1 2"
    spec = {"id": "t", "layout": "listing", "title": "Table 2. Levels >= 1+", "from": "x", "columns": [{"column": "level", "heading": "Level (>= 1+)"}]}
    table, _, _ = compose(Results.from_tables({"x": pd.DataFrame({"level": ["<= 60", "> 60"]})}), spec)
    assert list(table.display["Level (>= 1+)"]) == ["\u2264 60", "> 60"] and table.headings == ["Level (\u2265 1+)"]
    assert table.title == "Levels \u2265 1+"


def test_latex_spells_every_symbol_in_ascii():
    assert latex_escape("\u03c7\u00b2 (Yates) \u2265 5") == r"$\chi^2$ (Yates) $\geq$ 5"
    with pytest.raises(ValueError, match="U\\+2603"):
        latex_escape("\u2603")
    assert split_title("Table S2. Tests") == ("Table S2", "Tests")
    assert split_title("Survival (Results)") == ("", "Survival (Results)")


PDFLATEX = shutil.which("pdflatex")


def _compile(tmp_path, fragments) -> subprocess.CompletedProcess:
    """pdflatex twice (a longtable sets its columns' widths from the first pass), then the log
    must show no float taller than a page and nothing wider than the line."""
    (tmp_path / "doc.tex").write_text(latex_document(fragments))
    for _ in range(2):
        run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        if run.returncode:
            return run
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Float too large" not in log and "Overfull \\hbox" not in log, re.findall(r"(?:Float too large|Overfull \\hbox).*", log)
    return run


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex not installed (Debian: texlive-latex-recommended)")
def test_pdflatex_compiles_the_tables(composed, tmp_path):
    table, _, _ = composed
    plain = pd.DataFrame({"Test": ["\u03c7\u00b2 (Yates)", "Fisher's exact"], "p": ["< 0.001", "0.047"]})
    run = _compile(tmp_path, [to_latex(table, label="tab:t1"), to_latex(plain, caption="Supplementary tests")])
    assert run.returncode == 0, run.stdout[-3000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Table 3." not in log


def _long_table() -> JournalTable:
    rows = [{"Characteristic": f"Factor {i // 3} with a long descriptive name, n (%)" if i % 3 == 0 else "", "Level": f"Level {i % 3}", "A": f"{i} ({i / 2:.1f})", "B": f"{i + 1} ({i / 3:.1f})", "p": "0.5" if i % 3 == 0 else ""} for i in range(90)]
    table = as_journal(pd.DataFrame(rows), "Table 2. A table longer than a page")
    table.label_columns = 2
    return table


def test_a_table_longer_than_a_page_is_a_longtable():
    table = _long_table()
    latex = to_latex(table)
    assert r"\begin{longtable}" in latex and r"\endhead" in latex and r"\caption[]{(continued)}" in latex
    assert r"\begin{table}" not in latex and r"\renewcommand{\thetable}{2}" in latex
    short = to_latex(as_journal(pd.DataFrame({"a": ["x"] * 5, "b": ["1"] * 5}), "Table 1. Short"))
    assert r"\begin{table}" in short and "longtable}" not in short.split("\n", 1)[1]


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex not installed (Debian: texlive-latex-recommended)")
def test_pdflatex_breaks_a_long_table_across_pages_with_its_headings(tmp_path):
    run = _compile(tmp_path, [to_latex(_long_table())])
    assert run.returncode == 0, run.stdout[-3000:]
    pages = int(re.search(r"Output written on doc.pdf \((\d+) pages?", run.stdout).group(1))
    assert pages >= 2


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex not installed (Debian: texlive-latex-recommended)")
@pytest.mark.parametrize("study", [s for s in STUDIES if STUDIES[s].get("tables")])
def test_pdflatex_compiles_every_generated_table(pipeline_run, study, tmp_path):
    folder = pipeline_run / "results" / study / "tables"
    fragments = [(folder / f"{t['id']}.tex").read_text() for t in STUDIES[study]["tables"]]
    assert (folder / "all_tables.tex").read_text() == latex_document(fragments)
    run = _compile(tmp_path, fragments)
    assert run.returncode == 0, run.stdout[-3000:]
    from docx import Document

    assert len(Document(str(folder / "all_tables.docx")).tables) == len(fragments)


@pytest.mark.parametrize("study", [s for s in STUDIES if STUDIES[s].get("tables")])
def test_every_table_file_carries_its_caption_and_footnotes(pipeline_run, study):
    """The defects of issue 15 a test can see, in the files the pipeline writes."""
    from docx import Document

    folder = pipeline_run / "results" / study / "tables"
    for spec in STUDIES[study]["tables"]:
        label, title = split_title(typographic(spec["title"]))
        texts = {
            "md": (folder / f"{spec['id']}.md").read_text(),
            "html": html.unescape((folder / f"{spec['id']}.html").read_text()),
            "notes": (folder / f"{spec['id']}.notes.md").read_text(),
            "docx": "\n".join(p.text for p in Document(str(folder / f"{spec['id']}.docx")).paragraphs),
        }
        for kind, text in texts.items():
            assert title in text, (spec["id"], kind)
        latex = (folder / f"{spec['id']}.tex").read_text()
        assert latex.isascii() and "Table " + label.split("Table ")[-1] + "." not in latex if label else latex.isascii()
        for note in spec.get("footnotes", []):
            text = typographic(note["text"] if isinstance(note, dict) else note)
            assert all(text in t for t in texts.values()), (spec["id"], text)
        assert not re.search(r"[<>]=", texts["md"]), (spec["id"], "ASCII >= or <= in a table: print the symbol")
        page = texts["md"]
        assert "67.0 (35.0" not in page  # ages in whole years
        if re.search(r"\| (0\.\d{3}|< 0\.001)\S* \|", page) and spec["layout"] in ("baseline", "baseline_row_percent", "estimates", "hazard_ratios"):
            assert re.search("^[\u1d43\u1d47\u1d9c\u1d48] .*test", page, re.M), (spec["id"], "no footnote names the test")
        with zipfile.ZipFile(folder / f"{spec['id']}.docx") as docx:
            assert b"TableGrid" not in docx.read("word/document.xml")


def test_no_table_footnote_says_a_dash_means_not_reached():
    """breast_her2_low_evolution's `survival` prints NR now; a footnote explaining an en dash is stale.
    NR is explained by the abbreviation footnote the pipeline writes."""
    for name, study in STUDIES.items():
        for spec in study.get("tables", []):
            for note in spec.get("footnotes", []):
                text = note["text"] if isinstance(note, dict) else note
                assert not ("dash" in text and "not reached" in text), (name, spec["id"])
                assert not re.match(r"^[a-z] ", text), (name, spec["id"], "a marker typed into a footnote: use {text, after}")


def test_median_not_reached_is_explained(results):
    medians = pd.DataFrame([{"term": "median", "group": "a", "estimate": math.nan, "conf_low": 20.5, "conf_high": math.nan, "p_value": math.nan, "method": "Kaplan-Meier"}])
    spec = {"id": "s", "layout": "estimates", "title": "Survival", "rows": [{"label": "A", "from": "m", "row": {"group": "a"}, "decimals": 1}]}
    table, _, _ = compose(Results.from_tables({"m": medians}), spec)
    assert any("NR, not reached" in n.text for n in table.notes)
    assert "CI, confidence interval" in notes_markdown(table)


def test_declared_keys_statistic_label_group_heading_and_test_column(results):
    spec = {**SPEC, "statistic_label": "none", "group_heading": "HER2 heterogeneity", "test_column": True, "footnotes": []}
    table, _, _ = compose(results, spec)
    assert "Sex" in list(table.display["Characteristic"]) and "Test" in table.display.columns
    columns = list(table.display.columns)
    assert table.spanners == [("HER2 heterogeneity", columns.index("Hetero-HER2"), columns.index("Homo-HER2"))]  # the groups, not Total
    assert r"\multicolumn{2}{c}{HER2 heterogeneity}" in to_latex(table)
