"""Evaluating the institution's commitments (targets) over closed periods, and the example set.

``evaluate_period`` is what the periodic task ``quality.tasks.evaluate_targets`` runs: every active
target is evaluated (``kpis.evaluate``) over each of its months or quarters inside the period that
has closed, and the result is kept as a ``Measurement`` with an audit entry. A period already
measured is left as it is (the reports show what was known then); the unique constraint
``measurement_once`` makes a second run, or two workers at once, write each row once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safeguard.accounts.models import Department
from safeguard.audit import services as audit
from safeguard.quality.kpis import Evaluation, Period, evaluate
from safeguard.quality.models import Kpi, Measurement, Target


@dataclass(frozen=True)
class _Due:
    target: Target
    period: Period


def _due(period: Period, now: datetime) -> list[_Due]:
    """The (target, sub-period) pairs not measured yet whose period has closed by ``now``."""
    targets = list(Target.objects.filter(is_active=True).select_related("kpi").order_by("pk"))
    measured = set(
        Measurement.objects.filter(
            target__in=targets, period_start__gte=period.start, period_end__lte=period.end
        ).values_list("target_id", "period_start", "period_end")
    )
    return [
        _Due(target, part)
        for target in targets
        for part in period.split(target.frequency)
        if part.has_ended(now) and (target.pk, part.start, part.end) not in measured
    ]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def evaluate_period(period: Period, *, now: datetime | None = None) -> list[Measurement]:
    """Measure every active target over each of its periods (months or quarters) inside
    ``period`` that has closed by ``now``; returns the measurements written by this call.

    The KPIs are computed first, then the rows and their audit entries are written in one
    transaction (so the audit chain's lock is not held while the figures are computed).
    """
    now = now or timezone.now()
    evaluations: list[tuple[Target, Evaluation]] = [(d.target, evaluate(d.target, d.period)) for d in _due(period, now)]
    written: list[Measurement] = []
    with transaction.atomic():
        for target, found in evaluations:
            measurement, created = Measurement.objects.get_or_create(
                target=target,
                period_start=found.period.start,
                period_end=found.period.end,
                defaults={
                    "value": found.value,
                    "numerator": found.numerator,
                    "denominator": found.denominator,
                    "met": found.met,
                    "computed_at": now,
                },
            )
            if not created:  # another worker measured it first
                continue
            changes: dict[str, Any] = {
                "target": target.pk,
                "kpi": target.kpi.code,
                "period": found.period.label,
                "value": _text(found.value),
                "numerator": _text(found.numerator),
                "denominator": _text(found.denominator),
                "threshold": _text(target.threshold),
                "met": found.met,
            }
            if target.comparison == Target.Comparison.RELATIVE:
                changes.update(baseline=_text(found.baseline), change=_text(found.change))
            audit.log(None, "measurement.create", measurement, changes=changes)
            written.append(measurement)
    return written


def lookback(now: datetime) -> Period:
    """What the periodic task looks at: the ``SAFEGUARD_QUALITY_EVALUATION_MONTHS`` months before
    the current one (widened to whole quarters), so a missed run or a new target catches up."""
    today = timezone.localdate(now)
    months = max(int(getattr(settings, "SAFEGUARD_QUALITY_EVALUATION_MONTHS", 12)), 1)
    this_month = today.replace(day=1)
    first = this_month
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    first = Period.containing(first, "quarterly").start
    return Period(first, this_month - timedelta(days=1))


def evaluate_due(*, now: datetime | None = None) -> list[Measurement]:
    """The periodic task's work: ``evaluate_period`` over the look-back window."""
    now = now or timezone.now()
    return evaluate_period(lookback(now), now=now)


# --- the example commitment set --------------------------------------------------------------

# A typical Chinese bank's published service standard (the data migration 0004 ships the same set).
EXAMPLE_TARGETS: list[dict[str, Any]] = [
    {
        "kpi": "first-response-24h",
        "name": "First response within 24 hours for at least 95% of complaints and feedback",
        "name_zh": "投诉和意见建议24小时内首次响应率不低于95%",
        "threshold": Decimal(95),
        "frequency": "monthly",
    },
    {
        "kpi": "feedback-within-48h",
        "name": "At least 95% of feedback handled within 48 hours",
        "name_zh": "意见建议48小时内办结率不低于95%",
        "threshold": Decimal(95),
        "frequency": "monthly",
    },
    {
        "kpi": "csat-satisfied",
        "name": "Customer satisfaction of at least 85%",
        "name_zh": "客户满意度不低于85%",
        "threshold": Decimal(85),
        "frequency": "monthly",
    },
    {
        "kpi": "feedback-response-rate",
        "name": "Feedback response rate of at least 90%",
        "name_zh": "意见建议回复率不低于90%",
        "threshold": Decimal(90),
        "frequency": "monthly",
    },
    {
        "kpi": "services-meeting-standard",
        "name": "At least 95% of services meeting the standard",
        "name_zh": "服务达标率不低于95%",
        "threshold": Decimal(95),
        "frequency": "monthly",
    },
    {
        "kpi": "handling-time-mean",
        "name": "Average handling time down 20% against 2025",
        "name_zh": "平均处理时长较2025年下降20%",
        "comparison": Target.Comparison.RELATIVE,
        "threshold": Decimal(-20),
        "baseline_from": date(2025, 1, 1),
        "baseline_to": date(2025, 12, 31),
        "frequency": "quarterly",
    },
]


def owner_department() -> Department | None:
    """The consumer-protection department: where intake routes unrouted contacts."""
    code = settings.SAFEGUARD_INTAKE_DEPARTMENT or "consumer-protection"
    return Department.objects.filter(code=code).first()


@transaction.atomic
def ensure_example_targets(*, by: Any = None, owner: Department | None = None) -> list[Target]:
    """Add the example commitment set (the targets missing by KPI and name), owned by ``owner``
    or the consumer-protection department; nothing when there is no such department yet."""
    owner = owner or owner_department()
    if owner is None:
        return []
    kpis = {k.code: k for k in Kpi.objects.filter(code__in=[t["kpi"] for t in EXAMPLE_TARGETS])}
    made = []
    for data in EXAMPLE_TARGETS:
        kpi = kpis.get(data["kpi"])
        if kpi is None or Target.objects.filter(kpi=kpi, name=data["name"]).exists():
            continue
        target = Target.objects.create(kpi=kpi, owner=owner, **{k: v for k, v in data.items() if k != "kpi"})
        audit.log(
            by,
            "target.create",
            target,
            changes={"kpi": kpi.code, "threshold": str(target.threshold), "owner": owner.code, "example": True},
        )
        made.append(target)
    return made
