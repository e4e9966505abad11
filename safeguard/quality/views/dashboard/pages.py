"""The dashboard's pages: ``dashboard``, its htmx sections ``breakdown`` and ``trends``, the
drill-down ``cases`` and the exports. Each view reads the filter, asks ``quality.kpis`` with
``user=request.user``, and renders (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from safeguard.accounts.models import User
from safeguard.cases.models import Case, CaseType, Channel, Status
from safeguard.quality import exports, kpis
from safeguard.quality.forms import BREAKDOWNS, DashboardFilterForm, DrillDownForm, in_chinese, kpi_name
from safeguard.quality.models import Kpi
from safeguard.quality.services.figures import trend_windows
from safeguard.quality.views.dashboard.access import EXPORT_PERM, active_kpis, in_scope, sees_everything, viewer
from safeguard.quality.views.dashboard.comments import comments
from safeguard.quality.views.dashboard.figures import (
    Series,
    commitments,
    group_name,
    grouping_label,
    island_figures,
    month_keys,
    page_url,
    period_json,
    series,
    tiles,
    week_keys,
)

# Drill-down rows per page (fetched as size + 1, never counted).
PAGE_SIZE = 50


def _errors_response(request: HttpRequest, template: str, form: DashboardFilterForm) -> HttpResponse:
    # htmx swaps only 2xx answers, so the errors of an htmx request come back with a 200.
    return render(request, template, {"form": form}, status=200 if request.htmx else 400)  # type: ignore[attr-defined]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    catalogue = active_kpis()
    form = DashboardFilterForm(request.GET, kpis=catalogue)
    if not form.is_valid():
        return render(request, "quality/dashboard.html", {"form": form}, status=400)
    period = form.selected_period
    previous = period.previous()
    now = kpis.snapshot(period=period, user=user)
    then = kpis.snapshot(period=previous, user=user)
    current, before = now.figures, then.figures
    everything = sees_everything(user)
    # Commitments are the institution's: a viewer who sees every case lends the totals just computed.
    targets = commitments(period, catalogue, current if everything else None)
    kpi = form.selected_kpi
    context = {
        "form": form,
        "period": period,
        "previous": previous,
        "computed_at": min(now.computed_at, then.computed_at),
        "tiles": tiles(catalogue, current, before, period, targets),
        "institution_wide": everything,
        "breakdown": _breakdown(user, form, kpi) if kpi else None,
        "breakdowns": _breakdown_links(form),
        "comments": comments(user, period),
        "can_export": user.has_perm(EXPORT_PERM),
        "export_csv": page_url("quality:export_figures", {**form.query(), "format": "csv"}),
        "export_xlsx": page_url("quality:export_figures", {**form.query(), "format": "xlsx"}),
        "trends_url": page_url("quality:trends", form.query()),
        "island": {
            "period": period_json(period),
            "previous_period": period_json(previous),
            "kpis": island_figures(current),
            "previous": island_figures(before),
        },
    }
    return render(request, "quality/dashboard.html", context)


def _breakdown(user: User, form: DashboardFilterForm, kpi: Kpi) -> Series:
    period, group_by = form.selected_period, form.selected_group_by
    figures = kpis.compute(kpi, period=period, group_by=group_by, user=user, cached=True)  # type: ignore[arg-type]
    return series(kpi, figures, period, group_by)


def _breakdown_links(form: DashboardFilterForm) -> list[tuple[str, str, str, str, bool]]:
    """(grouping, label, page URL, section URL, chosen) for the breakdown's tabs."""
    links = []
    for value, label in BREAKDOWNS:
        query = form.query(group_by=value)
        links.append(
            (
                value,
                str(label),
                page_url("quality:dashboard", query),
                page_url("quality:breakdown", query),
                value == form.selected_group_by,
            )
        )
    return links


@login_required
@require_GET
@vary_on_headers("HX-Request")
def breakdown(request: HttpRequest) -> HttpResponse:
    """The breakdown section alone (htmx, when another grouping or KPI is picked)."""
    user = viewer(request)
    form = DashboardFilterForm(request.GET, kpis=active_kpis())
    if not form.is_valid():
        return _errors_response(request, "quality/dashboard.html#breakdown", form)
    kpi = form.selected_kpi
    context = {
        "form": form,
        "breakdown": _breakdown(user, form, kpi) if kpi else None,
        "breakdowns": _breakdown_links(form),
    }
    return render(request, "quality/dashboard.html#breakdown", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def trends(request: HttpRequest) -> HttpResponse:
    """The chosen KPI by month and by week up to the end of the period: the dashboard's section
    (htmx) or, without JavaScript, a page of its own."""
    user = viewer(request)
    form = DashboardFilterForm(request.GET, kpis=active_kpis())
    template = "quality/dashboard.html#trends" if request.htmx else "quality/dashboard_trends.html"  # type: ignore[attr-defined]
    if not form.is_valid():
        return _errors_response(request, template, form)
    context: dict[str, Any] = {"form": form, "dashboard_url": page_url("quality:dashboard", form.query())}
    kpi = form.selected_kpi
    if kpi is not None:
        months, weeks = trend_windows(form.selected_period)
        by_month = kpis.compute(kpi, period=months, group_by="month", user=user, cached=True)
        by_week = kpis.compute(kpi, period=weeks, group_by="week", user=user, cached=True)
        context["months"] = series(kpi, by_month, months, "month", month_keys(months))
        context["weeks"] = series(kpi, by_week, weeks, "week", week_keys(weeks))
    return render(request, template, context)


# --- drill-down ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: Case
    url: str
    type: str
    channel: str
    status: str
    product: str
    department: str


def cases_behind(user: User, form: DrillDownForm) -> QuerySet[Case]:
    """The cases behind the form's figure that ``user`` may see: the engine scopes them, and the
    list is narrowed to ``visible_cases`` again here, newest first."""
    kpi = form.selected_kpi
    assert kpi is not None
    found = kpis.cases_behind(
        kpi,
        period=form.selected_period,
        group=form.selected_group,
        group_by=form.selected_group_by or None,  # type: ignore[arg-type]
        part=form.selected_part,  # type: ignore[arg-type]
        user=user,
    )
    return in_scope(found, user).select_related("customer", "product", "department").order_by("-received_at", "-pk")


def case_rows(cases: Iterable[Case]) -> list[CaseRow]:
    types, channels, statuses = ({str(v): str(label) for v, label in c.choices} for c in (CaseType, Channel, Status))
    chinese = in_chinese()
    detail = reverse("cases:detail", args=["REFERENCE"])
    rows = []
    for case in cases:
        product, department = case.product, case.department
        rows.append(
            CaseRow(
                case=case,
                url=detail.replace("REFERENCE", case.reference),
                type=types.get(case.type, case.type),
                channel=channels.get(case.channel, case.channel),
                status=statuses.get(case.status, case.status),
                product=(product.name_zh if chinese and product.name_zh else product.name) if product else "",
                department=department.display_name("zh" if chinese else "en") if department else "",
            )
        )
    return rows


def _drill_form(request: HttpRequest) -> DrillDownForm:
    return DrillDownForm(request.GET, kpis=active_kpis())


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    form = _drill_form(request)
    if not form.is_valid():
        return render(request, "quality/dashboard_cases.html", {"form": form}, status=400)
    kpi = form.selected_kpi
    assert kpi is not None
    number_ = form.page_number
    fetched = list(cases_behind(user, form)[(number_ - 1) * PAGE_SIZE : number_ * PAGE_SIZE + 1])
    context = {
        "form": form,
        "kpi": kpi,
        "kpi_name": kpi_name(kpi),
        "period": form.selected_period,
        "group_label": grouping_label(form.selected_group_by),
        "group_name": group_name(form.selected_group_by, form.selected_group),
        "rows": case_rows(fetched[:PAGE_SIZE]),
        "page_number": number_,
        "first_index": (number_ - 1) * PAGE_SIZE + 1,
        "last_index": (number_ - 1) * PAGE_SIZE + min(len(fetched), PAGE_SIZE),
        "previous_url": page_url("quality:cases", form.query(page=str(number_ - 1))) if number_ > 1 else "",
        "next_url": page_url("quality:cases", form.query(page=str(number_ + 1))) if len(fetched) > PAGE_SIZE else "",
        "dashboard_url": page_url("quality:dashboard", form.query(part=None, group=None, page=None, group_by=None)),
        "can_export": user.has_perm(EXPORT_PERM),
        "export_csv": page_url("quality:export_cases", {**form.query(page=None), "format": "csv"}),
        "export_xlsx": page_url("quality:export_cases", {**form.query(page=None), "format": "xlsx"}),
    }
    return render(request, "quality/dashboard_cases.html", context)


# --- exports ---------------------------------------------------------------------------------


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        raise Http404
    return fmt


@login_required
@require_GET
def export_figures(request: HttpRequest) -> HttpResponseBase:
    """The current view as a file: every KPI's total, the previous period's, and every KPI by the
    chosen grouping, with numerators and denominators (XLSX adds the commitments)."""
    user = viewer(request, EXPORT_PERM)
    fmt = _format(request)
    catalogue = active_kpis()
    form = DashboardFilterForm(request.GET, kpis=catalogue)
    if not form.is_valid():
        return render(request, "quality/dashboard.html", {"form": form}, status=400)
    period, group_by = form.selected_period, form.selected_group_by
    previous = period.previous()
    sections = [
        (period, "", kpis.compute_all(period=period, user=user, cached=True)),
        (previous, "", kpis.compute_all(period=previous, user=user, cached=True)),
        (period, group_by, kpis.compute_all(period=period, group_by=group_by, user=user, cached=True)),  # type: ignore[arg-type]
    ]
    names = {k.code: kpi_name(k) for k in catalogue}
    units = {k.code: k.get_unit_display() for k in catalogue}
    figures = exports.figure_rows(sections, names=names, units=units)
    commitment_rows = [
        [c.name, names.get(code, code), c.threshold, c.words]
        for code, items in commitments(period, catalogue).items()
        for c in items
    ]
    exports.record_export(
        by=user,
        what="figures",
        fmt=fmt,
        details={"from": period.start, "to": period.end, "group_by": group_by},
    )
    filename = f"kpis-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return exports.figures_response(fmt, filename, figures, commitment_rows)


@login_required
@require_GET
def export_cases(request: HttpRequest) -> HttpResponseBase:
    """The drill-down's whole case list as a file (masked customers only), streamed."""
    user = viewer(request, EXPORT_PERM)
    fmt = _format(request)
    form = _drill_form(request)
    if not form.is_valid():
        return render(request, "quality/dashboard_cases.html", {"form": form}, status=400)
    kpi = form.selected_kpi
    assert kpi is not None
    period = form.selected_period
    exports.record_export(
        by=user,
        what="cases",
        fmt=fmt,
        details={
            "kpi": kpi.code,
            "part": form.selected_part,
            "from": period.start,
            "to": period.end,
            "group_by": form.selected_group_by,
            "group": form.selected_group or "",
        },
    )
    filename = f"cases-{kpi.code}-{form.selected_part}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return exports.cases_response(fmt, filename, cases_behind(user, form))


urlpatterns = [
    path("quality/", dashboard, name="dashboard"),
    path("quality/breakdown/", breakdown, name="breakdown"),
    path("quality/trends/", trends, name="trends"),
    path("quality/cases/", cases, name="cases"),
    path("quality/export/", export_figures, name="export_figures"),
    path("quality/cases/export/", export_cases, name="export_cases"),
]
