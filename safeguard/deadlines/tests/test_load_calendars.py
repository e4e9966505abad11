"""``manage.py load_calendars`` refreshes and extends calendars from the packages, writes an audit
entry per calendar, and refuses, writing nothing, a year a package has no data for."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.audit.models import AuditEntry
from safeguard.deadlines.calendars import SOURCES
from safeguard.deadlines.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def test_it_extends_a_rule_based_calendar_and_records_the_source():
    out = StringIO()
    call_command("load_calendars", "--calendar", "gb-eng", "--years", "2036-2037", stdout=out)
    year = CalendarYear.objects.get(calendar__code="gb-eng", year=2037)
    assert year.source.startswith("holidays ") and "ENG" in year.source
    # 2037: Christmas Day is a Friday, Boxing Day a Saturday, so Monday 28 December is the substitute day.
    days = dict(
        CalendarDay.objects.filter(calendar__code="gb-eng", date__year=2037).values_list("date", "is_working_day")
    )
    assert days[date(2037, 12, 25)] is False and days[date(2037, 12, 28)] is False
    assert "gb-eng: 2036–2037 (2 years" in out.getvalue()
    entry = AuditEntry.objects.get(action="calendar.load")
    assert entry.actor_label == "manage.py load_calendars" and entry.changes["years"] == [2036, 2037]


def test_a_refresh_replaces_the_days_of_the_years_it_loads_and_keeps_the_others():
    CalendarDay.objects.filter(calendar__code="us", date=date(2026, 11, 26)).delete()  # Thanksgiving
    CalendarDay.objects.create(calendar_id=CalendarYear.objects.get(calendar__code="us", year=2026).calendar_id,
                               date=date(2026, 11, 27), is_working_day=False, name="Typed in by hand")  # fmt: skip
    before_2025 = set(CalendarDay.objects.filter(calendar__code="us", date__year=2025).values_list("date", flat=True))
    call_command("load_calendars", "--calendar", "us", "--years", "2026", stdout=StringIO())
    days_2026 = set(CalendarDay.objects.filter(calendar__code="us", date__year=2026).values_list("date", flat=True))
    assert date(2026, 11, 26) in days_2026 and date(2026, 11, 27) not in days_2026
    assert (
        set(CalendarDay.objects.filter(calendar__code="us", date__year=2025).values_list("date", flat=True))
        == before_2025
    )


def test_a_year_chinesecalendar_has_no_data_for_is_refused_and_nothing_is_written():
    last = max(SOURCES["cn"].available() or {0})
    days, years, entries = CalendarDay.objects.count(), CalendarYear.objects.count(), AuditEntry.objects.count()
    with pytest.raises(CommandError, match=str(last + 1)):
        # gb-eng could be loaded, but the request as a whole is refused.
        call_command("load_calendars", "--years", str(last), str(last + 1), stdout=StringIO())
    assert (CalendarDay.objects.count(), CalendarYear.objects.count(), AuditEntry.objects.count()) == (
        days,
        years,
        entries,
    )


def test_a_year_that_is_not_a_year_is_refused():
    with pytest.raises(CommandError, match="not a year"):
        call_command("load_calendars", "--years", "twenty", stdout=StringIO())
