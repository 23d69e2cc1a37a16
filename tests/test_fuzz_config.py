"""Bad configuration, everywhere: study files, config/config.yaml and analysis parameters.

A study file that cannot be read (not UTF-8, empty, not YAML, a key twice, a
list at the top, absurdly nested, missing), a key of the wrong type or with an
impossible value, an analysis parameter of the wrong type or naming a column
that does not exist: each is a ``ValueError`` (what the workflow turns into a
message before any job) naming the file and the key, or, when the file is
valid but cannot be applied to the data, a ``StudyConfigError`` /
``CohortDataError`` from the stage that finds out (naming the key and the
file). Never another exception. Random mutations of every study file
(hypothesis, derandomised, a fixed number of examples) hold to the same rule
through cleaning and classification.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, load_study
from her2cohort.analyses import CATALOGUE, run_analysis
from her2cohort.classify import analysis_set, classify_specimens
from her2cohort.cleaning import clean_cohort
from her2cohort.config import analysis_param_errors, load_yaml, schema_errors
from her2cohort.errors import CohortDataError, StudyConfigError
from her2cohort.stats._result import StatisticsError
from test_degenerate import PARAMS, SCENARIOS

STUDY_FILES = sorted((ROOT / "config" / "studies").glob("*.yaml"))
SCHEMAS = ROOT / "config" / "schemas"
IDS = [p.stem for p in STUDY_FILES]


def dump(study: dict) -> str:
    """YAML text of a study (JSON is YAML, and much faster to write than yaml.safe_dump)."""
    return json.dumps(study, ensure_ascii=False)


def write_study(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def load_or_clear_error(path: Path) -> dict | None:
    """load_study's result, or None after checking its ValueError names the file on every line."""
    try:
        return load_study(path)
    except ValueError as err:
        lines = str(err).splitlines()
        assert lines and all(line.startswith(str(path)) for line in lines), str(err)[:2000]
        return None


# ---------------------------------------------------------------------------
# Files that cannot be read
# ---------------------------------------------------------------------------

UNREADABLE = {
    "not_utf8": lambda text: text.encode("utf-8").replace(b"title:", b"title: caf\xe9", 1),
    "empty": lambda text: "",
    "only_comments": lambda text: "# nothing here\n",
    "not_yaml": lambda text: text + "\nanalyses: [unclosed\n",
    "top_level_list": lambda text: "- study\n- title\n",
    "key_twice": lambda text: text + "\ntitle: again\n",
    "nested_key_twice": lambda text: text.replace("her2_guideline:", "endpoints: {pfs: {origin: a_date, origin: b_date, events: [x_date]}}\nher2_guideline:", 1),
    "absurdly_nested": lambda text: text.replace("title:", "title: " + "[" * 3000 + "]" * 3000 + "\nold_title:", 1),
    "tabs": lambda text: text.replace("  ", "\t", 3),
}


@pytest.mark.parametrize("fault", sorted(UNREADABLE))
@pytest.mark.parametrize("path", STUDY_FILES, ids=IDS)
def test_an_unreadable_study_file_is_an_error_naming_it(path, fault, tmp_path):
    bad = write_study(tmp_path, path.stem, UNREADABLE[fault](path.read_text(encoding="utf-8")))
    assert load_or_clear_error(bad) is None


def test_a_key_given_twice_is_named_with_both_lines(tmp_path):
    path = write_study(tmp_path, "example", (ROOT / "config/studies/example.yaml").read_text() + "title: again\n")
    lines = path.read_text().splitlines()
    first = lines.index(next(line for line in lines if line.startswith("title:"))) + 1
    with pytest.raises(ValueError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}, line {len(lines)}, column 1: not valid YAML: key 'title' appears twice (first on line {first})"


def test_a_missing_or_folder_study_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match="file not found"):
        load_yaml(tmp_path / "nowhere.yaml")
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        load_yaml(tmp_path / "folder.yaml")


# ---------------------------------------------------------------------------
# Keys of the wrong type or with impossible values
# ---------------------------------------------------------------------------

WRONG_VALUES = {"number": 5, "null": None, "very_long": "x" * 100_000, "mapping": {"unexpected": [["nested"]]}}


@functools.lru_cache(maxsize=None)
def original(path: Path) -> dict:
    return load_yaml(path)  # libyaml's parser: the tests below read each study many times


KEY_CASES = [(p, k) for p in STUDY_FILES for k in sorted(original(p))]


#: Text keys that only label outputs: any text is valid there, and cleaning does not read them.
LABELS = {"title", "source", "software", "registry_label", "published", "replication"}


@pytest.mark.parametrize(("path", "key"), KEY_CASES, ids=[f"{p.stem}-{k}" for p, k in KEY_CASES])
def test_a_key_of_the_wrong_type_is_an_error_naming_file_and_key(path, key, tmp_path):
    for label, value in WRONG_VALUES.items():
        study = {**original(path), key: value}
        loaded = load_or_clear_error(write_study(tmp_path, path.stem, dump(study)))
        if loaded is not None:  # valid by the schema: only free text where free text is allowed
            assert isinstance(value, str) and key in LABELS, (key, label)


def clean_or_clear(study: dict) -> None:
    """Cleaning and classification of the study's own data: a result or a clear error."""
    try:
        cohort = clean_cohort(ROOT / study["raw_dir"], study)
        classified = classify_specimens(cohort.specimens, study["her2_guideline"]) if not cohort.specimens.empty else cohort.specimens
        analysis_set(cohort.patients, classified, study.get("comparison"))
    except (StudyConfigError, CohortDataError) as err:
        assert str(err).strip()


#: Valid by the schema, impossible for the data: the stage that finds out names the key.
SEMANTIC = {
    "index_date_not_a_column": (lambda s: s.update(index_date="nowhere_date"), "index_date"),
    "endpoint_event_not_a_column": (lambda s: s["endpoints"]["pfs"].update(events=["nowhere_date"]), "endpoints.pfs"),
    "endpoint_origin_not_a_column": (lambda s: s["endpoints"]["os"].update(origin="nowhere_date"), "endpoints.os"),
    "inclusion_column_not_a_column": (lambda s: s["inclusion"].append({"label": "x", "reason": "y", "require": {"not_missing": "nowhere"}}), "inclusion"),
    "inclusion_values_column_not_a_column": (lambda s: s["inclusion"].append({"label": "x", "reason": "y", "require": {"in": {"column": "nowhere", "values": [1]}}}), "inclusion"),
    "inclusion_query_not_a_column": (lambda s: s["inclusion"].append({"label": "x", "reason": "y", "require": {"query": "nowhere >= 3"}}), "inclusion[3].require.query"),
    "interval_not_a_column": (lambda s: s.update(intervals={"gap_months": ["nowhere_date", "death_date"]}), "intervals.gap_months"),
    "variable_twice": (lambda s: s["variables"].append({"name": "sex", "kind": "text"}), "variables"),
}


def test_a_raw_dir_that_is_not_a_folder_is_named(tmp_path):
    for raw_dir, message in (("data/raw/nowhere", "folder 'data/raw/nowhere' not found"), ("x" * 100_000, "'x{77}...' cannot be a folder: File name too long")):
        study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
        study["raw_dir"] = raw_dir
        path = write_study(tmp_path, "example", dump(study))
        with pytest.raises(ValueError, match=f"{path}: at key 'raw_dir': {message}"):
            load_study(path)


@pytest.mark.parametrize("case", sorted(SEMANTIC))
def test_a_valid_but_inapplicable_study_is_a_clear_error_naming_the_key(case, tmp_path):
    study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
    edit, key = SEMANTIC[case]
    edit(study)
    loaded = load_study(write_study(tmp_path, "example", dump(study)))
    with pytest.raises((StudyConfigError, CohortDataError)) as caught:
        clean_cohort(ROOT / loaded["raw_dir"], loaded)
    assert key in str(caught.value)


@pytest.mark.parametrize("where", ["derive", "where"])
def test_a_broken_derive_or_where_expression_names_the_analysis(where):
    analysis = {"id": "broken", "type": "proportion", "params": {"outcome": "outcome", "success": "yes"}}
    analysis.update({"derive": {"flag": "score >>> 1"}} if where == "derive" else {"where": "no_such_column == 1"})
    key = r"analyses\[id=broken\]\.derive\.flag" if where == "derive" else r"analyses\[id=broken\]\.where"
    with pytest.raises(StudyConfigError, match=key):
        run_analysis(SCENARIOS["all_events"], analysis)


def test_a_broken_inclusion_query_is_refused_when_the_study_loads(tmp_path):
    study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
    study["inclusion"].append({"label": "x", "reason": "y", "require": {"query": "age_years >>> 3"}})
    path = write_study(tmp_path, "example", dump(study))
    with pytest.raises(ValueError, match=r"at key 'inclusion\[3\].require.query': 'age_years >>> 3': .*not a valid expression"):
        load_study(path)


def test_a_study_variable_named_like_an_identifier_is_refused(tmp_path):
    study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
    study["variables"].append({"name": "date_of_birth", "kind": "text"})
    path = write_study(tmp_path, "example", dump(study))
    with pytest.raises(ValueError, match=r"at key 'variables.3': 'date_of_birth' looks like a direct identifier"):
        load_study(path)


def test_identifier_columns_accepts_refuse_or_drop_only(tmp_path):
    for value, ok in (("refuse", True), ("drop", True), ("keep", False), (True, False)):
        study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
        study["identifier_columns"] = value
        path = write_study(tmp_path, "example", dump(study))
        assert (load_or_clear_error(path) is not None) == ok, value


# ---------------------------------------------------------------------------
# Analysis parameters
# ---------------------------------------------------------------------------

DECLARED = [(p.stem, i, a) for p in STUDY_FILES for i, a in enumerate(load_study(p).get("analyses", []))]
WRONG_TYPES = (5, "text", ["a", "list"], {"a": "mapping"}, True)


@pytest.mark.parametrize("path", [p for p in STUDY_FILES if load_study(p).get("analyses")], ids=lambda p: p.stem)
def test_every_declared_parameter_of_the_wrong_type_is_named(path):
    analyses = load_study(path)["analyses"]
    checked = 0
    for index, analysis in enumerate(analyses):
        for name in analysis.get("params", {}):
            for wrong in WRONG_TYPES:
                mutated = copy.deepcopy(analysis)
                mutated["params"][name] = wrong
                problems = analysis_param_errors([mutated], CATALOGUE, str(path))
                if problems:
                    checked += 1
                    assert problems == [p for p in problems if p.startswith(f"{path}: analyses[0] ({analysis['id']}): parameter {name!r} must be")], problems
    assert checked > len(analyses)


def test_a_wrong_parameter_type_stops_the_study_before_any_job(tmp_path):
    study = yaml.safe_load((ROOT / "config/studies/example.yaml").read_text())
    study["analyses"][2]["params"]["time"] = 5
    study["analyses"][4]["params"]["covariates"] = {"h_score_le_170": True}
    path = write_study(tmp_path, "example", dump(study))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    assert f"{path}: analyses[2] (pfs_median): parameter 'time' must be text, got 5" in str(caught.value)
    assert f"{path}: analyses[4] (loss_by_h_score): parameter 'covariates' must be text or a list of text" in str(caught.value)


def _impossible(value):
    """Values that the data cannot satisfy (the type check at load time removes the ill-typed ones)."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, str):
        return ["no_such_column", "", "x" * 10_000]
    if isinstance(value, (int, float)):
        return [-1, 0, 1e9, float("nan"), float("inf")]
    if isinstance(value, list):
        return [[], ["no_such_column"], [-1e9], [{"no_such_column": 1}], [None]]
    if isinstance(value, dict):
        return [{}, {"no_such_column": 1}]
    return []


@pytest.mark.parametrize("kind", sorted(CATALOGUE))
def test_impossible_parameter_values_are_a_clear_error_or_a_result(kind):
    data = SCENARIOS["all_events"]
    for name, value in PARAMS[kind].items():
        for impossible in _impossible(value):
            params = {**PARAMS[kind], name: impossible}
            if analysis_param_errors([{"id": "impossible", "type": kind, "params": params}], CATALOGUE, "study.yaml"):
                continue  # refused when the study loads, before any job
            try:
                run_analysis(data, {"id": "impossible", "type": kind, "params": params})
            except (StatisticsError, StudyConfigError) as err:
                assert str(err).strip()


# ---------------------------------------------------------------------------
# config/config.yaml
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "key"),
    [({"studies": 5}, "studies"), ({"studies": "example"}, "studies"), ({"studies": [5]}, "studies.0"), ({"studies": ["Bad-Name"]}, "studies.0"),
     ({"studies": None}, "studies"), ({}, "(top level)"), ({"studies": ["example"], "extra": 1}, "(top level)")],
)  # fmt: skip
def test_a_bad_pipeline_config_names_the_key(config, key):
    errors = schema_errors(config, SCHEMAS / "config.schema.yaml", "config/config.yaml")
    assert errors and any(e.startswith(f"config/config.yaml: at key '{key}'") for e in errors), errors
    assert all(len(e) < 500 for e in errors)


# ---------------------------------------------------------------------------
# Random mutations of every study file (hypothesis)
# ---------------------------------------------------------------------------

yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False), st.text(max_size=20), st.sampled_from(["", "x" * 5000, "treatment_start_date", "death_date", "baseline", "sex", "pfs_months"])),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.sampled_from(["column", "values", "origin", "events", "name", "kind", "levels", "x"]), children, max_size=3)),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@settings(max_examples=20, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(STUDY_FILES), st.integers(0, 10**6), yaml_values)
def test_a_random_mutation_of_a_study_file_is_a_clear_error_or_runs_cleanly(tmp_path_factory, path, pick, value):
    study = copy.deepcopy(original(path))
    paths = [p for p in _paths(study) if p]
    target = paths[pick % len(paths)]
    node = study
    for step in target[:-1]:
        node = node[step]
    node[target[-1]] = value
    folder = tmp_path_factory.mktemp("mutated")
    loaded = load_or_clear_error(write_study(folder, path.stem, dump(study)))
    if loaded is not None:
        raw = folder / "raw"
        shutil.copytree(ROOT / loaded["raw_dir"], raw)
        clean_or_clear({**loaded, "raw_dir": str(raw)})
