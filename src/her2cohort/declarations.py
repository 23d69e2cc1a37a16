"""The friendlier forms of a study file, turned into the declarations every rule reads.

A study file may write three shorthands, which this module expands when the
study loads (:func:`her2cohort.config.load_study`), so that the schema check
after it, the analysis check and every rule see plain declarations:

* **``each``**: an item of ``analyses``, ``tables`` or ``figures`` (or of a list
  inside one: a hazard-ratio table's ``covariates``, an estimates table's
  ``rows``, a figure's ``panels``) with ``each: {axis: [values], ...}`` stands for
  one item per combination of the axes' values (the first axis outermost), its
  strings templates: ``{axis}`` is the value, ``{axis.field}`` a field of a
  value that is a mapping (null for a value without it, when others have it).
  A string that is one placeholder and nothing else takes the value itself
  (``true``, ``0``, a list); a null one (``~``, or a field the value lacks)
  leaves its key out. Braces that name no axis (``{n}`` of an alluvial panel's
  title) stay as written (:func:`expand_each`).
* **``endpoint: pfs``** in an analysis (or a count-scatter panel): the time and
  event columns of the study's endpoint, ``pfs_months`` and ``pfs_event``
  (:func:`apply_endpoints`).
* **Study-level labels**: ``labels: {column: text}`` and ``level_labels:
  {column: {level: text}}`` at the top of the study are inherited by every
  table and figure that prints that column or its levels; a table's or figure's
  own labels override them key by key (:func:`inherit_labels`). Which key of
  which layout or type labels which column is :data:`LABELLED`'s business.

Pure data in, data out: no pandas (the Snakefile reads every study at each
start). Problems are returned as lines naming the file and the key.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any, Iterator, Mapping

from her2cohort.errors import did_you_mean
from her2cohort.values import canonical

#: The lists of a study whose items (and the lists inside them) may use ``each``.
EXPANDED_LISTS = ("analyses", "tables", "figures")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\}")


# ---------------------------------------------------------------------------
# each: repeated items from one template
# ---------------------------------------------------------------------------


class _Missing(Exception):
    """A template names a field that a value of its axis does not have."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


#: The fields of each axis's values (a field that some values have and others lack is
#: null where it is lacking); set by :func:`_expand_items` for the item being expanded.
_FIELDS: dict[str, set[str]] = {}


def _lookup(combination: Mapping[str, Any], axis: str, field: str | None) -> Any:
    value = combination[axis]
    if field is None:
        return value
    if field not in _FIELDS.get(axis, set()):
        known = sorted(_FIELDS.get(axis, set()))
        raise _Missing(f"{{{axis}.{field}}}: no value of axis {axis!r} has a field {field!r}" + (f"; {did_you_mean(field, known, 'its fields')}" if known else " (its values are not mappings)"))
    return value.get(field) if isinstance(value, Mapping) else None


def _substitute(node: Any, combination: Mapping[str, Any], used: set[str]) -> Any:
    """``node`` with every placeholder of an axis of ``combination`` replaced."""
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole and whole.group(1) in combination:
            used.add(whole.group(1))
            return copy.deepcopy(_lookup(combination, whole.group(1), whole.group(2)))

        def replace(match: re.Match) -> str:
            if match.group(1) not in combination:
                return match.group(0)  # not an axis: e.g. {n} in an alluvial title
            used.add(match.group(1))
            value = _lookup(combination, match.group(1), match.group(2))
            if isinstance(value, (Mapping, list)):
                raise _Missing(f"{match.group(0)}: a mapping or list cannot be pasted into the text {node!r}; write it as the whole value")
            return _text(value)

        return _PLACEHOLDER.sub(replace, node)
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            new_key = _substitute(key, combination, used) if isinstance(key, str) else key
            if isinstance(value, str) and (whole := _PLACEHOLDER.fullmatch(value)) and whole.group(1) in combination:
                resolved = _substitute(value, combination, used)
                if resolved is None:  # an optional key: a null field leaves it out
                    continue
                out[new_key] = resolved
            else:
                out[new_key] = _substitute(value, combination, used)
        return out
    if isinstance(node, list):
        return [_substitute(item, combination, used) for item in node]
    return node


def _combinations(each: Any, where: str) -> tuple[list[dict], list[str]]:
    if not isinstance(each, Mapping) or not each:
        return [], [f"{where}.each: must be a mapping of axes to lists of values, e.g. each: {{endpoint: [pfs, os]}}"]
    problems = []
    for axis, values in each.items():
        if not isinstance(axis, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", axis):
            problems.append(f"{where}.each: axis {axis!r} must be a name (letters, digits, _)")
        elif not isinstance(values, list) or not values:
            problems.append(f"{where}.each.{axis}: must be a non-empty list of values")
    if problems:
        return [], problems
    axes = list(each)
    return [dict(zip(axes, values)) for values in itertools.product(*(each[a] for a in axes))], []


def _combination_text(combination: Mapping[str, Any]) -> str:
    def shown(value):
        if isinstance(value, Mapping):
            first = next(iter(value.values()), "")
            return _text(first)
        return _text(value)

    return ", ".join(f"{axis}={shown(value)}" for axis, value in combination.items())


def _expand_items(items: list, where: str, problems: list[str]) -> tuple[list, list[tuple[int, str]]]:
    """The items with every ``each`` item expanded (recursively inside the items too);
    with, per expanded item, (its index in the written list, the combination or "")."""
    out, origins = [], []
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if isinstance(item, Mapping) and "each" in item:
            combinations, found = _combinations(item["each"], at)
            problems += found
            template = {k: v for k, v in item.items() if k != "each"}
            fields = {axis: {f for v in values if isinstance(v, Mapping) for f in v} for axis, values in item["each"].items()} if not found else {}
            for combination in combinations:
                used: set[str] = set()
                _FIELDS.clear()
                _FIELDS.update(fields)  # (an each inside the item, expanded below, sets its own)
                try:
                    expanded = _substitute(template, combination, used)
                except _Missing as err:
                    problems.append(f"{at}: {err}")
                    break
                unused = [axis for axis in combination if axis not in used]
                if unused:
                    problems.append(f"{at}.each: axis {unused[0]!r} is used by no template of the item (write {{{unused[0]}}} where its value goes, e.g. in the id)")
                    break
                out.append(_expand_inside(expanded, at, problems))
                origins.append((index, _combination_text(combination)))
        else:
            out.append(_expand_inside(item, at, problems))
            origins.append((index, ""))
    return out, origins


def _expand_inside(node: Any, where: str, problems: list[str]) -> Any:
    """``each`` items of the lists inside an item (a table's rows or covariates, a figure's panels)."""
    if isinstance(node, Mapping):
        return {key: _expand_inside(value, f"{where}.{key}", problems) for key, value in node.items()}
    if isinstance(node, list):
        if any(isinstance(item, Mapping) and "each" in item for item in node):
            return _expand_items(node, where, problems)[0]
        return [_expand_inside(item, f"{where}[{i}]", problems) for i, item in enumerate(node)]
    return node


def expand_each(study: dict, where: str) -> tuple[dict, list[str], dict[str, list[tuple[int, str]]]]:
    """The study with every ``each`` item of :data:`EXPANDED_LISTS` expanded (see the module
    docstring): (study, problems, origins); ``origins[list][i]`` is the written index of the
    i-th expanded item and its combination ("" for an item written as it is), which
    :func:`written_keys` uses to name the written item in a problem."""
    if not isinstance(study, dict):
        return study, [], {}
    study = dict(study)
    problems: list[str] = []
    origins: dict[str, list[tuple[int, str]]] = {}
    for key in EXPANDED_LISTS:
        if isinstance(study.get(key), list):
            study[key], origins[key] = _expand_items(study[key], key, problems)
    for key in origins:  # two items of one id from one template: the id has no placeholder of an axis
        ids = [item.get("id") for item in study[key] if isinstance(item, Mapping) and isinstance(item.get("id"), str)]
        for index, (written, combination) in enumerate(origins[key]):
            item = study[key][index]
            if combination and isinstance(item, Mapping) and isinstance(item.get("id"), str) and ids.count(item["id"]) > 1:
                problems.append(f"{key}[{written}]: the items from each have one id, {study[key][index].get('id')!r}: write each axis in the id template")
                break
    return study, [f"{where}: at key '{p.split(':', 1)[0]}':{p.split(':', 1)[1]}" for p in problems], origins


def written_keys(problems: list[str], origins: Mapping[str, list[tuple[int, str]]]) -> list[str]:
    """Problems found on the expanded study, naming the item as written: ``analyses.45``
    (the 46th item after expansion) becomes ``analyses.24`` and, for an item of an
    ``each``, ``(from each: endpoint=os, factor=age)``."""

    def rewrite(line: str) -> str:
        def dotted(match: re.Match) -> str:
            key, index, rest = match.group(1), int(match.group(2)), match.group(3) or ""
            table = origins.get(key, [])
            if index >= len(table):
                return match.group(0)
            written, combination = table[index]
            return f"'{key}.{written}{rest}'" + (f" (from each: {combination})" if combination else "")

        def bracket(match: re.Match) -> str:
            key, index = match.group(1), int(match.group(2))
            table = origins.get(key, [])
            if index >= len(table):
                return match.group(0)
            written, combination = table[index]
            return f"{key}[{written}]" + (f" (from each: {combination})" if combination else "")

        line = re.sub(r"'(analyses|tables|figures)\.(\d+)((?:\.[^']*)?)'", dotted, line)
        return re.sub(r"\b(analyses|tables|figures)\[(\d+)\]", bracket, line)

    if not any(combination or written != index for table in origins.values() for index, (written, combination) in enumerate(table)):
        return problems
    return [rewrite(line) for line in problems]


# ---------------------------------------------------------------------------
# endpoint: time and event of a declared endpoint
# ---------------------------------------------------------------------------


def endpoint_columns(name: str) -> dict[str, str]:
    """The columns cleaning writes for an endpoint (``pfs`` -> ``pfs_months``, ``pfs_event``)."""
    return {"time": f"{name}_months", "event": f"{name}_event"}


def apply_endpoints(study: dict, where: str) -> list[str]:
    """``endpoint: pfs`` of each analysis (its ``params``) and of each count-scatter panel
    becomes ``time: pfs_months`` and ``event: pfs_event``, the columns of the study's
    endpoint; the study is changed in place. An endpoint the study does not declare, or
    given beside ``time`` or ``event``, is a problem."""
    endpoints = list(study["endpoints"]) if isinstance(study.get("endpoints"), Mapping) else []
    problems = []

    def resolve(holder: dict, target: dict, key: str) -> dict:
        name = holder["endpoint"]
        if name not in endpoints:
            problems.append(f"{where}: at key '{key}.endpoint': {name!r} is not an endpoint of the study: "
                            + (did_you_mean(name, endpoints, "its endpoints") if endpoints else "the study declares no endpoints"))
            return target
        columns = endpoint_columns(name)
        clash = [f"{k} {target[k]!r}" for k in columns if k in target and target[k] != columns[k]]
        if clash:  # the same columns written out as well are not a clash (a declaration expanded before)
            problems.append(f"{where}: at key '{key}.endpoint': endpoint {name!r} is time {columns['time']!r} and event {columns['event']!r}, "
                            f"not the {' and '.join(clash)} written beside it: write one or the other")
            return target
        return {**columns, **target}

    for index, analysis in enumerate(study.get("analyses") if isinstance(study.get("analyses"), list) else []):
        if isinstance(analysis, dict) and isinstance(analysis.get("endpoint"), str):
            params = analysis.get("params") if isinstance(analysis.get("params"), dict) else {}
            analysis["params"] = resolve(analysis, params, f"analyses[{index}]")
    for index, figure in enumerate(study.get("figures") if isinstance(study.get("figures"), list) else []):
        if isinstance(figure, dict) and isinstance(figure.get("panels"), list):
            for j, panel in enumerate(figure["panels"]):
                if isinstance(panel, dict) and isinstance(panel.get("endpoint"), str):
                    resolved = resolve(panel, {k: v for k, v in panel.items() if k != "endpoint"}, f"figures[{index}].panels[{j}]")
                    panel.clear()
                    panel.update(resolved)
    return problems


# ---------------------------------------------------------------------------
# Study-level labels, inherited by every table and figure
# ---------------------------------------------------------------------------


def _variables(analysis: Mapping | None) -> list[str]:
    """The variables of a ``baseline_table`` analysis, by name."""
    names = []
    for item in ((analysis or {}).get("params") or {}).get("variables") or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            names.append(item["name"])
    return names


def _param(analysis: Mapping | None, name: str) -> Any:
    value = ((analysis or {}).get("params") or {}).get(name)
    return value if isinstance(value, str) else None


#: Per table layout (``table:{layout}``) and figure type (``figure:{type}``): the
#: keys whose labels a study-level ``labels`` or ``level_labels`` gives, and of
#: which column. ``levels``: a mapping of one column's levels (``group_labels``),
#: ``levels_by_variable``: ``level_labels`` of each variable, ``names``: ``labels``
#: of each variable, ``text``: a single text (an axis label) from ``labels``.
#: Read by :func:`inherit_labels` and printed in the reference
#: (docs/study-language.md).
LABELLED = {
    "table:baseline": {"labels": "names of the from analysis's variables", "level_labels": "levels of each of its variables", "group_labels": "levels of its group"},
    "table:baseline_row_percent": {"labels": "names of the from analysis's variables", "level_labels": "levels of each of its variables", "group_labels": "levels of its group"},
    "table:hazard_ratios": {"covariates[].label": "name of the covariate's variable", "covariates[].levels[].label": "levels of the covariate's variable"},
    "table:listing": {"columns[].heading": "name of the column", "columns[].labels": "levels (values) of the column"},
    "table:shift": {"blocks[].level_labels": "levels of the block's before column", "blocks[].after_labels": "levels of its after column"},
    "table:shift_matrix": {"level_labels": "levels of every block's before and after columns"},
    "figure:km": {"group_labels": "levels of the from analysis's group"},
    "figure:paired": {"group_labels": "levels of the group column"},
    "figure:dot_plot": {"group_labels": "levels of the group column", "ylabel": "name of the value column"},
    "figure:waterfall": {"group_labels": "levels of the group column", "ylabel": "name of the value column"},
    "figure:grouped_bar": {"level_labels": "levels of the variable", "group_labels": "levels of the from analysis's group"},
    "figure:transitions": {"level_labels": "levels of the from analysis's before and after columns"},
    "figure:alluvial": {"level_labels": "levels of every panel's before and after columns"},
    "figure:count_scatter": {"xlabel": "name of the x column"},
}


def _merged(study_levels: Mapping | None, own: Any) -> tuple[Any, list]:
    """``own`` level labels over the study's (matched as cells are: 2 == "2", true ==
    "true"): (merged mapping, the keys that came from the study)."""
    if not isinstance(study_levels, Mapping) or not study_levels:
        return own, []
    own_map = own if isinstance(own, Mapping) else {}
    have = {canonical(k) for k in own_map}
    inherited = {k: v for k, v in study_levels.items() if canonical(k) not in have}
    if not inherited:
        return own, []
    return {**inherited, **own_map}, list(inherited)


def _levels_of(study_levels: Mapping, columns: list[str | None]) -> dict:
    """The study's level labels of several columns in one mapping (the first column's first)."""
    out: dict = {}
    seen: set[str] = set()
    for column in columns:
        for key, text in (study_levels.get(column) or {}).items() if column else ():
            if canonical(key) not in seen:
                seen.add(canonical(key))
                out[key] = text
    return out


def inherit_labels(study: dict) -> None:
    """Give every table and figure the study-level ``labels`` and ``level_labels`` of the
    columns it prints (:data:`LABELLED`), under its own (which win key by key); the study is
    changed in place. Each item records the keys it inherited under ``inherited_labels``
    (path -> keys), which the check of label keys that match nothing printed passes over:
    a study-level label need not match something in every table."""
    names = study.get("labels") if isinstance(study.get("labels"), Mapping) else {}
    levels = study.get("level_labels") if isinstance(study.get("level_labels"), Mapping) else {}
    if not names and not levels:
        return
    lists = {key: study[key] if isinstance(study.get(key), list) else [] for key in ("analyses", "tables", "figures")}
    analyses = {a["id"]: a for a in lists["analyses"] if isinstance(a, Mapping) and isinstance(a.get("id"), str)}

    for item in [*lists["tables"], *lists["figures"]]:
        if not isinstance(item, dict):
            continue
        kind = f"table:{item.get('layout')}" if "layout" in item else f"figure:{item.get('type')}"
        inherited: dict[str, list] = {}

        def level_map(path: str, holder: dict, key: str, study_levels: Mapping | None) -> None:
            merged, keys = _merged(study_levels, holder.get(key))
            if keys:
                holder[key] = merged
                inherited[path] = keys

        def text(holder: dict, key: str, column: Any) -> None:
            if key not in holder and isinstance(column, str) and column in names:
                holder[key] = names[column]

        source = analyses.get(item.get("from")) if isinstance(item.get("from"), str) else None
        if kind in ("table:baseline", "table:baseline_row_percent"):
            variables = _variables(source)
            own = item.get("labels") if isinstance(item.get("labels"), Mapping) else {}
            added = {v: names[v] for v in variables if v in names and v not in own}
            if added:
                item["labels"] = {**added, **own}
                inherited["labels"] = list(added)
            own_levels = item.get("level_labels") if isinstance(item.get("level_labels"), Mapping) else {}
            merged_levels = dict(own_levels)
            for variable in variables:
                merged, keys = _merged(levels.get(variable), own_levels.get(variable))
                if keys:
                    merged_levels[variable] = merged
                    inherited[f"level_labels.{variable}"] = keys
            if merged_levels != own_levels:
                item["level_labels"] = merged_levels
            level_map("group_labels", item, "group_labels", levels.get(_param(source, "group")))
        elif kind == "table:hazard_ratios":
            for covariate in item.get("covariates") or []:
                if isinstance(covariate, dict) and isinstance(covariate.get("variable"), str):
                    variable = covariate["variable"]
                    text(covariate, "label", variable)
                    study_levels = {canonical(k): v for k, v in (levels.get(variable) or {}).items()}
                    for level in covariate.get("levels") or []:
                        if isinstance(level, dict) and "label" not in level and canonical(level.get("level")) in study_levels:
                            level["label"] = study_levels[canonical(level.get("level"))]
        elif kind == "table:listing":
            for index, column in enumerate(item.get("columns") or []):
                if isinstance(column, dict) and isinstance(column.get("column"), str):
                    text(column, "heading", column["column"])
                    level_map(f"columns[{index}].labels", column, "labels", levels.get(column["column"]))
        elif kind == "table:shift":
            for index, block in enumerate(item.get("blocks") or []):
                if not isinstance(block, dict):
                    continue
                shift = analyses.get(block.get("from")) if isinstance(block.get("from"), str) else None
                before, after = _param(shift, "before"), _param(shift, "after")
                own_levels = block.get("level_labels") if isinstance(block.get("level_labels"), Mapping) else {}
                level_map(f"blocks[{index}].level_labels", block, "level_labels", levels.get(before))
                if "after_labels" in block:
                    level_map(f"blocks[{index}].after_labels", block, "after_labels", levels.get(after))
                elif levels.get(after):
                    # the layout labels the after column with the block's level_labels unless it has
                    # after_labels: the study's labels of the after column, under the block's own
                    merged, _ = _merged(levels.get(after), own_levels)
                    block["after_labels"] = merged
                    inherited[f"blocks[{index}].after_labels"] = list(merged)
                    if own_levels:  # some may label only after-levels, now looked up in after_labels
                        inherited[f"blocks[{index}].level_labels"] = [*inherited.get(f"blocks[{index}].level_labels", []), *own_levels]
        elif kind == "table:shift_matrix":
            columns = [_param(analyses.get(b.get("from")), side) for b in item.get("blocks") or [] if isinstance(b, Mapping) for side in ("before", "after")]
            level_map("level_labels", item, "level_labels", _levels_of(levels, columns))
        elif kind == "figure:km":
            level_map("group_labels", item, "group_labels", levels.get(_param(source, "group")))
        elif kind in ("figure:paired", "figure:dot_plot", "figure:waterfall"):
            level_map("group_labels", item, "group_labels", levels.get(item.get("group")) if isinstance(item.get("group"), str) else None)
            if kind != "figure:paired":
                text(item, "ylabel", item.get("value"))
        elif kind == "figure:grouped_bar":
            level_map("level_labels", item, "level_labels", levels.get(item.get("variable")) if isinstance(item.get("variable"), str) else None)
            level_map("group_labels", item, "group_labels", levels.get(_param(source, "group")))
        elif kind == "figure:transitions":
            level_map("level_labels", item, "level_labels", _levels_of(levels, [_param(source, "before"), _param(source, "after")]))
        elif kind == "figure:alluvial":
            panels = item.get("panels") or ([{"from": item.get("from")}] if item.get("from") else [])
            columns = [_param(analyses.get(p.get("from")), side) for p in panels if isinstance(p, Mapping) for side in ("before", "after")]
            level_map("level_labels", item, "level_labels", _levels_of(levels, columns))
        elif kind == "figure:count_scatter":
            text(item, "xlabel", item.get("x"))
        if inherited:
            item["inherited_labels"] = inherited


def label_columns(study: Mapping) -> set[str]:
    """Every column a study names anywhere (variables, derived columns, analysis
    parameters, the columns its tables and figures draw): a study-level label of
    anything else would label nothing."""
    found: set[str] = set()

    def strings(node: Any) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(key, str):
                    yield key
                yield from strings(value)
        elif isinstance(node, list):
            for item in node:
                yield from strings(item)

    for variable in study.get("variables") if isinstance(study.get("variables"), list) else []:
        if isinstance(variable, Mapping) and isinstance(variable.get("name"), str):
            found.add(variable["name"])
    if isinstance(study.get("derive"), Mapping):
        found |= {str(k) for k in study["derive"]}
    for key in ("analyses", "tables", "figures"):
        found |= set(strings(study.get(key)))
    return found


def study_label_problems(study: Mapping, where: str) -> list[str]:
    """A study-level ``labels`` or ``level_labels`` key that is not a column the study
    names anywhere (a typo would label nothing), with the nearest such column."""
    problems = []
    known = None
    for key in ("labels", "level_labels"):
        mapping = study.get(key)
        if not isinstance(mapping, Mapping):
            continue
        for column in mapping:
            if known is None:
                known = label_columns(study)
            if column not in known:
                candidates = sorted(c for c in known if re.fullmatch(r"[a-z][a-z0-9_]*", c))
                problems.append(f"{where}: at key '{key}.{column}': {column!r} is not a column the study's analyses, tables or figures name, so its label would label nothing: "
                                + did_you_mean(column, candidates, "columns named"))
    return problems


def inherit_study_labels(study: dict, where: str) -> list[str]:
    """After the schema check (and :func:`apply_endpoints`): the study-level labels checked
    and given to every table and figure (the study changed in place); the problems found."""
    problems = study_label_problems(study, where)
    inherit_labels(study)
    return problems
