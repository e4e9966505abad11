"""Deadline rules: pure functions of a policy, a calendar and the time of receipt.

No ORM and no clock: ``selectors.policy_spec`` turns the stored policy and calendar
into the frozen values below, and callers pass ``received_at`` (and any pause) in.

Counting rules (docs/deadlines.md has the legal basis of each policy):

* ``elapsed_hours``: N hours of real (UTC) time after ``received_at``; 0 means at receipt.
* ``calendar_days``: the day of receipt is not counted (Civil Code art. 201; DISP "after
  the day on which it received"); the period ends at 23:59:59 local time on day N, in the
  policy's zone. With ``rolls_to_working_day`` a last day that is not a working day moves
  to the next working day (Civil Code art. 203); adjusted working weekend days (调休) are
  working days.
* ``business_days``: the N-th working day after the day of receipt, at 23:59:59 local time.
* The "day of receipt" is the local date of ``received_at`` in the policy's zone.

Pauses: ``paused_days`` is a whole number of calendar days during which the clock stood
still (``count_paused_days`` counts them from pause intervals). A pause moves every milestone
that is not due at receipt as if the complaint had been received that many days later:
date-based periods start counting from the day of receipt + N, elapsed-hour periods get
N × 24 hours more; moving to a working day then applies as usual. Only policies with
``allows_pause`` accept a pause.

Calendars: a working day is Monday to Friday unless the calendar's exceptions say
otherwise, and only in a covered year. A computation that has to look at a day of an
uncovered year raises ``CalendarYearMissing`` naming that year; it never guesses from
weekends. Elapsed hours and calendar days that do not move to a working day never look
at the calendar, so they need no covered year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safeguard.core.timeutil import require_aware
from safeguard.deadlines.errors import (
    CalendarYearMissing,
    InvalidPausedDays,
    PauseNotAllowed,
    UnknownExtension,
)

# The values of ``models.Unit`` and ``models.Milestone`` (TextChoices are str, so either compares equal).
ELAPSED_HOURS = "elapsed_hours"
CALENDAR_DAYS = "calendar_days"
BUSINESS_DAYS = "business_days"
UNITS = frozenset({ELAPSED_HOURS, CALENDAR_DAYS, BUSINESS_DAYS})

ACKNOWLEDGE = "acknowledge"
FIRST_RESPONSE = "first_response"
FINAL_RESPONSE = "final_response"

# Civil Code art. 203: a period ends at 24:00 of its last day; we show and compare 23:59:59.
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class CalendarData:
    """A business calendar as plain data.

    ``exceptions`` maps a date to whether it is a working day, for the days that differ from
    "Monday to Friday work": holidays on weekdays (False) and adjusted working weekend days (True).
    ``years`` are the years whose exceptions are all known. ``code`` only names the calendar in errors.
    """

    zone: str
    years: AbstractSet[int]
    exceptions: Mapping[date, bool]
    code: str = ""

    def __post_init__(self) -> None:
        ZoneInfo(self.zone)  # an unknown zone fails here, not in the middle of a computation

    @property
    def label(self) -> str:
        return self.code or self.zone


@dataclass(frozen=True)
class MilestoneRule:
    """One milestone of a policy: due ``amount`` ``unit`` after receipt, for ``case_types`` (empty: all)."""

    milestone: str
    unit: str
    amount: int
    case_types: frozenset[str] = frozenset()
    rolls_to_working_day: bool = False

    def __post_init__(self) -> None:
        _check_period(self.unit, self.amount)

    def applies_to(self, case_type: str) -> bool:
        return not self.case_types or case_type in self.case_types


@dataclass(frozen=True)
class ExtensionRule:
    """A named extension: the final response is due ``amount`` ``unit`` after receipt in total."""

    name: str
    unit: str
    amount: int
    needs_senior_approval: bool = False
    needs_customer_notice: bool = True

    def __post_init__(self) -> None:
        _check_period(self.unit, self.amount)


@dataclass(frozen=True)
class PolicySpec:
    code: str
    zone: str
    calendar: CalendarData
    milestones: tuple[MilestoneRule, ...]
    extensions: Mapping[str, ExtensionRule] = field(default_factory=dict)
    allows_pause: bool = False

    def __post_init__(self) -> None:
        ZoneInfo(self.zone)


def _check_period(unit: str, amount: int) -> None:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {sorted(UNITS)}")
    if amount < 0:
        raise ValueError(f"amount must be zero or more, not {amount}")


# --- calendar helpers -------------------------------------------------------------------


def is_working_day(cal: CalendarData, d: date) -> bool:
    """Whether ``d`` is a working day; raises ``CalendarYearMissing`` if its year is not covered."""
    if d.year not in cal.years:
        raise CalendarYearMissing(year=d.year, calendar=cal.label)
    return cal.exceptions.get(d, d.weekday() < 5)


def next_working_day(cal: CalendarData, d: date) -> date:
    """The first working day on or after ``d`` (``d`` itself when it is one).

    This is the Civil Code art. 203 move: a period whose last day is a rest day ends on the
    first working day after it.
    """
    while not is_working_day(cal, d):
        d += timedelta(days=1)
    return d


def add_business_days(cal: CalendarData, d: date, n: int) -> date:
    """The ``n``-th working day after ``d``; ``d`` itself is not counted (``n == 0`` gives ``d``)."""
    if n < 0:
        raise ValueError(f"n must be zero or more, not {n}")
    while n:
        d += timedelta(days=1)
        if is_working_day(cal, d):
            n -= 1
    return d


def end_of_day(d: date, zone: str) -> datetime:
    """23:59:59 local time on ``d`` in ``zone`` (aware)."""
    return datetime.combine(d, END_OF_DAY, tzinfo=ZoneInfo(zone))


def local_date(moment: datetime, zone: str) -> date:
    """The calendar date of an aware ``moment`` in ``zone``: the "day of receipt"."""
    require_aware(moment, "moment")
    return moment.astimezone(ZoneInfo(zone)).date()


def count_paused_days(pauses: Iterable[tuple[datetime, datetime]], zone: str) -> int:
    """Whole paused days from ``(started_at, ended_at)`` intervals (pass ``now`` for a running pause).

    As with the main period (Civil Code art. 201) the day a pause starts is not counted: a pause
    covers the local dates after its start date up to and including its end date, so it counts the
    local midnights it spans. Overlapping pauses count each date once.
    """
    days: set[date] = set()
    for started_at, ended_at in pauses:
        first, last = local_date(started_at, zone), local_date(ended_at, zone)
        if last < first:
            raise ValueError("a pause cannot end before it starts")
        days.update(first + timedelta(days=i) for i in range(1, (last - first).days + 1))
    return len(days)


# --- milestones ---------------------------------------------------------------------------


def extension_rule(spec: PolicySpec, name: str) -> ExtensionRule:
    """The policy's extension called ``name``; ``UnknownExtension`` if it has none by that name."""
    try:
        return spec.extensions[name]
    except KeyError:
        raise UnknownExtension(policy=spec.code, extension=name, known=sorted(spec.extensions)) from None


def compute_milestones(
    spec: PolicySpec,
    *,
    received_at: datetime,
    case_type: str,
    extension: str | None = None,
    paused_days: int = 0,
) -> dict[str, datetime]:
    """Every milestone of ``spec`` that applies to ``case_type``, as aware datetimes in the policy's zone.

    ``extension`` (a name from ``spec.extensions``) replaces the final response's period by the
    extension's total period, counted the same way (including moving to a working day).
    ``paused_days`` moves the milestones as described in the module docstring.
    """
    require_aware(received_at, "received_at")
    if paused_days < 0:
        raise InvalidPausedDays(paused_days=paused_days)
    if paused_days and not spec.allows_pause:
        raise PauseNotAllowed(policy=spec.code)
    granted = extension_rule(spec, extension) if extension else None

    # A rule for named case types overrides a catch-all rule for the same milestone.
    applicable = sorted((r for r in spec.milestones if r.applies_to(case_type)), key=lambda r: bool(r.case_types))
    due: dict[str, datetime] = {}
    for rule in applicable:
        unit, amount = rule.unit, rule.amount
        if granted is not None and rule.milestone == FINAL_RESPONSE:
            unit, amount = granted.unit, granted.amount
        # A milestone due at receipt is over before any pause can start.
        shift = paused_days if amount else 0
        due[rule.milestone] = _due_at(spec, received_at, unit, amount, rule.rolls_to_working_day, shift)
    return due


def _due_at(spec: PolicySpec, received_at: datetime, unit: str, amount: int, rolls: bool, shift: int) -> datetime:
    zone = ZoneInfo(spec.zone)
    if unit == ELAPSED_HOURS:
        # Real hours: add in UTC so a DST change in between does not add or lose an hour.
        return (received_at.astimezone(UTC) + timedelta(hours=amount, days=shift)).astimezone(zone)
    start = local_date(received_at, spec.zone) + timedelta(days=shift)
    if unit == CALENDAR_DAYS:
        last = start + timedelta(days=amount)
        if rolls:
            last = next_working_day(spec.calendar, last)
    else:
        last = add_business_days(spec.calendar, start, amount)
    return end_of_day(last, spec.zone)
