"""``selectors.policy_spec`` loads a policy, its milestones, extensions and calendar in a few queries."""

from datetime import date

import pytest

from safeguard.deadlines.errors import UnknownPolicy
from safeguard.deadlines.models import DeadlinePolicy
from safeguard.deadlines.rules import ExtensionRule, MilestoneRule
from safeguard.deadlines.selectors import active_policies, policy_spec

pytestmark = pytest.mark.django_db


def test_policy_spec_by_code_takes_five_queries(django_assert_num_queries):
    # policy + calendar (join), milestones, extensions, calendar years, calendar days
    with django_assert_num_queries(5):
        spec = policy_spec("cn-nfra")
    assert spec.code == "cn-nfra" and spec.zone == "Asia/Shanghai" and spec.allows_pause
    assert spec.milestones == (MilestoneRule("final_response", "calendar_days", 15, rolls_to_working_day=True),)
    assert spec.extensions == {
        "complex": ExtensionRule(
            "complex", "calendar_days", 30, needs_senior_approval=False, needs_customer_notice=False
        ),
        "special": ExtensionRule(
            "special", "calendar_days", 60, needs_senior_approval=True, needs_customer_notice=True
        ),
    }
    assert spec.calendar.zone == "Asia/Shanghai" and spec.calendar.code == "cn"
    assert {2004, 2026} <= spec.calendar.years
    assert spec.calendar.exceptions[date(2026, 2, 16)] is False
    assert spec.calendar.exceptions[date(2026, 2, 14)] is True


def test_policy_spec_from_an_instance_with_its_calendar_takes_four_queries(django_assert_num_queries):
    policy = DeadlinePolicy.objects.select_related("calendar").get(code="internal-standard")
    with django_assert_num_queries(4):
        spec = policy_spec(policy)
    assert [(m.milestone, m.amount, m.case_types) for m in spec.milestones] == [
        ("acknowledge", 0, frozenset()),
        ("first_response", 24, frozenset()),
        ("final_response", 48, frozenset({"feedback"})),
    ]


@pytest.mark.parametrize(
    ("code", "zone", "calendar"),
    [
        ("internal-standard", "Asia/Shanghai", "cn"),
        ("cn-nfra", "Asia/Shanghai", "cn"),
        ("uk-fca-disp", "Europe/London", "gb-eng"),
        ("uk-psd2", "Europe/London", "gb-eng"),
        ("us-cfpb", "America/New_York", "us"),
    ],
)
def test_each_shipped_policy_uses_its_calendar_and_zone(code, zone, calendar):
    spec = policy_spec(code)
    assert (spec.zone, spec.calendar.code) == (zone, calendar)


def test_an_unknown_policy_is_an_error():
    with pytest.raises(UnknownPolicy) as caught:
        policy_spec("eu-psd3")
    assert caught.value.code == "unknown_policy" and caught.value.status == 404


def test_active_policies_leave_out_inactive_ones_but_policy_spec_still_loads_them():
    DeadlinePolicy.objects.filter(code="us-cfpb").update(is_active=False)
    assert [p.code for p in active_policies()] == ["cn-nfra", "internal-standard", "uk-fca-disp", "uk-psd2"]
    assert policy_spec("us-cfpb").code == "us-cfpb"


def test_each_shipped_policy_cites_its_rule():
    citations = dict(DeadlinePolicy.objects.values_list("code", "description"))
    assert "art. 18" in citations["cn-nfra"] and "201" in citations["cn-nfra"]
    assert "DISP 1.6.2R" in citations["uk-fca-disp"]
    assert "DISP 1.6.2AR" in citations["uk-psd2"]
    assert "CFPB" in citations["us-cfpb"] or "Consumer Financial Protection Bureau" in citations["us-cfpb"]
    assert "service standard" in citations["internal-standard"]
