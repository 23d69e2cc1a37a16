"""The mapping as a person writes it, expanded to one entry per printed quantity.

A mapping's ``reproduce`` list (``config/replication/{study}.yaml``) may hold,
besides the per-quantity entries :mod:`~her2cohort.replication.audit` reads
(``at`` + ``from``/``row``/``value``, ``compute`` or ``not_computable``), four
compact forms. :func:`expand` turns each into those entries, so the audit, the
direction groups, ``shown_in`` and the consistency checks see what they always
saw.

Locations. In a compact entry ``at`` (``table`` for a table) is a location
*prefix*, and every location written inside the entry is relative to it:
``"HR / conf_low"`` under ``at: "Results / PFS"`` is ``"Results / PFS / HR /
conf_low"``. A location written with a leading ``/`` is absolute
(``"/Abstract / Results / HR"``). ``at`` may list several prefixes (the same
numbers printed in the abstract and the results): a relative location then
stands for itself under each prefix, in the prefixes' order. A list of
locations is one quantity printed in several places (compared with each other
by the consistency check; the first is the reference).

``print``: several numbers of one result row. ``from``/``row`` (and
``variant``, ``aggregate``, ``scale``, ``parse``) once; ``print`` maps each
column the entry reads to where it is printed::

    - at: Results / Treatment outcomes / PFS / loss vs persistence
      from: pfs_cox_by_change
      row: {row_kind: coefficient}
      print: {estimate: HR / estimate, conf_low: HR / conf_low, conf_high: HR / conf_high, p_value: p}
      tolerance: ratio
      why: hr_on_reconstructed_times
      investigate: [efron]

A column's value is a location, a list of them, or a mapping with ``at`` and
what this column alone has (``scale``, ``aggregate``, ``parse``,
``tolerance``, ``why``, ``note``, ``discrepant``, ``investigate``: each
replaces the entry's). ``note``, ``discrepant`` and ``investigate`` of the
entry go to every column; ``why`` explains the tolerance and goes to the
columns that get one (to every column when none does).

``tolerance``: a rule as :mod:`~her2cohort.replication.tolerance` states it
(``{rule: relative, max: 0.1}``), a rule's name (``z_distance``), or the name
of a set in :data:`TOLERANCE_SETS` giving each column its rule (``ratio``:
the estimate ``within_ci``, the limits ``ci_se``, the p ``z_distance``). The
``ci`` of ``within_ci`` and ``ci_se`` is the entry's own printed limits (the
first location of its ``conf_low`` and ``conf_high`` columns) unless the rule
or the entry names them (``ci: [a, b]``).

``each``: entries alike but for where they are printed, one per location
(e.g. ``not_computable: literature`` for ten citations)::

    - at: Discussion / literature
      each: [T-DXd phase Ib / ORR / %, T-DXd phase Ib / n]
      not_computable: literature

``table``: a grid of cells of one analysis, a Table 1 in a few lines. The
location of a cell is ``{table} / {row} / {level} / {column} / {value}`` (no
level segment for a row without ``levels``); its selector row is the entry's
``row`` updated by the row's, the level's and the column's values::

    - table: Table 2
      from: characteristics_by_change
      row: {row_type: summary}
      rows:                                  # printed label: row values; levels: label -> `level`
        Gender: {variable: sex, levels: {Male: male, Female: female}}
      columns: {persistence: persistent, loss: loss}         # label -> `group` (or row values)
      values: {n: n, "%": percent}           # last segment -> column read (or a computed cell)
      tests: {p: {row: {row_type: test}, value: p_value}}    # once per row: Table 2 / Gender / p
      cells: {Gender / p: {investigate: [fisher]}}           # what single cells add or change
      skip: ["* / Female / loss / %"]        # cells not printed, or mapped by another entry

A level or column given as a scalar is the value of ``level`` / ``group``; as
a mapping, row values. A row's ``values`` lists the labels of ``values`` it
prints when it prints only some (a median and range row in a table of counts). A ``values`` (or ``tests``) spec may be a mapping with
``value`` and the fields of an entry, or a computed cell, ``{compute, with}``,
whose selectors read the cell's analysis and row updated by their own ``row``
(``row_total: {row: {group: Total}, value: n}``). ``cells`` keys are cell
locations relative to the table; ``also`` there lists other places the same
number is printed (after the cell). ``skip`` takes patterns
(:mod:`~her2cohort.replication.locations`: ``*`` one segment, ``**`` any).
Cells are generated row by row, level by level, column by column, then the
row's tests.

Expansion errors (a cell ``cells`` or ``skip`` names that the table does not
have, a tolerance with no limits to read) name the compact entry; the checks
every entry gets (each location once, none unmapped, a tolerance has a
``why``) are :func:`~her2cohort.replication.audit.load_mapping`'s.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator, Mapping

from her2cohort.replication.locations import SEPARATOR, matches

#: Entry fields that explain a number; each holds a text written once, or the key of a named reason (``note`` a list of them).
EXPLAINING = ("why", "discrepant", "note", "not_computable")
#: What a print column, a table's value or test spec, or a table cell may set for itself.
OWN_FIELDS = ("scale", "aggregate", "parse", "tolerance", "why", "note", "discrepant", "investigate")
#: Named tolerance sets: column read -> the rule it gets (columns not named get none).
TOLERANCE_SETS: dict[str, dict[str, dict[str, Any]]] = {
    # a hazard or odds ratio: the estimate inside the printed CI, each limit within one
    # published SE (log scale), the p within 0.5 on the normal-quantile scale
    "ratio": {"estimate": {"rule": "within_ci"}, "conf_low": {"rule": "ci_se"}, "conf_high": {"rule": "ci_se"}, "p_value": {"rule": "z_distance"}},
    # the CI of a median survival time (log scale, e.g. Brookmeyer-Crowley log-log); the median itself is an input
    "limits": {"conf_low": {"rule": "ci_se"}, "conf_high": {"rule": "ci_se"}},
    # the same on the linear scale (SPSS's symmetric median +/- 1.96 SE)
    "linear_limits": {"conf_low": {"rule": "ci_se", "scale": "linear"}, "conf_high": {"rule": "ci_se", "scale": "linear"}},
}
_NEEDS_CI = ("within_ci", "ci_se")


class CompactError(ValueError):
    """A compact entry that cannot be expanded (the message names it)."""


def kind(item: Mapping[str, Any]) -> str:
    """``print``, ``table``, ``each`` or ``entry`` (the per-quantity form)."""
    return next((k for k in ("print", "table", "each") if k in item), "entry")


def prefixes(item: Mapping[str, Any]) -> list[str]:
    """The location prefixes of a compact entry (none for a per-quantity entry)."""
    written = item.get("table", item.get("at")) if kind(item) != "entry" else None
    return [] if written is None else [written] if isinstance(written, str) else list(written)


def resolve(written: str | list[str], under: list[str]) -> list[str]:
    """Locations as written (relative to the prefixes ``under``, or absolute with a leading ``/``)."""
    found = []
    for location in [written] if isinstance(written, str) else written:
        if location.startswith("/"):
            found.append(location[1:].strip())
        elif under:
            found += [f"{prefix}{SEPARATOR}{location}" for prefix in under]
        else:
            found.append(location)
    return found


def _at(locations: list[str]) -> str | list[str]:
    return locations[0] if len(locations) == 1 else locations


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise CompactError(f"{where}: label {value!r} is not text (quote it in the YAML)")
    return value


def _tolerance(written: Any, column: str | None, ci: list[str] | None, where: str) -> dict | None:
    """The rule a column gets from a written tolerance (a rule, a rule's name or a set's name)."""
    if written is None:
        return None
    if isinstance(written, str):
        rule = copy.deepcopy(TOLERANCE_SETS[written].get(column)) if written in TOLERANCE_SETS else {"rule": written}
    else:
        rule = copy.deepcopy(dict(written))
    if rule is not None and rule["rule"] in _NEEDS_CI and "ci" not in rule:
        if ci is None:
            raise CompactError(f"{where}: tolerance {rule['rule']} needs the printed limits: print conf_low and conf_high, or name them with ci")
        rule = {"rule": rule["rule"], "ci": list(ci), **{k: v for k, v in rule.items() if k != "rule"}}
    return rule


def _finish(entry: dict, own: Mapping[str, Any], shared: Mapping[str, Any], column: str | None, ci: list[str] | None, where: str, tolerated: bool) -> dict:
    """Add the explaining fields and the tolerance to an expanded entry: the column's own, else the entry's."""
    fields = {**{k: v for k, v in shared.items() if k in OWN_FIELDS}, **{k: v for k, v in own.items() if k in OWN_FIELDS}}
    for key in ("scale", "aggregate", "parse"):
        if key in fields and "compute" not in entry:
            entry[key] = fields[key]
    rule = _tolerance(fields.get("tolerance"), column, ci, where)
    if rule is not None:
        entry["tolerance"] = rule
    # `why` explains a tolerance: the columns without one do not get the entry's (their own they keep)
    why = own.get("why", shared.get("why") if rule is not None or not tolerated else None)
    if why is not None:
        entry["why"] = why
    for key in ("discrepant", "investigate", "note"):
        if key in fields:
            entry[key] = copy.deepcopy(fields[key])
    return entry


def _print(item: Mapping[str, Any], where: str) -> Iterator[tuple[dict, str]]:
    under = prefixes(item)
    columns = {column: ({"at": spec} if isinstance(spec, (str, list)) else dict(spec)) for column, spec in item["print"].items()}
    for column, spec in columns.items():
        if "at" not in spec:
            raise CompactError(f"{where}.print.{column}: no location (at)")
    located = {column: resolve(spec["at"], under) for column, spec in columns.items()}
    ci = resolve(item["ci"], under) if "ci" in item else ([located["conf_low"][0], located["conf_high"][0]] if {"conf_low", "conf_high"} <= located.keys() else None)
    if ci is not None and len(ci) != 2:
        raise CompactError(f"{where}.ci: names {len(ci)} locations, not the two limits")
    tolerated = "tolerance" in item or any("tolerance" in spec for spec in columns.values())
    for column, spec in columns.items():
        entry = {"at": _at(located[column])}
        entry.update({k: copy.deepcopy(item[k]) for k in ("from", "row", "variant") if k in item})
        entry["value"] = column
        yield _finish(entry, spec, item, column, ci, f"{where}.print.{column}", tolerated), f"{where}.print.{column}"


def _each(item: Mapping[str, Any], where: str) -> Iterator[tuple[dict, str]]:
    under = prefixes(item)
    rest = {k: v for k, v in item.items() if k not in ("at", "each")}
    for index, written in enumerate(item["each"]):
        yield {"at": _at(resolve(written, under)), **copy.deepcopy(rest)}, f"{where}.each[{index}]"


def _row_values(spec: Any, key: str) -> dict:
    """A level's or column's row values: a mapping as written, a scalar as the value of ``key``."""
    return dict(spec) if isinstance(spec, Mapping) else {key: spec}


def _cell_entry(item: Mapping[str, Any], spec: Any, row: dict, location: str) -> dict:
    """The entry of one cell: its selector (or computation) before the explaining fields."""
    spec = {"value": spec} if isinstance(spec, str) else spec
    if "compute" in spec:
        selectors = {}
        for name, selector in spec["with"].items():
            selectors[name] = {"from": selector.get("from", item["from"]), "row": {**row, **selector.get("row", {})}}
            selectors[name].update({k: copy.deepcopy(v) for k, v in selector.items() if k not in ("from", "row")})
            if "variant" in item and "from" not in selector:
                selectors[name].setdefault("variant", item["variant"])
        return {"at": location, "compute": spec["compute"], "with": selectors}
    entry = {"at": location, "from": spec.get("from", item["from"]), "row": row, "value": spec["value"]}
    if "variant" in item:
        entry["variant"] = item["variant"]
    return entry


def _table(item: Mapping[str, Any], where: str) -> Iterator[tuple[dict, str]]:
    prefix = item["table"]
    common = dict(item.get("row") or {})
    cells_written = item.get("cells") or {}
    skips = list(item.get("skip") or [])
    used_cells, used_skips = set(), set()
    shared = {k: v for k, v in item.items() if k in OWN_FIELDS}

    def cell(relative: str, spec: Any, row: dict) -> Iterator[tuple[dict, str]]:
        hit = [pattern for pattern in skips if matches(pattern, relative)]
        if hit:
            used_skips.update(hit)
            return
        spec_fields = spec if isinstance(spec, Mapping) else {}
        own = {**{k: v for k, v in spec_fields.items() if k in OWN_FIELDS}, **(cells_written.get(relative) or {})}
        used_cells.add(relative)
        location = f"{prefix}{SEPARATOR}{relative}"
        entry = _cell_entry(item, spec, row, location)
        also = own.get("also")
        if also is not None:
            entry["at"] = [location, *resolve(also, [prefix])]
        label = f"{where} (table {prefix!r}, cell {relative!r})"
        yield _finish(entry, own, shared, None, None, label, False), label

    values = item.get("values") or {}
    columns = {_label(label, f"{where}.columns"): _row_values(spec, "group") for label, spec in (item.get("columns") or {}).items()}
    for row_label, row_spec in item["rows"].items():
        row_label = _label(row_label, f"{where}.rows")
        row_spec = dict(row_spec or {})
        levels = row_spec.pop("levels", None)
        printed = row_spec.pop("values", None)  # the value labels this row prints (default: all)
        unknown = [label for label in printed or [] if label not in values]
        if unknown:
            raise CompactError(f"{where}.rows.{row_label}.values: {unknown} are not labels of the table's values")
        base = {**common, **row_spec}
        level_items = [(None, {})] if levels is None else [(_label(label, f"{where}.rows.{row_label}.levels"), _row_values(spec, "level")) for label, spec in levels.items()]
        for level_label, level_row in level_items:
            for column_label, column_row in columns.items():
                for value_label, spec in values.items():
                    if printed is not None and value_label not in printed:
                        continue
                    relative = SEPARATOR.join(s for s in (row_label, level_label, column_label, _label(value_label, f"{where}.values")) if s is not None)
                    yield from cell(relative, spec, {**base, **level_row, **column_row})
        for test_label, spec in (item.get("tests") or {}).items():
            spec = dict(spec)
            row = {**base, **(spec.pop("row", None) or {})}
            yield from cell(f"{row_label}{SEPARATOR}{_label(test_label, f'{where}.tests')}", spec, row)
    unknown = [relative for relative in cells_written if relative not in used_cells]
    unused = [pattern for pattern in skips if pattern not in used_skips]
    problems = [f"{where}.cells: {relative!r} is not a cell of table {prefix!r}" for relative in unknown]
    problems += [f"{where}.skip: {pattern!r} matches no cell of table {prefix!r}" for pattern in unused]
    if problems:
        raise CompactError("\n".join(problems))


def expand(reproduce: list[Mapping[str, Any]]) -> tuple[list[dict], list[str]]:
    """The per-quantity entries of a ``reproduce`` list, and for each the compact entry it comes from
    (``reproduce[3]``, ``reproduce[3].print.p_value``, ...). Raises :class:`CompactError`."""
    entries, origins, problems = [], [], []
    for index, item in enumerate(reproduce):
        where = f"reproduce[{index}]"
        form = kind(item)
        if form == "entry":
            entries.append(item)
            origins.append(where)
            continue
        try:
            for entry, origin in {"print": _print, "each": _each, "table": _table}[form](item, where):
                entries.append(entry)
                origins.append(origin)
        except CompactError as err:
            problems.append(str(err))
    if problems:
        raise CompactError("\n".join(problems))
    return entries, origins


def written_texts(reproduce: list[Mapping[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """(where, field, value) of every explaining field as written: a field written once is one use,
    however many numbers the entry maps."""
    for index, item in enumerate(reproduce):
        where = f"reproduce[{index}]"
        places: list[tuple[str, Any]] = [(where, item)]
        form = kind(item)
        if form == "print":
            places += [(f"{where}.print.{column}", spec) for column, spec in item["print"].items()]
        elif form == "table":
            places += [(f"{where}.values.{label}", spec) for label, spec in (item.get("values") or {}).items()]
            places += [(f"{where}.tests.{label}", spec) for label, spec in (item.get("tests") or {}).items()]
            places += [(f"{where}.cells[{relative!r}]", spec) for relative, spec in (item.get("cells") or {}).items()]
        for place, spec in places:
            if isinstance(spec, Mapping):
                for field in EXPLAINING:
                    if field in spec:
                        yield place, field, spec[field]


def under_prefix(reproduce: list[Mapping[str, Any]], location: str) -> list[str]:
    """The compact entries whose prefix holds ``location`` (to say which one should map it)."""
    found = []
    for index, item in enumerate(reproduce):
        for prefix in prefixes(item):
            if location.startswith(prefix + SEPARATOR):
                found.append(f"reproduce[{index}] ({kind(item)} {prefix!r})")
                break
    return found
