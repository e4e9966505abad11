"""``evaluate``: a trained model's figures on labelled texts, in the shape of one target of
``ModelVersion.metrics``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from safeguard.triage.ml.model import Guess, TriageModel


def evaluate(
    model: TriageModel,
    texts: Sequence[str],
    labels: Sequence[str],
    threshold: float,
    *,
    guesses: Sequence[Guess] | None = None,
) -> dict[str, Any]:
    """Accuracy, macro F1, coverage (share of texts with confidence >= ``threshold``, the ones
    triage would act on), accuracy on those (``None`` when there are none), per-class precision,
    recall, F1 and support, and the confusion matrix (rows: true label, columns: predicted) over
    ``labels``: the model's labels, then any label met only in the test texts.

    Macro F1 averages over the labels that occur in the true or the predicted labels (as
    scikit-learn's ``f1_score(average="macro")``). Pass ``guesses`` to reuse predictions already made.
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    true = [str(label) for label in labels]
    if len(texts) != len(true):
        raise ValueError(_("There must be as many labels as texts."))
    if not true:
        raise ValueError(_("There is nothing to evaluate."))
    if guesses is None:
        guesses = model.predict(texts)
    if len(guesses) != len(true):
        raise ValueError(_("There must be as many predictions as texts."))
    predicted = [g.label for g in guesses]
    confidence = np.array([g.confidence for g in guesses], dtype=float)
    label_list = list(model.labels) + sorted(set(true) - set(model.labels))

    correct = np.array([p == t for p, t in zip(predicted, true, strict=True)])
    covered = confidence >= threshold
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=label_list, zero_division=0
    )
    return {
        "accuracy": float(correct.mean()),
        "macro_f1": float(f1_score(true, predicted, average="macro", zero_division=0)),
        "coverage": float(covered.mean()),
        "accuracy_on_covered": float(correct[covered].mean()) if covered.any() else None,
        "n_test": len(true),
        "labels": label_list,
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(label_list)
        },
        "confusion": confusion_matrix(true, predicted, labels=label_list).tolist(),
    }
