"""Configuration files checked against their JSON schemas, with messages a person can act on.

``snakemake.utils.validate`` stops at the first error and prints the whole
schema; this names the file, the key path and what was wrong, for every error.
A configuration file that cannot be read (missing, not UTF-8, not YAML, a key
given twice, nested beyond reason) is reported by name and line, never with a
traceback; so is an analysis parameter of the wrong type, before any job runs.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable
import functools
import inspect
import re
import types
import typing
from pathlib import Path

import yaml

from her2cohort.expressions import study_problems


def _key_path(error) -> str:
    # An unknown key is named in the message; the path is that of its parent.
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


@functools.lru_cache(maxsize=16)
def _validator(schema_path: str, modified: float):
    """The compiled validator of a schema file (read again when the file changes)."""
    import jsonschema

    # libyaml's parser when installed (the schemas are read on every Snakemake start: 0.35 s in pure Python)
    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (a safe loader)
    return jsonschema.Draft202012Validator(schema)


def _hint(error) -> str:
    """What a schema error adds to jsonschema's message: for an unknown key, the nearest
    allowed key and the keys allowed there; for a value not among those allowed, the
    nearest (:func:`her2cohort.errors.did_you_mean`); for a key that needs another,
    what it is needed for."""
    import re

    from her2cohort.errors import did_you_mean, nearest

    if error.validator == "additionalProperties" and isinstance(error.instance, dict) and isinstance(error.schema.get("properties"), dict):
        allowed = [str(k) for k in error.schema["properties"]]
        patterns = list(error.schema.get("patternProperties", {}))
        extra = [str(k) for k in error.instance if k not in error.schema["properties"] and not any(re.search(p, str(k)) for p in patterns)]
        hints = [f"{key!r}: did you mean {close!r}?" for key in extra[:20] if (close := nearest(key, allowed)) is not None]
        return "; " + " ".join(hints + [did_you_mean("", allowed, "keys allowed here")]) if allowed else ""
    if error.validator == "enum" and isinstance(error.instance, str) and isinstance(error.validator_value, list):
        close = nearest(error.instance, [str(v) for v in error.validator_value])
        return f"; did you mean {close!r}?" if close is not None else ""
    if error.validator == "dependentRequired" and isinstance(error.instance, dict):
        needs = [f"a study that declares {key!r} needs {', '.join(map(repr, required))} too" for key, required in error.validator_value.items() if key in error.instance and any(r not in error.instance for r in required)]
        return f": {'; '.join(needs)}" if needs else ""
    return ""


def _ref(root: dict, node: dict) -> dict:
    """The schema a local ``$ref`` (``#/$defs/name``) points to."""
    target: object = root
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part] if isinstance(target, dict) else {}
    return target if isinstance(target, dict) else {}


def type_keys(node: dict, root: dict) -> list[str]:
    """The keys a per-type schema allows (``$defs/figure_km``...): its own ``properties``
    first, then those of the schemas it applies in place (``$ref``, ``allOf``)."""
    keys = list(node.get("properties", {}))
    for part in [item for item in node.get("allOf", []) if isinstance(item, dict)] + ([node] if "$ref" in node else []):
        target = _ref(root, part) if "$ref" in part else part
        if target is not node:
            keys += [k for k in type_keys(target, root) if k not in keys]
    return keys


def _not_a_key(error, root: dict) -> list[str] | None:
    """A key the per-type schema of a table layout or figure type does not have, said as
    ``figure 'x' (type roc): 'kmunicate' is not a key of roc (keys of roc: panels, width,
    ...)``, with the nearest key and the other types that take it; None for other errors."""
    from her2cohort.errors import did_you_mean, nearest

    name = error.schema.get("title") if isinstance(error.schema, dict) else None
    instance = error.instance
    if error.validator != "unevaluatedProperties" or not name or not isinstance(instance, dict):
        return None
    what = ("table", "layout") if "layout" in instance else ("figure", "type")
    allowed = type_keys(error.schema, root)
    family = {k.split("_", 1)[1]: v for k, v in root.get("$defs", {}).items() if k.startswith(f"{what[0]}_") and isinstance(v, dict) and v.get("title")}
    lines = []
    for key in [str(k) for k in instance if k not in allowed]:
        close = nearest(key, allowed)
        elsewhere = [other for other, node in family.items() if other != name and key in type_keys(node, root)]
        text = f"{what[0]} {instance.get('id', '?')!r} ({what[1]} {name}): {key!r} is not a key of {name}"
        if close is not None:
            text += f"; did you mean {close!r}?"
        if elsewhere:
            text += f" ({key!r} is a key of {', '.join(elsewhere[:6])})"
        lines.append(text + f" ({did_you_mean('', allowed, f'keys of {name}')[1:-1]})")
    return lines


def schema_errors(data, schema_path: str | Path, file: str) -> list[str]:
    """Every violation of the schema, as "file: at key 'a.b': message" lines; an unknown
    key or value names the nearest allowed one (:func:`_hint`), a key that a table
    layout or figure type does not take names the keys it takes (:func:`_not_a_key`)."""
    path = Path(schema_path).resolve()
    validator = _validator(str(path), path.stat().st_mtime)
    messages = []
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        for error in errors:
            per_type = _not_a_key(error, validator.schema)
            if per_type is not None:
                messages += [f"{file}: at key '{_key_path(error)}': {line}" for line in per_type]
                continue
            message = error.message if len(error.message) <= 300 else error.message[:297] + "..."  # a 1 MB value stays readable
            messages.append(f"{file}: at key '{_key_path(error)}': {message}{_hint(error)}")
    except RecursionError:  # jsonschema recurses into the value to describe it
        messages = [f"{file}: a value is nested too deeply to be configuration"]
    return messages


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when installed: 7x faster
    """PyYAML's safe loader, except that a mapping key given twice is an error.

    PyYAML keeps the last of two equal keys silently, so a study that declares
    ``inclusion:`` twice would lose the first list without a word.
    """


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # keys merged in with << may be overridden: that is what merging is for
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, collections.abc.Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})", key_node.start_mark
            )
        if isinstance(key, collections.abc.Hashable):
            seen[key] = key_node.start_mark.line
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping; a file that cannot be read or is not one is reported by name."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ValueError(f"{path}: is a folder, expected a YAML file") from None
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise ValueError(f"{path}, line {line}: not valid UTF-8; save the file as UTF-8") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as err:  # one line: file, line, column (1-based) and what is wrong
        mark = err.problem_mark or err.context_mark
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        what = "; ".join(str(p) for p in (err.context, err.problem) if p)
        raise ValueError(f"{where}: not valid YAML: {what}") from None
    except yaml.YAMLError as err:  # e.g. a control character: PyYAML's message, on one line
        raise ValueError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    except RecursionError:
        raise ValueError(f"{path}: nested too deeply to be a configuration file") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of keys to values at the top level")
    return data


def load_study(
    path: str | Path,
    schema: str | Path,
    root: str | Path,
    analyses_check: Callable[[list, str], list[str]] | None = None,
    verified: str | Path | None = None,
    library: str = "",
) -> dict:
    """Read and check a study file (config/studies/{study}.yaml); raise ValueError listing every problem.

    ``schema``: the study schema file (the project's config/schemas/study.schema.yaml).
    ``root``: the project folder, which the study's ``raw_dir`` is relative to
    (where Snakemake runs). The library knows no project layout: callers pass both.

    ``analyses_check``: ``(analyses, where) -> problems``, the check of the
    declared analyses against the catalogue
    (:func:`her2cohort.analyses.analysis_problems`); the caller passes it, as
    this module sits below the analyses. ``verified``: a folder of markers, one
    per study file whose analyses passed that check with this ``library``
    (its checksum), named by the SHA-256 of both: the check imports every
    statistics module, so with a marker it is skipped and a dry run of an
    unchanged study stays fast. Any edit to the file or to the library changes
    the name, so the check runs.

    Every expression of the study (``derive``, ``where``, ``query``) is parsed
    against the study language (:func:`her2cohort.expressions.study_problems`)
    on every load, and each problem is listed with the others.

    A study file with ``extends: {design}`` applies the design of another study
    file of the same folder to its own cohort (:func:`resolve_design`); it is
    resolved first and the result is what the schema and the checks see.

    The friendlier forms of a study file (:mod:`her2cohort.declarations`) are
    expanded here: ``each`` items before the design is merged and the schema
    checks the items they stand for (a problem names the item as written and
    its combination), then ``endpoint: pfs`` into ``time`` and ``event`` and the
    study-level ``labels`` / ``level_labels`` into every table and figure. The
    study returned, which every rule reads, holds only plain declarations.
    """
    from her2cohort.declarations import apply_endpoints, expand_each, inherit_study_labels, written_keys

    path = Path(path)
    raw = path.read_bytes() if path.is_file() else b""
    study = load_yaml(path)
    # `each` items first (the design's too, in resolve_design): merging by id and the
    # schema see the items they stand for
    study, problems, origins = expand_each(study, str(path))
    if problems:
        raise ValueError("\n".join(problems))
    study, problems, design_bytes = resolve_design(study, path)
    raw += design_bytes  # an edit to the design re-checks the analyses of the studies that extend it
    if problems:
        raise ValueError("\n".join(problems))
    problems = schema_errors(study, schema, str(path))
    if study.get("extends") and problems:
        problems = [f"{line} (after extends: {study['extends']})" for line in problems]
    # The checks below run on every key the schema accepted, so that one run lists
    # every problem of the file: a typo in a figure does not hide an analysis's.
    flagged = lambda key: any(f": at key '{key}" in problem for problem in problems)  # noqa: E731
    if isinstance(study.get("study"), str) and not flagged("study") and study["study"] != path.stem:
        problems.append(f"{path}: at key 'study': {study['study']!r} must equal the file name {path.stem!r}")
    if isinstance(study.get("raw_dir"), str):
        problems += raw_dir_errors(study, str(path), Path(root).resolve())
    if not flagged("variables"):
        problems += identifier_variable_errors(study, str(path))
    # every expression (derive, where, query) parsed against the language: a
    # problem is reported with the others, before any job runs (cheap: no pandas)
    expression_problems = study_problems(study, str(path))
    # the friendlier forms: endpoint -> time and event (the analyses are checked after it,
    # so not when it cannot apply), study-level labels into each table and figure
    endpoints_applied = not any(flagged(key) for key in ("analyses", "endpoints"))
    if endpoints_applied:
        problems += apply_endpoints(study, str(path))
    if not any(flagged(key) for key in ("analyses", "tables", "figures", "labels", "level_labels")):
        problems += inherit_study_labels(study, str(path))
    marker = verified_marker(verified, raw, library) if verified is not None else None
    if analyses_check is not None and study.get("analyses") and endpoints_applied and not (marker and marker.exists()):
        found = analyses_check(study["analyses"], str(path))
        problems += found
        if not problems and marker is not None:
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:  # a read-only checkout: the check simply runs each time
                pass
    problems += expression_problems
    if problems:
        raise ValueError("\n".join(problems if study.get("extends") else written_keys(problems, origins)))
    return study


# ---------------------------------------------------------------------------
# A published design applied to a new cohort (``extends``)
# ---------------------------------------------------------------------------

#: Keys a study that extends a design never takes from it: its own name, folder and
#: descriptions (the design's title, source and software describe the paper).
OWN_KEYS = ("study", "title", "source", "software", "raw_dir")
#: Keys the extending file may not write: it is not the paper. ``validation`` is set by resolution.
PAPER_KEYS = ("published", "replication", "validation")
#: Lists merged item by item, on this key of each item: an item of the extending file
#: replaces the design's item of the same key in place; other items are appended in order.
MERGED_LISTS = {"analyses": "id", "tables": "id", "figures": "id", "variables": "name"}
#: Mappings merged key by key: a key of the extending file replaces the design's, others are added.
MERGED_MAPPINGS = ("derive", "endpoints", "intervals", "labels", "level_labels")


def _item_key(item, key: str):
    """The merge key of a list item, or None (not a mapping, or a key the schema will refuse)."""
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _merge_items(design: list, own: list, key: str) -> list:
    merged = list(design)
    position = {_item_key(item, key): index for index, item in enumerate(merged) if _item_key(item, key) is not None}
    for item in own:
        name = _item_key(item, key)
        if name is not None and name in position:
            merged[position[name]] = item
        else:
            if name is not None:
                position[name] = len(merged)
            merged.append(item)
    return merged


def resolve_design(study: dict, path: Path) -> tuple[dict, list[str], bytes]:
    """A study file resolved against the design it ``extends``: (study, problems, the design file's bytes).

    ``extends: gastric_her2_loss`` names a study file of the same folder (the
    design: ``config/studies/gastric_her2_loss.yaml`` beside this one). The
    resolved study takes every key of the design (variables, derived columns,
    inclusion, endpoints, guideline, comparison, analyses, tables, figures, ...)
    except :data:`OWN_KEYS` (``study``, ``title``, ``source``, ``software``,
    ``raw_dir``: the extending file's own), and ``published`` / ``replication``
    (it is not the paper). A key the extending file gives replaces the design's
    whole, except the lists of :data:`MERGED_LISTS` (``analyses``, ``tables``,
    ``figures`` by ``id``, ``variables`` by ``name``: an item of the extending
    file replaces the design's item of that id in place, a new id is appended)
    and the mappings of :data:`MERGED_MAPPINGS` (``derive``, ``endpoints``,
    ``intervals``, ``labels``, ``level_labels``: merged key by key). Items of
    both files written with ``each`` are expanded before they are merged
    (:func:`her2cohort.declarations.expand_each`). Nothing of the design can be
    removed.

    The resolved study keeps ``extends`` and, when the design has a paper,
    ``validation: {design, published, replication}``: the design's printed
    numbers and its replication mapping, which the ``validation`` rule
    compares with the new cohort's results. An extending file may not write
    ``published``, ``replication`` or ``validation``; a design that extends
    another (a chain), a missing or unreadable design, or a study extending
    itself is an error naming the file. A file without ``extends`` is returned
    as it is.
    """
    name = study.get("extends")
    if name is None:
        if "validation" in study:
            return study, [f"{path}: at key 'validation': set by extends (the design's published numbers), not written in a study file"], b""
        return study, [], b""
    where = f"{path}: at key 'extends'"
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
        return study, [f"{where}: must be the name of a study file in the same folder (e.g. gastric_her2_loss), got {shown}"], b""
    problems = [
        f"{path}: at key '{key}': a study that extends a design is not the paper and has no {key} of its own; "
        f"it is compared with the design's published numbers in results/{path.stem}/validation.csv"
        for key in PAPER_KEYS
        if key in study
    ]
    design_path = path.parent / f"{name}.yaml"
    if name == path.stem:
        return study, problems + [f"{where}: a study cannot extend itself"], b""
    if not design_path.is_file():
        return study, problems + [f"{where}: design {name!r} not found: no study file {design_path}"], b""
    try:
        design = load_yaml(design_path)
    except ValueError as err:
        return study, problems + [f"{where}: the design cannot be read: {err}"], b""
    from her2cohort.declarations import expand_each

    design, found, _ = expand_each(design, str(design_path))
    if found:
        return study, problems + [f"{where}: the design cannot be read: {line}" for line in found], b""
    if "extends" in design:
        problems.append(
            f"{where}: the design {design_path} itself extends {design['extends']!r}; "
            "extends takes a study with its own declarations (no chains): extend that study instead"
        )
    if problems:
        return study, problems, b""
    resolved = {key: value for key, value in design.items() if key not in OWN_KEYS and key not in ("published", "replication")}
    for key, value in study.items():
        if key == "extends":
            continue
        if key in MERGED_LISTS and isinstance(value, list) and isinstance(resolved.get(key), list):
            resolved[key] = _merge_items(resolved[key], value, MERGED_LISTS[key])
        elif key in MERGED_MAPPINGS and isinstance(value, dict) and isinstance(resolved.get(key), dict):
            resolved[key] = {**resolved[key], **value}
        else:
            resolved[key] = value
    resolved["extends"] = name
    if design.get("published") and design.get("replication"):
        resolved["validation"] = {"design": name, "published": design["published"], "replication": design["replication"]}
    ordered = {key: resolved[key] for key in ("study", "title") if key in resolved}
    return {**ordered, **resolved}, [], design_path.read_bytes()


def verified_marker(folder: str | Path, study_bytes: bytes, library: str) -> Path:
    """The marker file in ``folder`` saying that a configuration file of these bytes passed
    the analyses' parameter check with this library (its checksum): the check imports the
    whole statistics catalogue, seconds of every dry run, and is skipped when it exists."""
    import hashlib

    digest = hashlib.sha256(study_bytes + library.encode()).hexdigest()
    return Path(folder) / digest


def raw_dir_errors(study: dict, where: str, root: Path) -> list[str]:
    """``raw_dir`` must be a folder (relative to the project folder ``root``, where Snakemake runs)."""
    raw_dir = study["raw_dir"]
    shown = raw_dir if len(raw_dir) <= 80 else raw_dir[:77] + "..."
    try:
        found = (root / raw_dir).is_dir()
    except OSError as err:  # e.g. a name longer than the file system allows
        return [f"{where}: at key 'raw_dir': {shown!r} cannot be a folder: {err.strerror}"]
    return [] if found else [f"{where}: at key 'raw_dir': folder {shown!r} not found (relative to {root})"]


def identifier_variable_errors(study: dict, where: str) -> list[str]:
    """A study variable named like a direct identifier (``dob``, ``patient_name``) is refused:
    declaring it would make cleaning read and pass on what ``identifier_columns`` keeps out."""
    from her2cohort.rawdata import looks_like_direct_identifier

    return [
        f"{where}: at key 'variables.{index}': {variable['name']!r} looks like a direct identifier; "
        "the pipeline does not read such columns (see identifier_columns)"
        for index, variable in enumerate(study.get("variables", []))
        if looks_like_direct_identifier(variable["name"])
    ]


# ---------------------------------------------------------------------------
# Rule params that print short
# ---------------------------------------------------------------------------


class CompactParams(dict):
    """A mapping given to a rule as a param, whose ``repr`` is short.

    Snakemake records a job's params by their ``repr`` and re-runs the job when
    it changes, printing the old and the new ``repr`` in its reason ("Params
    have changed since last execution"): a study's whole ``analyses`` on one
    line of several KB. Here the ``repr`` is one entry per key, its value
    itself when that is short (``her2_guideline='asco_cap_2018'``), else
    ``sha256:`` and 12 hex digits of the value's ``repr``. Any edit of a value
    changes its entry, so a job re-runs exactly when a key it reads changes,
    and the reason names that key; the script gets the mapping itself
    (Snakemake pickles the params for it), keys and values whole.
    """

    #: Values whose ``repr`` is at most this long are printed as they are.
    SHORT = 40

    def __repr__(self) -> str:
        import hashlib

        parts = []
        for key, value in self.items():
            text = repr(value)
            if len(text) > self.SHORT:
                text = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
            parts.append(f"{key}={text}")
        return "{" + ", ".join(parts) + "}"

    __str__ = __repr__


# ---------------------------------------------------------------------------
# Analysis parameters against the catalogue functions' annotations
# ---------------------------------------------------------------------------


def _describe(hint) -> str:
    if hint is type(None):
        return "null"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(dict.fromkeys(_describe(a) for a in args))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (list, tuple, collections.abc.Sequence) and args and args[0] is not typing.Any:
        plural = {"text": "text", "a number": "numbers", "a whole number": "whole numbers", "true or false": "true/false values"}
        return f"a list of {plural.get(_describe(args[0]), _describe(args[0]))}"
    if origin in (dict, collections.abc.Mapping):
        return "a mapping"
    if origin in (list, tuple, collections.abc.Sequence) or hint in (list, tuple, collections.abc.Sequence):
        return "a list of values (text, numbers, true/false)"
    if hint in (dict, collections.abc.Mapping):
        return "a mapping"
    names = {str: "text", float: "a number", int: "a whole number", bool: "true or false", typing.Any: "any value"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def _fits(value, hint) -> bool:
    """Whether a YAML value can be the argument of a parameter annotated ``hint``
    (classes YAML cannot produce, such as a data frame, never fit)."""
    if hint is typing.Any or hint is inspect.Parameter.empty:
        return True
    if hint is type(None) or hint is None:
        return value is None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if origin in (list, tuple, collections.abc.Sequence) or hint in (list, tuple, collections.abc.Sequence):
        if not isinstance(value, list):
            return False
        if not args or args[0] is typing.Any:  # an untyped list is one of levels: YAML scalars
            return all(v is None or isinstance(v, (str, int, float, bool)) for v in value)
        return all(_fits(v, args[0]) for v in value)
    if origin in (dict, collections.abc.Mapping) or hint in (dict, collections.abc.Mapping):
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # an annotation this check does not know: leave it to the function


def analysis_param_errors(analyses: list[dict], catalogue: dict, where: str) -> list[str]:
    """Parameters whose YAML value cannot have the type the catalogue function declares
    (``covariates: 5``, ``conf_level: "high"``), named by analysis, variant and parameter."""
    problems = []
    for index, analysis in enumerate(analyses):
        function = catalogue[analysis["type"]]
        try:
            hints = typing.get_type_hints(function)
        except Exception:  # noqa: BLE001 (unresolvable annotations: nothing to check against)
            continue
        # the params once, then what each variant changes
        for variant, params in {None: analysis.get("params", {}), **analysis.get("variants", {})}.items():
            for name, value in params.items():
                hint = hints.get(name, inspect.Parameter.empty)
                if not _fits(value, hint):
                    which = f" variant {variant!r}" if variant else ""
                    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
                    problems.append(f"{where}: analyses[{index}] ({analysis['id']}){which}: parameter {name!r} must be {_describe(hint)}, got {shown}")
    return problems
