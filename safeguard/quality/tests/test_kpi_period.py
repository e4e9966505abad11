"""Periods are whole days in the institution's time zone, written the way people say them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from safeguard.quality.kpis import InvalidPeriod, Period


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31), "2026-10"),
        ("2026-2", date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
        ("2026-q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), "2026-H1"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        ("2026-W05", date(2026, 1, 26), date(2026, 2, 1), "2026-W05"),
        ("2026-10-05", date(2026, 10, 5), date(2026, 10, 5), "2026-10-05"),
        ("2026-10-03..2026-11-04", date(2026, 10, 3), date(2026, 11, 4), "2026-10-03..2026-11-04"),
        ("2026-10-01..2026-10-31", date(2026, 10, 1), date(2026, 10, 31), "2026-10"),
    ],
)
def test_parse_and_label(text, start, end, label):
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert Period.parse(period.label) == period


@pytest.mark.parametrize(
    "text",
    ["", "2026-13", "2026-Q5", "2026-H3", "26-10", "2026-10-32", "2026-02-30..2026-03-01", "last month", "2026-W54"],
)
def test_nonsense_is_an_invalid_period(text):
    with pytest.raises(InvalidPeriod) as caught:
        Period.parse(text)
    assert caught.value.code == "invalid_period"


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(InvalidPeriod):
        Period.parse("2026-10-05..2026-10-04")


def test_bounds_are_local_midnights(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    start, end = Period.parse("2026-10").bounds()
    assert start == datetime(2026, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert end == datetime(2026, 11, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert start.utcoffset() == timedelta(hours=8)


def test_bounds_follow_daylight_saving_time(settings):
    settings.TIME_ZONE = "Europe/London"
    start, end = Period.parse("2026-10").bounds()
    assert start.utcoffset() == timedelta(hours=1) and end.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("2026-03", "2026-02"),
        ("2026-01", "2025-12"),
        ("2026-Q1", "2025-Q4"),
        ("2026-H2", "2026-H1"),
        ("2026", "2025"),
        ("2026-W01", "2025-W52"),
        ("2026-10-05..2026-10-14", "2026-09-25..2026-10-04"),
    ],
)
def test_previous_is_the_period_of_the_same_length_just_before(text, previous):
    assert Period.parse(text).previous().label == previous


def test_split_into_months_and_quarters_keeps_only_whole_ones():
    period = Period.parse("2026-02-15..2026-09-30")
    assert [p.label for p in period.split("monthly")] == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
    ]
    assert [p.label for p in period.split("quarterly")] == ["2026-Q2", "2026-Q3"]
