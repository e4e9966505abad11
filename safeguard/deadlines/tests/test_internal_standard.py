"""internal-standard: acknowledgement at receipt, first response 24 elapsed hours after receipt,
and, for feedback only, the final response 48 elapsed hours after receipt."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.rules import compute_milestones

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 2, 14, 21, 30, tzinfo=SHANGHAI)  # the eve of the Spring Festival break


def test_feedback_gets_acknowledgement_24h_first_response_and_48h_final_response(spec_for):
    milestones = compute_milestones(spec_for("internal-standard"), received_at=RECEIVED, case_type="feedback")
    # Elapsed hours: holidays and weekends make no difference.
    assert {name: value.isoformat() for name, value in milestones.items()} == {
        "acknowledge": "2026-02-14T21:30:00+08:00",
        "first_response": "2026-02-15T21:30:00+08:00",
        "final_response": "2026-02-16T21:30:00+08:00",
    }


@pytest.mark.parametrize("case_type", ["complaint", "inquiry", "compliment"])
def test_only_feedback_has_the_48h_final_response(spec_for, case_type):
    milestones = compute_milestones(spec_for("internal-standard"), received_at=RECEIVED, case_type=case_type)
    assert {name: value.isoformat() for name, value in milestones.items()} == {
        "acknowledge": "2026-02-14T21:30:00+08:00",
        "first_response": "2026-02-15T21:30:00+08:00",
    }


def test_elapsed_hours_are_real_hours_across_a_dst_change():
    from safeguard.deadlines.rules import MilestoneRule, PolicySpec

    from .conftest import GB_ENG_2026_2027

    spec = PolicySpec(
        code="london-24h",
        zone="Europe/London",
        calendar=GB_ENG_2026_2027,
        milestones=(MilestoneRule("first_response", "elapsed_hours", 24),),
    )
    # The clocks go forward at 01:00 UTC on 29 Mar 2026: 24 real hours later the wall clock shows 13:00, not 12:00.
    due = compute_milestones(
        spec, received_at=datetime(2026, 3, 28, 12, tzinfo=ZoneInfo("Europe/London")), case_type="complaint"
    )
    assert due["first_response"].isoformat() == "2026-03-29T13:00:00+01:00"
    assert due["first_response"].astimezone(UTC) == datetime(2026, 3, 29, 12, tzinfo=UTC)


def test_elapsed_hours_need_no_calendar_year(spec_for):
    # The hand-typed China calendar covers 2026 only (the shipped one to the package's last year):
    # a 24-hour clock never looks at a calendar, so 2040 is fine.
    received = datetime(2040, 5, 1, 9, tzinfo=SHANGHAI)
    milestones = compute_milestones(spec_for("internal-standard"), received_at=received, case_type="feedback")
    assert milestones["final_response"].isoformat() == "2040-05-03T09:00:00+08:00"
