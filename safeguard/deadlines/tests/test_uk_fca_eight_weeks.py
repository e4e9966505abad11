"""uk-fca-disp (DISP 1.6.2R): the end of eight weeks (56 calendar days) after the day of receipt,
at 23:59:59 Europe/London whatever the offset is then; it does not move off holidays."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.rules import compute_milestones

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 10 Mar (GMT) + 56: 21 days to 31 Mar, 30 to 30 Apr, 5 more: 5 May, after the clocks went
        # forward on 29 Mar, so the end of day is 23:59:59+01:00 (22:59:59 UTC).
        pytest.param(datetime(2026, 3, 10, 9, tzinfo=LONDON), "2026-05-05T23:59:59+01:00", id="into-summer-time"),
        # 15 Sep (BST) + 56: 15 days to 30 Sep, 31 to 31 Oct, 10 more: 10 Nov, after the clocks went
        # back on 25 Oct: 23:59:59+00:00.
        pytest.param(datetime(2026, 9, 15, 9, tzinfo=LONDON), "2026-11-10T23:59:59+00:00", id="out-of-summer-time"),
        # 30 Oct + 56 = 25 Dec, Christmas Day: DISP counts weeks, so it stays on Christmas Day.
        pytest.param(datetime(2026, 10, 30, 12, tzinfo=UTC), "2026-12-25T23:59:59+00:00", id="no-move-off-christmas"),
    ],
)
def test_final_response_is_the_end_of_eight_weeks_in_london_time(spec_for, received, due):
    milestones = compute_milestones(spec_for("uk-fca-disp"), received_at=received, case_type="complaint")
    assert {name: value.isoformat() for name, value in milestones.items()} == {"final_response": due}


def test_the_end_of_eight_weeks_is_2359_london_time_in_utc_across_the_spring_change(spec_for):
    due = compute_milestones(
        spec_for("uk-fca-disp"), received_at=datetime(2026, 3, 10, 9, tzinfo=LONDON), case_type="complaint"
    )["final_response"]
    assert due.astimezone(UTC) == datetime(2026, 5, 5, 22, 59, 59, tzinfo=UTC)
