"""Every write of triage, one module per concern:

* ``pipeline`` — ``triage_case(case_id)``: predict, detect signals, route, suggest, apply;
* ``versions`` — ``ensure_default_model()``, ``train_version()``, ``promote()``;
* ``corrections`` — ``correct()`` and ``accept()`` from the case page;
* ``training`` — the training data (shipped examples, decided cases, corrections) and metrics;
* ``store`` — model files in the ``triage`` storage, checked by SHA-256, cached once loaded;
* ``routing`` — routing rules: matching (pure) and validating their conditions;
* ``suggest`` — suggested response templates by text similarity;
* ``text`` — the text triage reads for a case, and its language.

Services take model instances and plain values, check the permissions they are given, write the
timeline and the audit log with the change, and raise domain errors (``core.errors``).
"""

from safeguard.triage.services.corrections import accept, correct
from safeguard.triage.services.pipeline import triage_case
from safeguard.triage.services.versions import ensure_default_model, promote, train_version

__all__ = ["accept", "correct", "ensure_default_model", "promote", "train_version", "triage_case"]
