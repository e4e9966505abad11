"""The KPI engine: every figure on the dashboard, in the API, in the reports and in the target
evaluations comes from ``compute`` (so they always agree).

CONTRACT (the dashboard, the API, the reports and the target evaluation are written against it;
the names and signatures below are fixed, the bodies are the KPI work's):

* ``Period(start, end)``: whole days, inclusive, in the institution's time zone
  (``settings.TIME_ZONE``). ``Period.parse("2026-10" | "2026-Q3" | "2026" | "2026-10-01..2026-10-31")``;
  ``Period.bounds()`` gives the aware datetimes [start 00:00, end + 1 day 00:00) to filter on.
  ``Period.previous()`` gives the period of the same length just before.
* ``GROUPINGS``: the allowed ``group_by`` values. ``None`` means one total row.
* ``Figure``: one number. ``value is None`` means "no data" (an empty denominator), never 0.
  ``group`` is the group's key (product code, channel value, department or handler id as str, "YYYY-MM",
  ISO week "YYYY-Www"); ``label`` is its display name in the active language.
* ``compute(kpi, period=, group_by=, user=)``: the figures of one KPI; with ``user``, only the
  cases ``cases.selectors.visible_cases(user)`` returns count. Groups with no data are left
  out; the total row (``group_by=None``) is always returned, possibly with ``value=None``.
* ``compute_all(period=, group_by=, user=)``: ``{kpi code: [Figure, ...]}`` for every active KPI.
* ``cases_behind(kpi, period=, group=, group_by=, part=, user=)``: the cases counted in the
  numerator (``part="numerator"``) or the denominator of one figure (for drill-down and export);
  KPIs that are not about cases (survey scores) return the cases the responses are about.
* ``evaluate(target, period)``: the target's ``Evaluation`` over ``period`` (met: True/False, or
  None when there is no data).

Beyond the contract: ``Period.parse`` also takes "2026-H1", "2026-W05" and one day
"2026-10-05"; ``Period.split(frequency)`` cuts a period into months or quarters;
``compute_with_total`` gives a KPI's total and its groups together (one query where the groups
add up to the total); groups whose column is empty (no product, no branch) have the key ``"-"``;
``Evaluation`` also carries the baseline value and the change for relative targets;
``kpi_for(code)`` finds a KPI by code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.cases.models import Case, Channel, Product
from safeguard.cases.selectors import visible_cases
from safeguard.core.errors import InvalidInput, NotFound
from safeguard.quality.calculators import CALCULATORS, Calculator, Query, Row
from safeguard.quality.calculators.base import NONE_KEY, UnknownGroup, branch_map, rounded
from safeguard.quality.models import Direction, Kpi, Target

if TYPE_CHECKING:
    from django.db.models import QuerySet

__all__ = [
    "CALCULATORS",
    "GROUPINGS",
    "Evaluation",
    "Figure",
    "GroupBy",
    "InvalidPeriod",
    "Part",
    "Period",
    "Snapshot",
    "UnknownKpi",
    "cases_behind",
    "compute",
    "compute_all",
    "compute_many",
    "compute_with_total",
    "evaluate",
    "kpi_for",
    "snapshot",
]

GROUPINGS = ("product", "channel", "department", "branch", "handler", "month", "week")
GroupBy = Literal["product", "channel", "department", "branch", "handler", "month", "week"]
Part = Literal["numerator", "denominator"]


class InvalidPeriod(InvalidInput, ValueError):
    code = "invalid_period"


class UnknownKpi(NotFound):
    code = "unknown_kpi"


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _first_of_month(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _months_after(day: date, months: int) -> date:
    return _first_of_month(day.year, day.month + months)


_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_FORMATS = {
    "year": re.compile(r"(\d{4})"),
    "half": re.compile(r"(\d{4})-H([12])"),
    "quarter": re.compile(r"(\d{4})-Q([1-4])"),
    "month": re.compile(r"(\d{4})-(\d{1,2})"),
    "week": re.compile(r"(\d{4})-W(\d{2})"),
    "day": re.compile(_DAY),
    "range": re.compile(rf"{_DAY}\.\.{_DAY}"),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(
                _("The period must not end (%(end)s) before it starts (%(start)s).")
                % {"start": self.start.isoformat(), "end": self.end.isoformat()},
                field="period",
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip().upper()
        try:
            return cls._parse(text)
        except ValueError:
            raise InvalidPeriod(
                _(
                    "“%(period)s” is not a period: use 2026-10, 2026-Q3, 2026-H1, 2026, 2026-W05 or 2026-10-01..2026-10-31."
                )
                % {"period": text},
                field="period",
            ) from None

    @classmethod
    def _parse(cls, text: str) -> Period:
        for kind, pattern in _FORMATS.items():
            found = pattern.fullmatch(text)
            if found is None:
                continue
            parts = [int(p) for p in found.groups()]
            match kind:
                case "year":
                    return cls(date(parts[0], 1, 1), date(parts[0], 12, 31))
                case "half":
                    return cls.months(date(parts[0], 6 * parts[1] - 5, 1), 6)
                case "quarter":
                    return cls.months(date(parts[0], 3 * parts[1] - 2, 1), 3)
                case "month":
                    return cls.months(date(parts[0], parts[1], 1), 1)
                case "week":
                    monday = date.fromisocalendar(parts[0], parts[1], 1)
                    return cls(monday, monday + timedelta(days=6))
                case "day":
                    day = date(*parts)
                    return cls(day, day)
                case "range":
                    return cls(date(*parts[:3]), date(*parts[3:]))
        raise ValueError(text)

    @classmethod
    def months(cls, first: date, count: int) -> Period:
        """``count`` whole months from the month of ``first``."""
        start = first.replace(day=1)
        return cls(start, _months_after(start, count) - timedelta(days=1))

    @classmethod
    def containing(cls, day: date, frequency: str) -> Period:
        """The month (``monthly``) or quarter (``quarterly``) that contains ``day``."""
        if frequency == "quarterly":
            return cls.months(date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), 3)
        return cls.months(day, 1)

    def bounds(self) -> tuple[datetime, datetime]:
        tz = zone()
        following = self.end + timedelta(days=1)
        return (
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz),
            datetime(following.year, following.month, following.day, tzinfo=tz),
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def _whole_months(self) -> int | None:
        """How many whole calendar months the period is, or None when it is not whole months."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        following = self.end + timedelta(days=1)
        return (following.year - self.start.year) * 12 + following.month - self.start.month

    def previous(self) -> Period:
        """The period of the same length just before: the previous month, quarter, half or year
        for those; the same number of days otherwise."""
        months = self._whole_months()
        if months is not None:
            return Period.months(_months_after(self.start, -months), months)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def split(self, frequency: str) -> list[Period]:
        """The months (``monthly``) or quarters (``quarterly``) wholly inside this period."""
        found = []
        cursor = Period.containing(self.start, frequency)
        while cursor.end <= self.end:
            if cursor.start >= self.start:
                found.append(cursor)
            cursor = Period.containing(cursor.end + timedelta(days=1), frequency)
        return found

    def has_ended(self, now: datetime) -> bool:
        return self.bounds()[1] <= now

    @property
    def label(self) -> str:
        months = self._whole_months()
        start = self.start
        if months == 1:
            return f"{start.year:04d}-{start.month:02d}"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year:04d}-Q{(start.month + 2) // 3}"
        if months == 6 and start.month in (1, 7):
            return f"{start.year:04d}-H{1 if start.month == 1 else 2}"
        if months == 12 and start.month == 1:
            return f"{start.year:04d}"
        if self.start == self.end:
            return start.isoformat()
        if self.days == 7 and start.isoweekday() == 1:
            year, week, _day = start.isocalendar()
            return f"{year:04d}-W{week:02d}"
        return f"{start.isoformat()}..{self.end.isoformat()}"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Figure:
    kpi: str
    group: str | None
    label: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass(frozen=True)
class Evaluation:
    target_id: int
    period: Period
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    met: bool | None
    # Relative targets: the KPI over the baseline period, and the change against it in percent.
    baseline: Decimal | None = None
    change: Decimal | None = None


# --- computing -------------------------------------------------------------------------------


def kpi_for(code: str) -> Kpi:
    """The KPI with this code (active or not); ``UnknownKpi`` otherwise."""
    found = Kpi.objects.filter(code=code).first()
    if found is None:
        raise UnknownKpi(_("There is no KPI “%(code)s”.") % {"code": code}, kpi=code)
    return found


def _kpi(kpi: Kpi | str) -> Kpi:
    return kpi if isinstance(kpi, Kpi) else kpi_for(kpi)


def calculator_for(kpi: Kpi) -> Calculator:
    found = CALCULATORS.get(kpi.calculator)
    if found is None:
        raise UnknownKpi(
            _("The KPI “%(code)s” names a calculator that does not exist: %(calculator)s.")
            % {"code": kpi.code, "calculator": kpi.calculator},
            kpi=kpi.code,
        )
    return found


def _scope(user: User | None) -> QuerySet[Case] | None:
    """The cases a user may see; None when that is every case (no filter needed)."""
    if user is None:
        return None
    cases = visible_cases(user)
    if not cases.query.is_empty() and not cases.query.where:
        return None
    return cases


def _query(
    kpi: Kpi,
    period: Period,
    group_by: str | None,
    scope: QuerySet[Case] | None,
    *,
    branches: dict[int, int] | None = None,
    now: datetime | None = None,
) -> Query:
    if group_by is not None and group_by not in GROUPINGS:
        raise InvalidInput(
            _("“%(group_by)s” is not a grouping; use one of: %(choices)s.")
            % {"group_by": group_by, "choices": ", ".join(GROUPINGS)},
            field="group_by",
        )
    start, end = period.bounds()
    if group_by == "branch" and branches is None:
        branches = branch_map(Department.objects.values_list("id", "parent_id", "kind"))
    return Query(
        start=start,
        end=end,
        group_by=group_by,
        params=kpi.params or {},
        zone=zone(),
        now=now or timezone.now(),
        scope=scope,
        branches=branches or {},
    )


class _Labels:
    """Display names of group keys in the active language (one query per dimension, on demand)."""

    def __init__(self) -> None:
        self._names: dict[str, dict[str, str]] = {}

    def __call__(self, group_by: str | None, key: str | None) -> str:
        if key is None:
            return _("All")
        if key == NONE_KEY:
            return {"branch": _("No branch"), "handler": _("Unassigned")}.get(group_by or "", _("Not set"))
        if group_by in ("month", "week") or group_by is None:
            return key
        return self._table(group_by).get(key, key)

    def _table(self, group_by: str) -> dict[str, str]:
        if group_by not in self._names:
            chinese = (translation.get_language() or "").lower().startswith("zh")
            if group_by == "channel":
                names = {str(value): str(label) for value, label in Channel.choices}
            elif group_by == "product":
                names = {
                    code: (name_zh if chinese and name_zh else name)
                    for code, name, name_zh in Product.objects.values_list("code", "name", "name_zh")
                }
            elif group_by == "handler":
                names = {
                    str(pk): (f"{first} {last}".strip() or username)
                    for pk, username, first, last in User.objects.values_list(
                        "pk", "username", "first_name", "last_name"
                    )
                }
            else:
                names = {
                    str(pk): (name_zh if chinese and name_zh else name)
                    for pk, name, name_zh in Department.objects.values_list("id", "name", "name_zh")
                }
            self._names[group_by] = names
        return self._names[group_by]


def _order(row: Row) -> tuple[int, str]:
    return (1 if row.group == NONE_KEY else 0, row.group or "")


def _figures(kpi: Kpi, rows: list[Row], group_by: str | None, labels: _Labels) -> list[Figure]:
    if group_by is None:
        row = rows[0] if rows else Row(None, None, None, None)
        return [Figure(kpi.code, None, labels(None, None), row.value, row.numerator, row.denominator)]
    return [
        Figure(kpi.code, row.group, labels(group_by, row.group), row.value, row.numerator, row.denominator)
        for row in sorted(rows, key=_order)
        if row.value is not None
    ]


def compute(
    kpi: Kpi | str,
    *,
    period: Period,
    group_by: GroupBy | None = None,
    user: User | None = None,
    cached: bool = False,
    refresh: bool = False,
) -> list[Figure]:
    """``cached``: through the figure cache; ``refresh``: compute and put the result there."""
    kpi = _kpi(kpi)
    scope = _scope(user)
    cache = _RowCache(cached or refresh, scope, refresh=refresh)
    rows = _rows_of([kpi], period, group_by, scope, timezone.now(), cache)[kpi.code][2]
    return _figures(kpi, rows, group_by, _Labels())


def compute_with_total(
    kpi: Kpi | str, *, period: Period, group_by: GroupBy | None, user: User | None = None, cached: bool = False
) -> tuple[Figure, list[Figure]]:
    """The total and the figures by group of one KPI: exactly ``compute(kpi, period=period)``
    and ``compute(kpi, period=period, group_by=group_by)``, in one query where the groups add up
    to the total (counts and sums), two otherwise (a percentile, a mean of hours, the backlog by
    month)."""
    kpi = _kpi(kpi)
    return compute_many([kpi], period=period, group_by=group_by, user=user, cached=cached)[kpi.code]


# --- the figure cache ------------------------------------------------------------------------
# The dashboard and the API ask for the same figures again and again (every viewer of the
# institution-wide dashboard, every tile's comparison with the previous period). With
# ``cached=True`` the rows of one KPI over one period, grouping and case scope are kept in Django's
# cache for ``SAFEGUARD_QUALITY_CACHE_SECONDS`` (0 turns it off), and the periodic task
# ``quality.tasks.warm_figures`` recomputes the dashboard's default views before they expire. The
# key holds everything the rows depend on except the clock: the KPI's calculator and parameters
# (an edited KPI is recomputed at once), the period, the grouping, the SQL of the viewer's scope
# (viewers who see the same cases share entries) and, for branches, the department tree. Labels
# are applied after the cache, so both languages share it. Reports, target evaluations and the
# drill-down never use it: they compute live.
CACHE_PREFIX = "quality:rows:v1:"


class _RowCache:
    """``refresh``: compute every figure and overwrite what the cache holds (the warming task)."""

    def __init__(self, enabled: bool, scope: QuerySet[Case] | None, *, refresh: bool = False) -> None:
        self.seconds = settings.SAFEGUARD_QUALITY_CACHE_SECONDS if enabled else 0
        self.scope = _scope_signature(scope) if self.seconds else ""
        self.refresh = refresh
        self.oldest: datetime | None = None

    def key(self, kpi: Kpi, query: Query) -> str:
        parts: list[Any] = [
            kpi.code,
            kpi.calculator,
            kpi.params or {},
            query.start.isoformat(),
            query.end.isoformat(),
            query.group_by or "",
            self.scope,
            sorted(query.branches.items()) if query.group_by == "branch" else [],
        ]
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
        return CACHE_PREFIX + digest

    def get_many(self, keys: list[str]) -> dict[str, list[Row]]:
        if not self.seconds or self.refresh or not keys:
            return {}
        found: dict[str, list[Row]] = {}
        for key, (computed_at, rows) in django_cache.get_many(keys).items():
            self._saw(computed_at)
            found[key] = rows
        return found

    def set_many(self, rows: dict[str, list[Row]], computed_at: datetime) -> None:
        if not self.seconds or not rows:
            return
        self._saw(computed_at)
        django_cache.set_many({key: (computed_at, value) for key, value in rows.items()}, self.seconds)

    def _saw(self, computed_at: datetime) -> None:
        if self.oldest is None or computed_at < self.oldest:
            self.oldest = computed_at


def _scope_signature(scope: QuerySet[Case] | None) -> str:
    if scope is None:
        return "all"
    sql, params = scope.query.sql_with_params()
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def _rows_of(
    catalogue: list[Kpi],
    period: Period,
    group_by: str | None,
    scope: QuerySet[Case] | None,
    now: datetime,
    cache: _RowCache | None = None,
) -> dict[str, tuple[Calculator, Query, list[Row]]]:
    """Each KPI's calculator, query and rows (from ``cache`` where it holds them). KPIs over the
    same rows (the deadlines due, the cases received or resolved, the answers given, the backlog)
    share one query (``Calculator.batch``)."""
    cache = cache or _RowCache(False, scope)
    branches = branch_map(Department.objects.values_list("id", "parent_id", "kind")) if group_by == "branch" else None
    found: dict[str, tuple[Calculator, Query, list[Row]]] = {}
    planned = []
    for kpi in catalogue:
        calculator = calculator_for(kpi)
        query = _query(kpi, period, group_by, scope, branches=branches, now=now)
        planned.append((kpi, calculator, query, cache.key(kpi, query) if cache.seconds else ""))
    held = cache.get_many([key for *_rest, key in planned if key])
    batches: dict[Hashable, list[tuple[Kpi, Calculator, Query]]] = {}
    for kpi, calculator, query, key in planned:
        if key in held:
            found[kpi.code] = (calculator, query, held[key])
            continue
        batch_key = calculator.batch_key()
        if batch_key is None:
            found[kpi.code] = (calculator, query, calculator.rows(query))
        else:
            batches.setdefault(batch_key, []).append((kpi, calculator, query))
    for batch in batches.values():
        if len(batch) == 1:
            kpi, calculator, query = batch[0]
            found[kpi.code] = (calculator, query, calculator.rows(query))
            continue
        rows = batch[0][1].batch([(c, q) for _k, c, q in batch])
        for (kpi, calculator, query), own in zip(batch, rows, strict=True):
            found[kpi.code] = (calculator, query, own)
    cache.set_many(
        {key: found[kpi.code][2] for kpi, _c, _q, key in planned if key and key not in held},
        timezone.now(),
    )
    return found


@dataclass(frozen=True)
class Snapshot:
    """``compute_all``'s figures and when the oldest of them was computed (now, or when the
    figure cache was filled)."""

    figures: dict[str, list[Figure]]
    computed_at: datetime


def snapshot(
    *, period: Period, group_by: GroupBy | None = None, user: User | None = None, refresh: bool = False
) -> Snapshot:
    """Every active KPI's figures through the figure cache (the dashboard's main view);
    ``refresh``: compute them all and put them in the cache."""
    catalogue = list(Kpi.objects.filter(is_active=True).order_by("order", "code"))
    scope = _scope(user)
    cache = _RowCache(True, scope, refresh=refresh)
    now = timezone.now()
    found = _rows_of(catalogue, period, group_by, scope, now, cache)
    labels = _Labels()
    figures = {kpi.code: _figures(kpi, found[kpi.code][2], group_by, labels) for kpi in catalogue}
    return Snapshot(figures, cache.oldest or now)


def compute_all(
    *, period: Period, group_by: GroupBy | None = None, user: User | None = None, cached: bool = False
) -> dict[str, list[Figure]]:
    if cached:
        return snapshot(period=period, group_by=group_by, user=user).figures
    catalogue = list(Kpi.objects.filter(is_active=True).order_by("order", "code"))
    labels = _Labels()
    found = _rows_of(catalogue, period, group_by, _scope(user), timezone.now())
    return {kpi.code: _figures(kpi, found[kpi.code][2], group_by, labels) for kpi in catalogue}


def compute_many(
    catalogue: list[Kpi],
    *,
    period: Period,
    group_by: GroupBy | None,
    user: User | None = None,
    cached: bool = False,
) -> dict[str, tuple[Figure, list[Figure]]]:
    """``compute_with_total`` for several KPIs at once, sharing queries: the grouped rows give the
    totals that add up; the others' totals come from one more (shared) pass without grouping."""
    scope = _scope(user)
    cache = _RowCache(cached, scope)
    labels = _Labels()
    now = timezone.now()
    if group_by is None:
        totals = _rows_of(catalogue, period, None, scope, now, cache)
        return {k.code: (_figures(k, totals[k.code][2], None, labels)[0], []) for k in catalogue}
    grouped = _rows_of(catalogue, period, group_by, scope, now, cache)
    total_rows: dict[str, Row] = {}
    for kpi in catalogue:
        calculator, query, rows = grouped[kpi.code]
        derived = calculator.total_of(rows, query)
        if derived is not None:
            total_rows[kpi.code] = derived
    missing = [k for k in catalogue if k.code not in total_rows]
    if missing:
        for code, (_c, _q, rows) in _rows_of(missing, period, None, scope, now, cache).items():
            total_rows[code] = rows[0] if rows else Row(None, None, None, None)
    return {
        k.code: (
            _figures(k, [total_rows[k.code]], None, labels)[0],
            _figures(k, grouped[k.code][2], group_by, labels),
        )
        for k in catalogue
    }


def cases_behind(
    kpi: Kpi | str,
    *,
    period: Period,
    group: str | None = None,
    group_by: GroupBy | None = None,
    part: Part = "denominator",
    user: User | None = None,
) -> QuerySet[Case]:
    kpi = _kpi(kpi)
    if part not in ("numerator", "denominator"):
        raise InvalidInput(_("Choose the numerator or the denominator."), field="part")
    query = _query(kpi, period, group_by, _scope(user))
    try:
        return calculator_for(kpi).cases(query, group=group, part=part)
    except UnknownGroup:
        return Case.objects.none()


# --- targets ---------------------------------------------------------------------------------


def is_met(value: Decimal, threshold: Decimal, direction: str) -> bool:
    """At least the threshold when higher is better, at most it when lower is better (so a value
    exactly at the threshold meets it)."""
    return value >= threshold if direction == Direction.HIGHER else value <= threshold


def change_percent(value: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    """The change of ``value`` against ``baseline`` in percent; None without both (or from 0)."""
    if value is None or not baseline:
        return None
    return rounded((value - baseline) * 100 / baseline)


def baseline_period(target: Target) -> Period | None:
    if target.baseline_from is None or target.baseline_to is None:
        return None
    return Period(target.baseline_from, target.baseline_to)


def evaluate(target: Target, period: Period, *, cached: bool = False) -> Evaluation:
    """Whether ``target`` was met over ``period``, for the whole institution (the owner department
    answers for the commitment; it does not narrow the cases counted)."""
    kpi = target.kpi
    (total,) = compute(kpi, period=period, cached=cached)
    found = Evaluation(target.pk, period, total.value, total.numerator, total.denominator, None)
    if total.value is None:
        return found
    if target.comparison == Target.Comparison.RELATIVE:
        baseline_of = baseline_period(target)
        if baseline_of is None:
            return found
        (base,) = compute(kpi, period=baseline_of, cached=cached)
        change = change_percent(total.value, base.value)
        met = None if change is None else is_met(change, target.threshold, kpi.direction)
        return replace(found, baseline=base.value, change=change, met=met)
    return replace(found, met=is_met(total.value, target.threshold, kpi.direction))


def target_met(target: Target, value: Decimal | None, baseline: Decimal | None = None) -> bool | None:
    """Whether one figure meets the target: the threshold, or for a relative target the change
    against ``baseline`` (the same figure over the baseline period)."""
    if value is None:
        return None
    if target.comparison == Target.Comparison.RELATIVE:
        change = change_percent(value, baseline)
        return None if change is None else is_met(change, target.threshold, target.kpi.direction)
    return is_met(value, target.threshold, target.kpi.direction)


def describe(figure: Figure) -> dict[str, Any]:
    """A figure as JSON-friendly values (the API and exports)."""
    return {
        "group": figure.group,
        "label": figure.label,
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
    }
