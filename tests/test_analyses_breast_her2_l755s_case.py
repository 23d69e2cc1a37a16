"""Declared analyses of the L755S case report on the committed raw data, against R, and the
pieces they need: analyses on the treatment lines (``data: treatment_lines``), the
``treatment_timeline`` analysis, the ``listing`` layout and the ``swimmer`` figure.

The patient's printed numbers (age, cycles, durations, VAF, purity, copy number) are
inputs of the reconstruction and must equal the printed ones (read from data/published/).
The held-out results of the clonal arithmetic (78%, ~12.5) are not expectations here: the
arithmetic is checked against R on the same raw values (tests/r/breast_her2_l755s_case.R).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import ROOT, load_mapping, load_published
from her2cohort.analyses import run_analysis, with_patient_columns
from her2cohort.errors import StudyConfigError
from her2cohort.render.figures import FIGURES
from her2cohort.render.figures.sources import Sources
from her2cohort.numbers import Printed
from her2cohort.render.tables import LAYOUTS
from her2cohort.results import Results
from her2cohort.stats._result import StatisticsError
from her2cohort.stats.timeline import treatment_timeline
from recount import assert_printed, cleaned, published_by_location

STUDY = "breast_her2_l755s_case"
R = ROOT / "tests" / "fixtures" / "r" / STUDY


@pytest.fixture(scope="module")
def built():
    return cleaned(STUDY)


@pytest.fixture(scope="module")
def study(built):
    config = built.config
    lines = built.cohort.treatment_lines
    results = {a["id"]: run_analysis(built.analysis, a, config.get("derive"), treatment_lines=lines) for a in config["analyses"]}
    return config, results


@pytest.fixture(scope="module")
def published():
    return published_by_location(STUDY)


def test_every_declared_analysis_returns_rows(study):
    config, results = study
    assert [a["id"] for a in config["analyses"]] == list(results)
    for analysis_id, result in results.items():
        assert len(result) > 0, analysis_id
        assert (result["analysis"] == analysis_id).all()


def test_timeline_agrees_with_r_from_the_raw_dates(study):
    _, results = study
    ours = results["treatment_timeline"].set_index("line")
    r = pd.read_csv(R / "lines.csv").set_index("line")
    assert list(ours.index) == list(r.index)
    for column in ("start_months", "stop_months", "duration_months", "time_to_progression_months"):
        for line in r.index:
            expected, got = r.loc[line, column], ours.loc[line, column]
            if pd.isna(expected):
                assert pd.isna(got), (column, line)
            else:
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (column, line)
    assert ours["ongoing"].tolist() == r["ongoing"].tolist()
    assert ours["cycles"].fillna(-1).tolist() == r["cycles"].fillna(-1).tolist()
    assert (ours["estimate"] == ours["duration_months"]).all()


def test_clonal_arithmetic_agrees_with_r(study):
    _, results = study
    row = results["clonality"].iloc[0]
    r = pd.read_csv(R / "clonality.csv").iloc[0]
    for column in ("total_copies_per_cell", "mutant_copies_per_cell", "mutant_cell_fraction", "mutant_alleles_per_tumour_cell"):
        assert row[column] == pytest.approx(r[column], rel=1e-12), column


def test_the_patients_printed_numbers_are_recounted(study, published):
    _, results = study
    lines = results["treatment_timeline"].set_index("line")
    for line, location in {1: "Patient story / line 1 AC / cycles", 2: "Patient story / line 2 PER+HER+DTX / cycles",
                           4: "Patient story / line 4 trastuzumab+VNR / cycles", 5: "Patient story / line 5 Lap+Cap / cycles",
                           6: "Patient update / line 6 T-DXd / cycles"}.items():
        assert_printed(published, location, lines.loc[line, "cycles"])
    assert_printed(published, "Patient story / line 2 PER+HER+DTX / duration", lines.loc[2, "time_to_progression_months"])
    assert_printed(published, "Patient story / line 3 T-DM1 / response duration", lines.loc[3, "time_to_progression_months"] / 12)
    table = results["patient_characteristics"]
    age = table[(table.row_type == "summary") & (table.variable == "age_years")].iloc[0]
    assert_printed(published, "Patient story / age at presentation", age["median"])
    clonality = results["clonality"].iloc[0]
    assert_printed(published, "Molecular tumor board / Genotyping results / tumour purity", 100 * clonality["primary_tumour_purity"])
    assert_printed(published, "Molecular tumor board / Genotyping results / L755S VAF", 100 * clonality["primary_variant_allele_frequency"])
    assert_printed(published, "Molecular tumor board / Genotyping results / HER2 copy number", clonality["primary_gene_copy_number"])


# ------------------------------------------------------------ analyses on the treatment lines


def test_lines_keep_their_own_value_of_a_shared_column():
    lines = pd.DataFrame({"patient_key": ["P001", "P001", "P002"], "line": [1, 2, 1], "best_response": ["PD", "PR", "SD"]})
    patients = pd.DataFrame({"patient_key": ["P001", "P002"], "best_response": ["CR", "CR"], "age_years": [47, 60]})
    joined = with_patient_columns(lines, patients)
    assert joined["best_response"].tolist() == ["PD", "PR", "SD"]
    assert joined["age_years"].tolist() == [47, 47, 60]
    assert len(joined) == len(lines)


def test_line_analyses_see_the_study_derive_and_filter_on_patient_columns(built):
    analysis = {"id": "later_lines", "type": "treatment_timeline", "data": "treatment_lines", "where": "line >= 4 and stage_iv", "params": {"follow_up": "follow_up_months"}}
    result = run_analysis(built.analysis, analysis, built.config["derive"], treatment_lines=built.cohort.treatment_lines)
    assert result["line"].tolist() == [4, 5, 6]


def test_a_line_analysis_without_treatment_lines_is_a_clear_error(built):
    analysis = {"id": "timeline", "type": "treatment_timeline", "data": "treatment_lines", "params": {}}
    with pytest.raises(StudyConfigError, match="data: treatment_lines"):
        run_analysis(built.analysis, analysis, built.config["derive"], treatment_lines=pd.DataFrame())


def _lines(**columns):
    base = {"patient_key": ["P001", "P001"], "line": [1, 2], "start_months": [0.0, 5.0], "end_months": [4.0, math.nan], "progression_months": [4.0, math.nan]}
    base.update(columns)
    return pd.DataFrame(base)


def test_an_ongoing_line_stops_at_last_contact_and_is_flagged():
    timeline = treatment_timeline(_lines(follow_up_months=[11.5, 11.5]), follow_up="follow_up_months").set_index("line")
    assert timeline.loc[2, "stop_months"] == 11.5 and timeline.loc[2, "duration_months"] == 6.5
    assert bool(timeline.loc[2, "ongoing"]) and not bool(timeline.loc[1, "ongoing"])
    assert "censored" in timeline.loc[2, "note"]
    assert math.isnan(timeline.loc[2, "time_to_progression_months"]) and timeline.loc[1, "time_to_progression_months"] == 4.0


def test_an_ongoing_line_without_follow_up_has_no_duration():
    timeline = treatment_timeline(_lines()).set_index("line")
    assert math.isnan(timeline.loc[2, "duration_months"]) and "no follow-up" in timeline.loc[2, "note"]


def test_a_line_without_end_stops_at_its_progression():
    timeline = treatment_timeline(_lines(end_months=[math.nan, math.nan], progression_months=[3.0, 7.0])).set_index("line")
    assert timeline["stop_months"].tolist() == [3.0, 7.0] and not timeline["ongoing"].any()


def test_a_repeated_line_or_a_stop_before_the_start_is_refused():
    with pytest.raises(StatisticsError, match="line 1 appears 2 times"):
        treatment_timeline(_lines(line=[1, 1]))
    with pytest.raises(StatisticsError, match="before its start"):
        treatment_timeline(_lines(end_months=[-1.0, math.nan]))
    with pytest.raises(StatisticsError, match="'cycles' not in"):
        treatment_timeline(_lines(), carry=["cycles"])


# ------------------------------------------------------------ table and figure


def test_treatment_lines_listing_prints_every_line(study):
    config, results = study
    spec = next(t for t in config["tables"] if t["id"] == "table_treatment_lines")
    display, tidy = LAYOUTS["listing"](Results.from_tables(results), spec, Printed())
    assert len(display) == len(results["treatment_timeline"]) == len(tidy)
    assert list(display.columns) == [c["heading"] for c in spec["columns"]]
    ongoing = display[display["Ongoing at last contact"] == "Yes"]
    assert ongoing["Line"].tolist() == ["6"] and ongoing["Time to progression (months)"].iloc[0] == "\u2013"
    assert display.loc[display["Line"] == "2", "Time on line (months)"].iloc[0] == f"{results['treatment_timeline'].set_index('line').loc[2, 'duration_months']:.1f}"


def test_clonality_listing_transposes_one_row(study):
    config, results = study
    spec = next(t for t in config["tables"] if t["id"] == "table_clonality")
    display, _ = LAYOUTS["listing"](Results.from_tables(results), spec, Printed())
    assert list(display.columns) == ["Quantity", "Value"]
    assert display["Quantity"].tolist() == [c["heading"] for c in spec["columns"]]
    fraction = display.set_index("Quantity").loc["Tumour cells carrying L755S, all-or-none (%)", "Value"]
    assert fraction == f"{100 * results['clonality']['mutant_cell_fraction'].iloc[0]:.1f}"


def test_swimmer_draws_every_line_and_the_declared_references(study):
    config, results = study
    spec = next(f for f in config["figures"] if f["id"] == "figure1_treatment_course")
    sources = Sources(results=Results.from_tables(results), analysis_set=pd.DataFrame())
    figure, drawn = FIGURES["swimmer"](sources, spec, Printed())
    axis = figure.axes[0]
    timeline = results["treatment_timeline"]
    assert len(axis.patches) == len(timeline)
    for bar, row in zip(axis.patches, timeline.itertuples()):
        assert bar.get_x() == pytest.approx(row.start_months) and bar.get_width() == pytest.approx(row.duration_months)
    texts = [t.get_text() for t in axis.texts]
    assert any(t.startswith("9 cycles, \u2265 ") and t.endswith("(ongoing)") for t in texts)
    assert drawn["references"][["line", "months"]].to_dict("records") == [{"line": r["line"], "months": r["months"]} for r in spec["references"]]
    assert drawn["lines"]["duration_months"].tolist() == timeline["duration_months"].tolist()


def test_a_reference_to_a_missing_line_is_refused(study):
    _, results = study
    sources = Sources(results=Results.from_tables(results), analysis_set=pd.DataFrame())
    with pytest.raises(ValueError, match="no treatment line 9"):
        FIGURES["swimmer"](sources, {"from": "treatment_timeline", "references": [{"line": 9, "months": 5.0, "label": "trial"}]}, Printed())


def test_replication_mapping_covers_every_published_number():
    published = load_published(ROOT / "data" / "published" / f"{STUDY}.yaml")
    mapping = load_mapping(ROOT / "config" / "replication" / f"{STUDY}.yaml", published)
    located = {loc for entry in mapping["reproduce"] for loc in ([entry["at"]] if isinstance(entry["at"], str) else entry["at"])}
    assert located == {n["location"] for n in published["numbers"]}
    # the cited trials' medians are numbers about other studies: never read as the patient's
    for entry in mapping["reproduce"]:
        if any("median PFS" in loc for loc in ([entry["at"]] if isinstance(entry["at"], str) else entry["at"])):
            assert "not_computable" in entry
