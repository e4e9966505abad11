"""Service-quality endpoints under /api/v1 (KPIs).

``GET /kpis`` answers from the same engine as the dashboard and the reports (``quality.kpis``),
for the caller's department scope; refusals are problem documents (see docs/quality.md, "API").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from safeguard.accounts.models import User
from safeguard.api.problems import Problem
from safeguard.cases.access import permission_denied
from safeguard.core.errors import InvalidInput
from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Target

router = Router(tags=["quality"])

ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 422: Problem}
VIEW_PERM = "quality.view_dashboard"


class UnknownKpiCode(InvalidInput):
    code = "unknown_kpi"


class PeriodTooLong(InvalidInput):
    code = "period_too_long"


class KpiFilters(Schema):
    from_: date | None = Field(
        None, alias="from", description="First day (YYYY-MM-DD); default: the first day of `to`'s month"
    )
    to: date | None = Field(None, description="Last day, included; default: today")
    group_by: Literal["product", "channel", "department", "branch", "handler", "month", "week"] | None = Field(
        None, description="One figure per group, after the total"
    )
    kpi: str | None = Field(None, max_length=2000, description="KPI codes, comma-separated; default: every active KPI")


class FigureOut(Schema):
    group: str | None = Field(description="The group's key; null for the total")
    label: str
    value: float | None = Field(description="null: no data (nothing to divide by)")
    numerator: float | None
    denominator: float | None
    met: bool | None = Field(description="Whether the figure meets the KPI's target; null without a target or data")


class TargetOut(Schema):
    id: int
    name: str
    name_zh: str
    comparison: str
    threshold: float
    frequency: str
    owner: str = Field(description="The owner department's code")
    baseline_from: date | None
    baseline_to: date | None
    baseline_value: float | None = Field(description="Relative targets: the KPI's total over the baseline period")


class KpiOut(Schema):
    code: str
    name: str
    name_zh: str
    definition: str
    unit: str
    direction: str
    target: TargetOut | None
    figures: list[FigureOut] = Field(description="The total first (group null), then one per group")


class KpisOut(Schema):
    from_: date = Field(alias="from")
    to: date
    period: str
    group_by: str | None
    kpis: list[KpiOut]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    assert isinstance(user, User)
    return user


def _period(filters: KpiFilters) -> kpis.Period:
    to = filters.to or timezone.localdate()
    start = filters.from_ or to.replace(day=1)
    period = kpis.Period(start, to)  # InvalidPeriod (422) when from > to
    longest = settings.SAFEGUARD_QUALITY_MAX_DAYS
    if period.days > longest:
        raise PeriodTooLong(
            _("Ask for at most %(days)d days at a time.") % {"days": longest}, field="from", max_days=longest
        )
    return period


def _catalogue(codes: str | None) -> list[Kpi]:
    if not codes:
        return list(Kpi.objects.filter(is_active=True).order_by("order", "code"))
    wanted = list(dict.fromkeys(c.strip() for c in codes.split(",") if c.strip()))
    found = {k.code: k for k in Kpi.objects.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown or not wanted:
        raise UnknownKpiCode(
            _("There is no KPI %(codes)s.") % {"codes": ", ".join(f"“{c}”" for c in unknown)}, field="kpi", kpis=unknown
        )
    return [found[c] for c in wanted]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _figure(figure: kpis.Figure, met: bool | None) -> FigureOut:
    return FigureOut(
        group=figure.group,
        label=figure.label,
        value=_number(figure.value),
        numerator=_number(figure.numerator),
        denominator=_number(figure.denominator),
        met=met,
    )


def _target_out(target: Target, baseline: Decimal | None) -> TargetOut:
    return TargetOut(
        id=target.pk,
        name=target.name,
        name_zh=target.name_zh,
        comparison=target.comparison,
        threshold=float(target.threshold),
        frequency=target.frequency,
        owner=target.owner.code,
        baseline_from=target.baseline_from,
        baseline_to=target.baseline_to,
        baseline_value=_number(baseline),
    )


def _baselines(target: Target | None, group_by: kpis.GroupBy | None, user: User) -> dict[str | None, Decimal | None]:
    """A relative target's baseline figures by group (the total under None); empty otherwise.
    Months and weeks have no baseline of their own: their figures get ``met`` null."""
    period = kpis.baseline_period(target) if target is not None else None
    if target is None or target.comparison != Target.Comparison.RELATIVE or period is None:
        return {}
    found: dict[str | None, Decimal | None] = {
        None: kpis.compute(target.kpi, period=period, user=user, cached=True)[0].value
    }
    if group_by is not None and group_by not in ("month", "week"):
        found.update(
            {
                f.group: f.value
                for f in kpis.compute(target.kpi, period=period, group_by=group_by, user=user, cached=True)
            }
        )
    return found


def _kpi_out(
    kpi: Kpi,
    figures: list[kpis.Figure],
    target: Target | None,
    group_by: kpis.GroupBy | None,
    user: User,
) -> KpiOut:
    baselines = _baselines(target, group_by, user)
    relative = target is not None and target.comparison == Target.Comparison.RELATIVE

    def met(figure: kpis.Figure) -> bool | None:
        if target is None or (relative and figure.group not in baselines):
            return None
        return kpis.target_met(target, figure.value, baselines.get(figure.group))

    chinese = (translation.get_language() or "").lower().startswith("zh")
    return KpiOut(
        code=kpi.code,
        name=kpi.name_zh if chinese and kpi.name_zh else kpi.name,
        name_zh=kpi.name_zh,
        definition=kpi.definition_zh if chinese and kpi.definition_zh else kpi.definition,
        unit=kpi.unit,
        direction=kpi.direction,
        target=_target_out(target, baselines.get(None)) if target is not None else None,
        figures=[_figure(f, met(f)) for f in figures],
    )


@router.get(
    "/kpis",
    response={200: KpisOut, **ERRORS},
    by_alias=True,
    summary="KPI figures over a period, optionally grouped",
)
def list_kpis(request: HttpRequest, filters: Query[KpiFilters]) -> KpisOut:
    """Values, numerators and denominators of the KPIs over [from, to] (whole days in the
    institution's time zone), counting only the cases the caller may see; with `group_by`,
    one figure per product, channel, department, branch, handler, month or ISO week after the total.
    Each KPI carries its unit, its direction, its target (the first active one) and whether
    each figure meets it. Needs the `quality.view_dashboard` permission."""
    user = _user(request)
    if not user.has_perm(VIEW_PERM):
        raise permission_denied(VIEW_PERM)
    period = _period(filters)
    catalogue = _catalogue(filters.kpi)
    targets: dict[int, Target] = {}
    for target in (
        Target.objects.filter(is_active=True, kpi__in=catalogue).select_related("kpi", "owner").order_by("pk")
    ):
        targets.setdefault(target.kpi_id, target)
    group_by = filters.group_by
    found = kpis.compute_many(catalogue, period=period, group_by=group_by, user=user, cached=True)
    return KpisOut(
        **{"from": period.start},
        to=period.end,
        period=period.label,
        group_by=group_by,
        kpis=[
            _kpi_out(kpi, [found[kpi.code][0], *found[kpi.code][1]], targets.get(kpi.pk), group_by, user)
            for kpi in catalogue
        ],
    )
