"""What every KPI calculator is built from: the query it answers, the cohort of rows it counts,
how rows are grouped, and the SQL expressions that work the same on PostgreSQL and SQLite.

A calculator answers one KPI over one period with a single GROUP BY query (two for a percentile):
it never loops over cases in Python. ``Cohort`` says which rows a KPI counts (cases, milestones,
survey responses or invitations), which of their dates places them in a period and how they reach
the case they are about (for the user's department scope and for drill-down).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Case as CaseWhen
from django.db.models import Count, F, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable, Func
from django.db.models.functions import TruncMonth, TruncWeek

from safeguard.cases.models import Case

# The group key of rows whose grouping column is empty (no product, no department, no branch).
NONE_KEY = "-"
# Values are kept to four decimal places (the precision of ``Measurement.value``).
PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


def dec(value: Any) -> Decimal | None:
    """A database number as a Decimal (floats through their shortest repr), or None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(PLACES, rounding=ROUND_HALF_UP)
    return Decimal(value)


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal | None, denominator: Decimal | None, scale: Decimal = HUNDRED) -> Decimal | None:
    """``numerator / denominator × scale``; None ("no data") when the denominator is empty."""
    if not denominator or numerator is None:
        return None
    return rounded(numerator * scale / denominator)


@dataclass(frozen=True)
class Query:
    """One computation: rows dated in [start, end), grouped by ``group_by`` (None: one total row),
    restricted to the cases of ``scope`` (None: every case)."""

    start: datetime
    end: datetime
    group_by: str | None
    params: Mapping[str, Any]
    zone: ZoneInfo
    now: datetime
    scope: QuerySet[Case] | None = None
    # department id -> the id of the branch it belongs to (itself, or its nearest branch above);
    # loaded by the caller only for ``group_by="branch"``.
    branches: Mapping[int, int] = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def types(self, default: Iterable[str] | None = None) -> list[str] | None:
        """The case types a KPI counts (``params["types"]``); None: every type."""
        found = self.params.get("types", default)
        return list(found) if found else None


@dataclass(frozen=True)
class Row:
    """One figure before it is labelled: ``group`` is the key (None for the total row)."""

    group: str | None
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None


# --- expressions that mean the same on both databases ----------------------------------------


class HoursBetween(Func):
    """``end - start`` in hours, as a float (PostgreSQL: epoch difference; SQLite: julian days)."""

    arity = 2
    output_field = models.FloatField()
    # PostgreSQL (and the default): the interval's seconds.
    template = "(EXTRACT(EPOCH FROM (%(expressions)s))::double precision / 3600.0)"
    arg_joiner = " - "

    def __init__(self, end: Combinable | str, start: Combinable | str) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        end, start = self.get_source_expressions()
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return f"((julianday({end_sql}) - julianday({start_sql})) * 24.0)", [*end_params, *start_params]


# --- grouping --------------------------------------------------------------------------------


def month_key(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def week_key(moment: datetime | date) -> str:
    year, week, _day = moment.isocalendar()
    return f"{year:04d}-W{week:02d}"


def month_bounds(key: str, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    try:
        year, month = (int(part) for part in key.split("-"))
        start = date(year, month, 1)
    except ValueError:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return _midnight(start, zone), _midnight(following, zone)


def week_bounds(key: str, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    try:
        year, week = key.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None
    return _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


class UnknownGroup(ValueError):
    """A group key that names nothing in its dimension (drill-down with a made-up key)."""


@dataclass(frozen=True)
class Cohort:
    """The rows a KPI counts.

    ``date`` places a row in a period (and in a month or week); ``case`` is the path from a row to
    its case ("" when the rows are cases); ``dims`` maps product / channel / department to the
    row's own columns (survey responses carry copies, so they group without joining cases).
    """

    model: type[models.Model]
    date: str
    case: str = ""
    dims: Mapping[str, str] = field(default_factory=dict)
    where: Callable[[Query], Q] | None = None

    def dim(self, name: str) -> str:
        # A case's handler is its assignee.
        return self.dims.get(name) or f"{self.case}{'assignee' if name == 'handler' else name}"

    # rows

    def queryset(self, q: Query, *, start: datetime | None = None, end: datetime | None = None) -> QuerySet[Any]:
        rows = self.model._default_manager.filter(
            **{f"{self.date}__gte": start or q.start, f"{self.date}__lt": end or q.end}
        )
        if self.where is not None:
            rows = rows.filter(self.where(q))
        return self.scoped(rows, q)

    def scoped(self, rows: QuerySet[Any], q: Query) -> QuerySet[Any]:
        if q.scope is None:
            return rows
        if not self.case:
            return rows & q.scope
        return rows.filter(**{f"{self.case}in": q.scope})

    def as_cases(self, rows: QuerySet[Any]) -> QuerySet[Case]:
        if not self.case:
            return rows
        return Case.objects.filter(pk__in=rows.values(f"{self.case}pk"))

    # grouping

    def group_expression(self, q: Query) -> Any:
        match q.group_by:
            case "product":
                return F(f"{self.dim('product')}__code")
            case "channel":
                return F(self.dim("channel"))
            case "department" | "handler":
                return F(f"{self.dim(q.group_by)}_id")
            case "branch":
                return branch_expression(f"{self.dim('department')}_id", q.branches)
            case "month":
                return TruncMonth(self.date, tzinfo=q.zone)
            case "week":
                return TruncWeek(self.date, tzinfo=q.zone)
        raise ValueError(q.group_by)

    def key(self, q: Query, raw: Any) -> str:
        """The figure's group key for a value the GROUP BY returned."""
        if raw is None or raw == "":
            return NONE_KEY
        if q.group_by == "month":
            return month_key(raw.astimezone(q.zone))
        if q.group_by == "week":
            return week_key(raw.astimezone(q.zone))
        return str(raw)

    def group_filter(self, q: Query, key: str) -> Q:
        """The rows of one group (drill-down); ``UnknownGroup`` for a key that cannot exist."""
        group_by = q.group_by
        if group_by in ("month", "week"):
            found = month_bounds(key, q.zone) if group_by == "month" else week_bounds(key, q.zone)
            if found is None:
                raise UnknownGroup(key)
            return Q(**{f"{self.date}__gte": found[0], f"{self.date}__lt": found[1]})
        if group_by == "product":
            path = self.dim("product")
            return Q(**{f"{path}__isnull": True}) if key == NONE_KEY else Q(**{f"{path}__code": key})
        if group_by == "channel":
            path = self.dim("channel")
            if key == NONE_KEY:
                return Q(**{path: ""}) | Q(**{f"{path}__isnull": True})
            return Q(**{path: key})
        path = f"{self.dim('handler' if group_by == 'handler' else 'department')}_id"
        if key == NONE_KEY:
            if group_by == "branch":
                return ~Q(**{f"{path}__in": list(q.branches)}) | Q(**{f"{path}__isnull": True})
            return Q(**{f"{path}__isnull": True})
        if not key.isdigit():
            raise UnknownGroup(key)
        if group_by == "branch":
            return Q(**{f"{path}__in": [d for d, b in q.branches.items() if b == int(key)]})
        return Q(**{path: int(key)})


def branch_expression(department_path: str, branches: Mapping[int, int]) -> Any:
    """The branch id of the row's department, as a SQL CASE over the (few) branches."""
    by_branch: dict[int, list[int]] = {}
    for department_id, branch_id in branches.items():
        by_branch.setdefault(branch_id, []).append(department_id)
    if not by_branch:
        return Value(None, output_field=models.IntegerField())
    return CaseWhen(
        *(
            When(**{f"{department_path}__in": sorted(ids)}, then=Value(branch_id))
            for branch_id, ids in sorted(by_branch.items())
        ),
        default=None,
        output_field=models.IntegerField(),
    )


def branch_map(departments: Iterable[tuple[int, int | None, str]]) -> dict[int, int]:
    """department id -> its branch (itself when it is a branch, else its nearest branch above);
    departments under no branch (head-office departments) are left out."""
    tree = {pk: (parent, kind) for pk, parent, kind in departments}
    found: dict[int, int] = {}
    for pk in tree:
        current: int | None = pk
        seen: set[int] = set()
        while current is not None and current not in seen:
            seen.add(current)
            parent, kind = tree.get(current, (None, ""))
            if kind == "branch":
                found[pk] = current
                break
            current = parent
    return found


# --- calculators -----------------------------------------------------------------------------


class Calculator:
    """Computes one KPI. Subclasses give the cohort and the aggregates; ``rows`` runs one query."""

    cohort: Cohort
    # The unit's scale: 100 for a percent, 1 for a mean or a count.
    scale: Decimal = HUNDRED
    # Whether the total is the sum of the groups' numerators and denominators (every row is in
    # exactly one group, "-" included), so one grouped query gives both. Not for a percentile, nor
    # where summing would round differently from the database (sums of float hours).
    additive: bool = True
    # Whether ``rows`` is the generic single aggregate over the cohort, so that KPIs over the same
    # cohort can share one query (``batch_rows``). Not when it joins a many-valued relation (its
    # rows would be counted more than once for the others) or post-processes its rows.
    batchable: bool = True

    def __init__(self, cohort: Cohort) -> None:
        self.cohort = cohort

    # What the figure counts: the denominator's rows (``counted``) and, among them, the numerator's.
    def counted(self, q: Query) -> Q:
        return Q()

    def numerator_filter(self, q: Query) -> Q | None:
        return None

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        """The numerator (``num``) and denominator (``den``) aggregates; ``where`` narrows every
        one of them (``batch_rows`` passes what this KPI counts)."""
        return {"num": Count("pk", filter=both(where, self.numerator_filter(q))), "den": Count("pk", filter=where)}

    def value(self, numerator: Decimal | None, denominator: Decimal | None, q: Query) -> Decimal | None:
        return ratio(numerator, denominator, self.scale)

    def batch_key(self) -> Hashable | None:
        """KPIs whose calculators give the same key are computed together by ``batch``; None:
        this one runs on its own."""
        return ("cohort", id(self.cohort)) if self.batchable else None

    def batch(self, items: Sequence[tuple[Calculator, Query]]) -> list[list[Row]]:
        """The rows of each (calculator, query), all with this batch key, over one period,
        grouping and scope."""
        return batch_rows(items)

    def base(self, q: Query) -> QuerySet[Any]:
        return self.cohort.queryset(q).filter(self.counted(q))

    def rows(self, q: Query) -> list[Row]:
        rows = self.base(q)
        aggregates = self.aggregates(q)
        if q.group_by is None:
            found = rows.aggregate(**aggregates)
            return [self.row(None, found, q)]
        grouped = (
            rows.annotate(_group=self.cohort.group_expression(q)).values("_group").annotate(**aggregates).order_by()
        )
        return [self.row(self.cohort.key(q, found["_group"]), found, q) for found in grouped]

    def total_of(self, rows: list[Row], q: Query) -> Row | None:
        """The total row from the grouped rows, or None when it needs its own query."""
        if not self.additive:
            return None
        numerator = sum((r.numerator or Decimal(0) for r in rows), Decimal(0))
        denominator = sum((r.denominator or Decimal(0) for r in rows), Decimal(0))
        return Row(None, numerator, denominator, self.value(numerator, denominator, q))

    def row(self, group: str | None, found: Mapping[str, Any], q: Query) -> Row:
        numerator, denominator = dec(found.get("num")), dec(found.get("den"))
        return Row(group, numerator, denominator, self.value(numerator, denominator, q))

    def cases(self, q: Query, *, group: str | None, part: str) -> QuerySet[Case]:
        rows = self.base(q)
        if group is not None and q.group_by is not None:
            rows = rows.filter(self.cohort.group_filter(q, group))
        numerator = self.numerator_filter(q)
        if part == "numerator" and numerator is not None:
            rows = rows.filter(numerator)
        return self.cohort.as_cases(rows)


# --- several KPIs over one cohort in one query -------------------------------------------------


def both(*conditions: Q | None) -> Q | None:
    """The conditions that are given, ANDed; None when none is (an aggregate over every row)."""
    given = [c for c in conditions if c is not None and c]
    return reduce(operator.and_, given) if given else None


def batch_rows(items: Sequence[tuple[Calculator, Query]]) -> list[list[Row]]:
    """The rows of several batchable calculators over the same cohort, period, grouping and scope,
    from one query: each KPI's aggregates filtered by what it counts. A group where a KPI counts
    no row (its ``den``, or its ``num`` when it has no denominator, is 0) is left out for that KPI,
    as its own query would leave it out. Returns one list per item."""
    cohort = items[0][0].cohort
    first = items[0][1]
    counted = [calculator.counted(q) for calculator, q in items]
    aggregates: dict[str, Any] = {}
    presence: list[str] = []
    for i, ((calculator, q), condition) in enumerate(zip(items, counted, strict=True)):
        own = calculator.aggregates(q, condition or None)
        aggregates.update({f"{name}_{i}": aggregate for name, aggregate in own.items()})
        presence.append(f"den_{i}" if "den" in own else f"num_{i}")
    rows = cohort.queryset(first)
    if all(counted):
        rows = rows.filter(reduce(operator.or_, counted))
    found: list[tuple[str | None, dict[str, Any]]]
    if first.group_by is None:
        found = [(None, rows.aggregate(**aggregates))]
    else:
        grouped = rows.annotate(_group=cohort.group_expression(first)).values("_group").annotate(**aggregates)
        found = [(cohort.key(first, r["_group"]), r) for r in grouped.order_by()]
    result: list[list[Row]] = []
    for i, (calculator, q) in enumerate(items):
        kpi_rows: list[Row] = []
        for group, values in found:
            if group is not None and not values[presence[i]]:
                continue
            mine = {key.rsplit("_", 1)[0]: value for key, value in values.items() if key.endswith(f"_{i}")}
            kpi_rows.append(calculator.row(group, mine, q))
        result.append(kpi_rows)
    return result
