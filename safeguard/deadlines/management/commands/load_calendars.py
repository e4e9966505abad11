"""Refresh or extend the business calendars from the chinesecalendar and holidays packages."""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from safeguard.core.errors import DomainError
from safeguard.deadlines.calendars import SOURCES
from safeguard.deadlines.services import refresh_calendars

_FIRST_YEAR, _LAST_YEAR = 1900, 2200


def year_range(value: str) -> list[int]:
    """``2027`` or ``2015-2035`` (inclusive)."""
    first, _sep, last = value.partition("-")
    try:
        years = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ArgumentTypeError(
            gettext("“%(value)s” is not a year or a range such as 2015-2035") % {"value": value}
        ) from None
    if not years or years[0] < _FIRST_YEAR or years[-1] > _LAST_YEAR:
        raise ArgumentTypeError(
            gettext("years must run forwards between %(first)s and %(last)s, not “%(value)s”")
            % {"first": _FIRST_YEAR, "last": _LAST_YEAR, "value": value}
        )
    return years


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        # argparse needs real strings, so translate when the parser is built.
        return gettext(
            "Load public holidays and adjusted working days from the chinesecalendar and holidays packages "
            "into the business calendars, replacing the stored days of each year loaded and marking the "
            "year covered. Without --years: every year chinesecalendar has official data for (cn) and "
            "2015-2035 (gb-eng, us). A year a package has no data for is an error and nothing is written."
        )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--years", nargs="+", type=year_range, help=gettext("years or ranges to load, e.g. 2027 or 2015-2035")
        )
        parser.add_argument(
            "--calendar",
            action="append",
            choices=list(SOURCES),
            help=gettext("calendar to load (repeat for several; default: all)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = sorted({y for chunk in options["years"] for y in chunk}) if options["years"] else None
        try:
            loads = refresh_calendars(by="manage.py load_calendars", codes=options["calendar"] or (), years=years)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        for load in loads:
            self.stdout.write(
                gettext("%(calendar)s: %(first)s–%(last)s (%(count)s years, %(days)s exception days) from %(source)s")
                % {
                    "calendar": load.code,
                    "first": min(load.years),
                    "last": max(load.years),
                    "count": len(load.years),
                    "days": sum(load.years.values()),
                    "source": load.source,
                }
            )
