"""Report periods: a month (``2026-10``), a quarter (``2026-Q3``), a half year (``2026-H1``, the
DISP return's period) or a year (``2026``). Pure functions apart from ``today()``.

A report is only made for a period that has ended (in the institution's time zone): its figures
would change otherwise, and the public transparency page must never show a running period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.quality.kpis import Period
from safeguard.quality.reports.errors import InvalidPeriod, PeriodNotClosed

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
# Years a report may cover; keeps date arithmetic far from datetime's limits.
YEARS = range(2000, 2200)

_PATTERNS = (
    (MONTH, re.compile(r"^(\d{4})-(\d{2})$")),
    (QUARTER, re.compile(r"^(\d{4})-Q([1-4])$")),
    (HALF, re.compile(r"^(\d{4})-H([12])$")),
    (YEAR, re.compile(r"^(\d{4})$")),
)
_MONTHS = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}


@dataclass(frozen=True)
class ReportPeriod:
    code: str  # as typed by the user, normalised: 2026-10, 2026-Q3, 2026-H1, 2026
    granularity: str
    start: date
    end: date  # inclusive

    @property
    def period(self) -> Period:
        """The same days as the KPI engine's ``Period``."""
        return Period(self.start, self.end)

    @property
    def label(self) -> str:
        """The period in words, in the active language."""
        year = self.start.year
        if self.granularity == MONTH:
            return _("%(month)s %(year)d") % {"month": _month_name(self.start.month), "year": year}
        if self.granularity == QUARTER:
            return _("Q%(quarter)d %(year)d") % {"quarter": (self.start.month - 1) // 3 + 1, "year": year}
        if self.granularity == HALF:
            return _("H%(half)d %(year)d") % {"half": 1 if self.start.month == 1 else 2, "year": year}
        return str(year)

    def shifted(self, steps: int) -> ReportPeriod:
        """The period ``steps`` periods of the same length later (negative: earlier)."""
        months = _MONTHS[self.granularity]
        index = self.start.year * 12 + self.start.month - 1 + steps * months
        return of(self.granularity, index // 12, index % 12 + 1)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, end + 1 day 00:00) in the institution's time zone, as aware datetimes."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    def is_closed(self, today: date) -> bool:
        return self.end < today


def _month_name(month: int) -> str:
    names = [
        _("January"),
        _("February"),
        _("March"),
        _("April"),
        _("May"),
        _("June"),
        _("July"),
        _("August"),
        _("September"),
        _("October"),
        _("November"),
        _("December"),
    ]
    return names[month - 1]


def of(granularity: str, year: int, month: int) -> ReportPeriod:
    """The period of ``granularity`` that contains ``year``-``month``."""
    months = _MONTHS[granularity]
    first = (month - 1) // months * months + 1
    start = date(year, first, 1)
    last_month = first + months - 1
    end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    if granularity == MONTH:
        code = f"{year:04d}-{first:02d}"
    elif granularity == QUARTER:
        code = f"{year:04d}-Q{(first - 1) // 3 + 1}"
    elif granularity == HALF:
        code = f"{year:04d}-H{1 if first == 1 else 2}"
    else:
        code = f"{year:04d}"
    return ReportPeriod(code=code, granularity=granularity, start=start, end=end)


def parse(text: str, *, allowed: tuple[str, ...] = (MONTH, QUARTER, HALF, YEAR)) -> ReportPeriod:
    """``text`` as a period of one of the ``allowed`` granularities; ``InvalidPeriod`` otherwise."""
    value = (text or "").strip().upper()
    for granularity, pattern in _PATTERNS:
        match = pattern.match(value)
        if match is None:
            continue
        year = int(match.group(1))
        number = int(match.group(2)) if granularity != YEAR else 1
        if year not in YEARS or (granularity == MONTH and not 1 <= number <= 12):
            break
        if granularity not in allowed:
            raise InvalidPeriod(
                _("A %(kind)s is not a period this report covers; use %(expected)s.")
                % {"kind": granularity_label(granularity), "expected": examples(allowed)},
                period=text,
            )
        month = {MONTH: number, QUARTER: (number - 1) * 3 + 1, HALF: (number - 1) * 6 + 1, YEAR: 1}[granularity]
        return of(granularity, year, month)
    raise InvalidPeriod(
        _("“%(period)s” is not a period; use %(expected)s.") % {"period": text[:20], "expected": examples(allowed)},
        period=text[:20],
    )


def require_closed(period: ReportPeriod, today: date | None = None) -> ReportPeriod:
    """``PeriodNotClosed`` unless the period has ended (a future or running period)."""
    today = today or timezone.localdate()
    if not period.is_closed(today):
        raise PeriodNotClosed(
            _("%(period)s has not ended yet; reports cover periods that have ended.") % {"period": period.label},
            period=period.code,
        )
    return period


def granularity_label(granularity: str) -> str:
    return {MONTH: _("month"), QUARTER: _("quarter"), HALF: _("half year"), YEAR: _("year")}[granularity]


def examples(allowed: tuple[str, ...]) -> str:
    sample = {MONTH: "2026-10", QUARTER: "2026-Q3", HALF: "2026-H1", YEAR: "2026"}
    return ", ".join(sample[g] for g in allowed)


def last_closed(granularity: str, today: date | None = None) -> ReportPeriod:
    """The most recent period of ``granularity`` that has ended."""
    today = today or timezone.localdate()
    return of(granularity, today.year, today.month).shifted(-1)
