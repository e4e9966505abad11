"""Keeping the dashboard's figures warm.

The dashboard and the KPI API read KPI figures through the figure cache (``kpis`` with
``cached=True``; ``SAFEGUARD_QUALITY_CACHE_SECONDS``). ``warm`` recomputes, institution-wide, what
the dashboard shows when it is opened without a filter or for last month: every KPI over the
month and the month before it, the first KPI's default breakdown and its trends, and the
baselines of relative commitments. The periodic task ``quality.tasks.warm_figures`` runs it more
often than the cache forgets, so a viewer who sees every case never waits for the computation.
Figures depend on the viewer's scope (``cases.selectors.visible_cases``), so the same is done for
the ``SAFEGUARD_QUALITY_WARM_VIEWERS`` viewers with a narrower scope who signed in most recently
(within a day): each costs about as much as the whole institution, so the number is bounded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from safeguard.accounts.backends import ModelBackend
from safeguard.accounts.models import User
from safeguard.cases.selectors import visible_cases
from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Target

DASHBOARD_PERM = "quality.view_dashboard"
# The backend that answers permission questions (the lockout backend before it checks none).
PERMISSION_BACKEND = f"{ModelBackend.__module__}.{ModelBackend.__qualname__}"
# Scoped viewers are warmed when they signed in within this long.
RECENT_VIEWER = timedelta(days=1)

# The trends end with the chosen period: this many months, and this many weeks.
TREND_MONTHS = 12
TREND_WEEKS = 13
# The dashboard's first breakdown (forms.BREAKDOWNS[0]).
DEFAULT_BREAKDOWN: kpis.GroupBy = "product"


def trend_windows(period: kpis.Period) -> tuple[kpis.Period, kpis.Period]:
    """The months and the weeks that end with ``period``: whole months and weeks from the start."""
    end = period.end
    months_back = end.year * 12 + end.month - 1 - (TREND_MONTHS - 1)
    months = kpis.Period(date(months_back // 12, months_back % 12 + 1, 1), end)
    monday = end - timedelta(days=end.weekday())
    weeks = kpis.Period(monday - timedelta(weeks=TREND_WEEKS - 1), end)
    return months, weeks


def default_periods(today: date) -> list[kpis.Period]:
    """This month and last month: the dashboard's default and the last closed month."""
    this_month = kpis.Period.containing(today.replace(day=1), "monthly")
    return [this_month, this_month.previous()]


def recent_scoped_viewers(now: datetime, limit: int) -> list[User]:
    """Up to ``limit`` active dashboard viewers who do not see every case and signed in within
    ``RECENT_VIEWER``, most recent first."""
    if limit <= 0:
        return []
    found: list[User] = []
    candidates = (
        User.objects.with_perm(DASHBOARD_PERM, backend=PERMISSION_BACKEND)
        .filter(is_active=True, last_login__gte=now - RECENT_VIEWER)
        .order_by("-last_login", "pk")
    )
    for user in candidates.iterator():
        visible = visible_cases(user).query
        if visible.is_empty() or not visible.where:
            continue  # sees nothing, or everything (warmed as the institution)
        found.append(user)
        if len(found) == limit:
            break
    return found


def warm(today: date | None = None) -> int:
    """Recompute the default views' figures into the cache; the number of KPI figures computed
    (each KPI over each period or grouping counts once). Nothing when the cache is off."""
    if settings.SAFEGUARD_QUALITY_CACHE_SECONDS <= 0:
        return 0
    now = timezone.now()
    today = today or timezone.localdate(now)
    catalogue = list(Kpi.objects.filter(is_active=True).order_by("order", "code"))
    if not catalogue:
        return 0
    computed = 0
    for user in [None, *recent_scoped_viewers(now, settings.SAFEGUARD_QUALITY_WARM_VIEWERS)]:
        computed += _warm_views(catalogue, today, user)
    relative = Target.objects.filter(is_active=True, comparison=Target.Comparison.RELATIVE).select_related("kpi")
    for target in relative:
        # Commitments are the institution's: their baselines are computed without a scope.
        baseline = kpis.baseline_period(target)
        if baseline is not None and target.kpi.is_active:
            kpis.compute(target.kpi, period=baseline, refresh=True)
            computed += 1
    return computed


def _warm_views(catalogue: list[Kpi], today: date, user: User | None) -> int:
    first = catalogue[0]
    computed = 0
    periods: list[kpis.Period] = []
    for period in default_periods(today):
        for one in (period, period.previous()):
            if one not in periods:
                periods.append(one)
    for period in periods:
        computed += len(kpis.snapshot(period=period, user=user, refresh=True).figures)
    for period in default_periods(today):
        kpis.compute(first, period=period, group_by=DEFAULT_BREAKDOWN, user=user, refresh=True)
        months, weeks = trend_windows(period)
        kpis.compute(first, period=months, group_by="month", user=user, refresh=True)
        kpis.compute(first, period=weeks, group_by="week", user=user, refresh=True)
        computed += 3
    return computed
