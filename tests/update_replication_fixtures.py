"""Write tests/fixtures/replication/{study}.csv (location, status) from the last run's results/.

Run after reviewing results/replication.md (``make replication-fixtures`` runs the
pipeline first): the end-to-end test then holds every status to the reviewed one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main(studies: list[str]) -> None:
    target = ROOT / "tests" / "fixtures" / "replication"
    target.mkdir(parents=True, exist_ok=True)
    for study in studies:
        report = pd.read_csv(ROOT / "results" / study / "replication.csv", keep_default_na=False, na_values=[""])
        report[["location", "status"]].to_csv(target / f"{study}.csv", index=False, lineterminator="\n")
        print(f"{study}: {len(report)} statuses written ({report['status'].value_counts().to_dict()})")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(p.parent.name for p in (ROOT / "results").glob("*/replication.csv")))
