"""The day of receipt is not counted, and it is the local date in the policy's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.rules import compute_milestones, count_paused_days, local_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("code", "received", "due"),
    [
        # cn-nfra: 3/2 23:50 is still 3/2 -> day 15 is 3/17 (Tue).
        pytest.param(
            "cn-nfra", datetime(2026, 3, 2, 23, 50, tzinfo=SHANGHAI), "2026-03-17T23:59:59+08:00", id="cn-2350"
        ),
        # Twenty minutes later it is 3/3 -> day 15 is 3/18 (Wed).
        pytest.param(
            "cn-nfra", datetime(2026, 3, 3, 0, 10, tzinfo=SHANGHAI), "2026-03-18T23:59:59+08:00", id="cn-0010"
        ),
        # 3/2 15:50 UTC is 3/2 23:50 in Shanghai.
        pytest.param(
            "cn-nfra", datetime(2026, 3, 2, 15, 50, tzinfo=UTC), "2026-03-17T23:59:59+08:00", id="cn-utc-same-day"
        ),
        # 3/2 16:30 UTC is already 3/3 00:30 in Shanghai: counting starts a day later although UTC says 3/2.
        pytest.param(
            "cn-nfra", datetime(2026, 3, 2, 16, 30, tzinfo=UTC), "2026-03-18T23:59:59+08:00", id="cn-utc-next-local-day"
        ),
        # London in summer time: 7/1 22:30 UTC is 23:30 BST on 7/1 -> 7/1 + 56 = 8/26.
        pytest.param(
            "uk-fca-disp", datetime(2026, 7, 1, 22, 30, tzinfo=UTC), "2026-08-26T23:59:59+01:00", id="uk-2330-bst"
        ),
        # 7/1 23:30 UTC is 00:30 BST on 7/2 -> 8/27.
        pytest.param(
            "uk-fca-disp", datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "2026-08-27T23:59:59+01:00", id="uk-0030-bst"
        ),
    ],
)
def test_the_day_of_receipt_is_the_local_date_and_is_not_counted(spec_for, code, received, due):
    milestones = compute_milestones(spec_for(code), received_at=received, case_type="complaint")
    assert milestones["final_response"].isoformat() == due


def test_a_naive_received_at_is_refused():
    from .conftest import BY_HAND

    with pytest.raises(ValueError, match="timezone-aware"):
        compute_milestones(BY_HAND["cn-nfra"], received_at=datetime(2026, 3, 2, 10), case_type="complaint")


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (datetime(2026, 3, 2, 16, 0, tzinfo=UTC), "Asia/Shanghai", "2026-03-03"),
        (datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC), "Asia/Shanghai", "2026-03-02"),
        (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "America/New_York", "2026-03-01"),
    ],
)
def test_local_date_is_the_calendar_date_in_the_zone(moment, zone, expected):
    assert local_date(moment, zone).isoformat() == expected


def test_count_paused_days_counts_local_midnights_once():
    pauses = [
        # 3/2 10:00 -> 3/5 09:00 Shanghai: 3/3, 3/4, 3/5.
        (datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), datetime(2026, 3, 5, 9, tzinfo=SHANGHAI)),
        # overlaps: 3/4 -> 3/6 adds only 3/6.
        (datetime(2026, 3, 4, 8, tzinfo=SHANGHAI), datetime(2026, 3, 6, 8, tzinfo=SHANGHAI)),
        # same local day: nothing.
        (datetime(2026, 3, 10, 9, tzinfo=SHANGHAI), datetime(2026, 3, 10, 17, tzinfo=SHANGHAI)),
    ]
    assert count_paused_days(pauses, "Asia/Shanghai") == 4


def test_count_paused_days_uses_the_policy_zone():
    # 3/2 15:00 UTC -> 3/2 17:00 UTC: in Shanghai 23:00 on 3/2 to 01:00 on 3/3, one midnight.
    pause = (datetime(2026, 3, 2, 15, tzinfo=UTC), datetime(2026, 3, 2, 17, tzinfo=UTC))
    assert count_paused_days([pause], "Asia/Shanghai") == 1
    assert count_paused_days([pause], "Europe/London") == 0


def test_a_pause_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="cannot end before it starts"):
        count_paused_days([(datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))], "UTC")
