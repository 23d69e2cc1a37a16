"""End to end, every study of config/config.yaml: declared tables and figures exist in every
format, and the replication report holds the statuses reviewed for each published number.

The reviewed statuses are committed in tests/fixtures/replication/{study}.csv (location,
status). A change of status is a change of what the pipeline claims about a paper: it must
be reviewed and the fixture updated with it (``make replication-fixtures``), never silently.
"""

from __future__ import annotations

import struct
import zipfile

import pandas as pd
import pytest
import yaml

from conftest import ROOT, load_published
from her2cohort.numbers import reprint
from her2cohort.render.tables.journal import split_title
from her2cohort.replication.audit import COLUMNS, STATUSES, UNEXPLAINED

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
STUDIES = {name: yaml.safe_load((ROOT / "config" / "studies" / f"{name}.yaml").read_text()) for name in CONFIG["studies"]}
REPLICATED = [name for name, study in STUDIES.items() if study.get("replication")]


def png_dpi(path) -> float:
    """Horizontal resolution from the PNG pHYs chunk (pixels per metre -> dpi)."""
    data = path.read_bytes()
    at = data.find(b"pHYs")
    assert at > 0, f"{path}: no pHYs chunk"
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
    assert unit == 1
    return per_metre * 0.0254


@pytest.mark.parametrize("study", [s for s in STUDIES if STUDIES[s].get("tables")])
def test_every_declared_table_is_written_in_every_format(pipeline_run, study):
    folder = pipeline_run / "results" / study / "tables"
    for table in STUDIES[study]["tables"]:
        for suffix in ("csv", "md", "tex", "docx", "html"):
            path = folder / f"{table['id']}.{suffix}"
            assert path.exists() and path.stat().st_size > 0, path
        tidy = pd.read_csv(folder / f"{table['id']}.csv")
        assert len(tidy) > 0, table["id"]
        with zipfile.ZipFile(folder / f"{table['id']}.docx") as docx:
            assert "word/document.xml" in docx.namelist()
        markdown = (folder / f"{table['id']}.md").read_text()
        label, title = split_title(table["title"])  # "**Table 1.** Title"
        assert title in markdown and (not label or f"**{label}.**" in markdown)


@pytest.mark.parametrize("study", [s for s in STUDIES if STUDIES[s].get("figures")])
def test_every_declared_figure_is_vector_and_300_dpi(pipeline_run, study):
    folder = pipeline_run / "results" / study / "figures"
    for figure in STUDIES[study]["figures"]:
        for suffix in ("pdf", "svg", "png"):
            path = folder / f"{figure['id']}.{suffix}"
            assert path.exists() and path.stat().st_size > 0, path
        assert (folder / f"{figure['id']}.pdf").read_bytes().startswith(b"%PDF")
        assert b"<svg" in (folder / f"{figure['id']}.svg").read_bytes()[:2000]
        assert png_dpi(folder / f"{figure['id']}.png") == pytest.approx(300, abs=1)


@pytest.mark.parametrize("study", [s for s in STUDIES if STUDIES[s].get("figures")])
def test_every_number_a_figure_draws_is_printed_and_recorded(pipeline_run, study):
    """``{id}_numbers.csv``: each number as her2cohort.numbers prints it from its recorded value;
    ``{id}_texts.csv``: the texts drawn, each recorded number among them (a minus drawn as U+2212)."""
    folder = pipeline_run / "results" / study / "figures"
    for figure in STUDIES[study]["figures"]:
        numbers = pd.read_csv(folder / f"{figure['id']}_numbers.csv", dtype=str, keep_default_na=False)
        texts = pd.read_csv(folder / f"{figure['id']}_texts.csv", dtype=str, keep_default_na=False)
        assert len(numbers) and len(texts), figure["id"]
        assert [reprint(r.kind, r.values, r.options) for r in numbers.itertuples()] == list(numbers["text"]), figure["id"]
        drawn = "\n".join(texts["text"]).replace("\u2212", "-")
        missing = [text for text in numbers["text"] if text not in drawn]
        assert not missing, f"{figure['id']}: printed but not drawn: {missing}"


@pytest.mark.parametrize("study", REPLICATED)
def test_replication_report_has_every_published_number_once(pipeline_run, study):
    # published is the paper's text: read as text (a column of plain numbers would become floats, "41" -> "41.0")
    report = pd.read_csv(pipeline_run / "results" / study / "replication.csv", keep_default_na=False, na_values=[""], dtype={"published": str})
    assert list(report.columns) == COLUMNS
    published = load_published(ROOT / STUDIES[study]["published"])
    assert list(report["location"]) == [n["location"] for n in published["numbers"]]
    assert set(report["status"]) <= set(STATUSES)
    # the published column is the paper's text; every row not reproduced says why
    assert list(report["published"].astype(str)) == [n["printed"] for n in published["numbers"]]
    said = report["explanation"].fillna("").str.len().ge(10) | report["reasons"].fillna("").str.len().gt(0)  # its own words or a named reason
    unexplained = report[(report["status"] != "reproduced") & ~said]
    assert unexplained.empty, unexplained[["location", "status"]].to_string()
    bugs = report[report["explanation"].fillna("").str.startswith(UNEXPLAINED)]
    assert bugs.empty, "unexplained mismatches (a bug until explained):\n" + bugs[["location", "published", "reproduced"]].to_string()


@pytest.mark.parametrize("study", REPLICATED)
def test_replication_statuses_are_the_reviewed_ones(pipeline_run, study):
    report = pd.read_csv(pipeline_run / "results" / study / "replication.csv", keep_default_na=False, na_values=[""])
    expected = pd.read_csv(ROOT / "tests" / "fixtures" / "replication" / f"{study}.csv", keep_default_na=False)
    merged = expected.merge(report[["location", "status"]], on="location", how="outer", suffixes=("_reviewed", "_now"), indicator=True)
    changed = merged[(merged["_merge"] != "both") | (merged["status_reviewed"] != merged["status_now"])]
    assert changed.empty, "statuses differ from tests/fixtures/replication/:\n" + changed.to_string()


def test_combined_replication_summary_covers_every_study(pipeline_run):
    if not REPLICATED:
        pytest.skip("no study with a replication mapping configured")
    combined = pd.read_csv(pipeline_run / "results" / "replication.csv", keep_default_na=False, na_values=[""])
    assert sorted(combined["study"].unique()) == sorted(REPLICATED)
    summary = (pipeline_run / "results" / "replication.md").read_text()
    for study in REPLICATED:
        assert f"## {study}" in summary


@pytest.mark.parametrize("study", REPLICATED)
def test_no_number_within_tolerance_contradicts_the_printed_direction(pipeline_run, study):
    """A hazard or odds ratio within tolerance lies on the printed side of 1 (checked here from the
    report and the published file alone, independently of the audit's own rule)."""
    report = pd.read_csv(pipeline_run / "results" / study / "replication.csv", keep_default_na=False, na_values=[""]).set_index("location")
    published = load_published(ROOT / STUDIES[study]["published"])
    checked = 0
    for number in published["numbers"]:
        row = report.loc[number["location"]]
        if number["kind"] not in ("hazard_ratio", "odds_ratio") or row["status"] != "within_tolerance" or float(number["value"]) == 1:
            continue
        checked += 1
        assert (float(row["reproduced"]) > 1) == (float(number["value"]) > 1), number["location"]
    assert checked or study not in ("gastric_her2_loss", "gastric_her2_heterogeneity")  # these print ratios within tolerance


@pytest.mark.parametrize("study", REPLICATED)
def test_every_reproduced_number_says_where_it_is_shown(pipeline_run, study):
    report = pd.read_csv(pipeline_run / "results" / study / "replication.csv", keep_default_na=False, na_values=[""])
    computed = report[report["status"] != "not_computable"]
    assert computed["shown_in"].fillna("").str.len().gt(0).all(), computed.loc[computed["shown_in"].isna(), "location"].tolist()
    assert set(report["evidence"]) <= {"printed_counts", "patient_data", "reconstruction_input", "not_this_study"}


def test_the_report_opens_with_the_four_way_classification(pipeline_run):
    summary = (pipeline_run / "results" / "replication.md").read_text()
    first_table = summary[summary.index("\n| ") + 1 :].split("\n\n")[0]
    assert first_table.splitlines()[0].startswith("| study | counts: reproduced | counts: paper errors")
    assert summary.index("**Of the ") < summary.index("## What can prove each number") < summary.index("Counts by status")
    combined = pd.read_csv(pipeline_run / "results" / "replication.csv", keep_default_na=False, na_values=[""])
    counts = combined[combined["evidence"] == "printed_counts"]["status"].value_counts()
    assert f"**Of the {int(counts.sum())} numbers the printed counts determine, {int(counts.get('reproduced', 0))} reproduce and {int(counts.get('discrepant', 0))} are paper errors**" in summary
