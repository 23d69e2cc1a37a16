"""Which analyses each manuscript table and figure of a study prints, and under what labels.

The replication audit says where each reproduced number is shown
(:mod:`her2cohort.replication.shown_in`). The Snakefile passes it this
placement-relevant part of a study's ``tables`` and ``figures`` rather than the
whole declarations, so that a figure's colour or a caption's wording does not
re-run the audit, while a new table row or a relabelled level does. A module
of its own, importing nothing heavy: the Snakefile reads it at every start.
"""

from __future__ import annotations

from typing import Any, Mapping


def analysis_names(declaration: Any) -> set[str]:
    """Every string anywhere in a declaration (analysis ids among them)."""
    if isinstance(declaration, str):
        return {declaration}
    if isinstance(declaration, Mapping):
        return set().union(*(analysis_names(v) for v in declaration.values())) if declaration else set()
    if isinstance(declaration, (list, tuple)):
        return set().union(*(analysis_names(v) for v in declaration)) if declaration else set()
    return set()


def declarations(study: Mapping[str, Any]) -> dict[str, list[dict]]:
    """What of a study's ``tables`` and ``figures`` says where a number is printed, and nothing else:
    ids, layouts, labels, the rows / blocks / covariates that name analyses, and
    the analyses (or ``analysis--variant``) each item reads anywhere in it."""
    analyses = {a["id"] for a in study.get("analyses", [])}
    analyses |= {f"{a['id']}--{v}" for a in study.get("analyses", []) for v in a.get("variants", {})}

    def reads(declaration: Mapping[str, Any]) -> list[str]:
        return sorted(analysis_names({k: v for k, v in declaration.items() if k not in ("legend", "audit_note", "number", "supplementary", "part", "title", "footnotes", "regenerates")}) & analyses)

    tables = []
    for table in study.get("tables", []):
        kept = {k: table[k] for k in ("id", "layout", "from", "labels", "level_labels", "group_labels", "covariates") if k in table}
        kept["rows"] = [{k: r[k] for k in ("label", "from", "row") if k in r} for r in table.get("rows", []) if "from" in r]
        kept["blocks"] = [{k: b[k] for k in ("label", "from") if k in b} for b in table.get("blocks", [])]
        kept["reads"] = reads(table)
        tables.append(kept)
    figures = [{"id": figure["id"], "reads": reads(figure)} for figure in study.get("figures", [])]
    return {"tables": tables, "figures": figures}
