"""The friendlier forms of a study file (her2cohort.declarations): each, endpoint, study-level labels.

Each form is expanded when the study loads; every rule sees the declarations it
stands for. The five studies' results are those of the written-out files (the
study files were converted without a change of any output but the term names
of logistic models, `h_score_le_170` -> `h_score_le_170:True vs False`:
docs/study-language.md, "Term names of models").
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from conftest import EXAMPLE_STUDY, ROOT, load_study
from her2cohort.declarations import apply_endpoints, expand_each, inherit_labels, study_label_problems, written_keys
from her2cohort.numbers import Printed
from her2cohort.render.tables import render_table
from her2cohort.results import Results

STUDIES = ROOT / "config" / "studies"


def expanded(items, key="analyses"):
    study, problems, origins = expand_each({key: items}, "s.yaml")
    return study[key], problems, origins


# ---------------------------------------------------------------- each


def test_each_is_the_product_of_its_axes_first_axis_outermost():
    items, problems, origins = expanded([
        {"id": "first", "type": "proportion", "params": {"outcome": "x"}},
        {"each": {"factor": [{"key": "age", "variable": "age_ge_67", "reference": True}, {"key": "ecog", "variable": "ecog", "reference": 0}],
                  "endpoint": ["pfs", "os"]},
         "id": "{endpoint}_cox_{factor.key}", "type": "cox", "endpoint": "{endpoint}",
         "description": "ESM 4, {endpoint}, {factor.variable} (reference {factor.reference})",
         "params": {"covariates": ["{factor.variable}"], "reference_levels": {"{factor.variable}": "{factor.reference}"}}},
        {"id": "last", "type": "proportion", "params": {"outcome": "x"}},
    ])
    assert problems == []
    assert [i["id"] for i in items] == ["first", "pfs_cox_age", "os_cox_age", "pfs_cox_ecog", "os_cox_ecog", "last"]
    # a whole placeholder keeps its type; inside text it is written as YAML writes it
    assert items[1]["params"] == {"covariates": ["age_ge_67"], "reference_levels": {"age_ge_67": True}}
    assert items[3]["params"]["reference_levels"] == {"ecog": 0}
    assert items[1]["description"] == "ESM 4, pfs, age_ge_67 (reference true)"
    assert "each" not in items[1] and items[2]["endpoint"] == "os"
    assert origins["analyses"] == [(0, ""), (1, "factor=age, endpoint=pfs"), (1, "factor=age, endpoint=os"), (1, "factor=ecog, endpoint=pfs"), (1, "factor=ecog, endpoint=os"), (2, "")]


def test_a_field_some_values_lack_leaves_its_key_out_and_an_unknown_field_is_an_error():
    template = {"id": "{f.key}", "type": "cox", "where": "{f.where}", "derive": "{f.derive}", "params": {"covariates": ["{f.key}"]}}
    items, problems, _ = expanded([{"each": {"f": [{"key": "a"}, {"key": "b", "where": "x > 1", "derive": {"c": "x > 2"}}]}, **template}])
    assert problems == []
    assert "where" not in items[0] and "derive" not in items[0]
    assert items[1]["where"] == "x > 1" and items[1]["derive"] == {"c": "x > 2"}
    _, problems, _ = expanded([{"each": {"f": [{"key": "a"}, {"key": "b", "where": "x > 1"}]}, "id": "{f.key}", "where": "{f.wher}"}])
    assert problems == ["s.yaml: at key 'analyses[0]': {f.wher}: no value of axis 'f' has a field 'wher'; did you mean 'where'? (its fields: key, where)"]


def test_braces_of_no_axis_stay_and_each_works_inside_a_table_or_figure():
    tables, problems, _ = expanded([{
        "id": "t", "layout": "tests", "title": "T", "legend": "c",
        "rows": [{"section": "S"}, {"each": {"group": ["lrr", "dm"]}, "label": "{group} ({n} patients)", "from": "logrank_{group}"}],
    }], key="tables")
    assert problems == []
    assert tables[0]["rows"] == [{"section": "S"}, {"label": "lrr ({n} patients)", "from": "logrank_lrr"}, {"label": "dm ({n} patients)", "from": "logrank_dm"}]


def test_each_mistakes_are_named():
    cases = {
        "s.yaml: at key 'analyses[0].each': must be a mapping of axes to lists of values, e.g. each: {endpoint: [pfs, os]}": {"each": ["pfs"], "id": "x"},
        "s.yaml: at key 'analyses[0].each.endpoint': must be a non-empty list of values": {"each": {"endpoint": []}, "id": "x"},
        "s.yaml: at key 'analyses[0].each': axis 'endpoint' is used by no template of the item (write {endpoint} where its value goes, e.g. in the id)": {"each": {"endpoint": ["pfs", "os"]}, "id": "x"},
    }
    for message, item in cases.items():
        assert expanded([item])[1] == [message]


def test_a_problem_of_an_expanded_item_names_the_item_as_written():
    origins = {"analyses": [(0, ""), (1, "endpoint=pfs"), (1, "endpoint=os"), (2, "")]}
    assert written_keys(["s.yaml: at key 'analyses.2.params': bad", "s.yaml: analyses[3] (x): bad too"], origins) == [
        "s.yaml: at key 'analyses.1.params' (from each: endpoint=os): bad",
        "s.yaml: analyses[2] (x): bad too",
    ]


def test_a_study_file_with_each_loads_with_its_problems_named_as_written(tmp_path):
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    study["analyses"].append({"each": {"endpoint": ["pfs", "os"]}, "id": "{endpoint}_km_all", "type": "kaplan_meier", "endpoint": "{endpoint}", "params": {"conf_typ": "log"}})
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False).replace("raw_dir: data/raw/example", f"raw_dir: {ROOT / 'data/raw/example'}"))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    index = len(study["analyses"]) - 1
    assert f"analyses[{index}] (from each: endpoint=pfs) (pfs_km_all): params do not fit kaplan_meier" in str(caught.value)
    assert "'conf_typ': did you mean 'conf_type'?" in str(caught.value)


# ---------------------------------------------------------------- endpoint


def test_endpoint_gives_time_and_event():
    study = {"endpoints": {"pfs": {}, "os": {}}, "analyses": [{"id": "a", "type": "cox", "endpoint": "pfs", "params": {"covariates": ["x"]}}],
             "figures": [{"id": "f", "type": "count_scatter", "panels": [{"endpoint": "os", "medians": "m"}]}]}
    assert apply_endpoints(study, "s.yaml") == []
    assert study["analyses"][0]["params"] == {"time": "pfs_months", "event": "pfs_event", "covariates": ["x"]}
    assert study["figures"][0]["panels"][0] == {"time": "os_months", "event": "os_event", "medians": "m"}


def test_an_unknown_endpoint_or_one_beside_other_columns_is_an_error():
    study = {"endpoints": {"pfs": {}, "os": {}}, "analyses": [{"id": "a", "type": "cox", "endpoint": "pfss", "params": {}},
                                                           {"id": "b", "type": "cox", "endpoint": "os", "params": {"time": "pfs_months"}},
                                                           {"id": "c", "type": "cox", "endpoint": "os", "params": {"time": "os_months", "event": "os_event"}}]}
    assert apply_endpoints(study, "s.yaml") == [
        "s.yaml: at key 'analyses[0].endpoint': 'pfss' is not an endpoint of the study: did you mean 'pfs'? (its endpoints: pfs, os)",
        "s.yaml: at key 'analyses[1].endpoint': endpoint 'os' is time 'os_months' and event 'os_event', not the time 'pfs_months' written beside it: write one or the other",
    ]  # the same columns written out too (an expanded declaration) are not a clash


def test_a_figure_problem_leaves_endpoints_applied_and_names_a_parameter_of_another_type(tmp_path):
    """A key a figure type does not take is reported alone: the analyses that name an
    endpoint are still checked with its time and event (no false "missing time"), and a
    parameter of another type says which types take it."""
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    next(f for f in study["figures"] if f["type"] == "roc")["kmunicate"] = True
    next(a for a in study["analyses"] if a["type"] == "time_dependent_cox")["params"]["group"] = "her2_change"
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False).replace("raw_dir: data/raw/example", f"raw_dir: {ROOT / 'data/raw/example'}"))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2, lines
    assert "(type roc): 'kmunicate' is not a key of roc ('kmunicate' is a key of km)" in lines[0]
    assert "params do not fit time_dependent_cox: got an unexpected keyword argument 'group'" in lines[1]
    assert "('group' is a parameter of baseline_table, " in lines[1]


def test_endpoint_on_a_type_without_time_and_event_is_an_error():
    from her2cohort.analyses import check_analyses

    problems = check_analyses([{"id": "a", "type": "proportion", "endpoint": "pfs", "params": {"outcome": "x", "time": "pfs_months", "event": "pfs_event"}}], "s.yaml")
    assert problems == ["s.yaml: analyses[0] (a): endpoint 'pfs': proportion takes no time and event (its parameters: outcome, group, success, group_levels, conf_level, null_proportion)"]


# ---------------------------------------------------------------- study-level labels


def study_with_labels():
    return {
        "labels": {"sex": "Gender", "her2_change": "HER2 change"},
        "level_labels": {"sex": {"male": "Male", "female": "Female"}, "her2_change": {"persistent": "Persistence", "loss": "Loss"}, "ihc": {2: "IHC 2+", 3: "IHC 3+"}},
        "analyses": [
            {"id": "t1", "type": "baseline_table", "params": {"group": "her2_change", "variables": ["sex", {"name": "age", "kind": "continuous"}]}},
            {"id": "km", "type": "kaplan_meier", "params": {"time": "t", "event": "e", "group": "her2_change"}},
            {"id": "shift", "type": "shift_table", "params": {"before": "ihc", "after": "ihc_after"}},
        ],
        "tables": [
            {"id": "table1", "layout": "baseline", "from": "t1", "labels": {"age": "Age"}, "level_labels": {"sex": {"male": "Men"}}},
            {"id": "hr", "layout": "hazard_ratios", "covariates": [{"variable": "her2_change", "levels": [{"level": "persistent"}, {"level": "loss", "label": "Lost"}], "models": {}}]},
            {"id": "shifts", "layout": "shift", "blocks": [{"label": "IHC", "from": "shift", "level_labels": {"1": "IHC 0 or 1+"}}]},
        ],
        "figures": [{"id": "f", "type": "km", "from": "km", "group_labels": {"loss": "Loss of HER2"}}],
    }


def test_study_level_labels_reach_every_table_and_figure_under_their_own():
    study = study_with_labels()
    inherit_labels(study)
    table1, hr, shifts = study["tables"]
    assert table1["labels"] == {"sex": "Gender", "age": "Age"}
    assert table1["level_labels"] == {"sex": {"female": "Female", "male": "Men"}}
    assert table1["group_labels"] == {"persistent": "Persistence", "loss": "Loss"}
    assert table1["inherited_labels"] == {"labels": ["sex"], "level_labels.sex": ["female"], "group_labels": ["persistent", "loss"]}
    assert hr["covariates"][0]["label"] == "HER2 change" and [lv.get("label") for lv in hr["covariates"][0]["levels"]] == ["Persistence", "Lost"]
    assert shifts["blocks"][0]["level_labels"] == {2: "IHC 2+", 3: "IHC 3+", "1": "IHC 0 or 1+"}
    assert study["figures"][0]["group_labels"] == {"persistent": "Persistence", "loss": "Loss of HER2"}


def test_an_inherited_label_need_not_match_but_an_own_one_must(tmp_path):
    """A study-level level no table prints is not an error; a table's own label of a level
    it does not print still is (her2cohort.render.labels.unknown_label_keys)."""
    pd.DataFrame([
        {"analysis": "t1", "type": "baseline_table", "row_type": "summary", "variable": "sex", "kind": "categorical", "label": "sex", "level": "male", "group": "Total", "n": 3, "denominator": 3, "percent": 100.0},
    ]).to_csv(tmp_path / "t1.csv", index=False)
    results = Results(tmp_path)
    study = {"labels": {}, "level_labels": {"sex": {"male": "Male", "female": "Female", "other": "Other"}},
             "analyses": [{"id": "t1", "type": "baseline_table", "params": {"variables": ["sex"]}}],
             "tables": [{"id": "t", "layout": "baseline", "from": "t1"}]}
    inherit_labels(study)
    display, _ = render_table(results, study["tables"][0], Printed())
    assert display["Level"].tolist() == ["Male"]
    spec = {**study["tables"][0], "level_labels": {"sex": {**study["tables"][0]["level_labels"]["sex"], "mal": "Typo"}}}
    with pytest.raises(ValueError, match="level_labels.sex: 'mal' matches nothing printed here: did you mean 'male'?"):
        render_table(results, spec, Printed())


def test_a_study_level_label_of_no_column_the_study_names_is_an_error():
    study = study_with_labels()
    study["labels"]["sexx"] = "Gender"
    assert study_label_problems(study, "s.yaml") == [
        "s.yaml: at key 'labels.sexx': 'sexx' is not a column the study's analyses, tables or figures name, so its label would label nothing: did you mean 'sex'? "
        + study_label_problems(study, "s.yaml")[0].split("did you mean 'sex'? ", 1)[1]
    ]


def test_a_design_and_the_study_extending_it_merge_labels_key_by_key(tmp_path):
    design = yaml.safe_load((STUDIES / "gastric_her2_loss.yaml").read_text())
    (tmp_path / "gastric_her2_loss.yaml").write_text((STUDIES / "gastric_her2_loss.yaml").read_text())
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump({
        "study": "mine", "title": "Mine", "raw_dir": "data/raw/gastric_her2_loss_cohort_b", "extends": "gastric_her2_loss",
        "level_labels": {"her2_change": {"persistent": "Persistent", "loss": "Lost"}},
    }))
    study = load_study(tmp_path / "mine.yaml")
    assert study["level_labels"]["her2_change"] == {"persistent": "Persistent", "loss": "Lost"}
    assert study["level_labels"]["sex"] == design["level_labels"]["sex"]
    km = next(f for f in study["figures"] if f["id"] == "supplementary_figure2_pfs")
    assert km["group_labels"] == {"persistent": "Persistent", "loss": "Lost"}


# ---------------------------------------------------------------- the converted studies


def test_the_esm4_block_is_one_each_for_22_declarations():
    """gastric_her2_heterogeneity: the 20 univariable Cox models of ESM 4 and the 10 rows
    of its table come from one list of factors."""
    written = yaml.safe_load((STUDIES / "gastric_her2_heterogeneity.yaml").read_text())
    study = load_study(STUDIES / "gastric_her2_heterogeneity.yaml")
    cox = [a["id"] for a in study["analyses"] if a["id"].startswith(("pfs_cox_", "os_cox_")) and "fragments" not in a["id"] and "multivariable" not in a["id"]]
    assert len(cox) == 22 and sum("each" in a for a in written["analyses"]) == 3
    age = next(a for a in study["analyses"] if a["id"] == "os_cox_age")
    assert age["params"] == {"time": "os_months", "event": "os_event", "covariates": ["age_ge_67"], "reference_levels": {"age_ge_67": True}}
    table = next(t for t in study["tables"] if t["id"] == "esm4_univariable")
    assert [c["label"] for c in table["covariates"]] == ["Age", "Sex", "ECOG PS", "Primary tumor site", "Histological type", "HER2 status",
                                                          "Visceral metastasis", "Platinum-based", "CEA (ng/ml)", "CA 19-9 (U/ml)", "HER2 heterogeneity"]
