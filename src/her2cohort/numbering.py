"""Manuscript numbering of a study's declared tables and figures (Table 1, Supplementary Figure 2a).

The numbers come from the study file, never from file names: each table and
figure may declare ``number`` (an integer), ``supplementary`` (default false)
and, for a figure drawn as several files, ``part`` (``a``, ``b``...). An item
without ``number`` takes the number after the previous item of its kind and
section, in declared order (the first is 1). The manuscript order is: main
tables, main figures, supplementary tables, supplementary figures, each by
number and part.

A figure named in another figure's ``panels:`` (a multi-panel figure assembled
from figure ids) is a panel of that figure, not a manuscript item of its own.

A table title may begin with its label ("Table 2. Change of HER2 ..."): the
label must then be the declared one (:func:`numbering_problems`), and
:func:`title_text` gives the title without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

KINDS = ("table", "figure")

#: A label at the start of a title: "Table 1.", "Supplementary Fig. S2:", "Figure 3a ".
_LABEL = re.compile(r"^\s*(?P<supp>Supplementary\s+)?(?P<kind>Table|Figure|Fig\.?)\s+S?(?P<number>\d+)(?P<part>[a-z]?)\s*[.:]?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """One table or figure of the manuscript."""

    kind: str  # "table" or "figure"
    id: str
    number: int
    supplementary: bool
    part: str
    spec: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        """"Table 1", "Figure 3a", "Supplementary Table 2"."""
        words = ("Supplementary " if self.supplementary else "") + self.kind.capitalize()
        return f"{words} {self.number}{self.part}"

    @property
    def legend(self) -> str:
        return str(self.spec.get("legend", ""))

    @property
    def title(self) -> str:
        """A table's title without its label; empty for a figure."""
        return title_text(self.spec.get("title", "")) if self.kind == "table" else ""


def title_text(title: str) -> str:
    """``title`` without a leading label ("Table 1. Baseline" -> "Baseline")."""
    return _LABEL.sub("", str(title), count=1).strip()


def title_label(title: str) -> tuple[bool, str, int, str] | None:
    """(supplementary, kind, number, part) of a label leading ``title``, or None."""
    match = _LABEL.match(str(title))
    if not match:
        return None
    kind = "table" if match["kind"].lower() == "table" else "figure"
    return bool(match["supp"]), kind, int(match["number"]), match["part"].lower()


def panel_ids(figure: Mapping[str, Any]) -> list[str]:
    """The figure ids a multi-panel figure is assembled from: ``panels`` entries that are
    ids, or mappings with a ``figure`` key (panels of other kinds, such as a ROC figure's
    curves, name no figure)."""
    ids = []
    for panel in figure.get("panels") or []:
        if isinstance(panel, str):
            ids.append(panel)
        elif isinstance(panel, Mapping) and isinstance(panel.get("figure"), str):
            ids.append(panel["figure"])
    return ids


def _numbered(specs: list[Mapping[str, Any]], kind: str) -> list[Item]:
    items, last = [], {False: 0, True: 0}
    for spec in specs:
        supplementary = bool(spec.get("supplementary", False))
        number = int(spec.get("number", last[supplementary] + 1))
        last[supplementary] = number
        items.append(Item(kind, spec["id"], number, supplementary, str(spec.get("part", "")), spec))
    return items


def all_items(study: Mapping[str, Any]) -> list[Item]:
    """Every declared table and figure with its number, panels included, in manuscript order."""
    items = _numbered(study.get("tables") or [], "table") + _numbered(study.get("figures") or [], "figure")
    return sorted(items, key=lambda item: (item.supplementary, KINDS.index(item.kind), item.number, item.part))


def manuscript_items(study: Mapping[str, Any]) -> list[Item]:
    """The study's manuscript tables and figures in manuscript order (a figure that is a
    panel of another figure is left out: it is printed inside that one)."""
    panels = {panel for figure in study.get("figures") or [] for panel in panel_ids(figure)}
    return [item for item in all_items(study) if not (item.kind == "figure" and item.id in panels)]


def numbering_problems(study: Mapping[str, Any], where: str) -> list[str]:
    """Two items with one label, a number shared by an item without ``part``, a table
    title whose leading label is not the declared one: each a line naming ``where``."""
    problems = []
    items = manuscript_items(study)
    by_number: dict[tuple, list[Item]] = {}
    for item in items:
        by_number.setdefault((item.kind, item.supplementary, item.number), []).append(item)
    for group in by_number.values():
        labels = [item.label for item in group]
        if len(group) > 1 and (len(set(labels)) < len(labels) or any(not item.part for item in group)):
            problems.append(f"{where}: {group[0].kind}s {', '.join(repr(i.id) for i in group)} share the label {group[0].label!r}: give each its own number (or a part: a, b...)")
    for item in items:
        if item.kind != "table":
            continue
        found = title_label(item.spec.get("title", ""))
        if found and found != (item.supplementary, item.kind, item.number, item.part):
            problems.append(f"{where}: table {item.id!r}: its title starts {item.spec['title'].split('.')[0]!r} but it is numbered {item.label!r} (number, supplementary)")
    known = {spec["id"] for spec in study.get("figures") or []}
    for figure in study.get("figures") or []:
        for panel in panel_ids(figure):
            if panel not in known:
                problems.append(f"{where}: figure {figure['id']!r}: panel {panel!r} is not a declared figure")
    return problems
