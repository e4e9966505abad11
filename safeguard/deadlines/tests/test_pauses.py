"""Pauses: only where the policy allows one (cn-nfra); a pause of N days moves the running
milestones as if the complaint had been received N days later, then the usual move to a
working day applies."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from safeguard.deadlines.errors import InvalidPausedDays, PauseNotAllowed
from safeguard.deadlines.rules import MilestoneRule, PolicySpec, compute_milestones

from .conftest import CN_2026

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("received", "paused_days", "extension", "due"),
    [
        # 2 Mar + 15 = 17 Mar; paused 5 days: 22 Mar (Sun) -> 23 Mar (Mon).
        pytest.param(
            datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), 5, None, "2026-03-23T23:59:59+08:00", id="5-days-to-monday"
        ),
        # paused 1 day: 18 Mar (Wed).
        pytest.param(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), 1, None, "2026-03-18T23:59:59+08:00", id="1-day"),
        # complex (30) + 3 paused: 2 Mar + 33 = 4 Apr (Sat, Qingming); 5 Apr (Sun), 6 Apr (Mon) off; 7 Apr.
        pytest.param(
            datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), 3, "complex", "2026-04-07T23:59:59+08:00", id="complex-qingming"
        ),
        # 1 Feb + 15 = 16 Feb, inside Spring Festival; paused 12 days: 28 Feb, an adjusted working Saturday.
        pytest.param(
            datetime(2026, 2, 1, 10, tzinfo=SHANGHAI), 12, None, "2026-02-28T23:59:59+08:00", id="to-adjusted-saturday"
        ),
    ],
)
def test_a_pause_moves_the_cn_nfra_final_response_later(spec_for, received, paused_days, extension, due):
    milestones = compute_milestones(
        spec_for("cn-nfra"), received_at=received, case_type="complaint", extension=extension, paused_days=paused_days
    )
    assert milestones["final_response"].isoformat() == due


@pytest.mark.parametrize("code", ["internal-standard", "uk-fca-disp", "uk-psd2", "us-cfpb"])
def test_policies_without_a_clock_stop_refuse_a_pause(spec_for, code):
    with pytest.raises(PauseNotAllowed) as caught:
        compute_milestones(
            spec_for(code), received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), case_type="complaint", paused_days=2
        )
    assert caught.value.code == "pause_not_allowed" and code in caught.value.detail


@pytest.mark.parametrize("code", ["internal-standard", "uk-fca-disp", "uk-psd2", "us-cfpb", "cn-nfra"])
def test_zero_paused_days_is_accepted_by_every_policy(spec_for, code):
    assert compute_milestones(
        spec_for(code), received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), case_type="complaint", paused_days=0
    )


def test_negative_paused_days_are_refused(spec_for):
    with pytest.raises(InvalidPausedDays) as caught:
        compute_milestones(
            spec_for("cn-nfra"),
            received_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
            case_type="complaint",
            paused_days=-1,
        )
    assert caught.value.code == "invalid_paused_days"


def test_a_pause_adds_whole_days_to_elapsed_hours_but_never_moves_a_milestone_due_at_receipt():
    spec = PolicySpec(
        code="pausable-hours",
        zone="Asia/Shanghai",
        calendar=CN_2026,
        milestones=(
            MilestoneRule("acknowledge", "elapsed_hours", 0),
            MilestoneRule("first_response", "elapsed_hours", 24),
        ),
        allows_pause=True,
    )
    received = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    milestones = compute_milestones(spec, received_at=received, case_type="complaint", paused_days=2)
    assert milestones["acknowledge"].isoformat() == "2026-03-02T10:00:00+08:00"
    assert milestones["first_response"].isoformat() == "2026-03-05T10:00:00+08:00"


def test_the_shipped_policies_allow_a_pause_only_for_cn_nfra(db):
    from safeguard.deadlines.selectors import policy_spec

    allowed = {
        code: policy_spec(code).allows_pause
        for code in ["internal-standard", "cn-nfra", "uk-fca-disp", "uk-psd2", "us-cfpb"]
    }
    assert allowed == {
        "internal-standard": False,
        "cn-nfra": True,
        "uk-fca-disp": False,
        "uk-psd2": False,
        "us-cfpb": False,
    }
