"""The replication audit: every number a paper prints beside the number the pipeline computes.

A study's mapping (``config/replication/{study}.yaml``) says, for each location
of its published file (``data/published/{study}.yaml``), where the pipeline's
value is: a row and column of one of its result tables (``results/{study}/stats``,
the flow of patients, the HER2 guideline's thresholds) or an arithmetic of
several (written in the compact forms of
:mod:`~her2cohort.replication.compact`, which the audit expands to one entry
per printed quantity). The audit never reads a published value into a reproduced one; it
compares them at the printed precision and gives each row a status:

``reproduced``
    equal at the printed precision (or on the printed side of a bound);
``within_tolerance``
    a reconstruction-dependent number within its stated tolerance;
``not_reproduced``
    a reconstruction-dependent number outside it (with the reason it cannot be
    expected to match), or an unexplained mismatch (``explanation`` starts with
    ``UNEXPLAINED``; the tests fail on those: it is a bug until explained);
``discrepant``
    the paper contradicts itself (its own counts, margins or another section),
    with the investigation;
``not_computable``
    why.

:mod:`~her2cohort.replication.consistency` checks the paper against itself with
no patient data at all.
"""

from her2cohort.replication.audit import audit, load_mapping
from her2cohort.replication.consistency import consistency_checks
from her2cohort.replication.summary import summary_markdown

__all__ = ["audit", "consistency_checks", "load_mapping", "summary_markdown"]
