"""Opening a case: milestones stored from the policy, automatic acknowledgement, refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.cases.errors import InvalidReceivedAt
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, ReferenceSequence, Status
from safeguard.cases.tests.support import NOW, SHANGHAI
from safeguard.core.errors import InvalidInput, PermissionDenied
from safeguard.deadlines.errors import CalendarYearMissing
from safeguard.deadlines.models import DeadlinePolicy

pytestmark = pytest.mark.django_db


def _due(case: Case) -> dict[str, datetime]:
    return {m.milestone: m.due_at for m in CaseMilestone.objects.filter(case=case)}


def test_cn_nfra_complaint_gets_the_service_standard_and_the_regulatory_final_response(case):
    due = _due(case)
    # internal-standard: acknowledged at receipt, first response within 24 hours
    assert due["acknowledge"] == NOW
    assert due["first_response"] == NOW + timedelta(hours=24)
    # cn-nfra art. 18: 15 days, day of receipt not counted (2 March + 15 = 17 March, a Tuesday)
    assert due["final_response"] == datetime(2026, 3, 17, 23, 59, 59, tzinfo=SHANGHAI)
    assert case.policy.code == "cn-nfra"
    assert case.next_due_at == NOW + timedelta(hours=24)


def test_a_zero_hour_acknowledgement_acknowledges_the_case_on_receipt(case):
    assert case.status == Status.ACKNOWLEDGED
    assert case.acknowledged_at == NOW
    ack = CaseMilestone.objects.get(case=case, milestone="acknowledge")
    assert ack.met_at == ack.due_at == NOW
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [CaseEvent.Kind.CREATED, CaseEvent.Kind.ACKNOWLEDGED]


def test_back_dated_phone_log_counts_from_the_time_of_receipt(open_case):
    received = datetime(2026, 2, 27, 16, 30, tzinfo=SHANGHAI)  # last Friday afternoon
    case = open_case(channel="phone", received_at=received)
    due = _due(case)
    assert case.received_at == received
    assert case.acknowledged_at == received
    assert due["first_response"] == received + timedelta(hours=24)
    # 27 Feb + 15 days = 14 March, a Saturday: moves to Monday 16 March (Civil Code art. 203)
    assert due["final_response"] == datetime(2026, 3, 16, 23, 59, 59, tzinfo=SHANGHAI)
    assert case.next_due_at == received + timedelta(hours=24)


def test_without_a_service_standard_a_case_waits_to_be_acknowledged(open_case):
    DeadlinePolicy.objects.filter(code="internal-standard").update(is_active=False)
    case = open_case()
    assert case.status == Status.RECEIVED
    assert case.acknowledged_at is None
    assert set(_due(case)) == {"final_response"}


def test_other_policies_keep_their_own_final_response(open_case):
    case = open_case(policy="uk-fca-disp")
    # DISP 1.6.2R: eight weeks = 56 days after the day of receipt, London time
    due = _due(case)
    assert due["final_response"].date().isoformat() == "2026-04-27"
    assert due["first_response"] == NOW + timedelta(hours=24)


def test_a_deadline_in_a_year_without_calendar_data_refuses_the_creation(open_case, frozen_time):
    frozen_time.move_to(datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI))
    before = (Case.objects.count(), AuditEntry.objects.count(), ReferenceSequence.objects.count())
    with pytest.raises(CalendarYearMissing) as refused:
        open_case()
    assert refused.value.code == "calendar_year_missing"
    assert refused.value.extra["year"] == 2027
    assert (Case.objects.count(), AuditEntry.objects.count(), ReferenceSequence.objects.count()) == before


def test_received_in_the_future_is_refused(open_case):
    with pytest.raises(InvalidReceivedAt):
        open_case(received_at=NOW + timedelta(hours=1))
    assert not Case.objects.exists()


def test_a_little_clock_skew_is_accepted(open_case):
    case = open_case(received_at=NOW + timedelta(seconds=30))
    assert case.received_at == NOW + timedelta(seconds=30)


def test_received_at_without_a_time_zone_is_refused(open_case):
    with pytest.raises(InvalidReceivedAt):
        open_case(received_at=datetime(2026, 3, 1, 9, 0))  # naive on purpose
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "grievance"),
        ("channel", "pigeon"),
        ("severity", "apocalyptic"),
        ("complainant_role", "neighbour"),
        ("description", "   "),
        ("policy", "no-such-policy"),
        ("product", "no-such-product"),
        ("category", "no-such-category"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(open_case, field, value):
    with pytest.raises(InvalidInput):
        open_case(**{field: value})
    assert not Case.objects.exists()
    assert not ReferenceSequence.objects.exists()


def test_a_category_of_another_product_is_refused(open_case):
    with pytest.raises(InvalidInput, match="does not belong"):
        open_case(product="deposit", category="loan-processing")


def test_product_and_category_may_be_given_by_code(open_case):
    case = open_case(product="credit-card", category="fees-charges")
    assert (case.product.code, case.category.code) == ("credit-card", "fees-charges")


def test_staff_without_add_case_cannot_open_a_case(open_case, auditor):
    with pytest.raises(PermissionDenied):
        open_case(by=auditor)
    assert not Case.objects.exists()


def test_an_agent_opens_a_case_and_the_audit_names_them(open_case, agent):
    case = open_case(by=agent, assignee=agent)
    entry = AuditEntry.objects.get(action="case.open")
    assert entry.actor == agent
    assert entry.changes["reference"] == case.reference
    assert case.assignee == agent


def test_a_customer_opening_through_the_portal_is_named_in_the_audit(open_case):
    case = open_case(channel="portal")
    entry = AuditEntry.objects.get(action="case.open")
    assert entry.actor is None
    assert entry.actor_label == f"customer:{case.reference}"
    assert CaseEvent.objects.get(case=case, kind="created").actor_label == "customer"
