"""Reports: the monthly and quarterly service-quality reports, the regulatory statistics
(JR/T 0169-2018 and the DISP 1 Annex 1 return) and the public transparency summary.

A report is made in two steps, so the same figures can become any format:

1. ``build(kind, period, language)`` gathers a ``document.Document`` (key figures and tables, every
   label in the report's language) with ``service_quality``, ``regulatory`` or ``transparency``;
2. ``render(document, fmt)`` lays it out as PDF (``pdf``, WeasyPrint) or XLSX (``xlsx``, openpyxl).

``quality.services.reports.generate`` does both, stores the file as a ``Report`` with its SHA-256 and
audits it; the dashboard page and ``manage.py quality_report`` call that service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard.quality.models import Report
from safeguard.quality.reports import periods
from safeguard.quality.reports.document import Document
from safeguard.quality.reports.errors import UnknownReportKind, UnsupportedFormat, UnsupportedLanguage

Kind = Report.Kind
# The periods each kind of report covers.
PERIODS: dict[str, tuple[str, ...]] = {
    Kind.MONTHLY: (periods.MONTH,),
    Kind.QUARTERLY: (periods.QUARTER,),
    Kind.JRT0169: (periods.MONTH, periods.QUARTER, periods.HALF, periods.YEAR),
    Kind.DISP: (periods.HALF, periods.YEAR, periods.QUARTER, periods.MONTH),
    Kind.TRANSPARENCY: (periods.QUARTER, periods.HALF, periods.YEAR, periods.MONTH),
}
FORMATS = (Report.Format.PDF, Report.Format.XLSX)
CONTENT_TYPES: dict[str, str] = {
    Report.Format.PDF: "application/pdf",
    Report.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def check_kind(kind: str) -> str:
    if kind not in PERIODS:
        raise UnknownReportKind(
            _("“%(kind)s” is not a kind of report; choose one of: %(kinds)s.")
            % {"kind": kind[:30], "kinds": ", ".join(PERIODS)},
            kind=kind[:30],
        )
    return kind


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UnsupportedFormat(
            _("“%(format)s” is not a report format; choose one of: %(formats)s.")
            % {"format": fmt[:10], "formats": ", ".join(FORMATS)},
            format=fmt[:10],
        )
    return fmt


def check_language(language: str) -> str:
    if language not in languages():
        raise UnsupportedLanguage(
            _("“%(language)s” is not a report language; choose one of: %(languages)s.")
            % {"language": language[:10], "languages": ", ".join(languages())},
            language=language[:10],
        )
    return language


def report_period(kind: str, text: str, *, today: date | None = None) -> periods.ReportPeriod:
    """The period ``text`` for a report of ``kind``: the right granularity, and ended."""
    period = periods.parse(text, allowed=PERIODS[check_kind(kind)])
    return periods.require_closed(period, today)


def _builder(kind: str) -> Callable[..., Document]:
    from safeguard.quality.reports import regulatory, service_quality, transparency

    if kind in (Kind.MONTHLY, Kind.QUARTERLY):
        return lambda period, **kw: service_quality.service_quality(period, kind=kind, **kw)
    builders: dict[str, Callable[..., Document]] = {
        Kind.JRT0169: regulatory.jrt0169,
        Kind.DISP: regulatory.disp,
        Kind.TRANSPARENCY: transparency.transparency,
    }
    return builders[kind]


def build(kind: str, period: periods.ReportPeriod, *, language: str, now: datetime | None = None) -> Document:
    """The report's document, every label in ``language``."""
    check_kind(kind)
    check_language(language)
    with translation.override(language):
        return _builder(kind)(period, language=language, now=now or timezone.now())


def render(document: Document, fmt: str) -> bytes:
    check_format(fmt)
    if fmt == Report.Format.PDF:
        from safeguard.quality.reports.pdf import render_pdf

        return render_pdf(document)
    from safeguard.quality.reports.xlsx import render_xlsx

    return render_xlsx(document)
