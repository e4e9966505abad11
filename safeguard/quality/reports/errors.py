"""Errors of report generation, with stable codes (forms show them; the command prints them)."""

from __future__ import annotations

from safeguard.core.errors import InvalidInput


class ReportError(InvalidInput):
    code = "report_error"


class InvalidPeriod(ReportError):
    code = "invalid_period"


class PeriodNotClosed(ReportError):
    code = "period_not_closed"


class UnknownReportKind(ReportError):
    code = "unknown_report_kind"


class UnsupportedFormat(ReportError):
    code = "unsupported_format"


class UnsupportedLanguage(ReportError):
    code = "unsupported_language"
