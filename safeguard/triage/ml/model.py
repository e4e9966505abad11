"""``TriageModel``: the two-stage text classifier of docs/research/triage/README.md.

Stage 1, every text: TF-IDF (word 1-2 grams with jieba words and character 1-3 grams for Chinese;
char_wb 2-5 grams) and a one-vs-rest ``LinearSVC(C=0.5)``; its decision scores are S1.

Stage 2, only for a mostly-Latin text whose stage-1 margin (best score minus second best) is
below ``tau``: the MiniLM sentence embedding and a ``LinearSVC(C=1)`` on it (S2); the final
scores are 0.5 * S1 + 1.0 * S2. On Banking77 about a fifth of the texts take this path; it is
what lifts accuracy from about 0.914 to 0.94 while keeping batches above 1,000 texts/s.

``fit`` carves a validation split from the training data (15 %, stratified where possible), fits
both stages on the rest, picks ``tau`` (the least routing that keeps accuracy within 0.2 points
of routing every text) and a softmax temperature for each path, then refits both stages on all
the data. ``confidence`` is the softmax of the final scores at that temperature.
"""

from __future__ import annotations

import logging
import math
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from safeguard.triage.ml import encoder as encoder_module
from safeguard.triage.ml.text import MEMO_TEXTS, char_analyzer, display_feature, is_mostly_latin, word_analyzer

logger = logging.getLogger(__name__)

# Bump when the saved form changes; ``load`` refuses a file of another version (retrain instead).
ENGINE_VERSION = "1"
ENCODERS = ("auto", "none")
C_STAGE1 = 0.5
C_STAGE2 = 1.0
WEIGHT_STAGE1 = 0.5
WEIGHT_STAGE2 = 1.0
VALIDATION_SHARE = 0.15
# Below this many training texts there is no validation split: defaults are used.
MIN_VALIDATION_TEXTS = 50
# Stage 2 needs this many mostly-Latin training texts.
MIN_STAGE2_TEXTS = 10
TAU_GRID = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, math.inf)
DEFAULT_TAU = 0.6
# Accuracy may drop this much (share of validation texts) to route fewer texts to stage 2.
TAU_TOLERANCE = 0.002
# Never route more than this share to stage 2: with MiniLM at about 400 texts/s on two cores the
# batch target of 1,000 texts/s allows about 37 % (docs/research/triage/README.md, "Speed").
MAX_ROUTED_SHARE = 0.35
DEFAULT_TEMPERATURE = 0.5
# The final scores of a routed text are about this much larger than stage-1 scores alone.
COMBINED_SCALE = WEIGHT_STAGE1 + WEIGHT_STAGE2
TEMPERATURE_GRID = np.geomspace(0.02, 5.0, 48)
# A path's temperature is fitted on its own validation texts only when it has this many.
MIN_TEMPERATURE_TEXTS = 30
# Score of a class that stage 2 never saw (no mostly-Latin example): a plain "not this class".
UNSEEN_SCORE = -1.0
TOP_LABELS = 3
TOP_FEATURES = 5


@dataclass(frozen=True)
class Guess:
    """One prediction: the label, its calibrated confidence, the best few ``(label, probability)``
    and the stage-1 features that pushed most towards the label, ``(feature, weight)``."""

    label: str
    confidence: float
    top: list[tuple[str, float]] = field(default_factory=list)
    features: list[tuple[str, float]] = field(default_factory=list)


class IncompatibleModelError(ValueError):
    """The file is not a triage model of this engine version."""


@dataclass
class _Linear:
    """A one-vs-rest linear head over all the model's labels: scores = X @ weights + bias."""

    weights: np.ndarray  # [n_features, n_labels], float32
    bias: np.ndarray  # [n_labels], float32

    def scores(self, x: Any) -> np.ndarray:
        result: np.ndarray = np.asarray(x @ self.weights) + self.bias
        return result


def _fit_linear(x: Any, y: np.ndarray, n_labels: int, c: float, seed: int) -> _Linear:
    """LinearSVC on the rows given; labels it did not see score ``UNSEEN_SCORE``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    svc = LinearSVC(C=c, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svc.fit(x, y)
    coef = np.asarray(svc.coef_, dtype=np.float32)
    intercept = np.asarray(svc.intercept_, dtype=np.float32)
    if len(svc.classes_) == 2:  # binary LinearSVC gives one row, for the second class
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32)
    weights = np.zeros((x.shape[1], n_labels), dtype=np.float32)
    bias = np.full(n_labels, UNSEEN_SCORE, dtype=np.float32)
    weights[:, svc.classes_] = coef.T
    bias[svc.classes_] = intercept
    return _Linear(weights=np.ascontiguousarray(weights), bias=bias)


def _margins(scores: np.ndarray) -> np.ndarray:
    top2 = np.partition(scores, -2, axis=1)[:, -2:]
    result: np.ndarray = top2[:, 1] - top2[:, 0]
    return result


def _softmax(scores: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    z = scores / temperature[:, None]
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    result: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return result


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The temperature (on a grid) that minimises the validation log loss."""
    best, best_loss = DEFAULT_TEMPERATURE, math.inf
    rows = np.arange(len(y))
    for t in TEMPERATURE_GRID:
        z = scores / t
        zmax = z.max(axis=1)
        loss = float(np.mean(zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1)) - z[rows, y]))
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


class TriageModel:
    """One text classifier (one target). See the package docstring for the contract."""

    def __init__(self, encoder: str = "auto") -> None:
        if encoder not in ENCODERS:
            raise ValueError(_("Unknown encoder %(encoder)s: use auto or none.") % {"encoder": encoder})
        self.encoder = encoder
        self.labels: list[str] = []
        self.tau = 0.0
        self.temperatures = {"stage1": DEFAULT_TEMPERATURE, "stage2": DEFAULT_TEMPERATURE * COMBINED_SCALE}
        self.stats: dict[str, Any] = {}
        self._word: Any = None
        self._char: Any = None
        self._feature_names: list[str] = []
        self._stage1: _Linear | None = None
        self._stage2: _Linear | None = None

    # -- training -----------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> TriageModel:
        texts = ["" if t is None else str(t) for t in texts]
        str_labels = [str(label) for label in labels]
        if len(texts) != len(str_labels):
            raise ValueError(_("There must be as many labels as texts."))
        self.labels = sorted(set(str_labels))
        if len(self.labels) < 2:
            raise ValueError(_("Training needs examples of at least two different labels."))
        index = {label: i for i, label in enumerate(self.labels)}
        y = np.array([index[label] for label in str_labels])
        n_labels = len(self.labels)

        enc = encoder_module.get_encoder() if self.encoder == "auto" else None
        latin = np.array([is_mostly_latin(t) for t in texts], dtype=bool)
        embeddings: np.ndarray | None = None
        if enc is not None and latin.sum() >= MIN_STAGE2_TEXTS and len(set(y[latin].tolist())) >= 2:
            embeddings = np.zeros((len(texts), encoder_module.DIM), dtype=np.float32)
            rows = np.flatnonzero(latin)
            embeddings[rows] = enc.encode([texts[i] for i in rows])

        self.tau = DEFAULT_TAU if embeddings is not None else 0.0
        self.temperatures = {"stage1": DEFAULT_TEMPERATURE, "stage2": DEFAULT_TEMPERATURE * COMBINED_SCALE}
        self.stats = {"n_train": len(texts), "validation": None}
        split = self._validation_split(y, seed)
        if split is not None:
            self._calibrate(texts, y, latin, embeddings, split, seed)

        word, char, x = self._fit_vectorisers(texts)
        self._word, self._char = word, char
        self._feature_names = [f"word__{n}" for n in word.get_feature_names_out()] + [
            f"char__{n}" for n in char.get_feature_names_out()
        ]
        self._stage1 = _fit_linear(x, y, n_labels, C_STAGE1, seed)
        self._stage2 = None
        if embeddings is not None and self.tau > 0:
            rows = np.flatnonzero(latin)
            self._stage2 = _fit_linear(embeddings[rows], y[rows], n_labels, C_STAGE2, seed)
        else:
            self.tau = 0.0
        return self

    @staticmethod
    def _validation_split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
        """15 % of the texts for validation, stratified by label where possible. A label with a
        single example always stays in the training part."""
        from sklearn.model_selection import train_test_split

        if len(y) < MIN_VALIDATION_TEXTS:
            return None
        counts = np.bincount(y)
        single = np.flatnonzero(counts[y] == 1)
        multi = np.flatnonzero(counts[y] >= 2)
        try:
            train, val = train_test_split(multi, test_size=VALIDATION_SHARE, stratify=y[multi], random_state=seed)
        except ValueError:  # more labels than validation rows
            train, val = train_test_split(multi, test_size=VALIDATION_SHARE, random_state=seed)
        return np.concatenate([train, single]), np.asarray(val)

    def _fit_vectorisers(self, texts: list[str]) -> tuple[Any, Any, Any]:
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import TfidfVectorizer

        word = TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, dtype=np.float32)
        char = TfidfVectorizer(
            analyzer=char_analyzer,
            sublinear_tf=True,
            min_df=2 if len(texts) >= MIN_VALIDATION_TEXTS else 1,
            dtype=np.float32,
        )
        try:
            x = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)], format="csr")
        except ValueError as exc:  # "empty vocabulary": no text has a word in it
            raise ValueError(_("The training texts contain no words.")) from exc
        return word, char, x

    def _calibrate(
        self,
        texts: list[str],
        y: np.ndarray,
        latin: np.ndarray,
        embeddings: np.ndarray | None,
        split: tuple[np.ndarray, np.ndarray],
        seed: int,
    ) -> None:
        """Fit both stages on the training part; choose tau and the temperatures on validation."""
        train, val = split
        n_labels = len(self.labels)
        word, char, x_train = self._fit_vectorisers([texts[i] for i in train])
        import scipy.sparse as sp

        x_val = sp.hstack([word.transform([texts[i] for i in val]), char.transform([texts[i] for i in val])], "csr")
        s1 = _fit_linear(x_train, y[train], n_labels, C_STAGE1, seed).scores(x_val)
        y_val = y[val]
        margins = _margins(s1)
        routable = latin[val]
        combined = s1
        tau = 0.0
        rows_table: list[tuple[float | None, float, float]] = []
        train_latin = train[latin[train]]
        if embeddings is not None and len(set(y[train_latin].tolist())) >= 2:
            s2 = _fit_linear(embeddings[train_latin], y[train_latin], n_labels, C_STAGE2, seed).scores(embeddings[val])
            combined = WEIGHT_STAGE1 * s1 + WEIGHT_STAGE2 * s2
            stage1_pred, combined_pred = s1.argmax(axis=1), combined.argmax(axis=1)
            table = []
            for t in TAU_GRID:
                route = routable & (margins < t)
                correct = int(np.sum(np.where(route, combined_pred, stage1_pred) == y_val))
                table.append((t, float(route.mean()), correct))
            best = max(correct for _t, _share, correct in table)
            good = [r for r in table if r[2] >= best - TAU_TOLERANCE * len(val) and r[1] <= MAX_ROUTED_SHARE]
            if good:
                tau = min(good, key=lambda r: (r[1], r[0]))[0]
            else:
                affordable = [r for r in table if r[1] <= MAX_ROUTED_SHARE] or table[:1]
                tau = max(affordable, key=lambda r: (r[2], -r[1]))[0]
            # (tau, share routed, accuracy) on validation; tau None: every mostly-Latin text.
            rows_table = [
                (None if math.isinf(t) else t, round(share, 4), round(correct / len(val), 4))
                for t, share, correct in table
            ]
        self.tau = float(tau)
        route = routable & (margins < self.tau)
        final = np.where(route[:, None], combined, s1)
        all_t = _fit_temperature(final, y_val)
        t1 = _fit_temperature(s1[~route], y_val[~route]) if (~route).sum() >= MIN_TEMPERATURE_TEXTS else all_t
        if route.sum() >= MIN_TEMPERATURE_TEXTS:
            t2 = _fit_temperature(combined[route], y_val[route])
        else:
            t2 = all_t * COMBINED_SCALE
        self.temperatures = {"stage1": t1, "stage2": t2}
        self.stats["validation"] = {
            "n": len(val),
            "accuracy": round(float(np.mean(final.argmax(axis=1) == y_val)), 4),
            "stage1_accuracy": round(float(np.mean(s1.argmax(axis=1) == y_val)), 4),
            "routed_share": round(float(route.mean()), 4),
            "tau_table": rows_table,
        }

    # -- prediction ---------------------------------------------------------------------------

    def _vectorise(self, texts: list[str]) -> Any:
        import scipy.sparse as sp

        return sp.hstack([self._word.transform(texts), self._char.transform(texts)], format="csr")

    def predict(self, texts: Sequence[str]) -> list[Guess]:
        if self._stage1 is None:
            raise ValueError(_("The model has not been trained."))
        texts = ["" if t is None else str(t) for t in texts]
        if not texts:
            return []
        x = self._vectorise(texts)
        s1 = self._stage1.scores(x)
        final = s1
        routed = np.zeros(len(texts), dtype=bool)
        if self._stage2 is not None and self.tau > 0:
            candidates = [i for i in np.flatnonzero(_margins(s1) < self.tau) if is_mostly_latin(texts[i])]
            enc = encoder_module.get_encoder() if (candidates and self.encoder == "auto") else None
            if enc is not None:
                rows = np.array(candidates)
                s2 = self._stage2.scores(enc.encode([texts[i] for i in rows]))
                final = s1.copy()
                final[rows] = WEIGHT_STAGE1 * s1[rows] + WEIGHT_STAGE2 * s2
                routed[rows] = True
        temperature = np.where(routed, self.temperatures["stage2"], self.temperatures["stage1"])
        probabilities = _softmax(final.astype(np.float64), temperature)
        best = final.argmax(axis=1)
        guesses = []
        for i, k in enumerate(best):
            p = probabilities[i]
            order = np.argsort(-p, kind="stable")[:TOP_LABELS]
            guesses.append(
                Guess(
                    label=self.labels[k],
                    confidence=float(min(max(p[k], 0.0), 1.0)),
                    top=[(self.labels[j], round(float(p[j]), 4)) for j in order],
                    features=self._features(x, i, int(k)),
                )
            )
        return guesses

    def _features(self, x: Any, row: int, label: int) -> list[tuple[str, float]]:
        """The stage-1 features of one text that pushed most towards ``label`` (value x weight)."""
        assert self._stage1 is not None
        start, end = x.indptr[row], x.indptr[row + 1]
        columns = x.indices[start:end]
        contributions = x.data[start:end] * self._stage1.weights[columns, label]
        result: list[tuple[str, float]] = []
        seen: set[str] = set()
        for j in np.argsort(-contributions, kind="stable"):
            if contributions[j] <= 0 or len(result) == TOP_FEATURES:
                break
            name = display_feature(self._feature_names[columns[j]])
            if name not in seen:
                seen.add(name)
                result.append((name, round(float(contributions[j]), 4)))
        return result

    # -- persistence and description ----------------------------------------------------------

    def describe(self) -> str:
        if self._stage2 is not None:
            return f"tfidf-linearsvc + minilm-l6 below margin {self.tau:g} (engine {ENGINE_VERSION})"
        return f"tfidf-linearsvc (engine {ENGINE_VERSION})"

    def save(self, path: str | Path) -> None:
        """Write the model with joblib, atomically (temporary file, then rename)."""
        import joblib

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=target.name + ".", suffix=".tmp", delete=False
        ) as fh:
            tmp = Path(fh.name)
            try:
                joblib.dump({"engine": ENGINE_VERSION, "model": self}, fh, compress=3)
            except BaseException:
                fh.close()
                tmp.unlink(missing_ok=True)
                raise
        tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path) -> TriageModel:
        """Read a model written by ``save`` of this engine version. Only for files Safeguard wrote
        itself: joblib files are pickles and may run code."""
        import joblib

        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("engine") != ENGINE_VERSION:
            raise IncompatibleModelError(
                _("This model was saved by another version of the triage engine; train a new one.")
            )
        model = payload["model"]
        if not isinstance(model, cls):
            raise IncompatibleModelError(_("The file does not hold a triage model."))
        return model


def predict_targets(models: Mapping[str, TriageModel], texts: Sequence[str]) -> dict[str, list[Guess]]:
    """Every target's guesses for ``texts``, in chunks small enough that each text is analysed
    (and, where routed, embedded) once for all the targets, not once per target."""
    found: dict[str, list[Guess]] = {target: [] for target in models}
    for start in range(0, len(texts), MEMO_TEXTS):
        chunk = list(texts[start : start + MEMO_TEXTS])
        for target, model in models.items():
            found[target].extend(model.predict(chunk))
    return found
