"""``swimmer``: treatment lines, one lane per line of therapy, a bar from its start to its stop
coloured by best response, progression and ongoing marks, and optional reference marks
(e.g. the median PFS of a registration trial, drawn from the line's start for comparison).

Spec: ``from`` (a treatment_timeline analysis), ``line_labels`` (line -> printed
regimen, e.g. the paper's abbreviations), ``references`` (``[{line, months,
label}]``: numbers *about other studies*, declared in the figure's config, drawn
and written to the figure's data, never audited as the patient's),
``response_labels`` (line -> the response as the paper words it, for lines whose
response was not graded by RECIST: "Response (well responded)" rather than the
coded "PR"; such a line has its own colour and legend entry), ``xlabel``,
``width``. The drawn data are the lines (and the references).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator

from her2cohort.numbers import Printed, is_missing
from her2cohort.render.figures.sources import Sources
from her2cohort.render.labels import find_label, label
from her2cohort.render.style import PALETTE, STYLE, TWO_COLUMNS, width_of
from her2cohort.results import canonical

#: RECIST best overall response -> colour (Okabe-Ito) and legend text
RESPONSE_COLOURS = {"CR": PALETTE[2], "PR": PALETTE[0], "SD": PALETTE[4], "PD": PALETTE[1], "NE": "#999999"}
RESPONSE_NAMES = {"CR": "Complete response", "PR": "Partial response", "SD": "Stable disease", "PD": "Progressive disease", "NE": "Not evaluable"}
NO_RESPONSE = "#DDDDDD"
#: The colour of a response the paper words without a RECIST grade (``response_labels``).
WORDED_RESPONSE = PALETTE[5]
REFERENCE_COLOUR = "#555555"


def _present(value) -> bool:
    return not is_missing(value) and canonical(value) != ""


def _flag(value) -> bool:
    return canonical(value) in ("true", "1.0")


def _bar_text(row: Mapping, printed: Printed, source: str, where: str, response: str = "") -> str:
    """"cycles, duration, best response" of a line (an ongoing line's duration is censored: ≥)."""
    parts = []
    if _present(row.get("cycles")):
        cycles = printed("count", row["cycles"], source=f"{source} / cycles", where=where)
        parts.append(f"{cycles} cycle{'s' if float(row['cycles']) != 1 else ''}")
    if _present(row.get("duration_months")):
        at_least = "\u2265 " if _flag(row.get("ongoing")) else ""
        parts.append(f"{at_least}{printed('number', row['duration_months'], decimals=1, source=f'{source} / duration_months', where=where)} mo")
    if response:
        parts.append(response)
    elif _present(row.get("best_response")):
        parts.append(str(row["best_response"]))
    text = ", ".join(parts)
    return text + (" (ongoing)" if _flag(row.get("ongoing")) else "")


def swimmer_figure(
    timeline: pd.DataFrame,
    printed: Printed,
    *,
    line_labels: Mapping | None = None,
    references: Sequence[Mapping] = (),
    response_labels: Mapping | None = None,
    xlabel: str = "Months from the start of the first line",
    width: float = TWO_COLUMNS,
    source: str = "timeline",
):
    """Lanes top to bottom in line order; each bar from ``start_months`` to ``stop_months``,
    its text "cycles, duration, best response" at its end; a black cross where the line
    progressed, an arrow where it is ongoing; each reference a dashed bracket under its
    line's bar from the line's start, labelled with its text and months. ``source`` names
    the timeline in the record of printed numbers."""
    rows = timeline.sort_values(["patient_key", "line"] if "patient_key" in timeline else ["line"], kind="stable").reset_index(drop=True)
    several = "patient_key" in rows and rows["patient_key"].nunique() > 1
    lane_of = {}
    with plt.rc_context(STYLE):
        height = 0.42 * len(rows) + 0.9
        figure, axis = plt.subplots(figsize=(width, height))
        stop_max = 0.0
        for lane, row in rows.iterrows():
            line = int(row["line"])
            lane_of[(row.get("patient_key"), line)] = lane
            start, stop = float(row["start_months"]), float(row["stop_months"])
            worded = find_label(response_labels, line) or ""
            response = str(row["best_response"]) if _present(row.get("best_response")) else ""
            colour = WORDED_RESPONSE if worded else RESPONSE_COLOURS.get(response, NO_RESPONSE)
            axis.barh(lane, stop - start, left=start, height=0.42, color=colour, edgecolor="black", linewidth=0.5, zorder=3)
            if _flag(row.get("progressed")):
                axis.plot([float(row["progression_months"])], [lane], marker="X", color="black", markersize=5, zorder=4, linestyle="none")
            end_of_text = stop
            if _flag(row.get("ongoing")):
                axis.annotate("", xy=(stop + 1.4, lane), xytext=(stop, lane), arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.9, "shrinkA": 0, "shrinkB": 0}, zorder=4)
                end_of_text = stop + 1.4
            # offset in points, clear of the progression cross whatever the time scale
            axis.annotate(_bar_text(row, printed, f"{source} / lane {lane + 1}", f"lane {lane + 1}, bar text", worded), (end_of_text, lane), xytext=(7, 0), textcoords="offset points", va="center", ha="left", fontsize=6.5, zorder=5)
            stop_max = max(stop_max, end_of_text)
        for index, reference in enumerate(references):
            key = next((k for k in lane_of if k[1] == int(reference["line"])), None)
            if key is None:
                raise ValueError(f"reference {reference.get('label', '')!r}: no treatment line {reference['line']}")
            lane = lane_of[key]
            start = float(rows.loc[lane, "start_months"])
            end = start + float(reference["months"])
            y = lane + 0.36
            axis.plot([start, end], [y, y], color=REFERENCE_COLOUR, linestyle=(0, (3, 2)), linewidth=0.8, zorder=2)
            axis.plot([end, end], [y - 0.1, y + 0.1], color=REFERENCE_COLOUR, linewidth=0.8, zorder=2)
            months = printed("short", reference["months"], source=f"declared in the figure's config: references[{index}].months (another study's number)", where=f"reference {reference['label']!r}")
            axis.annotate(f"{reference['label']}: {months} mo", (end, y), xytext=(4, 0), textcoords="offset points", va="center", ha="left", fontsize=6, color=REFERENCE_COLOUR, zorder=5)
            stop_max = max(stop_max, end)
        ticks = []
        for lane, row in rows.iterrows():
            name = label(line_labels, row["line"], row.get("regimen", ""))
            line = printed("count", row["line"], source=f"{source} / lane {lane + 1} / line", where=f"lane {lane + 1}, tick label")
            ticks.append((f"{row['patient_key']} " if several else "") + f"Line {line}: {name}")
        axis.set_yticks(range(len(rows)), ticks)
        axis.set_ylim(len(rows) - 0.4, -0.6)
        axis.set_xlim(0, stop_max * 1.32 + 1)
        axis.xaxis.set_major_locator(MultipleLocator(6 if stop_max <= 60 else 12))  # months: half-years or years
        axis.set_xlabel(xlabel)
        axis.tick_params(axis="y", length=0)
        axis.spines[["left"]].set_visible(False)
        axis.grid(axis="x", color="#E5E5E5", linewidth=0.5, zorder=0)
        axis.set_axisbelow(True)
        graded = [not find_label(response_labels, line) for line in rows["line"]]
        responses = {canonical(r) for r, keep in zip(rows["best_response"], graded) if keep}
        handles = [Patch(facecolor=RESPONSE_COLOURS[r], edgecolor="black", linewidth=0.5, label=RESPONSE_NAMES[r]) for r in RESPONSE_COLOURS if r in responses]
        if not all(graded):
            handles.append(Patch(facecolor=WORDED_RESPONSE, edgecolor="black", linewidth=0.5, label="Response as described, not RECIST-graded"))
        if rows["progressed"].map(_flag).any():
            handles.append(Line2D([], [], marker="X", color="black", linestyle="none", markersize=5, label="Progression"))
        if rows["ongoing"].map(_flag).any():
            handles.append(Line2D([], [], marker=">", color="black", linestyle="-", markersize=4, linewidth=0.9, label="Ongoing at last contact"))
        if references:
            handles.append(Line2D([], [], color=REFERENCE_COLOUR, linestyle=(0, (3, 2)), linewidth=0.8, label="Cited trial's median PFS, from the line's start"))
        axis.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=6.5, handlelength=1.6, borderaxespad=0.3)
        figure.tight_layout()
    return figure


def swimmer(sources: Sources, spec: Mapping, printed: Printed):
    """The ``swimmer`` figure type (see the module docstring)."""
    timeline = sources.results.table(spec["from"])
    references = [dict(r) for r in spec.get("references", [])]
    for index, reference in enumerate(references):
        missing = [key for key in ("line", "months", "label") if key not in reference]
        if missing:
            raise ValueError(f"references[{index}] needs {', '.join(missing)}")
    figure = swimmer_figure(
        timeline,
        printed,
        line_labels=spec.get("line_labels"),
        references=references,
        response_labels=spec.get("response_labels"),
        xlabel=spec.get("xlabel", "Months from the start of the first line"),
        width=width_of(spec.get("width", "two_columns")),
        source=spec["from"],
    )
    columns = [c for c in ("patient_key", "line", "regimen", "cycles", "start_months", "stop_months", "duration_months", "progressed", "progression_months", "time_to_progression_months", "ongoing", "best_response") if c in timeline]
    drawn = {"lines": timeline[columns].reset_index(drop=True)}
    if references:
        drawn["references"] = pd.DataFrame(references)[["line", "label", "months"]].assign(source="declared in the figure's config: a number about another study")
    return figure, drawn
