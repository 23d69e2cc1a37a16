"""Configuration files against their JSON schemas: every error names the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE_STUDY, ROOT, SCHEMAS, load_study
from her2cohort.config import schema_errors


def workflow_constant(name: str, source: Path = ROOT / "workflow" / "rules" / "common.smk"):
    """The literal value of a top-level ``name = ...`` of a workflow file: the
    rule-to-keys table is the workflow's, not the library's, and a .smk file is
    not a module to import. The statement is read line by line until it parses."""
    import ast

    lines = source.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name} = "))
    for end in range(start + 1, len(lines) + 1):
        try:
            statement = ast.parse("\n".join(lines[start:end]))
        except SyntaxError:
            continue
        return ast.literal_eval(statement.body[0].value)
    raise AssertionError(f"{source}: no literal {name}")


RULE_STUDY_KEYS = workflow_constant("RULE_STUDY_KEYS")
STUDY_KEYS_NOT_IN_PARAMS = workflow_constant("STUDY_KEYS_NOT_IN_PARAMS")


@pytest.mark.parametrize("path", sorted((ROOT / "config" / "studies").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_study_is_valid(path):
    assert load_study(path)["study"] == path.stem


def test_pipeline_config_is_valid_and_lists_existing_studies():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert schema_errors(config, SCHEMAS / "config.schema.yaml", "config/config.yaml") == []
    for name in config["studies"]:
        assert (ROOT / "config" / "studies" / f"{name}.yaml").exists()


def _write_study(tmp_path: Path, edit) -> Path:
    study = yaml.safe_load(EXAMPLE_STUDY.read_text())
    edit(study)
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(study))
    return path


@pytest.mark.parametrize(
    ("edit", "key", "fragment"),
    [
        (lambda s: s.update(her2_guidline="gastric_consensus"), "(top level)", "'her2_guidline' was unexpected"),
        (lambda s: s.update(her2_guideline="asco_2019"), "her2_guideline", "is not one of"),
        (lambda s: s.update(index_date=5), "index_date", "is not of type 'string'"),
        (lambda s: s.update(index_date="treatment_start"), "index_date", "does not match"),
        (lambda s: s["inclusion"][0].pop("reason"), "inclusion.0", "'reason' is a required property"),
        (lambda s: s["inclusion"][0]["require"].update(not_mising="x"), "inclusion.0.require", "'not_mising' was unexpected"),
        (lambda s: s["endpoints"]["pfs"].update(events="progression_date"), "endpoints.pfs.events", "is not of type 'array'"),
        (lambda s: s["variables"][0].update(kind="factor"), "variables.0.kind", "is not one of"),
        (lambda s: s.pop("raw_dir"), "(top level)", "'raw_dir' is a required property"),
    ],
)
def test_a_bad_study_file_is_an_error_naming_file_and_key(tmp_path, edit, key, fragment):
    path = _write_study(tmp_path, edit)
    with pytest.raises(ValueError) as caught:
        load_study(path)
    message = str(caught.value)
    assert f"{path}: at key '{key}'" in message
    assert fragment in message


def test_several_errors_are_reported_together(tmp_path):
    path = _write_study(tmp_path, lambda s: s.update(index_date=5, her2_guideline="x"))
    with pytest.raises(ValueError) as caught:
        load_study(path)
    assert len(str(caught.value).splitlines()) == 2


def test_study_id_must_match_the_file_name(tmp_path):
    path = _write_study(tmp_path, lambda s: s.update(study="other"))
    with pytest.raises(ValueError, match="must equal the file name 'example'"):
        load_study(path)


def test_config_yaml_errors_name_the_key():
    errors = schema_errors({"studies": ["Bad-Name"], "extra": 1}, SCHEMAS / "config.schema.yaml", "config/config.yaml")
    assert any("at key 'studies.0'" in e for e in errors)
    assert any("'extra' was unexpected" in e for e in errors)


def test_every_study_key_is_given_to_the_rules_that_read_it_or_to_none():
    # a key added to the schema must be placed: in the params of the rules that
    # read it, or among those no rule script reads (else a rule would not see it)
    schema = yaml.safe_load((SCHEMAS / "study.schema.yaml").read_text())
    placed = {key for keys in RULE_STUDY_KEYS.values() for key in keys}
    assert set(schema["properties"]) == placed | set(STUDY_KEYS_NOT_IN_PARAMS)
    assert not placed & set(STUDY_KEYS_NOT_IN_PARAMS)


def test_the_rules_given_study_keys_are_those_of_the_table():
    # every rule that takes the study as its param names a rule of the table, and the reverse
    import re

    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "workflow" / "rules").glob("*.smk")))
    rules = dict(re.findall(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", text, flags=re.MULTILINE | re.DOTALL))
    given = {name for name, body in rules.items() if "study_config(" in body}
    assert given == set(RULE_STUDY_KEYS)
    for name in given:
        assert f'study=study_config("{name}")' in rules[name]


def test_the_library_knows_no_rule_and_no_project_folder():
    # rule names are the workflow's; paths are the caller's (the package may sit in site-packages)
    import re

    for path in sorted((ROOT / "src" / "her2cohort").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "RULE_STUDY_KEYS" not in text, path
        assert not re.search(r"__file__\S*\.(parents\[|parent\.parent)", text), path  # out of the package


@pytest.mark.parametrize("rule", sorted(RULE_STUDY_KEYS))
def test_a_rule_script_reads_only_the_study_keys_of_its_params(rule):
    import re

    script = (ROOT / "scripts" / f"{rule}.py").read_text()
    read = set(re.findall(r"study\[\"(\w+)\"\]|study\.get\(\"(\w+)\"", script))
    assert {key for pair in read for key in pair if key} <= set(RULE_STUDY_KEYS[rule])


def test_analysis_check_is_skipped_for_a_file_already_verified_with_this_library(tmp_path):
    from her2cohort import library_checksum
    from her2cohort.config import verified_marker

    path = tmp_path / "example.yaml"
    path.write_bytes(EXAMPLE_STUDY.read_bytes().replace(b"raw_dir: data/raw/example", f"raw_dir: {ROOT / 'data/raw/example'}".encode()))
    verified = tmp_path / "verified"
    load_study(path, verified=verified)
    marker = verified_marker(verified, path.read_bytes(), library_checksum())
    assert marker.exists() and len(list(verified.iterdir())) == 1
    # an edit changes the name: the edited file is checked again (and fails here)
    study = yaml.safe_load(path.read_text())
    study["analyses"][0]["params"]["no_such_parameter"] = 1
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    with pytest.raises(ValueError, match="no_such_parameter"):
        load_study(path, verified=verified)
    assert len(list(verified.iterdir())) == 1


def test_a_rule_s_study_keys_print_short_and_change_with_any_edit():
    # Snakemake stores a param by its repr and prints the old and new repr in "Params
    # have changed": a digest per long key keeps that short and names the edited key
    import pickle

    from her2cohort.config import CompactParams

    study = load_study(ROOT / "config" / "studies" / "gastric_her2_loss.yaml")
    keys = CompactParams({k: study[k] for k in RULE_STUDY_KEYS["analyses"] if k in study})
    assert len(repr({k: study[k] for k in keys})) > 10_000
    text = repr(keys)
    assert len(text) < 150 and text.startswith("{study='gastric_her2_loss', analyses=sha256:"), text
    edited = yaml.safe_load(yaml.safe_dump(dict(keys), sort_keys=False))
    edited["analyses"][3].setdefault("params", {})["conf_level"] = 0.9
    after = repr(CompactParams(edited))
    changed = [a for a, b in zip(text.strip("{}").split(", "), after.strip("{}").split(", ")) if a != b]
    assert len(changed) == 1 and changed[0].startswith("analyses=sha256:")
    assert repr(CompactParams(yaml.safe_load(yaml.safe_dump(dict(keys), sort_keys=False)))) == text  # the same content, the same digest
    # the script gets the keys whole (Snakemake pickles the params for it)
    copy = pickle.loads(pickle.dumps(keys, protocol=4))
    assert isinstance(copy, CompactParams) and dict(copy) == dict(keys)


def test_every_rule_param_of_the_study_is_compact():
    # the study keys, legends, shown_in and titles: each a CompactParams (workflow/rules/*.smk)
    import re

    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "workflow" / "rules").glob("*.smk")))
    assert "return compact({k: study[k] for k in RULE_STUDY_KEYS[rule] if k in study})" in text
    for param in ("shown_in", "titles", "legends"):
        assert re.search(rf"{param}=(lambda wildcards: )?compact\(", text), param
