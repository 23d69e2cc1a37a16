"""The reference of the study language (docs/study-language.md) against its sources.

The generated sections are those ``python -m her2cohort.reference`` writes from
the study schema and the analysis catalogue; the example study declares every
analysis type, table layout and figure type (its declarations are the
reference's examples), and every one of them runs on the example cohort here,
in process; each figure type has a small thumbnail of the example's figure; the
per-type schemas list exactly the keys each renderer reads.
"""

from __future__ import annotations

import ast
import inspect

import pytest
import yaml

from conftest import EXAMPLE_RAW, EXAMPLE_STUDY, ROOT, SCHEMAS, load_study
from her2cohort import reference
from her2cohort.analyses import CATALOGUE, params_schema, run_analysis
from her2cohort.config import type_keys
from her2cohort.render.figures import STUDY_FIGURE_TYPES as FIGURES
from her2cohort.render.tables import LAYOUTS

SCHEMA = yaml.safe_load((SCHEMAS / "study.schema.yaml").read_text(encoding="utf-8"))


def test_the_committed_reference_is_the_generated_one():
    """docs/study-language.md holds what `python -m her2cohort.reference --root .` writes."""
    committed = (ROOT / reference.DOC).read_text(encoding="utf-8")
    assert committed == reference.document(ROOT), "docs/study-language.md is not up to date: run python -m her2cohort.reference --root ."
    assert reference.main(["--root", str(ROOT), "--check"]) == 0


def test_the_example_study_declares_every_type_layout_and_figure():
    study = load_study(EXAMPLE_STUDY)
    assert sorted({a["type"] for a in study["analyses"]}) == sorted(CATALOGUE)
    assert sorted({t["layout"] for t in study["tables"]}) == sorted(LAYOUTS)
    assert sorted({f["type"] for f in study["figures"]}) == sorted(FIGURES)
    # and the friendlier forms, as written in the file
    written = yaml.safe_load(EXAMPLE_STUDY.read_text(encoding="utf-8"))
    assert written.get("labels") and written.get("level_labels")
    assert any("each" in item for item in written["analyses"]) and any("endpoint" in item for item in written["analyses"])


def test_every_type_has_its_section_and_example_in_the_reference():
    text = (ROOT / reference.DOC).read_text(encoding="utf-8")
    generated = text.split(reference.BEGIN, 1)[1]
    for kind in CATALOGUE:
        section = generated.split(f"### `{kind}`\n", 1)[1].split("\n### ", 1)[0]
        assert "Example:\n\n```yaml\n" in section and f"  type: {kind}\n" in section, kind
        for name in params_schema(kind)["properties"]:
            assert f"| `{name}` |" in section, (kind, name)
    for layout in LAYOUTS:
        section = generated.split(f"### `{layout}`\n", 1)[1].split("\n### ", 1)[0]
        assert f"  layout: {layout}\n" in section, layout
    for kind in FIGURES:
        section = generated.split(f"### `{kind}`\n", 1)[1].split("\n### ", 1)[0]
        assert f"  type: {kind}\n" in section and f"](figures/{kind}.png)" in section, kind


def test_a_thumbnail_per_figure_type_small_and_of_the_example():
    from PIL import Image

    examples = reference.figure_examples(ROOT)
    assert sorted(examples) == sorted(FIGURES)
    for kind in FIGURES:
        path = ROOT / reference.THUMBNAILS / f"{kind}.png"
        assert path.is_file(), f"{path}: run python -m her2cohort.reference --root . --thumbnails results/example/figures"
        assert path.stat().st_size <= 30_000, path
        with Image.open(path) as image:
            assert image.width == reference.THUMBNAIL_WIDTH
    assert sorted(p.stem for p in (ROOT / reference.THUMBNAILS).glob("*.png")) == sorted(FIGURES)


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """Every analysis of the example study on the example cohort, in process, as the rules run them."""
    from her2cohort.classify import analysis_set, classification_summary, classify_cohort
    from her2cohort.cleaning import clean_cohort
    from her2cohort.io import read_table, write_table

    study = load_study(EXAMPLE_STUDY)
    folder = tmp_path_factory.mktemp("example")
    cohort = clean_cohort(EXAMPLE_RAW, study)
    classified = classify_cohort(cohort.specimens, study["her2_guideline"])
    for name, frame in {
        "analysis_set": analysis_set(cohort.patients, classified, study["comparison"]),
        "treatment_lines": cohort.treatment_lines,
        "flow": cohort.flow,
        "classification": classification_summary(classified, study["her2_guideline"]),
    }.items():
        write_table(frame, folder / f"{name}.csv")
    tables = {name: read_table(folder / f"{name}.csv") for name in ("analysis_set", "treatment_lines", "flow", "classification")}
    stats = folder / "stats"
    stats.mkdir()
    results = {}  # as scripts/analyses.py: a data: results analysis reads the earlier ones
    for index, analysis in enumerate(study["analyses"]):
        for variant in (None, *analysis.get("variants", {})):
            result = run_analysis(tables["analysis_set"], analysis, study.get("derive"), variant, tables["treatment_lines"], str(EXAMPLE_STUDY), f"analyses[{index}]", results)
            if variant is None:
                results[analysis["id"]] = result
            write_table(result, stats / (analysis["id"] + (f"--{variant}" if variant else "") + ".csv"))
    return study, folder, tables


def test_every_example_analysis_runs_on_the_example_cohort(example_run):
    study, folder, _ = example_run
    written = sorted(p.stem for p in (folder / "stats").glob("*.csv"))
    assert written == sorted(a["id"] for a in study["analyses"])


def test_every_example_table_renders_from_the_example_results(example_run):
    from her2cohort.numbers import Printed
    from her2cohort.render.tables import render_table
    from her2cohort.results import Results

    study, folder, _ = example_run
    results = Results(folder / "stats", where=str(EXAMPLE_STUDY))
    for spec in study["tables"]:
        printed = Printed()
        display, tidy = render_table(results, spec, printed)
        assert len(display) and len(printed.records), spec["id"]


def test_every_example_figure_draws_from_the_example_results(example_run):
    from her2cohort.render.figures.draw import Sources, draw_figures
    from her2cohort.results import Results

    study, folder, tables = example_run
    sources = Sources(results=Results(folder / "stats", where=str(EXAMPLE_STUDY)), **tables)
    lines = draw_figures(sources, study["figures"], folder / "figures", str(EXAMPLE_STUDY))
    assert [line.split(":")[0] for line in lines] == [f["id"] for f in study["figures"]]
    assert all((folder / "figures" / f"{f['id']}.png").is_file() for f in study["figures"])


# ---------------------------------------------------------------------------
# The per-type schemas and the renderers read the same keys
# ---------------------------------------------------------------------------


def _read_keys(module) -> dict[str, object]:
    """The keys a renderer reads from ``spec`` (``spec["k"]``, ``spec.get("k", default)``), with
    the constant default where it gives one (``...`` where it gives none or a computed one)."""
    keys: dict[str, object] = {}
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "spec" and isinstance(node.slice, ast.Constant):
            keys.setdefault(node.slice.value, ...)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "spec" and node.args and isinstance(node.args[0], ast.Constant)):
            default = ...
            if len(node.args) > 1:
                try:
                    default = ast.literal_eval(node.args[1])
                except ValueError:
                    default = ...
            if keys.get(node.args[0].value, ...) is ...:
                keys[node.args[0].value] = default
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and any(isinstance(c, ast.Name) and c.id == "spec" for c in node.comparators):
            keys.setdefault(node.left.value, ...)
    return keys


@pytest.mark.parametrize("kind", sorted(FIGURES), ids=lambda k: f"figure_{k}")
def test_a_figure_types_schema_lists_the_keys_its_renderer_reads(kind):
    import importlib

    module = importlib.import_module(f"her2cohort.render.figures.{kind}")
    node = SCHEMA["$defs"][f"figure_{kind}"]
    allowed = type_keys(node, SCHEMA)
    read = _read_keys(module)
    assert sorted(set(read) - set(allowed)) == [], f"{kind} reads keys its schema does not allow"
    common = set(type_keys(SCHEMA["$defs"]["figure_common"], SCHEMA))
    assert sorted(set(allowed) - set(read) - common) == [], f"{kind}'s schema allows keys it never reads"
    properties = {key: value for key, value, _ in reference._properties(node, SCHEMA)}
    for key, default in read.items():
        if default is not ... and key in properties:
            written = properties[key].get("default", default if default in ("", [], {}, ()) else ...)  # empty: the key's absence
            assert written == (list(default) if isinstance(default, tuple) else default), (kind, key)


@pytest.mark.parametrize("layout", sorted(LAYOUTS), ids=lambda k: f"table_{k}")
def test_a_table_layouts_schema_lists_the_keys_its_renderer_reads(layout):
    import importlib

    module = importlib.import_module(f"her2cohort.render.tables.{layout}")
    node = SCHEMA["$defs"][f"table_{layout}"]
    allowed = type_keys(node, SCHEMA)
    read = _read_keys(module)
    if layout == "baseline_row_percent":  # prints through baseline's function
        read |= _read_keys(importlib.import_module("her2cohort.render.tables.baseline"))
    assert sorted(set(read) - set(allowed)) == [], f"{layout} reads keys its schema does not allow"
    common = set(type_keys(SCHEMA["$defs"]["table_common"], SCHEMA))
    assert sorted(set(allowed) - set(read) - common) == [], f"{layout}'s schema allows keys it never reads"
    properties = {key: value for key, value, _ in reference._properties(node, SCHEMA)}
    for key, default in read.items():
        if default is not ... and key in properties and not isinstance(default, dict):
            assert properties[key].get("default", ...) == default, (layout, key)


def test_the_schema_enumerates_exactly_the_layouts_and_types():
    assert sorted(SCHEMA["properties"]["tables"]["items"]["properties"]["layout"]["enum"]) == sorted(LAYOUTS)
    assert sorted(SCHEMA["properties"]["figures"]["items"]["properties"]["type"]["enum"]) == sorted(FIGURES)
    assert sorted(k.split("_", 1)[1] for k in SCHEMA["$defs"] if k.startswith("table_") and k != "table_common") == sorted(LAYOUTS)
    assert sorted(k.split("_", 1)[1] for k in SCHEMA["$defs"] if k.startswith("figure_") and k != "figure_common") == sorted(FIGURES)


def test_every_analysis_parameter_is_described():
    for kind in CATALOGUE:
        for name, entry in params_schema(kind)["properties"].items():
            assert entry.get("description"), f"{kind}.{name}: no entry in her2cohort.analyses.PARAMETER_NOTES"


def test_the_thumbnails_are_written_from_a_folder_of_drawn_figures(tmp_path, example_run):
    """`--thumbnails` writes one small PNG per figure type from the drawn figures."""
    _, folder, _ = example_run
    target = tmp_path / "project"
    (target / "config" / "studies").mkdir(parents=True)
    (target / "config" / "studies" / "example.yaml").write_bytes(EXAMPLE_STUDY.read_bytes())
    assert reference.main(["--root", str(target), "--thumbnails", str(folder / "figures")]) == 0
    assert sorted(p.stem for p in (target / reference.THUMBNAILS).glob("*.png")) == sorted(FIGURES)


def test_the_reference_module_works_without_the_project_layout_baked_in(tmp_path):
    """An outdated document is reported by --check (exit 1)."""
    for path in (reference.DOC, reference.SCHEMA, reference.EXAMPLE):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes((ROOT / path).read_bytes())
    assert reference.main(["--root", str(tmp_path), "--check"]) == 0
    doc = tmp_path / reference.DOC
    doc.write_text(doc.read_text(encoding="utf-8").replace("### `cox`", "### `coxx`"), encoding="utf-8")
    assert reference.main(["--root", str(tmp_path), "--check"]) == 1
    assert reference.main(["--root", str(tmp_path)]) == 0 and reference.main(["--root", str(tmp_path), "--check"]) == 0


def test_every_example_in_the_reference_is_a_declaration_of_the_example_study():
    """Each ```yaml block of the generated reference reads back as a declaration of the
    example study as written, so the run of the example study above runs every one."""
    import re

    generated = (ROOT / reference.DOC).read_text(encoding="utf-8").split(reference.BEGIN, 1)[1]
    written = yaml.safe_load(EXAMPLE_STUDY.read_text(encoding="utf-8"))
    declared = [item for key in ("analyses", "tables", "figures") for item in written[key]]
    blocks = re.findall(r"```yaml\n(.*?)```", generated, flags=re.S)
    assert len(blocks) >= len(CATALOGUE) + len(LAYOUTS) + len(FIGURES)
    for block in blocks:
        items = yaml.safe_load(block)
        assert isinstance(items, list) and len(items) == 1, block
        assert items[0] in declared, block
