"""The reference of the study language, generated from its one source: the schemas and the catalogue.

``docs/study-language.md`` ends with three generated sections, between the
markers :data:`BEGIN` and :data:`END`: every analysis type (the catalogue
function's docstring, its parameters with their types and defaults from its
signature, :func:`her2cohort.analyses.params_schema`), every table layout and
every figure type (their keys, types, defaults and descriptions from the study
schema's ``$defs/table_{layout}`` and ``$defs/figure_{type}``), each with an
example: the first declaration of that type in the example study
(``config/studies/example.yaml``, as written there), which runs on the example
cohort. Each figure type shows a thumbnail of the example study's figure
(``docs/figures/{type}.png``).

    python -m her2cohort.reference --root .            rewrite the generated sections
    python -m her2cohort.reference --root . --check    exit 1 if they are not up to date
    python -m her2cohort.reference --root . --thumbnails results/example/figures

``tests/test_reference.py`` checks that the committed document equals the
generated text, that the example study declares every type, and that each
example runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterator

import yaml

#: The markers of the generated part of docs/study-language.md.
BEGIN = "<!-- BEGIN GENERATED REFERENCE: python -m her2cohort.reference --root . (do not edit below) -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC = Path("docs") / "study-language.md"
SCHEMA = Path("config") / "schemas" / "study.schema.yaml"
EXAMPLE = Path("config") / "studies" / "example.yaml"
THUMBNAILS = Path("docs") / "figures"
#: Thumbnail width in pixels (the PNGs are 300 dpi: a two-column figure is ~2000 px wide).
THUMBNAIL_WIDTH = 360


def _cell(text: Any) -> str:
    """Text for a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _value(value: Any) -> str:
    """A default as YAML writes it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (list, tuple, dict)):
        return f"`{yaml.safe_dump(value, default_flow_style=True, width=1000).strip()}`"
    return f"`{value}`"


def _schema_type(node: dict, root: dict) -> str:
    """A schema node's type in words."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        words = {"analysis_id": "analysis id", "identifier": "name", "width": "`one_column`, `two_columns` or inches",
                 "level_map": "mapping: level -> text", "expression": "expression", "date_column": "date column",
                 "baseline_options": "mapping (below)", "estimate_row": "row (below)"}
        if name in words:
            return words[name]
        from her2cohort.config import _ref

        return _schema_type(_ref(root, node), root)
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "oneOf" in node and all(isinstance(o, dict) for o in node["oneOf"]):
        return " or ".join(_schema_type(o, root) for o in node["oneOf"])
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(_schema_type({**node, "type": k}, root) for k in kind)
    if kind == "array":
        items = node.get("items")
        return f"list of {_plural(_schema_type(items, root))}" if isinstance(items, dict) and items else "list"
    names = {"string": "text", "number": "number", "integer": "whole number", "boolean": "true or false", "object": "mapping"}
    return names.get(kind, "name")


def _plural(text: str) -> str:
    return {"text": "text", "number": "numbers", "whole number": "whole numbers", "analysis id": "analysis ids", "name": "names",
            "mapping": "mappings", "true or false": "true/false values"}.get(text, text)


def _properties(node: dict, root: dict) -> Iterator[tuple[str, dict, bool]]:
    """(key, schema, required) of a per-type schema: its own keys, then those it applies in place."""
    from her2cohort.config import _ref

    required = set(node.get("required", []))
    seen = set()
    parts = [node] + [p for p in node.get("allOf", []) if isinstance(p, dict)] + ([_ref(root, node)] if "$ref" in node else [])
    for part in parts:
        part = _ref(root, part) if "$ref" in part and part is not node else part
        for key, value in part.get("properties", {}).items():
            if key not in seen:
                seen.add(key)
                yield key, value, key in required or key in part.get("required", [])


def _keys_table(node: dict, root: dict, common: set[str], required_keys: tuple = ()) -> list[str]:
    lines = ["| key | type | default | what |", "|---|---|---|---|"]
    for key, value, required in _properties(node, root):
        if key in common:
            continue
        required = required or key in required_keys
        what = value.get("description", "")
        if not what and "$ref" in value:
            from her2cohort.config import _ref

            what = _ref(root, value).get("description", "")
        default = "**required**" if required else (_value(value["default"]) if "default" in value else "")
        lines.append(f"| `{key}` | {_cell(_schema_type(value, root))} | {default} | {_cell(what)} |")
        for sub, sub_node in _nested(value, root):
            lines += [f"| `{key}{sub}` | {_cell(_schema_type(n, root))} | {_default(n, r)} | {_cell(n.get('description', ''))} |" for sub, n, r in sub_node]
    return lines


def _default(node: dict, required: bool) -> str:
    return "**required**" if required else (_value(node["default"]) if "default" in node else "")


def _nested(node: dict, root: dict) -> Iterator[tuple[str, list]]:
    """The keys of the items of a list of mappings (a table's rows, a figure's panels) and of a mapping of options."""
    from her2cohort.config import _ref

    target = _ref(root, node) if "$ref" in node else node
    items = target.get("items", {}) if target.get("type") == "array" else target if target.get("type") == "object" else {}
    if isinstance(items, dict) and "$ref" in items:
        items = _ref(root, items)
    properties = items.get("properties", {}) if isinstance(items, dict) else {}
    if not properties:
        return
    required = set(items.get("required", []))
    prefix = "[]." if target.get("type") == "array" else "."
    rows = []
    for key, value in properties.items():
        rows.append((f"{prefix}{key}", value, key in required))
        for sub, sub_rows in _nested(value, root):
            rows += [(f"{prefix}{key}{s}", n, r) for s, n, r in sub_rows]
    yield "", rows


def _example(items: list, key: str, kind: str) -> dict | None:
    """The first declaration of ``kind`` in the example study, as written (an ``each`` item
    only when no plain one exists)."""
    found = [item for item in items if isinstance(item, dict) and item.get(key) == kind]
    plain = [item for item in found if "each" not in item]
    return (plain or found or [None])[0]


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6, allow_unicode=True).rstrip("\n").removesuffix("\n...")


def _entry(key: str, value: Any, indent: str) -> list[str]:
    """``key: value`` in YAML: a scalar or a short collection on the line, a longer one as a block."""
    inline = f"{indent}{key}: {_flow(value)}"
    if not isinstance(value, (dict, list)) or len(inline) <= 100:
        return [inline]
    lines = [f"{indent}{key}:"]
    if isinstance(value, dict):
        for sub, sub_value in value.items():
            lines += _entry(_flow(sub), sub_value, indent + "  ")
    else:
        for element in value:
            if isinstance(element, dict) and len(f"{indent}  - {_flow(element)}") > 100:
                first, *rest = [line for k, v in element.items() for line in _entry(_flow(k), v, indent + "    ")]
                lines += [f"{indent}  - {first.lstrip()}", *rest]
            else:
                lines.append(f"{indent}  - {_flow(element)}")
    return lines


def _yaml(item: dict) -> list[str]:
    """A declaration as a study file writes it: keys one per line, short values in flow style."""
    lines = [line for key, value in item.items() for line in _entry(_flow(key), value, "  ")]
    return ["```yaml", "- " + lines[0].lstrip(), *lines[1:], "```"]


def example_items(root: Path) -> dict:
    """The example study's analyses, tables and figures as written (no expansion)."""
    return yaml.safe_load((root / EXAMPLE).read_text(encoding="utf-8"))


def render(root: Path) -> str:
    """The generated reference (the text between :data:`BEGIN` and :data:`END`)."""
    from her2cohort.analyses import CATALOGUE, params_schema
    from her2cohort.config import _ref
    from her2cohort.declarations import LABELLED
    from her2cohort.render.figures import STUDY_FIGURE_TYPES
    from her2cohort.render.tables import LAYOUTS

    schema = yaml.safe_load((root / SCHEMA).read_text(encoding="utf-8"))
    example = example_items(root)
    out = [
        "## Reference: analysis types",
        "",
        "Every type of the catalogue (`her2cohort.analyses.CATALOGUE`), with its parameters: the keyword",
        "arguments of its library function, with the types and defaults of its signature (checked when the",
        "study loads: a parameter it does not take, a missing one or a value of the wrong type is an error",
        "naming the analysis). The description is the first lines of the function's docstring: the convention",
        "and the R function it matches. A parameter marked *column* names a column of the analysis set",
        "(or of the analysis's own `derive`). The keys every analysis has besides `params`:",
        "",
        *_keys_table(schema["properties"]["analyses"]["items"], schema, {"params"}),
        "",
        "Each example is the example study's declaration (`config/studies/example.yaml`), which runs on the",
        "example cohort (`data/raw/example`).",
        "",
    ]
    for kind in CATALOGUE:
        params = params_schema(kind)
        out += [f"### `{kind}`", "", params["description"], "", "| parameter | type | default | what |", "|---|---|---|---|"]
        for name, entry in params["properties"].items():
            what = entry.get("description", "")
            if entry.get("x-names-columns"):
                what = "*column*" + (f": {what}" if what else "")
            kind_text = ("one of " + ", ".join(f"`{v}`" for v in entry["enum"])) if "enum" in entry else entry["x-type"]
            default = "**required**" if name in params["required"] else _value(entry.get("default"))
            out.append(f"| `{name}` | {_cell(kind_text)} | {default} | {_cell(what)} |")
        item = _example(example.get("analyses", []), "type", kind)
        out += ["", "Example:", "", *(_yaml(item) if item else ["(none in the example study)"]), ""]

    common_tables = set(_ref(schema, {"$ref": "#/$defs/table_common"})["properties"])
    out += [
        "## Reference: table layouts",
        "",
        "Every layout (`her2cohort.render.tables.LAYOUTS`) with its keys (`config/schemas/study.schema.yaml`,",
        "`$defs/table_{layout}`); a key another layout takes is an error here. Every table has:",
        "",
        *_keys_table(_ref(schema, {"$ref": "#/$defs/table_common"}), schema, set(), tuple(schema["properties"]["tables"]["items"]["required"])),
        "",
    ]
    for layout in LAYOUTS:
        node = schema["$defs"][f"table_{layout}"]
        out += [f"### `{layout}`", "", " ".join(node["description"].split()), "", *_keys_table(node, schema, common_tables), ""]
        out += _inherits(LABELLED.get(f"table:{layout}"))
        item = _example(example.get("tables", []), "layout", layout)
        out += ["Example:", "", *(_yaml(item) if item else ["(none in the example study)"]), ""]

    common_figures = set(_ref(schema, {"$ref": "#/$defs/figure_common"})["properties"])
    out += [
        "## Reference: figure types",
        "",
        "Every type (`her2cohort.render.figures.STUDY_FIGURE_TYPES`) with its keys (`config/schemas/study.schema.yaml`,",
        "`$defs/figure_{type}`); a key another type takes is an error here. Every figure has:",
        "",
        *_keys_table(_ref(schema, {"$ref": "#/$defs/figure_common"}), schema, set(), tuple(schema["properties"]["figures"]["items"]["required"])),
        "",
    ]
    for kind in STUDY_FIGURE_TYPES:
        node = schema["$defs"][f"figure_{kind}"]
        out += [f"### `{kind}`", "", " ".join(node["description"].split()), ""]
        item = _example(example.get("figures", []), "type", kind)
        if item:
            out += [f"![{kind}: the example study's figure {item['id']}](figures/{kind}.png)", ""]
        out += [*_keys_table(node, schema, common_figures), ""]
        out += _inherits(LABELLED.get(f"figure:{kind}"))
        out += ["Example:", "", *(_yaml(item) if item else ["(none in the example study)"]), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _inherits(labelled: dict | None) -> list[str]:
    if not labelled:
        return []
    parts = [f"`{key}` ({what})" for key, what in labelled.items()]
    return ["From the study's `labels` / `level_labels` (under its own): " + "; ".join(parts) + ".", ""]


def document(root: Path) -> str:
    """docs/study-language.md with its generated sections up to date."""
    text = (root / DOC).read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{DOC}: the markers of the generated reference are missing ({BEGIN!r} ... {END!r})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{render(root)}\n{END}{tail}"


def figure_examples(root: Path) -> dict[str, str]:
    """Figure type -> the id of its example figure in the example study."""
    from her2cohort.render.figures import STUDY_FIGURE_TYPES

    figures = example_items(root).get("figures", [])
    return {kind: item["id"] for kind in STUDY_FIGURE_TYPES if (item := _example(figures, "type", kind))}


def thumbnails(root: Path, figures_dir: Path) -> list[Path]:
    """Write docs/figures/{type}.png from the example study's drawn figures (``figures_dir``:
    results/example/figures), :data:`THUMBNAIL_WIDTH` pixels wide, without metadata."""
    from PIL import Image

    written = []
    out = root / THUMBNAILS
    out.mkdir(parents=True, exist_ok=True)
    for kind, figure in figure_examples(root).items():
        with Image.open(figures_dir / f"{figure}.png") as image:
            image = image.convert("RGB")
            height = round(image.height * THUMBNAIL_WIDTH / image.width)
            small = image.resize((THUMBNAIL_WIDTH, height), Image.LANCZOS).quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            small.save(out / f"{kind}.png", optimize=True)
        written.append(out / f"{kind}.png")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m her2cohort.reference", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="the project folder (default: the current folder)")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/study-language.md is not up to date")
    parser.add_argument("--thumbnails", metavar="FIGURES", help="write docs/figures/{type}.png from this folder of drawn figures (results/example/figures)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    if args.thumbnails:
        for path in thumbnails(root, Path(args.thumbnails)):
            print(path)
        return 0
    wanted = document(root)
    if args.check:
        if (root / DOC).read_text(encoding="utf-8") != wanted:
            print(f"{DOC} is not up to date: run python -m her2cohort.reference --root .", file=sys.stderr)
            return 1
        return 0
    (root / DOC).write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
