"""A deadline that needs a year the calendar has no data for fails loudly and names the year;
it is never computed from weekends alone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.deadlines.errors import CalendarYearMissing
from safeguard.deadlines.models import CalendarYear
from safeguard.deadlines.rules import add_business_days, compute_milestones, is_working_day, next_working_day

from .conftest import BY_HAND, CN_2026

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("code", "received", "missing"),
    [
        # 20 Dec 2026 + 15 = 4 Jan 2027: the hand-typed China calendar only has 2026.
        ("cn-nfra", datetime(2026, 12, 20, 10, tzinfo=SHANGHAI), 2027),
        # Received in 2025: day 15 is in 2025 too.
        ("cn-nfra", datetime(2025, 6, 2, 10, tzinfo=SHANGHAI), 2025),
        # UK business days: 2028 is not in the hand-typed calendar (2026-2027).
        ("uk-psd2", datetime(2027, 12, 20, 10, tzinfo=ZoneInfo("Europe/London")), 2028),
    ],
)
def test_a_missing_year_raises_and_names_it(code, received, missing):
    with pytest.raises(CalendarYearMissing) as caught:
        compute_milestones(BY_HAND[code], received_at=received, case_type="complaint")
    assert caught.value.code == "calendar_year_missing"
    assert caught.value.year == missing
    assert str(missing) in caught.value.detail


def test_a_roll_out_of_a_covered_year_into_a_missing_one_raises():
    # 31 Dec 2026 (Thu) is a working day, so no roll is needed; 2 Jan 2027 would need 2027.
    assert next_working_day(CN_2026, date(2026, 12, 31)) == date(2026, 12, 31)
    with pytest.raises(CalendarYearMissing, match="2027"):
        add_business_days(CN_2026, date(2026, 12, 31), 1)


def test_even_a_plain_weekday_of_a_missing_year_is_not_guessed():
    with pytest.raises(CalendarYearMissing, match="2027"):
        is_working_day(CN_2026, date(2027, 3, 3))  # a Wednesday


def test_calendar_days_that_do_not_move_to_a_working_day_need_no_calendar():
    # uk-fca-disp counts weeks and never looks at holidays, so 2040 is computed.
    due = compute_milestones(
        BY_HAND["uk-fca-disp"],
        received_at=datetime(2040, 3, 1, 9, tzinfo=ZoneInfo("Europe/London")),
        case_type="complaint",
    )
    assert due["final_response"].isoformat() == "2040-04-26T23:59:59+01:00"


@pytest.mark.django_db
def test_the_shipped_china_calendar_refuses_the_year_after_its_last_one():
    from safeguard.deadlines.selectors import policy_spec

    last = max(CalendarYear.objects.filter(calendar__code="cn").values_list("year", flat=True))
    with pytest.raises(CalendarYearMissing) as caught:
        compute_milestones(
            policy_spec("cn-nfra"), received_at=datetime(last + 1, 3, 2, 10, tzinfo=SHANGHAI), case_type="complaint"
        )
    assert caught.value.year == last + 1


@pytest.mark.django_db
def test_the_command_exits_non_zero_and_names_the_year_on_stderr(capsys):
    from django.core.management import execute_from_command_line

    last = max(CalendarYear.objects.filter(calendar__code="cn").values_list("year", flat=True))
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(
            ["manage.py", "deadline", "--policy", "cn-nfra", "--received", f"{last + 1}-03-02T10:00:00+08:00"]
        )
    assert exited.value.code != 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f"has no data for {last + 1}" in err


@pytest.mark.django_db
def test_the_command_raises_command_error_for_a_missing_year():
    CalendarYear.objects.filter(calendar__code="gb-eng", year=2027).delete()
    with pytest.raises(CommandError, match="2027"):
        call_command("deadline", "--policy", "uk-psd2", "--received", "2026-12-14T10:00:00+00:00")
