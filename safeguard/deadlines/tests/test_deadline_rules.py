"""``deadline_rules()``: every policy's spec, cached per process and never stale.

The database gives ``RulesVersion`` a new random token on any write to a calendar or policy
table (triggers, migration 0005); the cache is only used while the token is the one it was
loaded under, so a change made anywhere (admin, command, another process, raw SQL) counts at
once, and a rolled-back change cannot leave a stale copy behind.
"""

from datetime import date

import pytest
from django.db import connection, transaction

from safeguard.deadlines.errors import UnknownPolicy
from safeguard.deadlines.models import (
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    PolicyExtension,
    PolicyMilestone,
    RulesVersion,
)
from safeguard.deadlines.selectors import deadline_rules, policy_spec, rules_version

pytestmark = pytest.mark.django_db

SHIPPED = ["cn-nfra", "internal-standard", "uk-fca-disp", "uk-psd2", "us-cfpb"]


def _final_response_days(code: str) -> int:
    return next(m.amount for m in deadline_rules().spec(code).milestones if m.milestone == "final_response")


def test_the_cached_specs_are_those_policy_spec_loads():
    rules = deadline_rules()
    assert sorted(rules.by_code) == SHIPPED
    for code in SHIPPED:
        assert rules.spec(code) == policy_spec(code)
        assert rules.spec(rules.by_code[code].id) == policy_spec(code)


def test_unchanged_rules_cost_one_query(django_assert_num_queries):
    first = deadline_rules()
    with django_assert_num_queries(1):
        assert deadline_rules() is first


def test_inactive_policies_are_known_but_not_active():
    DeadlinePolicy.objects.filter(code="us-cfpb").update(is_active=False)
    rules = deadline_rules()
    assert rules.active("us-cfpb") is None and rules.active("cn-nfra") is not None
    assert rules.spec("us-cfpb").code == "us-cfpb"
    with pytest.raises(UnknownPolicy):
        rules.spec("eu-psd3")


@pytest.mark.parametrize(
    "change",
    [
        lambda: PolicyMilestone.objects.filter(policy__code="cn-nfra", milestone="final_response").update(amount=10),
        lambda: DeadlinePolicy.objects.filter(code="cn-nfra").update(allows_pause=False),
        lambda: PolicyExtension.objects.filter(policy__code="cn-nfra", name="complex").delete(),
        lambda: CalendarYear.objects.filter(calendar__code="cn", year=2026).delete(),
        lambda: CalendarDay.objects.create(calendar_id=_cn(), date=date(2026, 3, 4), is_working_day=False),
    ],
    ids=["milestone", "policy", "extension", "calendar year", "calendar day"],
)
def test_any_change_to_a_policy_or_calendar_is_seen_by_the_next_operation(change):
    before = deadline_rules()
    change()
    after = deadline_rules()
    assert after.version != before.version
    assert after.spec("cn-nfra") != before.spec("cn-nfra")
    assert after.spec("cn-nfra") == policy_spec("cn-nfra")


def _cn() -> int:
    return DeadlinePolicy.objects.get(code="cn-nfra").calendar_id


def test_a_change_made_with_raw_sql_is_seen_too():
    assert _final_response_days("cn-nfra") == 15
    table = connection.ops.quote_name(PolicyMilestone._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET amount = 20 WHERE milestone = 'final_response'")  # noqa: S608
    assert _final_response_days("cn-nfra") == 20


def test_a_rolled_back_change_leaves_no_stale_copy():
    assert _final_response_days("cn-nfra") == 15
    with pytest.raises(RuntimeError), transaction.atomic():
        PolicyMilestone.objects.filter(policy__code="cn-nfra", milestone="final_response").update(amount=10)
        assert _final_response_days("cn-nfra") == 10  # cached under the uncommitted token
        raise RuntimeError("roll back")
    assert _final_response_days("cn-nfra") == 15
    # A later, different change must not be mistaken for the rolled-back one.
    PolicyMilestone.objects.filter(policy__code="cn-nfra", milestone="final_response").update(amount=12)
    assert _final_response_days("cn-nfra") == 12


def test_every_write_gives_a_token_never_seen_before():
    seen = {rules_version()}
    for amount in (10, 11, 10, 11):
        PolicyMilestone.objects.filter(policy__code="cn-nfra", milestone="final_response").update(amount=amount)
        seen.add(rules_version())
    assert len(seen) == 5 and None not in seen


def test_without_a_version_row_nothing_is_cached(django_assert_num_queries):
    RulesVersion.objects.all().delete()
    deadline_rules()
    with django_assert_num_queries(6):  # the version, then the five loading queries again
        rules = deadline_rules()
    assert rules.version is None and rules.spec("cn-nfra") == policy_spec("cn-nfra")
