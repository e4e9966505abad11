"""Calculators over cases and their milestones.

Which cases are "in the period" depends on what the KPI is about (docs/quality.md, "KPIs"):

* deadline KPIs count the **milestones due** in the period (``CaseMilestone.due_at``): once a
  period is over, every deadline in it has been met or missed, so the figure no longer changes;
* outcome KPIs count the cases **resolved** in the period (``Case.resolved_at``, the final
  response): handling time, upheld, reopened, redress, services meeting the standard;
* intake KPIs count the cases **received** in the period (``Case.received_at``): volumes,
  channel shares, repeat complaints, the feedback commitments;
* the backlog is a snapshot at the end of the period (or now, while the period runs).

A milestone is met in time when ``met_at <= due_at`` (so exactly at the deadline is met); it is
decided once it is met or the deadline scan has marked it breached. Paused clocks need nothing
here: the deadlines app moves ``due_at`` when a pause ends and never breaches a paused clock.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import RowNumber

from safeguard.cases.models import Case, CaseEvent, CaseMilestone, CaseType, Outcome, Redress, Resolution, Status
from safeguard.customers.models import Customer
from safeguard.deadlines.models import Milestone
from safeguard.quality.calculators.base import (
    Calculator,
    Cohort,
    HoursBetween,
    Query,
    Row,
    both,
    dec,
    month_bounds,
    month_key,
    ratio,
    rounded,
    week_bounds,
    week_key,
)

ONE = Decimal(1)


def _not_merged(q: Query) -> Q:
    # A duplicate merged into another case is not a second complaint.
    return ~Q(status=Status.MERGED)


RECEIVED = Cohort(Case, date="received_at", where=_not_merged)
RESOLVED = Cohort(Case, date="resolved_at")
MILESTONES = Cohort(CaseMilestone, date="due_at", case="case__")


def _types(q: Query, path: str = "", default: list[str] | None = None) -> Q:
    types = q.types(default)
    return Q(**{f"{path}type__in": types}) if types else Q()


# --- deadlines -------------------------------------------------------------------------------


def _decided() -> Q:
    return Q(met_at__isnull=False) | Q(breached_at__isnull=False)


def _met_in_time() -> Q:
    return Q(met_at__isnull=False, met_at__lte=F("due_at"))


class MilestoneInTime(Calculator):
    """% of the ``params["milestone"]`` deadlines due in the period that were met by their due time."""

    def __init__(self) -> None:
        super().__init__(MILESTONES)

    def counted(self, q: Query) -> Q:
        return Q(milestone=q.param("milestone", "final_response")) & _decided() & _types(q, "case__")

    def numerator_filter(self, q: Query) -> Q | None:
        return _met_in_time()


class Breaches(Calculator):
    """Deadlines due in the period that were missed (breached, or met after the due time)."""

    scale = ONE

    def __init__(self) -> None:
        super().__init__(MILESTONES)

    def counted(self, q: Query) -> Q:
        # Naming every kind (by default) lets the (milestone, due_at) index serve the period.
        names = q.param("milestones") or Milestone.values
        return Q(milestone__in=names) & _decided() & _types(q, "case__")

    def numerator_filter(self, q: Query) -> Q | None:
        return ~_met_in_time()

    def value(self, numerator: Decimal | None, denominator: Decimal | None, q: Query) -> Decimal | None:
        return numerator if denominator else None


class ReceivedWithin(Calculator):
    """% of the cases received in the period (``params["types"]``) whose final response went out
    within ``params["hours"]`` of receipt. A case still unanswered counts once its hours are over."""

    def __init__(self) -> None:
        super().__init__(RECEIVED)

    def _limit(self, q: Query) -> timedelta:
        return timedelta(hours=float(q.param("hours", 48)))

    def _within(self, q: Query) -> Q:
        within = ExpressionWrapper(F("received_at") + self._limit(q), output_field=DateTimeField())
        return Q(resolved_at__isnull=False, resolved_at__lte=within)

    def numerator_filter(self, q: Query) -> Q | None:
        return self._within(q)

    def counted(self, q: Query) -> Q:
        over = Q(received_at__lte=q.now - self._limit(q))
        return _types(q, default=[CaseType.FEEDBACK]) & ~Q(status=Status.WITHDRAWN) & (self._within(q) | over)


class AllMilestonesMet(Calculator):
    """% of the cases resolved in the period whose every deadline was met in time."""

    def __init__(self) -> None:
        super().__init__(RESOLVED)

    def counted(self, q: Query) -> Q:
        return _types(q)

    def numerator_filter(self, q: Query) -> Q | None:
        missed = CaseMilestone.objects.filter(case=OuterRef("pk")).filter(
            Q(met_at__isnull=True) | Q(met_at__gt=F("due_at"))
        )
        return ~Q(Exists(missed))


# --- outcomes --------------------------------------------------------------------------------


def _handling_hours() -> HoursBetween:
    return HoursBetween("resolved_at", "received_at")


class HandlingTimeMean(Calculator):
    """Mean hours from receipt to the final response, over the cases resolved in the period."""

    scale = ONE
    additive = False

    def __init__(self) -> None:
        super().__init__(RESOLVED)

    def counted(self, q: Query) -> Q:
        return _types(q)

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        return {"num": Sum(_handling_hours(), filter=where), "den": Count("pk", filter=where)}


class HandlingTimePercentile(Calculator):
    """The ``params["percentile"]``-th percentile (nearest rank: the smallest handling time with
    at least p% of the cases at or below it, the case at rank ceil(p × n / 100)) of hours from
    receipt to the final response.

    PostgreSQL: one ``percentile_disc`` aggregate per group. Its fraction is p/100 less 1e-12, so
    that p × n / 100 landing on a whole number in decimal but not in binary floating point
    (0.9 × 70 = 63.000…01) still picks that rank, not the next (exact for n below 10¹¹).
    Elsewhere: rank the rows of each group with window functions and keep rank
    ceil(p × n / 100), in integer arithmetic. The tests hold both to the same hand-made answers."""

    scale = ONE
    additive = False
    batchable = False

    def __init__(self) -> None:
        super().__init__(RESOLVED)

    def counted(self, q: Query) -> Q:
        return _types(q)

    def _percent(self, q: Query) -> int:
        percent = int(q.param("percentile", 90))
        if not 0 < percent <= 100:
            raise ValueError(f"a percentile is between 1 and 100, not {percent}")
        return percent

    def rows(self, q: Query) -> list[Row]:
        percent = self._percent(q)
        grouped = q.group_by is not None
        rows = self.base(q).annotate(
            _hours=_handling_hours(),
            _group=self.cohort.group_expression(q) if grouped else Value(0),
        )
        if connection.vendor == "postgresql":
            found = [
                Row(self.cohort.key(q, r["_group"]) if grouped else None, None, dec(r["_n"]), rounded(dec(r["_value"])))
                for r in rows.values("_group")
                .annotate(_value=PercentileDisc("_hours", fraction=f"{percent / 100 - 1e-12:.15f}"), _n=Count("pk"))
                .order_by()
            ]
        else:
            partition = [F("_group")] if grouped else None
            ranked = rows.annotate(
                _rank=Window(RowNumber(), partition_by=partition, order_by=[F("_hours").asc(), F("pk").asc()]),
                _n=Window(Count("pk"), partition_by=partition),
            ).filter(_rank=ExpressionWrapper((F("_n") * percent + 99) / 100, output_field=IntegerField()))
            found = [
                Row(self.cohort.key(q, r["_group"]) if grouped else None, None, dec(r["_n"]), rounded(dec(r["_hours"])))
                for r in ranked.values("_group", "_hours", "_n")
            ]
        if not grouped and not found:
            return [Row(None, None, Decimal(0), None)]
        return found


class PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _reopened() -> Exists:
    return Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.TRANSITION, data__action="reopen"))


class ReopenRate(Calculator):
    """% of the cases resolved in the period that had been reopened at least once."""

    def __init__(self) -> None:
        super().__init__(RESOLVED)

    def counted(self, q: Query) -> Q:
        return _types(q)

    def numerator_filter(self, q: Query) -> Q | None:
        return Q(_reopened())


class UpheldRate(Calculator):
    """% of the complaints resolved in the period decided in the customer's favour
    (``params["outcomes"]``: upheld and partially upheld by default)."""

    def __init__(self) -> None:
        super().__init__(RESOLVED)

    # EXISTS rather than a join: probes of the resolution's unique case index, which the planner
    # keeps to even when other KPIs share the query (a join made it scan every resolution).
    def counted(self, q: Query) -> Q:
        decided = Resolution.objects.filter(case=OuterRef("pk"))
        return _types(q, default=[CaseType.COMPLAINT]) & Q(Exists(decided))

    def numerator_filter(self, q: Query) -> Q | None:
        outcomes = q.param("outcomes") or [Outcome.UPHELD, Outcome.PARTIALLY_UPHELD]
        return Q(Exists(Resolution.objects.filter(case=OuterRef("pk"), outcome__in=outcomes)))


class RedressPaid(Calculator):
    """Approved redress in ``params["currency"]`` on the cases resolved in the period (money;
    one KPI per currency: amounts in different currencies are never added up)."""

    scale = ONE
    batchable = False  # it joins the redress rows

    def __init__(self) -> None:
        super().__init__(RESOLVED)

    def counted(self, q: Query) -> Q:
        return _types(q)

    def _paid(self, q: Query, prefix: str = "") -> Q:
        return Q(**{f"{prefix}state": Redress.State.APPROVED, f"{prefix}currency": q.param("currency", "CNY")})

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        return {
            "num": Sum("redress__amount", filter=both(where, self._paid(q, "redress__"))),
            "den": Count("pk", distinct=True, filter=where),
        }

    def numerator_filter(self, q: Query) -> Q | None:
        return Q(Exists(Redress.objects.filter(self._paid(q), case=OuterRef("pk"))))

    def value(self, numerator: Decimal | None, denominator: Decimal | None, q: Query) -> Decimal | None:
        if not denominator:
            return None
        return rounded(numerator or Decimal(0))

    def row(self, group: str | None, found: Any, q: Query) -> Row:
        row = super().row(group, found, q)
        if row.denominator and row.numerator is None:
            return Row(row.group, Decimal(0), row.denominator, row.value)
        return row


# --- intake ----------------------------------------------------------------------------------


class CaseCount(Calculator):
    """Cases received in the period (``params["types"]``; complaints by default). A count: 0, not
    "no data", when none arrived."""

    scale = ONE

    def __init__(self) -> None:
        super().__init__(RECEIVED)

    def counted(self, q: Query) -> Q:
        return _types(q, default=[CaseType.COMPLAINT])

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        return {"num": Count("pk", filter=where)}

    def row(self, group: str | None, found: Any, q: Query) -> Row:
        count = dec(found.get("num")) or Decimal(0)
        return Row(group, count, None, count)

    def total_of(self, rows: list[Row], q: Query) -> Row | None:
        count = sum((r.numerator or Decimal(0) for r in rows), Decimal(0))
        return Row(None, count, None, count)


class CaseShare(Calculator):
    """Each group's share (%) of the cases received in the period (complaints by default):
    grouped by channel it is the channel mix. The denominator of every group is the total."""

    batchable = False

    def __init__(self) -> None:
        super().__init__(RECEIVED)

    def counted(self, q: Query) -> Q:
        return _types(q, default=[CaseType.COMPLAINT])

    def rows(self, q: Query) -> list[Row]:
        rows = super().rows(q)
        total = sum((r.numerator or Decimal(0) for r in rows), Decimal(0))
        return [Row(r.group, r.numerator, total, ratio(r.numerator, total)) for r in rows]

    def total_of(self, rows: list[Row], q: Query) -> Row | None:
        total = sum((r.numerator or Decimal(0) for r in rows), Decimal(0))
        return Row(None, total, total, ratio(total, total))


def customer_base(q: Query) -> int:
    """How many customers the institution has: the KPI's ``params["customers"]``, else
    ``SAFEGUARD_QUALITY_CUSTOMERS``, else the customers on record."""
    configured = int(q.param("customers") or 0) or int(getattr(settings, "SAFEGUARD_QUALITY_CUSTOMERS", 0) or 0)
    return configured or Customer.objects.count()


class PerCustomers(Calculator):
    """Complaints received in the period per ``params["per"]`` (10,000) customers. Every group is
    divided by the whole customer base (there is no customer count per product or channel)."""

    batchable = False

    def __init__(self) -> None:
        super().__init__(RECEIVED)

    def counted(self, q: Query) -> Q:
        return _types(q, default=[CaseType.COMPLAINT])

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        return {"num": Count("pk", filter=where)}

    def rows(self, q: Query) -> list[Row]:
        rows = super().rows(q)
        base = Decimal(customer_base(q))
        per = Decimal(int(q.param("per", 10000)))
        return [Row(r.group, r.numerator, base, ratio(r.numerator, base, per)) for r in rows]

    def total_of(self, rows: list[Row], q: Query) -> Row | None:
        if not rows:
            return None
        count = sum((r.numerator or Decimal(0) for r in rows), Decimal(0))
        base = rows[0].denominator
        return Row(None, count, base, ratio(count, base, Decimal(int(q.param("per", 10000)))))


class RepeatComplaints(Calculator):
    """% of the complaints received in the period from a customer who had complained within the
    ``params["days"]`` (90) days before."""

    def __init__(self) -> None:
        super().__init__(RECEIVED)

    def counted(self, q: Query) -> Q:
        return _types(q, default=[CaseType.COMPLAINT])

    def numerator_filter(self, q: Query) -> Q | None:
        since = ExpressionWrapper(
            OuterRef("received_at") - timedelta(days=int(q.param("days", 90))), output_field=DateTimeField()
        )
        earlier = (
            Case.objects.filter(customer=OuterRef("customer"), received_at__lt=OuterRef("received_at"))
            .filter(received_at__gte=since)
            .filter(_types(q, default=[CaseType.COMPLAINT]))
            .exclude(status=Status.MERGED)
        )
        return Q(Exists(earlier))


class FeedbackResponseRate(Calculator):
    """% of the feedback received in the period that got a response (a first response by a
    person, or the final response), whenever it came."""

    def __init__(self) -> None:
        super().__init__(RECEIVED)

    def counted(self, q: Query) -> Q:
        return _types(q, default=[CaseType.FEEDBACK]) & ~Q(status=Status.WITHDRAWN)

    def numerator_filter(self, q: Query) -> Q | None:
        answered = CaseMilestone.objects.filter(case=OuterRef("pk"), milestone="first_response", met_at__isnull=False)
        return Q(resolved_at__isnull=False) | Q(Exists(answered))


# --- backlog ---------------------------------------------------------------------------------


def open_at(moment: datetime) -> Q:
    """Received before ``moment`` and not yet resolved or ended then (a case reopened since
    counts as open from its receipt: its earlier resolution is no longer on the row)."""
    return (
        Q(received_at__lt=moment)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=moment))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
    )


class Backlog(Calculator):
    """Open cases at the end of the period (now, while it runs); with ``params["min_days"]`` /
    ``["max_days"]`` those whose age then is in [min, max) days (the age profile). The
    denominator is the whole backlog, so a bucket's share is numerator / denominator. A count:
    0 when nothing is open. By month or week: the backlog at the end of each."""

    scale = ONE
    batchable = False

    def __init__(self) -> None:
        super().__init__(Cohort(Case, date="received_at"))

    def _age(self, q: Query, moment: datetime) -> Q:
        found = Q()
        if q.param("min_days") is not None:
            found &= Q(received_at__lte=moment - timedelta(days=int(q.param("min_days"))))
        if q.param("max_days") is not None:
            found &= Q(received_at__gt=moment - timedelta(days=int(q.param("max_days"))))
        return found

    def _moments(self, q: Query) -> list[tuple[str | None, datetime]]:
        """(group key, the moment the backlog is counted) for each bucket that has begun."""
        end = min(q.end, q.now)
        if q.group_by not in ("month", "week"):
            return [(None, end)] if q.start < end else []
        found: list[tuple[str | None, datetime]] = []
        key, bounds = (month_key, month_bounds) if q.group_by == "month" else (week_key, week_bounds)
        cursor = q.start.astimezone(q.zone)
        while cursor < end:
            bucket = bounds(key(cursor), q.zone)
            assert bucket is not None
            found.append((key(cursor), min(bucket[1], end)))
            cursor = bucket[1]
        return found

    def rows(self, q: Query) -> list[Row]:
        return self.batch([(self, q)])[0]

    def batch_key(self) -> Hashable | None:
        return "backlog"

    def batch(self, items: Sequence[tuple[Calculator, Query]]) -> list[list[Row]]:
        """The backlog KPIs (whole, by age) over one period in one query: a count of the open
        cases (and of those of each age) at each moment, filtered per KPI."""
        first = items[0][1]
        moments = self._moments(first)
        if not moments:
            return [[Row(None, None, None, None)] if first.group_by is None else [] for _item in items]
        earliest, latest = moments[0][1], moments[-1][1]
        # A case received after the last moment, or ended before the first, is open at none.
        rows = self.cohort.scoped(
            Case.objects.filter(
                Q(received_at__lt=latest)
                & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=earliest))
                & (Q(closed_at__isnull=True) | Q(closed_at__gte=earliest))
            ),
            first,
        )
        aggregates: dict[str, Any] = {}
        for i, (_calculator, q) in enumerate(items):
            for j, (_key, moment) in enumerate(moments):
                whole = _types(q) & open_at(moment)
                aggregates[f"num_{i}_{j}"] = Count("pk", filter=whole & self._age(q, moment))
                aggregates[f"den_{i}_{j}"] = Count("pk", filter=whole)

        def row(group: str | None, found: Any, i: int, j: int) -> Row:
            count = Decimal(found[f"num_{i}_{j}"])
            return Row(group, count, Decimal(found[f"den_{i}_{j}"]), count)

        if first.group_by is None:
            total = rows.aggregate(**aggregates)
            return [[row(None, total, i, 0)] for i in range(len(items))]
        if first.group_by in ("month", "week"):
            found = rows.aggregate(**aggregates)
            return [
                [row(key, found, i, j) for j, (key, _m) in enumerate(moments) if found[f"den_{i}_{j}"]]
                for i in range(len(items))
            ]
        grouped: Any = list(
            rows.annotate(_group=self.cohort.group_expression(first)).values("_group").annotate(**aggregates).order_by()
        )
        return [
            [row(self.cohort.key(first, r["_group"]), r, i, 0) for r in grouped if r[f"den_{i}_0"]]
            for i in range(len(items))
        ]

    def total_of(self, rows: list[Row], q: Query) -> Row | None:
        moments = self._moments(q)
        if not moments:
            return None
        if q.group_by in ("month", "week"):
            # Snapshots do not add up, but the last one is taken when the total is: at the end.
            last = next((r for r in rows if r.group == moments[-1][0]), None)
            zero = Decimal(0)
            return Row(None, last.numerator, last.denominator, last.value) if last else Row(None, zero, zero, zero)
        numerator = sum((r.numerator or Decimal(0) for r in rows), Decimal(0))
        denominator = sum((r.denominator or Decimal(0) for r in rows), Decimal(0))
        return Row(None, numerator, denominator, numerator)

    def cases(self, q: Query, *, group: str | None, part: str) -> QuerySet[Case]:
        moments = dict(self._moments(q))
        if q.group_by in ("month", "week"):
            if group not in moments:
                return Case.objects.none()
            moment = moments[group]
        elif not moments:
            return Case.objects.none()
        else:
            moment = moments[None]
        rows = self.cohort.scoped(Case.objects.filter(_types(q) & open_at(moment)), q)
        if group is not None and q.group_by not in (None, "month", "week"):
            rows = rows.filter(self.cohort.group_filter(q, group))
        if part == "numerator":
            rows = rows.filter(self._age(q, moment))
        return rows


CALCULATORS: dict[str, Calculator] = {
    "milestone_in_time": MilestoneInTime(),
    "breaches": Breaches(),
    "received_within": ReceivedWithin(),
    "all_milestones_met": AllMilestonesMet(),
    "handling_time_mean": HandlingTimeMean(),
    "handling_time_percentile": HandlingTimePercentile(),
    "reopen_rate": ReopenRate(),
    "upheld_rate": UpheldRate(),
    "redress_paid": RedressPaid(),
    "case_count": CaseCount(),
    "case_share": CaseShare(),
    "per_customers": PerCustomers(),
    "repeat_complaints": RepeatComplaints(),
    "feedback_response_rate": FeedbackResponseRate(),
    "backlog": Backlog(),
}
