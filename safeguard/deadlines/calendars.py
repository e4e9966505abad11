"""Where the shipped calendars come from, and the loader that writes them.

Three sources, each filling one ``Calendar`` (by code):

* ``cn``: mainland China public holidays and adjusted working days (调休) from ``chinesecalendar``,
  which transcribes the State Council's yearly notice (国务院办公厅关于部分节假日安排的通知).
  Only the years the installed package has official data for are covered.
* ``gb-eng``: England and Wales bank holidays from ``holidays`` (country GB, subdivision ENG),
  substitute days included.
* ``us``: US federal holidays from ``holidays`` (country US), observed days included.

A ``CalendarDay`` row is an exception to "Monday to Friday work": a holiday on a weekday
(not working) or an adjusted working Saturday or Sunday (working). Holidays that fall on a
weekend change nothing and are not stored.

``load_calendar_years`` takes a model registry so the data migration can call it with its
historical models; ``services.refresh_calendars`` calls it with the live ones and audits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from typing import Any

# ``holidays`` computes any year from its rules: ship a window around today; extend with load_calendars.
RULE_BASED_YEARS = range(2015, 2036)
_NAME_LENGTH = 120


@dataclass(frozen=True)
class CalendarSource:
    code: str
    name: str
    zone: str
    package: str
    # Years the source has data for (None: computed for any year).
    available: Callable[[], frozenset[int] | None]
    # year -> {date: (is_working_day, name)} for the exceptions of that year.
    exceptions: Callable[[int], dict[date, tuple[bool, str]]]
    # Which years the data migration loads.
    default_years: Callable[[], Iterable[int]]
    note: str

    @property
    def label(self) -> str:
        """The ``CalendarYear.source`` text: package, version and what it transcribes."""
        return f"{self.package} {version(self.package)} ({self.note})"[:_NAME_LENGTH]

    def missing(self, years: Iterable[int]) -> list[int]:
        available = self.available()
        return [] if available is None else sorted(set(years) - available)

    def covered_text(self) -> str:
        available = self.available()
        if available is None:
            return "any year"
        return f"{min(available)}–{max(available)}" if available else "no year"


def _china_available() -> frozenset[int]:
    from chinese_calendar import constants

    return frozenset(d.year for d in constants.holidays)


def _china_exceptions(year: int) -> dict[date, tuple[bool, str]]:
    from chinese_calendar import constants

    def chinese(english: str) -> str:
        try:
            return str(constants.Holiday(english).chinese)
        except ValueError:
            return ""

    found: dict[date, tuple[bool, str]] = {}
    for d, english in constants.holidays.items():
        if d.year == year and d.weekday() < 5:
            found[d] = (False, f"{chinese(english)} {english}".strip()[:_NAME_LENGTH])
    for d, english in constants.workdays.items():
        if d.year == year and d.weekday() >= 5:
            name = f"{chinese(english)}调休上班 {english} (adjusted working day)"
            found[d] = (True, name.strip()[:_NAME_LENGTH])
    return found


def _holidays_exceptions(country: str, subdiv: str | None) -> Callable[[int], dict[date, tuple[bool, str]]]:
    def exceptions(year: int) -> dict[date, tuple[bool, str]]:
        import holidays

        days = holidays.country_holidays(country, subdiv=subdiv, years=year)
        return {d: (False, str(name)[:_NAME_LENGTH]) for d, name in days.items() if d.year == year and d.weekday() < 5}

    return exceptions


def _no_limit() -> None:
    return None


SOURCES: dict[str, CalendarSource] = {
    source.code: source
    for source in (
        CalendarSource(
            code="cn",
            name="China (mainland) public holidays",
            zone="Asia/Shanghai",
            package="chinesecalendar",
            available=_china_available,
            exceptions=_china_exceptions,
            default_years=lambda: sorted(_china_available()),
            note="State Council holiday notices",
        ),
        CalendarSource(
            code="gb-eng",
            name="England and Wales bank holidays",
            zone="Europe/London",
            package="holidays",
            available=_no_limit,
            exceptions=_holidays_exceptions("GB", "ENG"),
            default_years=lambda: RULE_BASED_YEARS,
            note="GB, subdivision ENG",
        ),
        CalendarSource(
            code="us",
            name="US federal holidays",
            zone="America/New_York",
            package="holidays",
            available=_no_limit,
            exceptions=_holidays_exceptions("US", None),
            default_years=lambda: RULE_BASED_YEARS,
            note="US federal",
        ),
    )
}


def load_calendar_years(apps: Any, code: str, years: Iterable[int]) -> dict[int, int]:
    """Create the calendar if needed, then replace the exceptions of each year from its source.

    Marks each year covered (``CalendarYear``, with the source). Returns ``{year: exceptions}``.
    Rows an administrator entered for those years are replaced: the source is the reference.
    The caller checks the years against ``source.missing`` first and holds the transaction.
    """
    calendar_model = apps.get_model("deadlines", "Calendar")
    year_model = apps.get_model("deadlines", "CalendarYear")
    day_model = apps.get_model("deadlines", "CalendarDay")
    source = SOURCES[code]
    calendar, _created = calendar_model.objects.get_or_create(
        code=code, defaults={"name": source.name, "zone": source.zone}
    )
    label = source.label
    loaded: dict[int, int] = {}
    for year in sorted(set(years)):
        exceptions = source.exceptions(year)
        day_model.objects.filter(calendar=calendar, date__year=year).delete()
        day_model.objects.bulk_create(
            day_model(calendar=calendar, date=d, is_working_day=working, name=name)
            for d, (working, name) in sorted(exceptions.items())
        )
        year_model.objects.update_or_create(calendar=calendar, year=year, defaults={"source": label})
        loaded[year] = len(exceptions)
    return loaded
