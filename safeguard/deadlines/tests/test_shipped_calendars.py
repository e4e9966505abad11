"""The data migration ships the calendars: the years each source really covers, and days that
match the official schedules (typed in by hand in conftest.py)."""

from datetime import date

import pytest
from chinese_calendar import constants

from safeguard.deadlines.models import CalendarDay, CalendarYear

from .conftest import CN_2026, GB_ENG_2026_2027_BANK_HOLIDAYS, US_2026

pytestmark = pytest.mark.django_db


def _years(code):
    return set(CalendarYear.objects.filter(calendar__code=code).values_list("year", flat=True))


def _exceptions(code, year):
    return dict(CalendarDay.objects.filter(calendar__code=code, date__year=year).values_list("date", "is_working_day"))


def test_china_covers_exactly_the_years_chinesecalendar_has_official_data_for():
    package_years = {d.year for d in constants.holidays}
    assert _years("cn") == package_years
    assert {2004, 2026} <= package_years  # chinesecalendar 1.11: 2004-2026


@pytest.mark.parametrize("code", ["gb-eng", "us"])
def test_uk_and_us_cover_2015_to_2035(code):
    assert _years(code) == set(range(2015, 2036))


@pytest.mark.parametrize(("code", "package"), [("cn", "chinesecalendar"), ("gb-eng", "holidays"), ("us", "holidays")])
def test_each_covered_year_records_its_source(code, package):
    sources = set(CalendarYear.objects.filter(calendar__code=code).values_list("source", flat=True))
    assert len(sources) == 1 and sources.pop().startswith(f"{package} ")


def test_china_2026_matches_the_state_council_schedule():
    assert _exceptions("cn", 2026) == dict(CN_2026.exceptions)


def test_england_and_wales_2026_and_2027_match_gov_uk():
    shipped = _exceptions("gb-eng", 2026) | _exceptions("gb-eng", 2027)
    assert shipped == dict.fromkeys(GB_ENG_2026_2027_BANK_HOLIDAYS, False)


def test_us_2026_matches_the_opm_federal_holidays():
    assert _exceptions("us", 2026) == dict(US_2026.exceptions)


def test_calendar_days_carry_readable_names():
    day = CalendarDay.objects.get(calendar__code="cn", date=date(2026, 2, 14))
    assert "春节" in day.name and "adjusted working day" in day.name
    assert CalendarDay.objects.get(calendar__code="gb-eng", date=date(2026, 4, 3)).name == "Good Friday"
