"""Training data and training: the shipped examples, the institution's decided cases and the
handlers' corrections, one engine model per target with metrics on a held-out split.

Labels are codes of this installation: a product, category or department label that is not an
active code here is dropped (the model could never apply it), and a type must be a case type.

Metrics: each target's examples are split (stratified where every class has two examples, seed
0); a model trained on the larger part is measured on the held-out part with the engine's
``evaluate``; then the stored model is trained again on all of them (the usual estimate: the
stored model saw the held-out examples too, so the figures are a slightly pessimistic estimate).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from safeguard.accounts.models import Department
from safeguard.cases.models import Case, CaseType, Category, Product, Status
from safeguard.triage.models import Correction, Target
from safeguard.triage.services.text import compose, first_message_body

SHIPPED_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "seed_examples.csv"
# Cases whose classification a person settled when deciding them.
DECIDED = (Status.RESOLVED, Status.CLOSED)
HOLDOUT = 0.2
SEED = 0
# Below this many examples a target is not trained (nothing useful to learn, nothing to measure).
MIN_PER_TARGET = 4


@dataclass
class Example:
    text: str
    labels: dict[str, str]
    origin: str  # "case" or "shipped"


@dataclass
class Trained:
    models: dict[str, Any]
    metrics: dict[str, dict[str, Any]]
    n_examples: int
    seconds: float
    engine: str
    counts: dict[str, int] = field(default_factory=dict)


def shipped_examples(path: Path | None = None) -> list[Example]:
    """The examples Safeguard ships (UTF-8 CSV: a ``text`` column and one column per target,
    named like ``Target``'s values; an empty cell means no label for that target)."""
    examples = []
    with (path or SHIPPED_EXAMPLES).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("text") or "").strip()
            if not text:
                continue
            labels = {t: (row.get(t) or "").strip() for t in Target.values}
            examples.append(Example(text=text, labels={t: v for t, v in labels.items() if v}, origin="shipped"))
    return examples


def _start_of(day: date) -> datetime:
    return datetime.combine(day, dtime.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def institution_examples(since: date | None = None) -> list[Example]:
    """Decided cases (received on or after ``since``) labelled with their final type, product,
    category and department, and every case a handler corrected, where the latest correction of
    each target wins over the case's field."""
    decided = Case.objects.filter(status__in=DECIDED)
    corrected = Correction.objects.all()
    if since is not None:
        decided = decided.filter(received_at__gte=_start_of(since))
        corrected = corrected.filter(case__received_at__gte=_start_of(since))
    overrides: dict[int, dict[str, str]] = {}
    for case_id, target, value in corrected.order_by("at", "pk").values_list("case_id", "target", "corrected"):
        overrides.setdefault(case_id, {})[target] = value
    rows = (
        Case.objects.filter(Q(pk__in=decided.values("pk")) | Q(pk__in=corrected.values("case_id")))
        .annotate(first_message=first_message_body())
        .order_by("pk")
        .values_list(
            "pk",
            "subject",
            "description",
            "first_message",
            "type",
            "product__code",
            "category__code",
            "department__code",
        )
    )
    examples = []
    for pk, subject, description, first, type_, product, category, department in rows.iterator(chunk_size=2000):
        labels: dict[str, str] = {
            Target.TYPE: type_,
            Target.PRODUCT: product or "",
            Target.CATEGORY: category or "",
            Target.DEPARTMENT: department or "",
        }
        labels.update(overrides.get(pk, {}))
        examples.append(
            Example(
                text=compose(subject, description, first or ""),
                labels={str(t): v for t, v in labels.items() if v},
                origin="case",
            )
        )
    return examples


def valid_labels() -> dict[str, set[str]]:
    """The codes each target may predict in this installation."""
    return {
        Target.TYPE: set(CaseType.values),
        Target.PRODUCT: set(Product.objects.filter(is_active=True).values_list("code", flat=True)),
        Target.CATEGORY: set(Category.objects.filter(is_active=True).values_list("code", flat=True)),
        Target.DEPARTMENT: set(Department.objects.filter(is_active=True).values_list("code", flat=True)),
    }


def _split(texts: list[str], labels: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(train texts, train labels, held-out texts, held-out labels); nothing held out when the
    data is too small to spare any."""
    from sklearn.model_selection import train_test_split

    n = len(texts)
    n_test = round(n * HOLDOUT)
    classes = Counter(labels)
    if n_test < 1 or n - n_test < 2 * len(classes):
        return texts, labels, [], []
    stratify = labels if min(classes.values()) >= 2 and n_test >= len(classes) else None
    parts = train_test_split(texts, labels, test_size=n_test, random_state=SEED, stratify=stratify)
    train_x, test_x, train_y, test_y = (list(p) for p in parts)
    if len(set(train_y)) < 2:
        return texts, labels, [], []
    return train_x, train_y, test_x, test_y


def train(
    examples: Sequence[Example],
    *,
    encoder: str,
    threshold: float,
    say: Callable[[str], None] | None = None,
) -> Trained:
    """One engine model per target that has at least two labels; metrics per target."""
    from safeguard.triage.ml import TriageModel, evaluate

    started = time.perf_counter()
    allowed = valid_labels()
    models: dict[str, Any] = {}
    metrics: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    engine = ""
    for target in Target.values:
        pairs = [(e.text, e.labels[target]) for e in examples if e.labels.get(target) in allowed[target]]
        counts[target] = len(pairs)
        if len(pairs) < MIN_PER_TARGET or len({label for _t, label in pairs}) < 2:
            if say:
                say(f"{target}: {len(pairs)} examples, not enough to train")
            continue
        texts = [t for t, _l in pairs]
        labels = [label for _t, label in pairs]
        train_x, train_y, test_x, test_y = _split(texts, labels)
        measured = TriageModel(encoder=encoder).fit(train_x, train_y, seed=SEED)
        scores: dict[str, Any] = evaluate(measured, test_x, test_y, threshold) if test_x else {}
        scores = dict(scores)
        scores["n_train"] = len(train_x)
        scores["n_test"] = len(test_x)
        scores["threshold"] = threshold  # coverage is measured at it
        model = TriageModel(encoder=encoder).fit(texts, labels, seed=SEED) if test_x else measured
        models[target] = model
        metrics[target] = _plain(scores)
        engine = engine or str(model.describe())
        if say:
            say(_summary_line(target, scores))
    return Trained(
        models=models,
        metrics=metrics,
        n_examples=len(examples),
        seconds=round(time.perf_counter() - started, 3),
        engine=engine[:80],
        counts=counts,
    )


def _summary_line(target: str, scores: dict[str, Any]) -> str:
    if not scores.get("n_test"):
        return f"{target}: {scores['n_train']} examples, none held out"
    return (
        f"{target}: trained on {scores['n_train']}, held out {scores['n_test']}: "
        f"accuracy {float(scores.get('accuracy', 0)):.3f}, macro F1 {float(scores.get('macro_f1', 0)):.3f}, "
        f"coverage {float(scores.get('coverage', 0)):.3f}"
    )


def _plain(value: Any) -> Any:
    """JSON-safe copies of the engine's figures (numpy numbers become Python ones)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, bool | int | str) or value is None:
        return value
    return float(value) if hasattr(value, "__float__") else str(value)
