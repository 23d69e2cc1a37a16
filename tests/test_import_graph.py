"""The library's import graph: no circle, and every layer imports only those below it (docs/architecture.md).

Imports are read from the source (every ``import`` and ``from ... import``,
inside functions too: an import moved into a function to dodge a circle is
still a circle here).
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "her2cohort"

#: Layer of each module family, lowest first; a module may import its own layer and lower ones.
LAYERS = {
    "her2cohort.errors": 0,
    "her2cohort.expressions": 0,  # the study language: imports errors only
    "her2cohort.values": 0,  # canonical, the one comparison rule
    "her2cohort.declarations": 1,  # the friendlier forms of a study file (each, endpoint, study-level labels)
    "her2cohort.numbers": 0,
    "her2cohort.stats": 0,
    "her2cohort.results": 1,
    "her2cohort.io": 1,
    "her2cohort.config": 1,
    "her2cohort.placement": 1,
    "her2cohort.numbering": 1,  # manuscript numbering of the declared tables and figures
    "her2cohort.rawdata": 0,
    "her2cohort.guidelines": 0,
    "her2cohort.workflow_hooks": 0,  # the Snakefile's onsuccess/onerror: no her2cohort import
    "her2cohort.thresholds": 3,  # read off the classifier
    "her2cohort.published": 1,
    "her2cohort.literature": 2,  # a literature table, its counts read from studies' results
    "her2cohort.cleaning": 2,
    "her2cohort.classify": 2,
    "her2cohort.treatment_lines": 2,
    "her2cohort.analyses": 3,
    "her2cohort.render": 3,
    "her2cohort.replication": 3,
    "her2cohort.reconstruct": 3,
    "her2cohort.provenance": 4,
    "her2cohort.reference": 4,  # the generated reference of the study language (schemas + catalogue)
    "her2cohort.validation": 4,  # reads the replication mapping and the statistics
    "her2cohort.rigor": 4,  # reads the declarations, the analysis set and the results; runs the statistics
    "her2cohort": 5,  # the package's own __init__ (library checksum)
}
#: Families of one layer that must not import each other.
APART = [("her2cohort.render", "her2cohort.replication"), ("her2cohort.render", "her2cohort.analyses"), ("her2cohort.replication", "her2cohort.analyses")]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """module -> the her2cohort modules it imports (anywhere in its source)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            else:
                continue
            found |= {t for t in targets if t.startswith("her2cohort") and t in modules and t != name}
        graph[name] = found
    return graph


def family(module: str) -> str:
    return max((f for f in LAYERS if module == f or module.startswith(f + ".")), key=len)


def test_every_module_has_a_layer():
    assert [m for m in imports() if not any(m == f or m.startswith(f + ".") for f in LAYERS)] == []


def test_no_circle():
    graph = imports()
    index, low, stack, on_stack, circles, counter = {}, {}, [], set(), [], [0]

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert circles == []


def test_layers_import_only_downwards():
    upward = []
    for module, targets in imports().items():
        for target in targets:
            if family(target) == "her2cohort" and family(module) != "her2cohort":
                upward.append(f"{module} -> {target} (the package's __init__)")
            elif LAYERS[family(target)] > LAYERS[family(module)]:
                upward.append(f"{module} (layer {LAYERS[family(module)]}) -> {target} (layer {LAYERS[family(target)]})")
    assert upward == []


def test_render_and_replication_do_not_import_each_other():
    crossing = [
        f"{module} -> {target}"
        for module, targets in imports().items()
        for target in targets
        for a, b in APART
        if (family(module) == a and family(target) == b) or (family(module) == b and family(target) == a)
    ]
    assert crossing == []
