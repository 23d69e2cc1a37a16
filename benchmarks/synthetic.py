"""Synthetic registry-scale cohorts in the raw format, for the scale benchmark.

``write_cohort(n, folder)`` writes ``patients.csv`` and ``specimens.csv`` for
``n`` patients with two specimens each (baseline and, after progression, a
post-progression biopsy; patients without progression get a post-treatment
specimen instead), shaped like the gastric HER2-loss study: HER2-positive at
baseline (IHC 3+, or 2+ with an ISH ratio > 2.2 or an equivocal ratio resolved
by a recount), some loss of positivity after progression, dates over ten years.

The data are random (numpy ``default_rng``, seed fixed per ``n``), vectorised
(a million patients in a few seconds) and pass every check of the cleaning
stage: the benchmark measures the pipeline, not its error path. Raw cells use
the spellings real exports use (``3+``, ``IHC 2+``, ``2 +``, ``M``/``F``,
``partial response``) so that the parsers do real work. They are not
reconstructions of any study and are never used as evidence of anything but
speed.

``python benchmarks/synthetic.py 100000 benchmarks/out/cohorts/n100000``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: Bump when the generator changes, so that cached cohorts are rebuilt.
VERSION = "1"
SEED = 20261201

_EPOCH = np.datetime64("2010-01-01", "D")
_SITES = ("peritoneum", "liver", "lung", "intra_abdominal_ln", "extra_abdominal_ln", "bone")


def _dates(days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Day offsets from 2010-01-01 -> 'YYYY-MM-DD' strings ('' where not present)."""
    text = (_EPOCH + days.astype("timedelta64[D]")).astype(str).astype(object)
    if present is not None:
        text[~present] = ""
    return text


def _choice(rng, values, n, p=None) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def _percentages(rng, score: np.ndarray) -> np.ndarray:
    """Whole-number intensity percentages (0, 1+, 2+, 3+) adding up to 100, dominated by ``score``."""
    n = score.size
    raw = rng.dirichlet((1.0, 1.0, 1.0, 1.0), size=n)
    raw[np.arange(n), score] += 2.5  # the scored intensity dominates
    raw /= raw.sum(axis=1, keepdims=True)
    pct = np.floor(raw * 100).astype(np.int64)
    pct[np.arange(n), score] += 100 - pct.sum(axis=1)  # whole numbers that add up exactly
    return pct


def _ihc_text(rng, score: np.ndarray) -> np.ndarray:
    """IHC scores as pathologists write them: mostly '3+', sometimes 'IHC 3+', '3', '3 +'."""
    forms = np.array([["0", "1+", "2+", "3+"], ["IHC 0", "IHC 1+", "IHC 2+", "IHC 3+"], ["0", "1", "2", "3"], ["0", "1 +", "2 +", "3 +"]], dtype=object)
    form = rng.choice(4, size=score.size, p=(0.85, 0.07, 0.05, 0.03))
    return forms[form, score]


def _specimens(rng, n: int, positive_before: bool, start: np.ndarray, when: np.ndarray, loss_rate: float):
    """IHC, percentages and ISH of one specimen per patient."""
    if positive_before:
        score = np.where(rng.random(n) < 0.55, 3, 2)
    else:  # after progression: some lose positivity
        lost = rng.random(n) < loss_rate
        score = np.where(lost, rng.choice(3, size=n, p=(0.3, 0.4, 0.3)), np.where(rng.random(n) < 0.6, 3, 2))
    pct = _percentages(rng, score)
    ratio = np.full(n, np.nan)
    recount = np.full(n, np.nan)
    has_ish = (score == 2) | (rng.random(n) < 0.3)
    if positive_before:
        r = np.round(rng.uniform(2.0, 9.0, n), 2)
    else:
        r = np.round(np.where(score <= 1, rng.uniform(0.8, 2.6, n), rng.uniform(1.2, 9.0, n)), 2)
    ratio[has_ish] = r[has_ish]
    equivocal = has_ish & (ratio >= 1.8) & (ratio <= 2.2)
    recount[equivocal] = np.round(np.where(positive_before, rng.uniform(2.0, 2.6, n), rng.uniform(1.5, 2.6, n)), 2)[equivocal]
    nuclei = np.where(has_ish, rng.integers(0, 101, n), -1)
    return {
        "collection_date": _dates(when),
        "specimen_type": _choice(rng, ("biopsy", "resection"), n, (0.9, 0.1)),
        "ihc_score": _ihc_text(rng, score),
        "pct_cells_0": pct[:, 0],
        "pct_cells_1plus": pct[:, 1],
        "pct_cells_2plus": pct[:, 2],
        "pct_cells_3plus": pct[:, 3],
        "ish_ratio": ratio,
        "ish_ratio_recount": recount,
        "pct_nuclei_ratio_ge2": np.where(nuclei >= 0, nuclei.astype(float), np.nan),
    }


def cohort(n: int, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw patients and specimens tables of a synthetic cohort of ``n`` patients."""
    rng = np.random.default_rng([seed, n])
    ids = np.char.add("REG-", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    age = np.clip(np.round(rng.normal(60, 11, n)), 20, 95).astype(np.int64)
    ecog = rng.choice(4, size=n, p=(0.35, 0.5, 0.12, 0.03))
    h_higher = rng.random(n)  # drives hazards and loss a little, so models have something to find
    start = rng.integers(0, 3650, n)
    pfs = np.ceil(rng.exponential(200 * np.exp(-0.02 * (age - 60) + 0.3 * h_higher))).astype(np.int64) + 1
    progressed = rng.random(n) < 0.9
    follow = np.ceil(rng.exponential(900, n)).astype(np.int64) + 1  # time to the end of follow-up
    os_days = pfs + np.ceil(rng.exponential(250, n)).astype(np.int64)
    dead = (os_days <= follow) & (rng.random(n) < 0.85)
    progressed &= pfs <= follow
    last_contact = np.where(dead, os_days, np.maximum(follow, np.where(progressed, pfs, 0)))
    death_cause = np.where(rng.random(n) < 0.9, "cancer", "other").astype(object)
    death_cause[~dead] = ""
    sites = rng.random((n, len(_SITES))) < np.array([0.45, 0.3, 0.1, 0.35, 0.15, 0.05])
    metastatic = np.full(n, "", dtype=object)
    for j, site in enumerate(_SITES):
        # '; ' with a space: the parser strips it, as it must for real exports
        metastatic = np.where(sites[:, j], np.where(metastatic == "", site, metastatic + "; " + site), metastatic)
    patients = pd.DataFrame(
        {
            "patient_id": ids,
            "sex": _choice(rng, ("male", "female", "M", "F"), n, (0.6, 0.25, 0.1, 0.05)),
            "age_years": age,
            "ecog": ecog,
            "primary_site": _choice(rng, ("stomach", "gej", "gastric"), n, (0.7, 0.2, 0.1)),
            "histology": _choice(rng, ("WD/MD", "PD/SRC"), n, (0.45, 0.55)),
            "disease_status": _choice(rng, ("initially_metastatic", "recurrent", "locally advanced"), n, (0.6, 0.35, 0.05)),
            "metastatic_sites": metastatic,
            "best_response": _choice(rng, ("CR", "PR", "SD", "PD", "partial response", ""), n, (0.05, 0.4, 0.3, 0.15, 0.05, 0.05)),
            "treatment_start_date": _dates(start),
            "progression_date": _dates(start + pfs, progressed),
            "death_date": _dates(start + os_days, dead),
            "death_cause": death_cause,
            "last_contact_date": _dates(start + last_contact),
        }
    )
    baseline = _specimens(rng, n, True, start, start - rng.integers(1, 30, n), 0.0)
    after_day = np.where(progressed, start + pfs + rng.integers(0, 20, n), start + rng.integers(60, 120, n))
    after_day = np.minimum(after_day, start + last_contact)
    after = _specimens(rng, n, False, start, np.maximum(after_day, start), 0.12 + 0.2 * (h_higher < 0.3))
    frames = []
    for k, (timepoint, block) in enumerate((("baseline", baseline), ("after", after))):
        frame = pd.DataFrame({"patient_id": ids, "timepoint": timepoint, **block})
        if timepoint == "after":
            frame["timepoint"] = np.where(progressed, "post_progression", "post_treatment")
        frame.insert(0, "specimen_id", np.char.add(f"S{k + 1}-", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object))
        frames.append(frame)
    # one patient's two specimens next to each other, as an export lists them
    specimens = pd.concat(frames, ignore_index=True)
    specimens = specimens.iloc[np.argsort(np.r_[np.arange(n) * 2, np.arange(n) * 2 + 1], kind="stable")].reset_index(drop=True)
    return patients, specimens


def write_cohort(n: int, folder: str | Path, seed: int = SEED) -> Path:
    """Write the cohort to ``folder`` unless an up-to-date copy is there already."""
    folder = Path(folder)
    stamp = folder / ".generator"
    tag = f"version {VERSION} seed {seed} n {n}\n"
    if stamp.exists() and stamp.read_text() == tag and (folder / "patients.csv").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    patients, specimens = cohort(n, seed)
    patients.to_csv(folder / "patients.csv", index=False, lineterminator="\n")
    # whole numbers stay whole, ratios keep their two decimals, missing stays empty
    specimens.to_csv(folder / "specimens.csv", index=False, lineterminator="\n", float_format="%.10g")
    stamp.write_text(tag)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of patients")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    write_cohort(args.n, args.folder, args.seed)
    print(f"{args.folder}: {args.n} patients, {2 * args.n} specimens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
