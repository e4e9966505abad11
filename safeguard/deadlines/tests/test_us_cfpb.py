"""us-cfpb: first response 15 and final response 60 calendar days after the day of receipt,
ending 23:59:59 America/New_York."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.rules import compute_milestones

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("received", "first", "final"),
    [
        # Sun 1 Mar (EST) + 15 = 16 Mar, + 60 = 30 Apr; both after the clocks went forward on 8 Mar (EDT, -04:00).
        pytest.param(
            datetime(2026, 3, 1, 12, tzinfo=NEW_YORK),
            "2026-03-16T23:59:59-04:00",
            "2026-04-30T23:59:59-04:00",
            id="1-mar",
        ),
        # 1 Mar 03:00 UTC is still 28 Feb 22:00 in New York: 28 Feb + 15 = 15 Mar, + 60 = 29 Apr.
        pytest.param(
            datetime(2026, 3, 1, 3, tzinfo=UTC),
            "2026-03-15T23:59:59-04:00",
            "2026-04-29T23:59:59-04:00",
            id="utc-earlier-local-day",
        ),
        # 20 Jun + 15 = 5 Jul (the Sunday after Independence Day: no move); + 60 = 19 Aug.
        pytest.param(
            datetime(2026, 6, 20, 9, tzinfo=NEW_YORK),
            "2026-07-05T23:59:59-04:00",
            "2026-08-19T23:59:59-04:00",
            id="july",
        ),
        # 1 Oct + 15 = 16 Oct; + 60 = 30 Nov, after the clocks went back on 1 Nov (EST, -05:00).
        pytest.param(
            datetime(2026, 10, 1, 9, tzinfo=NEW_YORK),
            "2026-10-16T23:59:59-04:00",
            "2026-11-30T23:59:59-05:00",
            id="into-winter-time",
        ),
    ],
)
def test_first_and_final_response_are_15_and_60_days_after_receipt(spec_for, received, first, final):
    milestones = compute_milestones(spec_for("us-cfpb"), received_at=received, case_type="complaint")
    assert {name: value.isoformat() for name, value in milestones.items()} == {
        "first_response": first,
        "final_response": final,
    }
