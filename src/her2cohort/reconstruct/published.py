"""The generator's view of a study's published numbers.

The generator of reconstructed cohorts may read only numbers marked
``basis: input``; :func:`input_numbers` is the only view it gets, so a held-out
number (a p-value, an odds or hazard ratio, a confidence limit, an AUC) cannot
reach it by construction.
"""

from __future__ import annotations


def input_numbers(published: dict) -> dict[str, float]:
    """location -> value of the numbers the generator may use (``basis: input``)."""
    return {entry["location"]: entry["value"] for entry in published["numbers"] if entry["basis"] == "input"}
