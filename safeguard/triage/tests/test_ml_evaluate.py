"""``ml.evaluate``: the arithmetic of the figures stored on ModelVersion.metrics."""

from __future__ import annotations

import pytest

from safeguard.triage.ml import Guess, TriageModel, evaluate


class FixedModel:
    """Stands in for a trained model: knows labels a and b (the test also has c)."""

    labels = ["a", "b"]


def guesses(*pairs: tuple[str, float]) -> list[Guess]:
    return [Guess(label=label, confidence=confidence) for label, confidence in pairs]


def test_figures_of_a_hand_made_case():
    true = ["a", "b", "b", "c"]
    predicted = guesses(("a", 0.9), ("a", 0.4), ("b", 0.5), ("b", 0.3))

    metrics = evaluate(FixedModel(), ["t1", "t2", "t3", "t4"], true, 0.5, guesses=predicted)  # type: ignore[arg-type]

    assert metrics["accuracy"] == 0.5  # t1 and t3 right
    assert metrics["coverage"] == 0.5  # 0.9 and 0.5 reach the threshold (>=)
    assert metrics["accuracy_on_covered"] == 1.0
    assert metrics["n_test"] == 4
    assert metrics["labels"] == ["a", "b", "c"]  # the model's, then the test's unknown label
    assert metrics["per_class"]["a"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert metrics["per_class"]["b"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert metrics["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    # rows: true a, b, c; columns: predicted a, b, c
    assert metrics["confusion"] == [[1, 0, 0], [1, 1, 0], [0, 1, 0]]


def test_nothing_covered_has_no_accuracy_on_covered():
    metrics = evaluate(FixedModel(), ["t"], ["a"], 0.95, guesses=guesses(("a", 0.9)))  # type: ignore[arg-type]

    assert metrics["coverage"] == 0.0
    assert metrics["accuracy_on_covered"] is None
    assert metrics["accuracy"] == 1.0


def test_predicts_with_the_model_when_no_guesses_are_given():
    model = TriageModel(encoder="none").fit(
        ["card stolen", "stolen card fraud", "fee charged", "high fee"], ["fraud", "fraud", "fees", "fees"]
    )

    metrics = evaluate(model, ["my card was stolen", "what a fee"], ["fraud", "fees"], 0.0)

    assert metrics["accuracy"] == 1.0
    assert metrics["coverage"] == 1.0
    assert metrics["confusion"] == [[1, 0], [0, 1]]  # labels sorted: fees, fraud


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [([], [], "nothing to evaluate"), (["a"], ["x", "y"], "as many labels as texts")],
)
def test_bad_input_is_refused(texts, labels, message):
    with pytest.raises(ValueError, match=message):
        evaluate(FixedModel(), texts, labels, 0.5, guesses=[])  # type: ignore[arg-type]
