"""Writes of the deadlines context: refreshing calendars from their source packages.

Administrators edit calendars and policies in the Django admin (``admin.py`` audits each change).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db import transaction

from safeguard.audit import services as audit
from safeguard.deadlines.calendars import SOURCES, load_calendar_years
from safeguard.deadlines.errors import CalendarSourceMissingYears, UnknownCalendarSource
from safeguard.deadlines.models import Calendar


@dataclass(frozen=True)
class CalendarLoad:
    code: str
    source: str
    # year -> number of exception days written
    years: dict[int, int]


@transaction.atomic
def refresh_calendars(*, by: Any, codes: Sequence[str] = (), years: Iterable[int] | None = None) -> list[CalendarLoad]:
    """Load the given calendars (default: every source) for ``years`` (default: each source's default years).

    Checks everything before writing: an unknown calendar or a year a source has no data for is
    an error and nothing is written. Each year's exceptions are replaced from the source and the
    year is marked covered; one audit entry per calendar records what was loaded.
    """
    codes = list(dict.fromkeys(codes)) or list(SOURCES)
    for code in codes:
        if code not in SOURCES:
            raise UnknownCalendarSource(calendar=code, known=list(SOURCES))
    wanted = {code: sorted(set(years) if years is not None else set(SOURCES[code].default_years())) for code in codes}
    for code, code_years in wanted.items():
        source = SOURCES[code]
        missing = source.missing(code_years)
        if missing:
            raise CalendarSourceMissingYears(
                calendar=code, source=source.label, years=missing, covered=source.covered_text()
            )
    loads = []
    for code, code_years in wanted.items():
        loaded = load_calendar_years(django_apps, code, code_years)
        source_label = SOURCES[code].label
        calendar = Calendar.objects.get(code=code)
        audit.log(
            by,
            "calendar.load",
            calendar,
            changes={"years": sorted(loaded), "exceptions": sum(loaded.values()), "source": source_label},
        )
        loads.append(CalendarLoad(code=code, source=source_label, years=loaded))
    return loads
