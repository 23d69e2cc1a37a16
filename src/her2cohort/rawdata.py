"""The raw cohort format: what a hospital export must look like to enter the pipeline.

A cohort is a folder of up to three CSV files (UTF-8, comma-separated, one header line):

``patients.csv``
    one row per patient: identifier, demographics, clinical variables, dates of the
    index event and the outcomes, best response.
``specimens.csv``
    one row per specimen (biopsy or resection) and time point: IHC, ISH, fragment
    counts, hormone receptors, molecular fields.
``treatment_lines.csv`` (optional)
    one row per line of therapy: regimen, dates, best response, used for later-line
    endpoints (e.g. second-line T-DM1 PFS) and treatment timelines.

The column specifications below are the single source of truth: the cleaning stage
parses and validates against them, and ``data/README.md`` (the data dictionary) is
checked against them by a test. A study adds clinical variables of its own in its
YAML (``variables:``), parsed with the same kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Cell values read as missing in every column (compared after stripping, case-insensitively).
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "-", "not assessed", "unknown"})

#: Days per month used to turn date differences into months: the mean Gregorian month
#: (365.25 / 12), the convention of R's lubridate and of most oncology reports.
DAYS_PER_MONTH = 365.25 / 12

#: Separator of multi-valued cells ("peritoneum; liver").
MULTI_VALUE_SEPARATOR = ";"

#: Time points a specimen can belong to (a study uses two of them for change variables).
TIMEPOINTS = (
    "baseline",
    "post_progression",
    "pre_treatment",
    "post_treatment",
    "primary",
    "recurrence",
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a raw table.

    ``kind`` is one of: ``id`` (non-empty text), ``text``, ``integer``, ``number``,
    ``date`` (ISO 8601 ``YYYY-MM-DD``), ``boolean``, ``categorical`` (one of
    ``levels``, synonyms allowed), ``multi`` (several of ``levels`` separated by
    ``;``), ``ihc_score`` (0, 1+, 2+, 3+ in the forms listed in
    :func:`her2cohort.cleaning.cells.parse_ihc_score`).
    """

    name: str
    kind: str
    description: str
    required: bool = False  # the column must be present in the file
    nullable: bool = True  # a cell may be missing
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    levels: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    unit: str = ""


RESPONSE_LEVELS = ("CR", "PR", "SD", "PD", "NE")
RESPONSE_SYNONYMS = {
    "complete response": "CR",
    "partial response": "PR",
    "stable disease": "SD",
    "progressive disease": "PD",
    "progression": "PD",
    "not evaluable": "NE",
}

PATIENT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("patient_id", "id", "Registry identifier; never written to any output (replaced by a pseudonymous key).", required=True, nullable=False),
    ColumnSpec("sex", "categorical", "Sex.", levels=("male", "female"), synonyms={"m": "male", "f": "female"}),
    ColumnSpec("age_years", "number", "Age at the index date (treatment start or recurrence).", minimum=0, maximum=120, unit="years"),
    ColumnSpec("ecog", "integer", "ECOG performance status at the index date.", minimum=0, maximum=4),
    ColumnSpec("primary_site", "categorical", "Primary tumour site.", levels=("stomach", "gej", "breast"), synonyms={"gastric": "stomach", "gastroesophageal junction": "gej", "egj": "gej", "esophagogastric junction": "gej"}),
    ColumnSpec("histology", "text", "Histological type or differentiation as the study tabulates it (e.g. WD/MD, PD/SRC, differentiated)."),
    ColumnSpec("disease_status", "categorical", "Disease status at the index date.", levels=("initially_metastatic", "recurrent", "locally_advanced"), synonyms={"metastatic": "initially_metastatic", "recurred": "recurrent"}),
    ColumnSpec("metastatic_sites", "multi", "Organs with metastasis, several separated by ';'.", levels=("peritoneum", "liver", "lung", "intra_abdominal_ln", "extra_abdominal_ln", "bone", "brain", "soft_tissue", "pleura", "ovary", "other")),
    ColumnSpec("diagnosis_date", "date", "Date of the first (primary) diagnosis."),
    ColumnSpec("recurrence_date", "date", "Date of the first recurrence (breast evolution study: the index date)."),
    ColumnSpec("treatment_start_date", "date", "Start of the index treatment (first line), the origin of PFS and OS."),
    ColumnSpec("progression_date", "date", "First documented progression on the index treatment (empty if none)."),
    ColumnSpec("conversion_surgery_date", "date", "Date of conversion surgery (PFS is censored there where a study says so)."),
    ColumnSpec("death_date", "date", "Date of death (empty if alive at last contact)."),
    ColumnSpec("death_cause", "categorical", "Cause of death.", levels=("cancer", "other", "unknown_cause"), synonyms={"breast cancer": "cancer", "gastric cancer": "cancer", "disease": "cancer"}),
    ColumnSpec("last_contact_date", "date", "Date last known alive (or of death); the censoring date.", required=True, nullable=False),
    ColumnSpec("best_response", "categorical", "Best overall response to the index treatment by RECIST 1.1 (empty: not measurable).", levels=RESPONSE_LEVELS, synonyms=RESPONSE_SYNONYMS),
    ColumnSpec("best_percent_change", "number", "Best % change of the sum of target-lesion diameters from baseline (depth of response).", minimum=-100, maximum=1000, unit="%"),
)

SPECIMEN_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("specimen_id", "id", "Specimen identifier; never written to any output.", required=True, nullable=False),
    ColumnSpec("patient_id", "id", "The patient (must exist in patients.csv).", required=True, nullable=False),
    ColumnSpec("timepoint", "categorical", "When the specimen was taken relative to the index treatment.", required=True, nullable=False, levels=TIMEPOINTS, synonyms={"pre": "pre_treatment", "post": "post_treatment", "pre-treatment": "pre_treatment", "post-treatment": "post_treatment", "post-progression": "post_progression", "diagnosis": "primary", "initial": "baseline"}),
    ColumnSpec("collection_date", "date", "Date the specimen was taken."),
    ColumnSpec("site", "text", "Site of the specimen (stomach, liver, chest wall, lymph node, ...)."),
    ColumnSpec("specimen_type", "categorical", "Kind of specimen.", levels=("biopsy", "resection", "cytology"), synonyms={"endoscopic biopsy": "biopsy", "core needle biopsy": "biopsy", "surgical": "resection"}),
    ColumnSpec("ihc_score", "ihc_score", "HER2 IHC score as written by the pathologist (0, 1+, 2+, 3+)."),
    ColumnSpec("pct_cells_0", "number", "% of tumour cells without membrane staining.", minimum=0, maximum=100, unit="%"),
    ColumnSpec("pct_cells_1plus", "number", "% of tumour cells with 1+ staining.", minimum=0, maximum=100, unit="%"),
    ColumnSpec("pct_cells_2plus", "number", "% of tumour cells with 2+ staining.", minimum=0, maximum=100, unit="%"),
    ColumnSpec("pct_cells_3plus", "number", "% of tumour cells with 3+ staining.", minimum=0, maximum=100, unit="%"),
    ColumnSpec("ish_ratio", "number", "Dual-probe ISH HER2/CEP17 ratio (first count).", minimum=0, maximum=100, exclusive_minimum=True),
    ColumnSpec("ish_ratio_recount", "number", "HER2/CEP17 ratio after counting more cells (equivocal first count) or by a second observer.", minimum=0, maximum=100, exclusive_minimum=True),
    ColumnSpec("her2_copies_per_cell", "number", "Mean HER2 signals per cell (first count).", minimum=0, maximum=200, exclusive_minimum=True),
    ColumnSpec("her2_copies_recount", "number", "Mean HER2 signals per cell at the recount.", minimum=0, maximum=200, exclusive_minimum=True),
    ColumnSpec("ish_result", "categorical", "ISH call as reported, for exports that carry no ratio.", levels=("positive", "negative", "equivocal"), synonyms={"amplified": "positive", "not amplified": "negative", "non-amplified": "negative", "+": "positive", "pos": "positive", "neg": "negative"}),
    ColumnSpec("pct_nuclei_ratio_ge2", "number", "% of tumour nuclei with HER2/CEP17 ratio >= 2.0 (genetic heterogeneity).", minimum=0, maximum=100, unit="%"),
    ColumnSpec("n_fragments_tumour", "integer", "Biopsy fragments containing tumour cells.", minimum=0, maximum=100),
    ColumnSpec("n_fragments_her2_positive", "integer", "Fragments in which every tumour cell is IHC 2+ or 3+.", minimum=0, maximum=100),
    ColumnSpec("n_fragments_3plus", "integer", "Fragments with IHC 3+ tumour cells.", minimum=0, maximum=100),
    ColumnSpec("hr_status", "categorical", "Hormone-receptor status (ER or PR >= 1%).", levels=("positive", "negative"), synonyms={"pos": "positive", "neg": "negative", "+": "positive", "-": "negative"}),
    ColumnSpec("ki67_percent", "number", "Ki-67 index.", minimum=0, maximum=100, unit="%"),
    ColumnSpec("mutation", "text", "Gene and protein change of a somatic mutation (e.g. ERBB2 L755S)."),
    ColumnSpec("variant_allele_frequency", "number", "Variant allele frequency of that mutation (fraction, 0-1).", minimum=0, maximum=1),
    ColumnSpec("tumour_purity", "number", "Fraction of tumour nuclei in the sequenced specimen (0-1).", minimum=0, maximum=1, exclusive_minimum=True),
    ColumnSpec("gene_copy_number", "number", "Copy number of the mutated gene in tumour cells.", minimum=0, maximum=500, exclusive_minimum=True),
)

TREATMENT_LINE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("patient_id", "id", "The patient (must exist in patients.csv).", required=True, nullable=False),
    ColumnSpec("line", "integer", "Line of therapy (1 = first line).", required=True, nullable=False, minimum=1, maximum=20),
    ColumnSpec("regimen", "text", "Drugs of the line (e.g. T-DM1, XP + trastuzumab).", required=True, nullable=False),
    ColumnSpec("start_date", "date", "Start of the line.", required=True, nullable=False),
    ColumnSpec("end_date", "date", "End of the line (empty if ongoing)."),
    ColumnSpec("progression_date", "date", "Progression on this line (empty if none)."),
    ColumnSpec("best_response", "categorical", "Best overall response on this line (RECIST 1.1).", levels=RESPONSE_LEVELS, synonyms=RESPONSE_SYNONYMS),
    ColumnSpec("stop_reason", "text", "Why the line ended (progression, toxicity, ...)."),
)

#: The tables of a cohort: file name -> column specifications.
TABLES: dict[str, tuple[ColumnSpec, ...]] = {
    "patients": PATIENT_COLUMNS,
    "specimens": SPECIMEN_COLUMNS,
    "treatment_lines": TREATMENT_LINE_COLUMNS,
}

#: Columns of specimens.csv that carry HER2 data: the classifier's inputs. A
#: cohort whose specimens hold no value in any of them (no specimens.csv, its
#: header alone, or specimens with hormone receptors or Ki-67 only) has no HER2
#: data: its study needs no ``her2_guideline``, and its analysis set has no
#: HER2 column.
HER2_COLUMNS = (
    "ihc_score", "pct_cells_0", "pct_cells_1plus", "pct_cells_2plus", "pct_cells_3plus",
    "ish_ratio", "ish_ratio_recount", "her2_copies_per_cell", "her2_copies_recount", "ish_result",
    "pct_nuclei_ratio_ge2", "n_fragments_tumour", "n_fragments_her2_positive", "n_fragments_3plus",
)


def her2_columns_with_data(specimens) -> list[str]:
    """The HER2 columns (:data:`HER2_COLUMNS`) of a specimens table (a data frame) that hold at least one value."""
    if specimens is None or specimens.empty:
        return []
    return [c for c in HER2_COLUMNS if c in specimens and specimens[c].notna().any()]


#: Columns that identify a person and never leave the cleaning stage.
IDENTIFIER_COLUMNS = frozenset({"patient_id", "specimen_id"})

#: Column names that look like direct identifiers (HIPAA Safe Harbor's names,
#: addresses, birth dates, phone numbers, e-mail, record and insurance numbers):
#: nothing in the pipeline needs them and they must not travel further. Compared
#: after :func:`normalise_column_name`; see :func:`looks_like_direct_identifier`.
DIRECT_IDENTIFIER_NAMES = frozenset(
    {
        "name", "full_name", "patient_name", "first_name", "given_name", "last_name", "family_name", "surname", "initials", "patient_initials",
        "mrn", "medical_record_number", "medical_record_no", "record_number", "hospital_number", "hospital_id", "chart_number", "case_number",
        "date_of_birth", "dob", "birth_date", "birthdate", "birthday", "birth_year", "year_of_birth",
        "address", "street", "street_address", "home_address", "postcode", "post_code", "postal_code", "zip", "zip_code", "zipcode",
        "phone", "phone_number", "telephone", "mobile", "mobile_number", "fax", "email", "e_mail", "email_address",
        "ssn", "social_security_number", "nhs_number", "national_id", "insurance_number", "health_insurance_number", "passport_number",
    }
)  # fmt: skip

#: What the cleaning stage does with a column that looks like a direct identifier
#: (the study key ``identifier_columns``): ``refuse`` stops with an error naming
#: the file and column; ``drop`` reads the file without it and says so in the
#: clean log. Its value is never read in either case.
IDENTIFIER_POLICIES = ("refuse", "drop")
DEFAULT_IDENTIFIER_POLICY = "refuse"


def normalise_column_name(column: str) -> str:
    """``"Patient Name"``, ``"PatientName"``, ``"patient-name"`` -> ``"patient_name"``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column.strip())
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def looks_like_direct_identifier(column: str) -> bool:
    """Whether a column name looks like a direct identifier of a person.

    The name is normalised (case, spaces, dashes, camelCase) and compared with
    :data:`DIRECT_IDENTIFIER_NAMES`, and also matched by its words: any name
    with ``birth``, ``dob``, ``mrn``, ``ssn``, ``email``, ``phone``, ``address``
    or ``postcode`` in it, or ``name`` together with ``patient``, ``first``,
    ``last``, ``given``, ``family`` or ``full`` (``regimen_name`` is not one).
    """
    normal = normalise_column_name(column)
    if normal in DIRECT_IDENTIFIER_NAMES:
        return True
    words = set(normal.split("_"))
    if words & {"birth", "dob", "mrn", "ssn", "email", "phone", "telephone", "address", "postcode", "zip", "zipcode", "surname"}:
        return True
    return "name" in words and bool(words & {"patient", "first", "last", "given", "family", "full", "maiden"})


def _kind_text(spec: ColumnSpec) -> str:
    if spec.kind in ("categorical", "multi") and spec.levels:
        joined = ", ".join(f"`{level}`" for level in spec.levels)
        return ("one of " if spec.kind == "categorical" else "several of (`;`-separated) ") + joined
    text = {"id": "text (identifier)", "date": "date YYYY-MM-DD", "ihc_score": "IHC score 0/1+/2+/3+"}.get(spec.kind, spec.kind)
    if spec.minimum is not None or spec.maximum is not None:
        low = "" if spec.minimum is None else f"{'>' if spec.exclusive_minimum else '≥'} {spec.minimum:g}"
        high = "" if spec.maximum is None else f"≤ {spec.maximum:g}"
        text += " (" + ", ".join(p for p in (low, high) if p) + (f" {spec.unit}" if spec.unit else "") + ")"
    return text


def data_dictionary_markdown() -> str:
    """The column tables of data/README.md, generated from the specifications above."""
    out = []
    for table, specs in TABLES.items():
        out += [f"### `{table}.csv`", "", "| column | required | type and allowed values | meaning |", "|---|---|---|---|"]
        for spec in specs:
            required = "yes" if spec.required else ("value required" if not spec.nullable else "")
            out.append(f"| `{spec.name}` | {required} | {_kind_text(spec)} | {spec.description} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # python -m her2cohort.rawdata  -> the tables of data/README.md
    print(data_dictionary_markdown())
