"""One-off: rewrite a replication mapping from one entry per quantity into the compact form.

    .venv/bin/python config/replication/compact.py [--check] [study ...]   # default: every mapping here

The compact form is her2cohort.replication.compact's (read its docstring). This
script converted the five per-quantity mappings to it (the files were then
reviewed, not hand-edited: what it could not group stays one entry a quantity).
It is kept to show how, and for a mapping written in the old form; it is not
part of the pipeline: it lives beside the mappings, not in ``scripts/``
(Snakemake rule scripts only) nor in the library (whose checksum re-runs every
job). ``--check`` writes nothing. What it does, in this order:

1. tables: entries of one analysis whose first location is ``Table N / ...``
   and whose rows differ by labelled segments (row / level / column / value,
   and ``Table N / row / p`` tests) become a ``table``; the segments' meaning
   is inferred from which row values each label determines; cells printed
   elsewhere too get ``also``, cells not printed ``skip``;
2. ``print``: consecutive entries of one result row (same from/row/variant),
   with the location prefix that shortens them most, fields they share once,
   tolerance sets named;
3. ``each``: consecutive entries identical but for their location;
4. anything else stays as written. Each item stands where its first entry was.

A location list is one number printed in several places, and the consistency
check compares them in the mapping's order: an entry of a table or print item
whose list would come before another list it followed is taken out of the item
(it stays an entry of its own) until none does. The script then expands what it
wrote and refuses to write unless the expansion is the original entries
(location by location) with the location lists in the original order, and the
YAML reads back as what it wrote. Leading comments are kept, a section with a
comment is copied as it was, the others are written again (long texts folded at
150 columns, a consistency rule a line). Run on a compact mapping, it converts
its expansion again.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import yaml

from her2cohort.config import load_yaml
from her2cohort.replication.compact import TOLERANCE_SETS, expand
from her2cohort.replication.locations import SEPARATOR, matches

HERE = Path(__file__).resolve().parent
WIDTH = 150  # a mapping or list longer than this on one line is written as a block
OWN = ("scale", "aggregate", "parse", "tolerance", "why", "discrepant", "investigate", "note")
# the order of an entry's keys as written: where, what it reads, what it maps, why
ORDER = tuple("at table each from row variant value aggregate scale parse compute with print columns values tests rows cells skip tolerance ci not_computable why discrepant investigate note".split())


def locs(entry):
    return [entry["at"]] if isinstance(entry["at"], str) else list(entry["at"])


def segs(location):
    return location.split(SEPARATOR)


def join(parts):
    return SEPARATOR.join(parts)


def common_prefix(locations, keep=1):
    """The longest segment prefix of all locations that leaves at least ``keep`` segments of each."""
    parts = [segs(loc) for loc in locations]
    n = 0
    while all(len(p) > n + keep for p in parts) and len({p[n] for p in parts}) == 1:
        n += 1
    return join(parts[0][:n]) if n else ""


def best_prefix(locations):
    """The segment prefix that shortens the written locations most (none if none does)."""

    def saving(prefix):
        under = sum(loc.startswith(prefix + SEPARATOR) for loc in locations)
        # a location left absolute ("/...") costs more than its characters: the reader must notice it
        return under * (len(prefix) + len(SEPARATOR)) - len(prefix) - (len(locations) - under) * 40 - 8

    candidates = {join(segs(loc)[:k]) for loc in locations for k in range(1, len(segs(loc)))}
    best = max(sorted(candidates), key=lambda prefix: (saving(prefix), len(prefix)), default="")
    return best if best and saving(best) > 0 else ""


def relative(location, prefix):
    """``location`` as written under ``prefix``: relative if it is under it, else absolute ("/...")."""
    if not prefix:
        return location
    return location[len(prefix) + len(SEPARATOR) :] if location.startswith(prefix + SEPARATOR) else "/" + location


# ----------------------------------------------------------------------------------------- tables


def table_candidate(entry):
    """The analysis of an entry a table may hold (first printed in a Table N, one analysis), or None."""
    first = locs(entry)[0]
    if not re.match(r"Table \d+ / ", first) or "variant" in entry:
        return None
    if "from" in entry:
        return entry["from"]
    if "compute" in entry and len({s["from"] for s in entry["with"].values()}) == 1:
        return next(iter(entry["with"].values()))["from"]
    return None


def function_of(cells, key, label):
    """Whether row value ``key`` is determined by the label ``label(cell)`` (absent counts as a value)."""
    seen = {}
    for cell in cells:
        value = cell["row"].get(key, KeyError)
        if seen.setdefault(label(cell), value) != value:
            return False
    return True


def explaining_fields(entry):
    return {k: entry[k] for k in OWN if k in entry and k not in ("scale", "aggregate", "parse")}


def build_table(analysis, entries, indices):
    """A table item from candidate entries (index -> entry); returns (item, used indices) or None."""
    prefix = common_prefix([locs(entries[i])[0] for i in indices], keep=2)
    cells = []
    for i in indices:
        parts = segs(relative(locs(entries[i])[0], prefix))
        if len(parts) in (2, 3, 4):
            row = entries[i].get("row") if "from" in entries[i] else None
            cells.append({"i": i, "parts": parts, "row": row, "entry": entries[i]})
    four = {c["parts"][0] for c in cells if len(c["parts"]) == 4}
    cells = [c for c in cells if not (len(c["parts"]) == 3 and c["parts"][0] in four)]
    plain = [c for c in cells if len(c["parts"]) > 2 and c["row"] is not None]
    if len(plain) < 6:
        return None
    keys = list(dict.fromkeys(k for c in plain for k in c["row"]))
    common = {k: plain[0]["row"][k] for k in keys if all(c["row"].get(k, KeyError) == plain[0]["row"].get(k) for c in plain)}
    role = {}
    for key in (k for k in keys if k not in common):
        for name, label in (("row", lambda c: c["parts"][0]), ("column", lambda c: c["parts"][-2]), ("level", lambda c: (c["parts"][0], c["parts"][1] if len(c["parts"]) == 4 else None))):
            if function_of(plain, key, label):
                role[key] = name
                break
        else:
            return None
    rows, columns = {}, {}
    for c in plain:
        values = {k: v for k, v in c["row"].items() if role.get(k) == "row"}
        spec = rows.setdefault(c["parts"][0], {**values, "levels": {}} if len(c["parts"]) == 4 else values)
        if len(c["parts"]) == 4:
            level = {k: v for k, v in c["row"].items() if role.get(k) == "level"}
            spec["levels"].setdefault(c["parts"][1], level["level"] if list(level) == ["level"] else level)
        column = {k: v for k, v in c["row"].items() if role.get(k) == "column"}
        columns.setdefault(c["parts"][-2], column["group"] if list(column) == ["group"] else column)

    def cell_row(parts):
        spec = rows.get(parts[0])
        if spec is None or (len(parts) == 4) != ("levels" in spec):
            return None
        level = spec["levels"].get(parts[1]) if len(parts) == 4 else {}
        column = columns.get(parts[-2])
        if level is None or column is None:
            return None
        as_row = lambda v, k: v if isinstance(v, dict) else {k: v}  # noqa: E731
        return {**common, **{k: v for k, v in spec.items() if k != "levels"}, **as_row(level, "level"), **as_row(column, "group")}

    def spec_of(c, row):
        e = c["entry"]
        if "compute" not in e:
            if e["from"] != analysis or e["row"] != row:
                return None
            return {"value": e["value"], **{k: e[k] for k in ("scale", "aggregate", "parse") if k in e}}
        selectors = {}
        for name, s in e["with"].items():
            if any(k not in s["row"] for k in row):
                return None
            selectors[name] = {**({"row": {k: v for k, v in s["row"].items() if row.get(k, KeyError) != v}} if s["row"] != row else {}), **{k: v for k, v in s.items() if k not in ("from", "row")}}
        return {"compute": e["compute"], "with": selectors}

    values, tests, fields, used = {}, {}, {}, []
    for c in cells:
        if len(c["parts"]) == 2:  # a test of the row: its row updates the row's values
            spec = rows.get(c["parts"][0])
            if c["row"] is None or spec is None:
                continue
            base = {**common, **{k: v for k, v in spec.items() if k != "levels"}}
            if any(k not in c["row"] for k in base):
                continue
            changed = {k: v for k, v in c["row"].items() if base.get(k, KeyError) != v}
            found = {**({"row": changed} if changed else {}), "value": c["entry"]["value"]}
            if c["entry"]["from"] != analysis or tests.setdefault(c["parts"][1], found) != found:
                continue
        else:
            row = cell_row(c["parts"])
            found = spec_of(c, row) if row is not None else None
            if found is None or values.setdefault(c["parts"][-1], found) != found:
                continue
        used.append(c)
        fields.setdefault(("tests" if len(c["parts"]) == 2 else "values", c["parts"][-1]), []).append(explaining_fields(c["entry"]))
    if len(used) < 6:
        return None
    if len(used) < len(cells):  # the rows and columns of the cells the table holds, and no others
        return build_table(analysis, entries, [c["i"] for c in used])
    # fields every cell of a value (test) has go to its spec, the others to the cell
    for (section, label), found in fields.items():
        # a field every cell has goes to the spec with its most frequent value (the others override it)
        shared = {}
        for key in found[0]:
            if all(key in f for f in found):
                texts = [flow(f[key]) for f in found]
                shared[key] = found[texts.index(max(texts, key=texts.count))][key]
        target = values if section == "values" else tests
        target[label] = {**target[label], **shared}
        if list(target[label]) == ["value"]:
            target[label] = target[label]["value"]
    if list(columns.values()) == [{}] and "group" in common:  # one column: its group is the column's
        columns = {label: common.pop("group") for label in columns}
    item = {"table": prefix, "from": analysis}
    if common:
        item["row"] = common
    item.update({"columns": columns, "values": values})
    if tests:
        item["tests"] = tests
    item["rows"] = {label: (spec if spec.get("levels") or "levels" not in spec else {k: v for k, v in spec.items() if k != "levels"}) for label, spec in rows.items()}
    for label, spec in item["rows"].items():  # a row that prints only some of the values says which
        seen = {c["parts"][-1] for c in used if len(c["parts"]) > 2 and c["parts"][0] == label}
        if set(values) - seen:
            spec["values"] = [v for v in values if v in seen]
    cells_written = {}
    for c in used:
        spec = (values if len(c["parts"]) > 2 else tests)[c["parts"][-1]]
        spec = spec if isinstance(spec, dict) else {}
        own = {k: v for k, v in explaining_fields(c["entry"]).items() if spec.get(k, KeyError) != v}
        if any(k in spec and k not in c["entry"] for k in OWN):
            return None  # a cell without a field its spec has: not expressible
        also = locs(c["entry"])[1:]
        if also:
            own = {"also": [relative(loc, prefix) for loc in also], **own}
            own["also"] = own["also"][0] if len(own["also"]) == 1 else own["also"]
        if own:
            cells_written[join(c["parts"])] = own
    if cells_written:
        item["cells"] = cells_written
    item["skip"] = skips(item, {join(c["parts"]) for c in used})
    if not item["skip"]:
        del item["skip"]
    return item, [c["i"] for c in used]


def skips(item, present):
    """Patterns of the cells the table would generate but does not map (most general first)."""
    probe = {k: v for k, v in item.items() if k not in ("cells", "skip")}
    generated = [relative(entry["at"], item["table"]) for entry in expand([probe])[0]]
    missing = [g for g in generated if g not in present]
    patterns = []
    for cell in missing:
        if any(matches(p, cell) for p in patterns):
            continue
        parts = segs(cell)
        options = []
        for mask in range(2 ** (len(parts) - 1) - 1, -1, -1):  # stars on any of the segments but the last
            options.append(join(["*" if mask >> j & 1 else parts[j] for j in range(len(parts) - 1)] + [parts[-1]]))
        options.sort(key=lambda p: -p.count("*"))
        patterns.append(next(p for p in options if all(g not in present for g in generated if matches(p, g))))
    return patterns


# ----------------------------------------------------------------------------------------- print


def print_item(group):
    """A print item from consecutive entries of one result row."""
    first = group[0]
    item = {k: copy.deepcopy(first[k]) for k in ("from", "row", "variant") if k in first}
    columns = {e["value"]: {"at": locs(e), **{k: e[k] for k in OWN if k in e}} for e in group}
    # where: one prefix, or several when every column is printed once under each
    under = [best_prefix([loc for c in columns.values() for loc in c["at"]])]
    counts = {len(c["at"]) for c in columns.values()}
    if len(counts) == 1 and counts != {1}:
        k = counts.pop()
        several = [common_prefix([c["at"][j] for c in columns.values()]) for j in range(k)]
        suffixes = [[relative(c["at"][j], several[j]) for j in range(k)] for c in columns.values()]
        if all(several) and all(len(set(s)) == 1 and not s[0].startswith("/") for s in suffixes):
            under = several
    located = {}
    for column, spec in columns.items():
        if len(under) > 1:
            located[column] = relative(spec["at"][0], under[0])
        else:
            written = [relative(loc, under[0]) for loc in spec["at"]]
            located[column] = written[0] if len(written) == 1 else written
    if under != [""]:
        item["at"] = under[0] if len(under) == 1 else under
    # fields every column has alike are written once
    for key in ("scale", "aggregate", "parse", "discrepant", "investigate", "note"):
        found = [spec.get(key, KeyError) for spec in columns.values()]
        if found[0] is not KeyError and all(f == found[0] for f in found):
            item[key] = found[0]
            for spec in columns.values():
                del spec[key]
    # tolerance: a named set, one rule for all, or each column's own
    default_ci = [columns["conf_low"]["at"][0], columns["conf_high"]["at"][0]] if {"conf_low", "conf_high"} <= columns.keys() else None
    rules = {column: spec.get("tolerance") for column, spec in columns.items()}
    cis = {tuple(r["ci"]) for r in rules.values() if r and "ci" in r}
    ci = list(cis.pop()) if len(cis) == 1 else None
    named = None
    for name, rule_set in TOLERANCE_SETS.items():
        want = {
            column: (None if column not in rule_set else {**rule_set[column], **({"ci": ci} if "ci" in rule_set[column] or rule_set[column]["rule"] in ("within_ci", "ci_se") else {})})
            for column in columns
        }
        if all(rules[c] == want[c] for c in columns) and all(c in columns for c in rule_set if c != "p_value"):
            named = name
    if named:
        item["tolerance"] = named
        if ci and ci != default_ci:
            item["ci"] = [relative(loc, under[0]) if len(under) == 1 else "/" + loc for loc in ci]
        for spec in columns.values():
            spec.pop("tolerance", None)
    else:
        for spec in columns.values():
            rule = spec.get("tolerance")
            if rule and rule.get("ci") == default_ci and default_ci:
                rule = {k: v for k, v in rule.items() if k != "ci"}
            if rule == {"rule": "z_distance"}:
                rule = "z_distance"
            if rule is not None:
                spec["tolerance"] = rule
        found = [spec.get("tolerance", KeyError) for spec in columns.values()]
        if found[0] is not KeyError and all(f == found[0] for f in found):
            item["tolerance"] = found[0]
            for spec in columns.values():
                del spec["tolerance"]
    # why: once when the columns with a tolerance (two or more) share it and the others have none
    tolerated = [c for c in columns if rules[c]]
    whys = [columns[c].get("why", KeyError) for c in (tolerated or columns)]
    others = [columns[c].get("why", KeyError) for c in columns if c not in tolerated] if tolerated else []
    if len(tolerated) != 1 and whys[0] is not KeyError and all(w == whys[0] for w in whys) and all(o is KeyError for o in others):
        item["why"] = whys[0]
        for c in tolerated or columns:
            del columns[c]["why"]
    item["print"] = {}
    for column, spec in columns.items():
        own = {k: v for k, v in spec.items() if k != "at"}
        item["print"][column] = {"at": located[column], **own} if own else located[column]
    return item


def each_item(group):
    locations = [loc for e in group for loc in locs(e)]
    prefix = best_prefix(locations)
    written = []
    for e in group:
        r = [relative(loc, prefix) for loc in locs(e)]
        written.append(r[0] if len(r) == 1 else r)
    item = {"at": prefix} if prefix else {}
    item["each"] = written
    item.update({k: v for k, v in group[0].items() if k != "at"})
    return item


def single(entry):
    """An entry kept as written (a list of one location as the location)."""
    return {**entry, "at": locs(entry)[0]} if len(locs(entry)) == 1 else entry


def same_but_at(a, b):
    return {k: v for k, v in a.items() if k != "at"} == {k: v for k, v in b.items() if k != "at"}


def convert(entries):
    """Compact items for a list of per-quantity entries, in the order of their first entry.

    A table or print item expands its entries together, where the first of them
    was; an entry printed in several places that then comes before another such
    entry it followed is taken out of its item (the consistency check compares
    the location lists in the mapping's order), until none does."""
    alone = set()
    while True:
        items = convert_once(entries, alone)
        expanded, _ = expand([item for item, _ in items])
        sources = [index for item, index in items for _ in expand([item])[0]]
        now = [(locs(e), source) for e, source in zip(expanded, sources) if len(locs(e)) > 1]
        was = [locs(e) for e in entries if len(locs(e)) > 1]
        moved = next((pair for pair, old in zip(now, was) if pair[0] != old), None)
        if moved is None:
            return [item for item, _ in items]
        first = moved[0][0]
        alone.add(next(i for i, e in enumerate(entries) if locs(e)[0] == first))


def convert_once(entries, alone):
    items, used = [], set()
    by_table = {}
    for i, e in enumerate(entries):
        analysis = table_candidate(e) if i not in alone else None
        if analysis:
            by_table.setdefault((analysis, segs(locs(e)[0])[0]), []).append(i)
    for (analysis, _), indices in by_table.items():
        built = build_table(analysis, entries, indices)
        if built:
            item, taken = built
            items.append((min(taken), item))
            used.update(taken)
    i = 0
    rest = [j for j in range(len(entries)) if j not in used]
    while i < len(rest):
        e = entries[rest[i]]
        group = [e]
        if "from" in e and "value" in e:
            key = (e["from"], e.get("row"), e.get("variant"))
            while i + len(group) < len(rest) and rest[i] not in alone:
                nxt = entries[rest[i + len(group)]]
                if (
                    rest[i + len(group)] not in alone
                    and "from" in nxt
                    and "value" in nxt
                    and (nxt["from"], nxt.get("row"), nxt.get("variant")) == key
                    and nxt["value"] not in {g["value"] for g in group}
                ):
                    group.append(nxt)
                else:
                    break
            item = print_item(group) if len(group) > 1 else single(e)
        else:
            while i + len(group) < len(rest) and same_but_at(e, entries[rest[i + len(group)]]) and segs(locs(entries[rest[i + len(group)]])[0])[0] == segs(locs(e)[0])[0]:
                group.append(entries[rest[i + len(group)]])
            item = each_item(group) if len(group) > 1 else single(e)
        items.append((rest[i], item))
        i += len(group)
    return [(item, index) for index, item in sorted(items, key=lambda pair: pair[0])]


# ----------------------------------------------------------------------------------------- checking


def normal(entry):
    e = copy.deepcopy(dict(entry))
    e["at"] = locs(e)
    if "with" in e:
        e["with_order"] = list(e["with"])
    return e


def differences(original, written):
    """Why the expansion of ``written`` is not ``original`` (empty if it is)."""
    expanded, _ = expand(written)
    problems = []
    old = {locs(e)[0]: normal(e) for e in original}
    new = {locs(e)[0]: normal(e) for e in expanded}
    for location in sorted(old.keys() | new.keys()):
        if old.get(location) != new.get(location):
            problems.append(f"{location}:\n  was {old.get(location)}\n  now {new.get(location)}")
    groups = lambda es: [locs(e) for e in es if len(locs(e)) > 1]  # noqa: E731
    if groups(original) != groups(expanded):
        problems.append("the location lists (same_quantity groups) are not in the original order")
    return problems


# ----------------------------------------------------------------------------------------- writing


def flow(value):
    text = yaml.safe_dump(value, default_flow_style=True, width=float("inf"), allow_unicode=True, sort_keys=False)
    return text[:-5] if text.endswith("\n...\n") else text.rstrip("\n")


def ordered(mapping):
    keys = [k for k in ORDER if k in mapping] + [k for k in mapping if k not in ORDER]
    return {k: mapping[k] for k in keys}


def emit(head, value, col):
    """Lines writing ``value`` after ``head`` ("key:" or "-"): on one line where it fits in WIDTH,
    else as a block whose children start at column ``col`` (long texts folded onto more lines)."""
    one = f"{head} {flow(value)}"
    if len(one) <= WIDTH or (isinstance(value, (dict, list)) and not value):
        return [one]
    if isinstance(value, (dict, list)):
        if isinstance(value, dict):
            children = [line for k, v in value.items() for line in emit(" " * col + flow(k) + ":", v, col + 2)]
        else:  # a list under a key is written at the key's column, as PyYAML does
            at = col if head.endswith("-") else col - 2
            children = [line for x in value for line in emit(" " * at + "-", x, at + 2)]
        return [f"{head} {children[0].lstrip()}"] + children[1:] if head.endswith("-") else [head] + children
    # a key as long as the head, so that PyYAML folds the first line where the written one ends
    key = "k" * max(len(head) - 1, 1)
    text = yaml.safe_dump({key: value}, width=WIDTH - col + 2, allow_unicode=True).splitlines()
    return [head + text[0][len(key) + 1 :]] + [" " * col + line[2:] for line in text[1:]]


def item_lines(item):
    return emit("-", ordered(item), 2)


#: written above ``reproduce:`` (and not copied again when a compact mapping is converted)
COMMENT = [
    '# compact form (README, "Writing a mapping"): `at` a location prefix, `print` several numbers of one result row,',
    "# `each` entries alike but for their location, `table` a grid of cells; load_mapping expands them to one entry per number",
]


def sections(text):
    """Top-level sections of a YAML file: (key or None for leading comments, text)."""
    found, current, lines = [], None, []
    for line in text.splitlines(keepends=True):
        if line.rstrip("\n") in COMMENT:
            continue
        m = re.match(r"^([a-z_]+):", line)
        if m:
            found.append((current, "".join(lines)))
            current, lines = m.group(1), []
        lines.append(line)
    found.append((current, "".join(lines)))
    return [(key, body) for key, body in found if body]


def header(key, body, value):
    """A top-level section other than ``reproduce``: as it was if it has comments, else written again."""
    if key is None or any(line.lstrip().startswith("#") for line in body.splitlines()[1:]) or key == "study":
        return body.rstrip("\n").splitlines()
    return emit(f"{key}:", value, 2)


def main(argv):
    check_only = "--check" in argv
    studies = [a for a in argv if not a.startswith("--")] or sorted(p.stem for p in HERE.glob("*.yaml"))
    failed = False
    for study in studies:
        path = HERE / f"{study}.yaml"
        text = path.read_text(encoding="utf-8")
        mapping = load_yaml(path)
        original, _ = expand(mapping["reproduce"])
        written = convert(original)
        problems = differences(original, written)
        if problems:
            failed = True
            print(f"{path.name}: the compact form does not expand to the original:\n" + "\n".join(problems[:20]), file=sys.stderr)
            continue
        lines = []
        for key, body in sections(text):
            if key == "reproduce":
                lines += [*COMMENT, "reproduce:"]
                for item in written:
                    lines += item_lines(item)
            else:
                lines += header(key, body, mapping.get(key))
        new_text = "\n".join(lines) + "\n"
        if yaml.safe_load(new_text) != {**mapping, "reproduce": written}:
            failed = True
            print(f"{path.name}: the written YAML does not read back as the compact form", file=sys.stderr)
            continue
        print(f"{path.name}: {len(text.splitlines())} -> {len(new_text.splitlines())} lines, {len(mapping['reproduce'])} -> {len(written)} entries")
        if not check_only:
            path.write_text(new_text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
