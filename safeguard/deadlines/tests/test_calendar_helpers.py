"""The calendar helpers the rules are built from, on the hand-typed 2026 China calendar."""

from datetime import date

import pytest

from safeguard.deadlines.rules import CalendarData, add_business_days, end_of_day, is_working_day, next_working_day

from .conftest import CN_2026


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 4), True),  # an ordinary Wednesday
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 2, 16), False),  # Spring Festival, a Monday
        (date(2026, 2, 14), True),  # adjusted working Saturday
        (date(2026, 9, 20), True),  # adjusted working Sunday
        (date(2026, 10, 3), False),  # National Day, a Saturday anyway
    ],
)
def test_is_working_day_follows_weekdays_and_the_exceptions(day, working):
    assert is_working_day(CN_2026, day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 4), date(2026, 3, 4)),  # already a working day
        (date(2026, 3, 7), date(2026, 3, 9)),  # Sat -> Mon
        (date(2026, 2, 15), date(2026, 2, 24)),  # first day of the Spring Festival break -> Tue after it
        (date(2026, 10, 1), date(2026, 10, 8)),  # National Day -> 8 Oct
        (date(2026, 9, 19), date(2026, 9, 20)),  # Sat -> the adjusted working Sunday
    ],
)
def test_next_working_day_is_the_first_working_day_on_or_after(day, expected):
    assert next_working_day(CN_2026, day) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 3, 4), 0, date(2026, 3, 4)),
        (date(2026, 3, 4), 1, date(2026, 3, 5)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Fri + 1 = Mon
        # 13 Feb (Fri) + 1 = 14 Feb (adjusted working Sat); + 2 = 24 Feb (after the break).
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        # 30 Sep (Wed) + 1 = 8 Oct; + 3 = 10 Oct (adjusted working Sat).
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
    ],
)
def test_add_business_days_counts_working_days_after_the_start(day, n, expected):
    assert add_business_days(CN_2026, day, n) == expected


def test_add_business_days_refuses_a_negative_count():
    with pytest.raises(ValueError, match="zero or more"):
        add_business_days(CN_2026, date(2026, 3, 4), -1)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Shanghai", "2026-03-29T23:59:59+08:00"),
        ("Europe/London", "2026-03-29T23:59:59+01:00"),  # the day the clocks go forward
        ("America/New_York", "2026-03-29T23:59:59-04:00"),
    ],
)
def test_end_of_day_is_235959_local_time(zone, expected):
    assert end_of_day(date(2026, 3, 29), zone).isoformat() == expected


def test_an_unknown_time_zone_is_refused_when_the_calendar_is_built():
    with pytest.raises(Exception, match="Mars/Olympus"):
        CalendarData(zone="Mars/Olympus", years=frozenset({2026}), exceptions={})
