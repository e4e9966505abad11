"""The monthly and quarterly service-quality report, for the board.

Every KPI figure comes from ``quality.kpis`` (``compute_all`` and ``evaluate``), so the report
agrees with the dashboard and the API. The other sections read their own rows:

* commitments: the active targets evaluated over the period with ``kpis.evaluate`` (the monthly
  report evaluates the monthly targets; the quarterly report evaluates every target over the quarter);
* trends: every active KPI over the last six months (monthly report, the KPI engine's ``month``
  grouping) or the last four quarters (quarterly report);
* top root causes: the decisions (``Resolution``) taken in the period, by root cause;
* breaches: the milestones breached in the period; the reason is what was recorded on the breach
  event (its note or ``data["reason"]``), else the latest internal note written by staff after the
  breach (e-mail addresses and long numbers masked), else the milestone that was missed;
* redress: approved (and so paid) redress decided in the period by kind and currency, with what
  still awaits approval and what was rejected;
* survey results: the survey KPIs (satisfaction, NPS, effort, response rate) in total and by channel;
* alerts raised: the early-warning alerts detected in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department
from safeguard.cases.models import (
    Case,
    CaseEvent,
    CaseMilestone,
    CaseType,
    Channel,
    Outcome,
    Redress,
    Resolution,
    RootCause,
)
from safeguard.deadlines.models import Milestone
from safeguard.quality import kpis
from safeguard.quality.models import Alert, Direction, Frequency, Kpi, Target, Unit
from safeguard.quality.reports.common import complaints_received, institution, is_chinese, name_of, scrub
from safeguard.quality.reports.document import (
    CODE,
    DECIMAL,
    INT,
    MONEY,
    PERCENT,
    Cell,
    Column,
    Document,
    Figure,
    Table,
    percent,
    show,
)
from safeguard.quality.reports.periods import MONTH, QUARTER, ReportPeriod

# The KPIs of the survey section, by catalogue code, in this order (those present and active).
SURVEY_KPIS = ("csat-satisfied", "csat-mean", "nps", "effort-mean", "survey-response-rate")
TREND_STEPS = {MONTH: 6, QUARTER: 4}
_KIND_BY_UNIT = {
    Unit.PERCENT: PERCENT,
    Unit.COUNT: INT,
    Unit.MONEY: MONEY,
}


def value_kind(kpi: Kpi) -> str:
    return _KIND_BY_UNIT.get(kpi.unit, DECIMAL)  # type: ignore[call-overload]


def _unit(kpi: Kpi) -> str:
    return str(Unit(kpi.unit).label) if kpi.unit in Unit.values else kpi.unit


def _total(figures: Sequence[kpis.Figure] | None) -> kpis.Figure | None:
    return next((f for f in figures or () if f.group is None), None)


def _value(figures: Sequence[kpis.Figure] | None) -> Decimal | None:
    found = _total(figures)
    return found.value if found is not None else None


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- sections ------------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    return show(value, DECIMAL)


def _threshold(target: Target) -> str:
    unit = "%" if target.kpi.unit == Unit.PERCENT else f" {_unit(target.kpi)}"
    if target.comparison == Target.Comparison.RELATIVE:
        return _("%(change)s%% against %(start)s–%(end)s") % {
            "change": ("+" if target.threshold > 0 else "") + _number(target.threshold),
            "start": target.baseline_from,
            "end": target.baseline_to,
        }
    sign = "≥" if target.kpi.direction == Direction.HIGHER else "≤"
    return f"{sign} {_number(target.threshold)}{unit}"


def _result(met: bool | None) -> str:
    if met is None:
        return _("No data")
    return _("Met") if met else _("Missed")


def commitments(period: ReportPeriod) -> tuple[Table, int, int]:
    """The targets evaluated over the period; returns (table, met, evaluated with data)."""
    targets = Target.objects.filter(is_active=True, kpi__is_active=True).select_related("kpi", "owner")
    if period.granularity == MONTH:
        targets = targets.filter(frequency=Frequency.MONTHLY)
    rows: list[list[Cell]] = []
    kinds: list[str] = []
    met = evaluated = 0
    for target in targets:
        evaluation = kpis.evaluate(target, period.period)
        kinds.append(value_kind(target.kpi))
        if evaluation.met is not None:
            evaluated += 1
            met += int(evaluation.met)
        rows.append(
            [
                target.name_zh if is_chinese() and target.name_zh else target.name,
                name_of(target.kpi),
                name_of(target.owner),
                _threshold(target),
                evaluation.value,
                _unit(target.kpi),
                evaluation.baseline,
                evaluation.change,
                _result(evaluation.met),
                evaluation.numerator,
                evaluation.denominator,
            ]
        )
    table = Table(
        key="commitments",
        title=_("Commitments met or missed"),
        columns=[
            Column(_("Commitment")),
            Column(_("KPI")),
            Column(_("Owner")),
            Column(_("Target")),
            Column(_("Value"), DECIMAL, per_row=True),
            Column(_("Unit")),
            Column(_("Baseline"), DECIMAL, per_row=True),
            Column(_("Change"), PERCENT),
            Column(_("Result")),
            Column(_("Numerator"), DECIMAL),
            Column(_("Denominator"), DECIMAL),
        ],
        rows=rows,
        note=_(
            "No data: nothing to measure in the period; it counts as neither met nor missed. Baseline and "
            "change: for a commitment to change a KPI against a baseline period."
        ),
        empty=_("No active commitments for this period."),
        row_kinds=kinds,
    )
    return table, met, evaluated


def indicators(
    active: Sequence[Kpi], current: Mapping[str, list[kpis.Figure]], previous: Mapping[str, list[kpis.Figure]]
) -> Table:
    rows: list[list[Cell]] = []
    for kpi in active:
        now_figure = _total(current.get(kpi.code))
        rows.append(
            [
                name_of(kpi),
                _unit(kpi),
                now_figure.value if now_figure else None,
                _value(previous.get(kpi.code)),
                now_figure.numerator if now_figure else None,
                now_figure.denominator if now_figure else None,
            ]
        )
    return Table(
        key="indicators",
        title=_("Service-quality indicators"),
        columns=[
            Column(_("KPI")),
            Column(_("Unit")),
            Column(_("This period"), DECIMAL, per_row=True),
            Column(_("Previous period"), DECIMAL, per_row=True),
            Column(_("Numerator"), DECIMAL),
            Column(_("Denominator"), DECIMAL),
        ],
        rows=rows,
        empty=_("No active KPIs."),
        row_kinds=[value_kind(kpi) for kpi in active],
    )


def trends(period: ReportPeriod, active: Sequence[Kpi]) -> Table:
    steps = TREND_STEPS.get(period.granularity, 4)
    periods = [period.shifted(-i) for i in range(steps - 1, -1, -1)]
    values: dict[str, list[Decimal | None]] = {kpi.code: [] for kpi in active}
    if period.granularity == MONTH:
        span = kpis.Period(periods[0].start, period.end)
        by_month = kpis.compute_all(period=span, group_by="month")
        for kpi in active:
            groups = {f.group: f.value for f in by_month.get(kpi.code, []) if f.group is not None}
            values[kpi.code] = [groups.get(p.code) for p in periods]
    else:
        for p in periods:
            found = kpis.compute_all(period=p.period)
            for kpi in active:
                values[kpi.code].append(_value(found.get(kpi.code)))
    return Table(
        key="trends",
        title=_("Trends"),
        columns=[Column(_("KPI")), Column(_("Unit")), *[Column(p.label, DECIMAL, per_row=True) for p in periods]],
        rows=[[name_of(kpi), _unit(kpi), *values[kpi.code]] for kpi in active],
        empty=_("No active KPIs."),
        row_kinds=[value_kind(kpi) for kpi in active],
    )


def root_causes(period: ReportPeriod) -> Table:
    start, end = period.bounds()
    decided = Resolution.objects.filter(decided_at__gte=start, decided_at__lt=end)
    rows_db = list(
        decided.order_by()
        .values("root_cause")
        .annotate(n=Count("id"), upheld=Count("id", filter=Q(outcome__in=[Outcome.UPHELD, Outcome.PARTIALLY_UPHELD])))
        .order_by("-n", "root_cause")
    )
    total = sum(r["n"] for r in rows_db)
    top = settings.SAFEGUARD_REPORTS_TOP_ROOT_CAUSES
    causes = RootCause.objects.in_bulk([r["root_cause"] for r in rows_db[:top]])
    rows: list[list[Cell]] = [
        [name_of(causes.get(r["root_cause"])), r["n"], percent(r["n"], total), r["upheld"]] for r in rows_db[:top]
    ]
    rest = rows_db[top:]
    if rest:
        n = sum(r["n"] for r in rest)
        rows.append([_("Other root causes"), n, percent(n, total), sum(r["upheld"] for r in rest)])
    return Table(
        key="root-causes",
        title=_("Top root causes"),
        columns=[
            Column(_("Root cause")),
            Column(_("Decisions"), INT),
            Column(_("Share"), PERCENT),
            Column(_("Upheld"), INT),
        ],
        rows=rows,
        total=[_("Total"), total, percent(total, total), sum(r["upheld"] for r in rows_db)] if rows_db else None,
        note=_("Decisions taken in the period, by the root cause found; upheld includes partially upheld."),
        empty=_("No decisions in this period."),
    )


def _breach_reasons(milestones: Sequence[CaseMilestone]) -> dict[int, str]:
    """Milestone id -> the reason recorded for its breach, where one was."""
    case_ids = {m.case_id for m in milestones}
    recorded: dict[tuple[int, str], str] = {}
    for case_id, note, data in CaseEvent.objects.filter(case_id__in=case_ids, kind=CaseEvent.Kind.BREACHED).values_list(
        "case_id", "note", "data"
    ):
        reason = note or (data or {}).get("reason", "")
        milestone = (data or {}).get("milestone", "")
        if reason:
            recorded[(case_id, milestone)] = str(reason)
    notes: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    earliest = min((m.breached_at for m in milestones if m.breached_at), default=None)
    if earliest is not None:
        for case_id, at, note in (
            CaseEvent.objects.filter(
                case_id__in=case_ids, kind=CaseEvent.Kind.NOTE, actor__isnull=False, at__gte=earliest
            )
            .order_by("at", "id")
            .values_list("case_id", "at", "note")
        ):
            notes[case_id].append((at, note))
    reasons: dict[int, str] = {}
    for m in milestones:
        reason = recorded.get((m.case_id, m.milestone), "")
        if not reason and m.breached_at:
            after = [note for at, note in notes.get(m.case_id, []) if at >= m.breached_at]
            reason = after[-1] if after else ""
        if reason:
            reasons[m.pk] = scrub(reason)
    return reasons


def breaches(period: ReportPeriod) -> tuple[Table, Table, int]:
    """(the breaches listed, the breaches by milestone and department, how many)."""
    start, end = period.bounds()
    breached = CaseMilestone.objects.filter(breached_at__gte=start, breached_at__lt=end)
    count = breached.count()
    limit = settings.SAFEGUARD_REPORTS_MAX_BREACHES
    listed = list(
        breached.select_related("case__product", "case__department").order_by("breached_at", "case__reference")[:limit]
    )
    reasons = _breach_reasons(listed)
    labels = {str(v): str(label) for v, label in Milestone.choices}
    types = {str(v): str(label) for v, label in CaseType.choices}
    rows: list[list[Cell]] = []
    for m in listed:
        case = m.case
        missed = _("Deadline missed: %(milestone)s") % {"milestone": labels.get(m.milestone, m.milestone)}
        rows.append(
            [
                case.reference,
                types.get(case.type, case.type),
                name_of(case.product),
                name_of(case.department) if case.department else "",
                labels.get(m.milestone, m.milestone),
                _local(m.due_at),
                _local(m.breached_at),
                reasons.get(m.pk, missed),
            ]
        )
    listing = Table(
        key="breaches",
        title=_("Breaches and their reasons"),
        columns=[
            Column(_("Case"), CODE),
            Column(_("Type")),
            Column(_("Product")),
            Column(_("Department")),
            Column(_("Milestone")),
            Column(_("Due")),
            Column(_("Breached")),
            Column(_("Reason")),
        ],
        rows=rows,
        note=(
            _("%(shown)d of %(count)d breaches listed.") % {"shown": len(listed), "count": count}
            if count > len(listed)
            else ""
        ),
        empty=_("No deadline was breached in this period."),
    )
    grouped = (
        breached.order_by()
        .values("milestone", "case__department")
        .annotate(n=Count("id"))
        .order_by("milestone", "case__department")
    )
    departments = Department.objects.in_bulk([g["case__department"] for g in grouped if g["case__department"]])
    summary_rows: list[list[Cell]] = [
        [
            labels.get(g["milestone"], g["milestone"]),
            name_of(departments.get(g["case__department"]), _("(no department)")),
            g["n"],
        ]
        for g in grouped
    ]
    summary = Table(
        key="breaches-summary",
        title=_("Breaches by milestone and department"),
        columns=[Column(_("Milestone")), Column(_("Department")), Column(_("Breaches"), INT)],
        rows=summary_rows,
        total=[_("Total"), "", count] if summary_rows else None,
        empty=_("No deadline was breached in this period."),
    )
    return listing, summary, count


def redress(period: ReportPeriod) -> tuple[Table, dict[str, Decimal]]:
    """Redress by kind and currency; returns the table and the approved totals by currency."""
    start, end = period.bounds()
    in_period_decided = Q(decided_at__gte=start, decided_at__lt=end)
    approved = Redress.objects.filter(in_period_decided, state=Redress.State.APPROVED)
    pending = Redress.objects.filter(state=Redress.State.PENDING_APPROVAL, recorded_at__gte=start, recorded_at__lt=end)
    rejected = Redress.objects.filter(in_period_decided, state=Redress.State.REJECTED)
    lines: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0), 0])
    for queryset, count_at, sum_at in ((approved, 0, 1), (pending, 2, 3), (rejected, 4, None)):
        for kind, currency, n, total in (
            queryset.order_by().values_list("kind", "currency").annotate(n=Count("id"), total=Sum("amount"))
        ):
            line = lines[(kind, currency)]
            line[count_at] += n
            if sum_at is not None:
                line[sum_at] += total or Decimal(0)
    kinds = {str(v): str(label) for v, label in Redress.Kind.choices}
    order = list(kinds)
    rows: list[list[Cell]] = [
        [kinds.get(kind, kind), currency, *line]
        for (kind, currency), line in sorted(
            lines.items(), key=lambda item: (order.index(item[0][0]) if item[0][0] in order else 99, item[0][1])
        )
    ]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (_kind, currency), line in lines.items():
        totals[currency] += line[1]
    return (
        Table(
            key="redress",
            title=_("Redress"),
            columns=[
                Column(_("Kind")),
                Column(_("Currency")),
                Column(_("Approved and paid"), INT),
                Column(_("Amount approved"), MONEY),
                Column(_("Awaiting approval"), INT),
                Column(_("Amount awaiting approval"), MONEY),
                Column(_("Rejected"), INT),
            ],
            rows=rows,
            note=_(
                "Approved and rejected: decided in the period. Awaiting approval: recorded in the period and "
                "not decided yet."
            ),
            empty=_("No redress in this period."),
        ),
        dict(totals),
    )


def surveys(
    period: ReportPeriod, active: Sequence[Kpi], current: Mapping[str, list[kpis.Figure]]
) -> tuple[Table, Table]:
    chosen = [kpi for code in SURVEY_KPIS for kpi in active if kpi.code == code]
    totals: list[list[Cell]] = []
    for kpi in chosen:
        figure = _total(current.get(kpi.code))
        totals.append(
            [
                name_of(kpi),
                _unit(kpi),
                figure.value if figure else None,
                figure.numerator if figure else None,
                figure.denominator if figure else None,
            ]
        )
    results = Table(
        key="surveys",
        title=_("Survey results"),
        columns=[
            Column(_("Measure")),
            Column(_("Unit")),
            Column(_("Value"), DECIMAL, per_row=True),
            Column(_("Numerator"), DECIMAL),
            Column(_("Denominator"), DECIMAL),
        ],
        rows=totals,
        empty=_("No survey KPIs are active."),
        row_kinds=[value_kind(kpi) for kpi in chosen],
    )
    by_channel: dict[str, dict[str, Decimal | None]] = defaultdict(dict)
    labels: dict[str, str] = {}
    for kpi in chosen:
        for figure in kpis.compute(kpi, period=period.period, group_by="channel"):
            if figure.group is None:
                continue
            by_channel[figure.group][kpi.code] = figure.value
            labels[figure.group] = figure.label
    channels = {str(v): str(label) for v, label in Channel.choices}
    order = list(channels)
    rows: list[list[Cell]] = [
        [labels.get(group) or channels.get(group, group), *[values.get(kpi.code) for kpi in chosen]]
        for group, values in sorted(
            by_channel.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
        )
    ]
    channel_table = Table(
        key="surveys-by-channel",
        title=_("Survey results by channel"),
        columns=[Column(_("Channel")), *[Column(name_of(kpi), value_kind(kpi)) for kpi in chosen]],
        rows=rows,
        empty=_("No survey answers in this period."),
    )
    return results, channel_table


def alerts(period: ReportPeriod) -> tuple[Table, int]:
    raised = list(
        Alert.objects.filter(detected_on__gte=period.start, detected_on__lte=period.end)
        .select_related("suggested_owner")
        .order_by("detected_on", "pk")
    )
    kinds = {str(v): str(label) for v, label in Alert.Kind.choices}
    dimensions = {str(v): str(label) for v, label in Alert.Dimension.choices}
    statuses = {str(v): str(label) for v, label in Alert.Status.choices}
    rows: list[list[Cell]] = [
        [
            alert.detected_on.isoformat(),
            kinds.get(alert.kind, alert.kind),
            dimensions.get(alert.dimension, alert.dimension),
            scrub(alert.series_label, 120),
            alert.observed,
            alert.expected,
            alert.ratio,
            statuses.get(alert.status, alert.status),
            name_of(alert.suggested_owner),
        ]
        for alert in raised
    ]
    return (
        Table(
            key="alerts",
            title=_("Alerts raised"),
            columns=[
                Column(_("Detected")),
                Column(_("Kind")),
                Column(_("Dimension")),
                Column(_("Series")),
                Column(_("Observed"), DECIMAL),
                Column(_("Expected"), DECIMAL),
                Column(_("Change (×)"), DECIMAL),
                Column(_("Status")),
                Column(_("Suggested owner")),
            ],
            rows=rows,
            empty=_("No early-warning alert was raised in this period."),
        ),
        len(raised),
    )


# --- the document --------------------------------------------------------------------------


def service_quality(period: ReportPeriod, *, kind: str, language: str, now: datetime) -> Document:
    active = list(Kpi.objects.filter(is_active=True).order_by("order", "code"))
    current = kpis.compute_all(period=period.period)
    previous = kpis.compute_all(period=period.shifted(-1).period)
    commitments_table, met, evaluated = commitments(period)
    breach_list, breach_summary, breach_count = breaches(period)
    redress_table, paid = redress(period)
    survey_table, survey_channels = surveys(period, active, current)
    alert_table, alert_count = alerts(period)
    start, end = period.bounds()
    received = Case.objects.filter(received_at__gte=start, received_at__lt=end).exclude(status="merged").count()
    complaints = complaints_received(period).count()
    csat = next((kpi for kpi in active if kpi.code == SURVEY_KPIS[0]), None)
    summary = [
        Figure(_("Cases received"), show(received, INT)),
        Figure(_("Complaints received"), show(complaints, INT)),
        Figure(_("Commitments met"), _("%(met)d of %(evaluated)d") % {"met": met, "evaluated": evaluated}),
        Figure(_("Deadlines breached"), show(breach_count, INT)),
        *[
            Figure(_("Redress approved (%(currency)s)") % {"currency": c}, show(v, MONEY))
            for c, v in sorted(paid.items())
        ],
        Figure(_("Alerts raised"), show(alert_count, INT)),
    ]
    if csat is not None:
        summary.append(Figure(name_of(csat), show(_value(current.get(csat.code)), value_kind(csat))))
    title = _("Monthly service-quality report") if kind == "monthly" else _("Quarterly service-quality report")
    return Document(
        kind=kind,
        title=title,
        period_label=period.label,
        period_code=period.code,
        language=language,
        generated_at=now,
        institution=institution(),
        summary=summary,
        tables=[
            commitments_table,
            indicators(active, current, previous),
            trends(period, active),
            root_causes(period),
            breach_summary,
            breach_list,
            redress_table,
            survey_table,
            survey_channels,
            alert_table,
        ],
        notes=[
            _(
                "Figures cover %(start)s to %(end)s (%(zone)s). “—” means no data: nothing to measure, "
                "which is not the same as 0."
            )
            % {"start": period.start.isoformat(), "end": period.end.isoformat(), "zone": settings.TIME_ZONE}
        ],
    )
