"""Domain errors of the deadlines context, each with a stable snake_case code.

Each takes the facts as keyword arguments, builds its translated message from them
and keeps them in ``extra`` (the API adds them to the problem document).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from safeguard.core.errors import DomainError, InvalidInput, NotFound


def _rebuild(cls: type[DeadlineError], facts: dict[str, Any]) -> DeadlineError:
    return cls(**facts)


class DeadlineError(DomainError):
    """Base of this module's errors: built from keyword facts, so they pickle by those facts."""

    def __init__(self, detail: str, **facts: Any) -> None:
        super().__init__(detail, **facts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.extra)))


class CalendarYearMissing(DeadlineError):
    """A deadline needs a year its calendar has no data for; we never fall back to weekends alone."""

    code = "calendar_year_missing"
    status = 409

    def __init__(self, *, year: int, calendar: str) -> None:
        super().__init__(
            gettext(
                "The business calendar “%(calendar)s” has no data for %(year)s, so this deadline cannot be computed. "
                "An administrator must load %(year)s (manage.py load_calendars --years %(year)s) "
                "or enter its holidays in the admin."
            )
            % {"calendar": calendar, "year": year},
            year=year,
            calendar=calendar,
        )
        self.year = year
        self.calendar = calendar


class UnknownExtension(DeadlineError, InvalidInput):
    code = "unknown_extension"

    def __init__(self, *, policy: str, extension: str, known: list[str]) -> None:
        super().__init__(
            gettext("Policy %(policy)s has no extension called “%(extension)s”; it has: %(known)s.")
            % {"policy": policy, "extension": extension, "known": ", ".join(known) or gettext("none")},
            policy=policy,
            extension=extension,
            known=known,
        )


class PauseNotAllowed(DeadlineError):
    code = "pause_not_allowed"
    status = 409

    def __init__(self, *, policy: str) -> None:
        super().__init__(
            gettext("Policy %(policy)s does not allow the clock to be paused.") % {"policy": policy},
            policy=policy,
        )


class InvalidPausedDays(DeadlineError, InvalidInput):
    code = "invalid_paused_days"

    def __init__(self, *, paused_days: int) -> None:
        super().__init__(
            gettext("Paused days must be zero or more, not %(paused_days)s.") % {"paused_days": paused_days},
            paused_days=paused_days,
        )


class UnknownPolicy(DeadlineError, NotFound):
    code = "unknown_policy"

    def __init__(self, *, policy: str) -> None:
        super().__init__(gettext("There is no deadline policy “%(policy)s”.") % {"policy": policy}, policy=policy)


class CalendarSourceMissingYears(DeadlineError, InvalidInput):
    """``load_calendars`` was asked for years a source package does not cover."""

    code = "calendar_source_missing_years"

    def __init__(self, *, calendar: str, source: str, years: list[int], covered: str) -> None:
        super().__init__(
            gettext(
                "%(source)s has no data for %(years)s, so the %(calendar)s calendar cannot be loaded for them "
                "(it covers %(covered)s). Upgrade the package once the official schedule is published, "
                "or choose other calendars with --calendar."
            )
            % {"source": source, "years": ", ".join(str(y) for y in years), "calendar": calendar, "covered": covered},
            calendar=calendar,
            source=source,
            years=years,
            covered=covered,
        )


class UnknownCalendarSource(DeadlineError, InvalidInput):
    code = "unknown_calendar_source"

    def __init__(self, *, calendar: str, known: list[str]) -> None:
        super().__init__(
            gettext("There is no calendar source “%(calendar)s”; the sources are: %(known)s.")
            % {"calendar": calendar, "known": ", ".join(known)},
            calendar=calendar,
            known=known,
        )
