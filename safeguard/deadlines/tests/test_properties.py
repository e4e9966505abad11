"""Properties of every shipped policy, on the calendars the data migrations ship, within their
covered years: deadlines never move earlier when receipt moves later, are never before receipt,
and date-based ones end at 23:59:59 local time (on a working day where the policy moves them)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.deadlines.rules import compute_milestones, is_working_day
from safeguard.deadlines.selectors import policy_spec

pytestmark = pytest.mark.django_db

CASE_TYPES = ["complaint", "feedback", "inquiry"]
# Receipt windows inside the shipped coverage, leaving room for the longest period (60 days,
# or 35 business days, plus a pause of up to 30 days) before the last covered year ends.
POLICIES = [
    ("internal-standard", datetime(2004, 1, 1), datetime(2026, 12, 1)),
    ("cn-nfra", datetime(2004, 1, 1), datetime(2026, 9, 15)),
    ("uk-fca-disp", datetime(2015, 1, 1), datetime(2035, 10, 1)),
    ("uk-psd2", datetime(2015, 1, 1), datetime(2035, 10, 1)),
    ("us-cfpb", datetime(2015, 1, 1), datetime(2035, 10, 1)),
]
FAST = settings(max_examples=60, deadline=None, database=None)


def _receipts(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    return st.datetimes(min_value=first, max_value=last, timezones=st.just(UTC))


def _options(spec):
    return st.tuples(
        st.sampled_from(CASE_TYPES),
        st.sampled_from([None, *spec.extensions]),
        st.integers(min_value=0, max_value=30) if spec.allows_pause else st.just(0),
    )


@pytest.mark.parametrize(("code", "first", "last"), POLICIES)
def test_deadlines_never_move_earlier_when_receipt_moves_later(code, first, last):
    spec = policy_spec(code)

    @FAST
    @given(_receipts(first, last), _receipts(first, last), _options(spec))
    def check(a, b, options):
        case_type, extension, paused = options
        earlier, later = sorted([a, b])
        before = compute_milestones(
            spec, received_at=earlier, case_type=case_type, extension=extension, paused_days=paused
        )
        after = compute_milestones(
            spec, received_at=later, case_type=case_type, extension=extension, paused_days=paused
        )
        assert before.keys() == after.keys()
        for name in before:
            assert before[name] <= after[name], name

    check()


@pytest.mark.parametrize(("code", "first", "last"), POLICIES)
def test_deadlines_are_never_before_receipt_and_a_pause_never_brings_them_forward(code, first, last):
    spec = policy_spec(code)

    @FAST
    @given(_receipts(first, last), _options(spec))
    def check(received, options):
        case_type, extension, paused = options
        due = compute_milestones(
            spec, received_at=received, case_type=case_type, extension=extension, paused_days=paused
        )
        unpaused = compute_milestones(spec, received_at=received, case_type=case_type, extension=extension)
        assert due, "every policy has at least one milestone for every case type"
        for name, at in due.items():
            assert at >= received, name
            assert at >= unpaused[name], name

    check()


@pytest.mark.parametrize(("code", "first", "last"), [p for p in POLICIES if p[0] != "internal-standard"])
def test_date_based_deadlines_end_at_235959_local_time(code, first, last):
    spec = policy_spec(code)
    zone = ZoneInfo(spec.zone)

    @FAST
    @given(_receipts(first, last), _options(spec))
    def check(received, options):
        case_type, extension, paused = options
        due = compute_milestones(
            spec, received_at=received, case_type=case_type, extension=extension, paused_days=paused
        )
        for at in due.values():
            local = at.astimezone(zone)
            assert local.time() == time(23, 59, 59)
            assert local.date() > received.astimezone(zone).date(), "the day of receipt is not counted"

    check()


def test_cn_nfra_final_responses_always_fall_on_a_working_day():
    spec = policy_spec("cn-nfra")
    zone = ZoneInfo(spec.zone)

    @FAST
    @given(_receipts(datetime(2004, 1, 1), datetime(2026, 9, 15)), _options(spec))
    def check(received, options):
        case_type, extension, paused = options
        due = compute_milestones(
            spec, received_at=received, case_type=case_type, extension=extension, paused_days=paused
        )
        local = due["final_response"].astimezone(zone)
        assert is_working_day(spec.calendar, local.date())
        assert local.time() == time(23, 59, 59)

    check()
