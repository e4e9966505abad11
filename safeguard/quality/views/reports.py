"""The Reports page (``/quality/reports/``) and the public transparency summary (``/transparency/``).

Staff: listing and downloading reports needs ``quality.view_report`` (supervisors, compliance
officers, auditors, administrators); generating needs ``quality.generate_report`` and sight of every
department (a report covers them all). Downloads are audited. Generation runs inline (a few seconds
for a large period) through ``services.reports.generate``.

Public: ``/transparency/<period>/`` (and ``.../pdf/``) needs no login and shows only aggregated
figures with small numbers hidden (``reports.transparency``), only for periods that have ended; other
periods are 404. It is cached by the server and marked cacheable for browsers and proxies.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from safeguard.accounts.models import User
from safeguard.cases.access import ensure_can
from safeguard.core.errors import DomainError
from safeguard.quality import reports
from safeguard.quality.models import Report
from safeguard.quality.reports import periods
from safeguard.quality.reports.document import shown
from safeguard.quality.reports.forms import GenerateReportForm
from safeguard.quality.services import reports as service

# The Reports page lists the most recent reports.
LISTED = 100
TRANSPARENCY_QUARTERS = 8
TRANSPARENCY_YEARS = 3


def _page(request: HttpRequest, user: User, form: GenerateReportForm | None, status: int = 200) -> HttpResponse:
    can_generate = user.has_perm(service.GENERATE_PERM)
    if form is None and can_generate:
        form = GenerateReportForm(
            initial={"period": periods.last_closed(periods.MONTH).code, "kind": Report.Kind.MONTHLY}
        )
    context = {
        "reports": list(Report.objects.select_related("generated_by").order_by("-generated_at", "-pk")[:LISTED]),
        "listed": LISTED,
        "form": form if can_generate else None,
    }
    return render(request, "quality/reports/list.html", context, status=status)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    user = ensure_can(request.user, service.VIEW_PERM)
    return _page(request, user, None)


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    user = ensure_can(request.user, service.GENERATE_PERM)
    service.check_generator(user)
    form = GenerateReportForm(request.POST)
    if not form.is_valid():
        return _page(request, user, form, status=400)
    data = form.cleaned_data
    try:
        report = service.generate(
            kind=data["kind"], period=data["period"], fmt=data["format"], language=data["language"], by=user
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        form.add_error(None, exc.detail)
        return _page(request, user, form, status=400)
    messages.success(
        request,
        _("%(report)s for %(period)s is ready.") % {"report": report.get_kind_display(), "period": report.period},
    )
    return HttpResponseRedirect(reverse("quality:reports"))


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    user = ensure_can(request.user, service.VIEW_PERM)
    report = get_object_or_404(Report, pk=pk)
    handle = service.open_report(report=report, by=user)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{report.kind}-{report.period}-{report.language}.{report.format}",
        content_type=reports.CONTENT_TYPES.get(report.format, "application/octet-stream"),
    )


# --- public --------------------------------------------------------------------------------


def _public_period(text: str) -> periods.ReportPeriod:
    try:
        return reports.report_period(Report.Kind.TRANSPARENCY, text)
    except DomainError:
        raise Http404 from None


def _cached_document(period: periods.ReportPeriod, language: str) -> reports.Document:
    key = f"quality:transparency:{period.code}:{language}"
    found = cache.get(key)
    if found is None:
        found = reports.build(Report.Kind.TRANSPARENCY, period, language=language)
        cache.set(key, found, settings.SAFEGUARD_TRANSPARENCY_CACHE_SECONDS)
    return found


def _language() -> str:
    current = get_language() or settings.LANGUAGE_CODE
    return current if current in reports.languages() else settings.LANGUAGE_CODE


@require_GET
@cache_control(public=True, max_age=settings.SAFEGUARD_TRANSPARENCY_CACHE_SECONDS)
def transparency_index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    quarter = periods.last_closed(periods.QUARTER, today)
    year = periods.last_closed(periods.YEAR, today)
    context = {
        "quarters": [quarter.shifted(-i) for i in range(TRANSPARENCY_QUARTERS)],
        "years": [year.shifted(-i) for i in range(TRANSPARENCY_YEARS)],
    }
    return render(request, "quality/reports/transparency_index.html", context)


@require_GET
@cache_control(public=True, max_age=settings.SAFEGUARD_TRANSPARENCY_CACHE_SECONDS)
def transparency(request: HttpRequest, period: str) -> HttpResponse:
    span = _public_period(period)
    document = _cached_document(span, _language())
    context = {"doc": document, "tables": [shown(t) for t in document.tables], "period": span}
    return render(request, "quality/reports/transparency.html", context)


@require_GET
@cache_control(public=True, max_age=settings.SAFEGUARD_TRANSPARENCY_CACHE_SECONDS)
def transparency_pdf(request: HttpRequest, period: str) -> HttpResponse:
    span = _public_period(period)
    language = _language()
    key = f"quality:transparency-pdf:{span.code}:{language}"
    content = cache.get(key)
    if content is None:
        content = reports.render(_cached_document(span, language), Report.Format.PDF)
        cache.set(key, content, settings.SAFEGUARD_TRANSPARENCY_CACHE_SECONDS)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="transparency-{span.code}-{language}.pdf"'
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("quality/reports/", report_list, name="reports"),
    path("quality/reports/generate/", report_generate, name="report_generate"),
    path("quality/reports/<int:pk>/download/", report_download, name="report_download"),
    path("transparency/", transparency_index, name="transparency_index"),
    path("transparency/<str:period>/", transparency, name="transparency"),
    path("transparency/<str:period>/pdf/", transparency_pdf, name="transparency_pdf"),
]
