"""The bulk demo generator (``demo.bulk``) writes rows the services would have written.

A few hundred cases received over the last 60 days, so every state is present; the checks are
the invariants the queue and the case page rely on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.cases import demo, services
from safeguard.cases.demo import bulk
from safeguard.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseMilestone,
    Message,
    ReferenceSequence,
    Resolution,
    Status,
)
from safeguard.cases.selectors import visible_cases
from safeguard.cases.services._base import policy_milestones
from safeguard.customers.models import Customer
from safeguard.deadlines.selectors import deadline_rules

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"^(CMP|FBK|INQ|CPL)-(\d{4})-(\d{6,})$")
CASES = 300


@pytest.fixture
def loaded(settings: Any, tmp_path: Any) -> bulk.BulkSummary:
    settings.VAR_DIR = tmp_path
    demo.load(cases=0)
    return bulk.load(cases=CASES, days=60, batch=70)


def test_writes_the_cases_with_their_milestones_events_and_customers(loaded):
    assert loaded.cases == Case.objects.count() == CASES
    assert loaded.milestones == CaseMilestone.objects.count() >= 3 * CASES
    assert loaded.events == CaseEvent.objects.count() >= 3 * CASES
    assert loaded.customers == Customer.objects.filter(customer_no__startswith="BULK").count() == CASES // 5
    assert sum(loaded.by_status.values()) == CASES
    # Every state a queue filters on is there, and so are the types and channels.
    assert {"acknowledged", "investigating", "awaiting_customer", "resolved", "closed", "withdrawn"} <= set(
        loaded.by_status
    )
    assert set(Case.objects.values_list("type", flat=True)) >= {"complaint", "inquiry", "feedback"}
    assert len(set(Case.objects.values_list("channel", flat=True))) >= 5
    assert Case.objects.filter(is_breached=True, status__in=OPEN_STATUSES).exists()
    assert Case.objects.exclude(policy__code="cn-nfra").exists()


def test_customers_pii_is_encrypted_masked_and_indexed(loaded):
    customer = Customer.objects.filter(customer_no__startswith="BULK").first()
    assert customer is not None
    assert customer.name_enc.startswith("v1.") and customer.phone_enc.startswith("v1.")
    assert "*" in customer.phone_masked and len(customer.phone_index) == 64
    assert customer.national_id_index and customer.email_index


def test_references_are_unique_well_formed_gapless_and_the_counters_move_past_them(loaded, customer):
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references)
    numbers: dict[tuple[str, int], list[int]] = defaultdict(list)
    for reference in references:
        match = REFERENCE.match(reference)
        assert match, reference
        numbers[(match[1], int(match[2]))].append(int(match[3]))
    for key, used in numbers.items():
        assert sorted(used) == list(range(1, len(used) + 1)), key
        assert ReferenceSequence.objects.get(prefix=key[0], year=key[1]).last_number == len(used)
    # Numbered in order of receipt.
    ordered = list(Case.objects.filter(reference__startswith="CMP-2026-").order_by("received_at"))
    assert [c.reference for c in ordered] == sorted(c.reference for c in ordered)

    # A case opened afterwards gets the next number (and the next id).
    prefix_year = ("CMP", 2026)
    new = services.open_case(
        by=None, customer=customer, type="complaint", channel="phone", description="年费被重复扣收。"
    )
    assert new.reference == f"CMP-2026-{len(numbers[prefix_year]) + 1:06d}"
    assert new.pk > max(c.pk for c in ordered)


def test_next_due_is_the_earliest_unmet_milestone_of_open_cases_and_null_for_the_others(loaded):
    earliest = dict(
        CaseMilestone.objects.filter(met_at__isnull=True)
        .values("case_id")
        .annotate(m=Min("due_at"))
        .values_list("case_id", "m")
    )
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    assert open_cases.count() >= 20
    for case in open_cases:
        assert case.next_due_at == earliest.get(case.pk), case.reference
    assert not Case.objects.exclude(status__in=OPEN_STATUSES).filter(next_due_at__isnull=False).exists()
    # Finished cases met their final response when they were resolved.
    resolved = CaseMilestone.objects.filter(case__resolved_at__isnull=False, milestone="final_response")
    assert resolved.exists()
    assert all(m.met_at == m.case.resolved_at for m in resolved.select_related("case"))


def test_is_breached_says_whether_a_milestone_was_met_late_or_is_overdue(loaded):
    now = timezone.now()
    breached_milestone = CaseMilestone.objects.filter(case=OuterRef("pk"), breached_at__isnull=False)
    cases = Case.objects.annotate(has_breach=Exists(breached_milestone))
    assert not cases.filter(is_breached=True, has_breach=False).exists()
    assert not cases.filter(is_breached=False, has_breach=True).exists()
    # An open case past its next deadline is breached.
    assert not Case.objects.filter(status__in=OPEN_STATUSES, next_due_at__lte=now, is_breached=False).exists()
    for m in CaseMilestone.objects.select_related("case"):
        late = m.met_at is not None and m.met_at > m.due_at
        overdue = m.met_at is None and m.case.status in OPEN_STATUSES and m.due_at <= now
        if late or overdue:
            assert m.breached_at is not None, (m.case.reference, m.milestone)
        if m.met_at is not None and m.met_at <= m.due_at:
            assert m.breached_at is None, (m.case.reference, m.milestone)


def test_milestones_are_those_the_policy_gives(loaded):
    policies = deadline_rules()
    for case in Case.objects.order_by("?")[:40]:
        due = policy_milestones(policies, case.policy_id, received_at=case.received_at, case_type=case.type)
        stored = dict(CaseMilestone.objects.filter(case=case).values_list("milestone", "due_at"))
        assert stored == due, case.reference
        acknowledged = CaseMilestone.objects.get(case=case, milestone="acknowledge")
        assert acknowledged.met_at == case.received_at == case.acknowledged_at


def test_every_case_is_visible_to_its_department_and_its_assignee(loaded):
    supervisor = User.objects.get(username="demo-supervisor")
    assert visible_cases(supervisor).count() == CASES
    per_department = Case.objects.values("department_id").annotate(n=Count("pk"))
    assert not Case.objects.filter(department__isnull=True).exists()
    for row in per_department:
        member = User.objects.filter(departments=row["department_id"], groups__name="agent").first()
        assert member is not None, row
        assert visible_cases(member).filter(department_id=row["department_id"]).count() == row["n"]
    for case in Case.objects.filter(assignee__isnull=False).select_related("assignee")[:50]:
        assert visible_cases(case.assignee).filter(pk=case.pk).exists()
    # Work is spread over the bulk handlers, not four people.
    assert Case.objects.filter(assignee__username__startswith="bulk-").exists()


def test_timeline_messages_and_resolutions_hang_together(loaded):
    assert not Case.objects.exclude(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind="created"))).exists()
    finished = Case.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED, Status.REFERRED])
    assert finished.exists()
    assert Resolution.objects.filter(case__in=finished).count() == finished.count()
    linked = CaseEvent.objects.filter(message__isnull=False).select_related("message")
    assert linked.exists()
    assert all(e.message is not None and e.message.case_id == e.case_id for e in linked)
    assert Message.objects.count() == linked.count()
    # Only staff-visible kinds carry a staff actor; the rest say who acted.
    assert not CaseEvent.objects.filter(Q(actor_label="") | Q(at__isnull=True)).exists()


def test_load_demo_bulk_loads_staff_then_the_bulk_cases(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("load_demo", "--bulk", "--cases", "40", stdout=out, stderr=StringIO())
    assert demo.is_loaded()
    assert Case.objects.count() == 40
    assert "Bulk: " in out.getvalue()
    assert (tmp_path / "demo-accounts.json").exists()


def test_refuses_without_the_demo_staff():
    with pytest.raises(RuntimeError, match="demo"):
        bulk.load(cases=5)
