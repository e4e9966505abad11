"""Opening cases in bulk: the same rows ``open_case`` writes, references gapless, one audit entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError

from safeguard.audit.models import AuditEntry
from safeguard.cases import rules, services
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, ReferenceSequence, Status
from safeguard.cases.services import NewCase, NewCustomer, open_cases_bulk
from safeguard.cases.tests.support import NOW, SHANGHAI
from safeguard.core.errors import InvalidInput, PermissionDenied
from safeguard.customers.models import Customer

pytestmark = pytest.mark.django_db


def _row(customer: Customer | NewCustomer, **overrides: Any) -> NewCase:
    fields: dict[str, Any] = {
        "customer": customer,
        "type": "complaint",
        "channel": "phone",
        "description": "信用卡年费被重复扣收，请退还。",
        "received_at": NOW - timedelta(hours=2),
    }
    fields.update(overrides)
    return NewCase(**fields)


def _due(case: Case) -> dict[str, datetime]:
    return {m.milestone: m.due_at for m in CaseMilestone.objects.filter(case=case)}


def test_bulk_cases_get_the_same_milestones_and_status_as_open_case(customer, open_case):
    received = datetime(2026, 2, 27, 16, 30, tzinfo=SHANGHAI)
    single = open_case(received_at=received)
    (opened,) = open_cases_bulk(by=None, rows=[_row(customer, received_at=received)])
    bulk = Case.objects.get(pk=opened.id)
    assert (bulk.reference, bulk.status, bulk.customer_id) == (opened.reference, opened.status, customer.pk)
    assert _due(bulk) == _due(single)
    assert bulk.next_due_at == single.next_due_at == received + timedelta(hours=24)
    assert bulk.status == single.status == Status.ACKNOWLEDGED
    assert bulk.acknowledged_at == received
    ack = CaseMilestone.objects.get(case=bulk, milestone="acknowledge")
    assert ack.met_at == received
    # one event tells the arrival: the acknowledgement at receipt is in it
    (created,) = CaseEvent.objects.filter(case=bulk)
    assert created.kind == CaseEvent.Kind.CREATED
    assert created.data["imported"] is True
    assert created.data["milestones"] == {k: rules.iso(v) for k, v in _due(bulk).items()}
    assert created.data["received_at"] == created.data["acknowledged_at"] == rules.iso(received)
    assert created.data["status"] == Status.ACKNOWLEDGED
    assert created.data["reference"] == bulk.reference
    assert "Acknowledged on receipt" in created.note


def test_references_are_gapless_across_batches_and_after_open_case(customer, open_case):
    first = open_cases_bulk(by=None, rows=[_row(customer) for _ in range(3)])
    middle = open_case()
    second = open_cases_bulk(by=None, rows=[_row(customer) for _ in range(2)] + [_row(customer, type="inquiry")])
    refs = [c.reference for c in first] + [middle.reference] + [c.reference for c in second[:2]]
    assert refs == [f"CMP-2026-{n:06d}" for n in range(1, 7)]
    assert second[2].reference == "INQ-2026-000001"
    assert ReferenceSequence.objects.get(prefix="CMP", year=2026).last_number == 6


def test_the_reference_year_is_the_year_of_receipt(customer):
    old = datetime(2025, 12, 31, 23, 0, tzinfo=SHANGHAI)
    cases = open_cases_bulk(by=None, rows=[_row(customer, received_at=old), _row(customer)])
    assert [c.reference for c in cases] == ["CMP-2025-000001", "CMP-2026-000001"]


def test_one_audit_entry_per_batch_lists_the_references_and_new_customers(customer):
    new = NewCustomer(customer_no="CFPB-1")
    before = AuditEntry.objects.count()
    cases = open_cases_bulk(by=None, rows=[_row(customer), _row(new), _row(new)], source="cfpb:complaints.csv")
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [e.action for e in entries] == ["case.import"]
    (entry,) = entries
    assert entry.changes["references"] == [c.reference for c in cases]
    assert entry.changes["count"] == 3
    assert entry.changes["customers_created"] == ["CFPB-1"]
    assert entry.changes["source"] == "cfpb:complaints.csv"
    assert entry.actor_label == "system"
    # the unsaved customer shared by two rows was created once
    assert new.pk is not None
    assert Case.objects.filter(customer_id=new.pk).count() == 2


def test_a_historical_closed_case_is_opened_then_closed_and_never_due(customer):
    received = NOW - timedelta(days=400)
    (opened,) = open_cases_bulk(by=None, rows=[_row(customer, received_at=received, closed_at=NOW)])
    case = Case.objects.get(pk=opened.id)
    assert case.status == Status.CLOSED
    assert case.closed_at == NOW
    assert case.next_due_at is None
    assert case.resolved_at is None
    (created,) = CaseEvent.objects.filter(case=case)
    assert created.data["status"] == Status.CLOSED
    assert created.data["closed_at"] == rules.iso(NOW)
    assert created.note.endswith("Closed on import: the case was already finished at its source.")
    assert CaseMilestone.objects.filter(case=case).count() == 3


def test_notes_and_source_data_go_on_the_timeline(customer):
    (case,) = open_cases_bulk(by=None, rows=[_row(customer, notes=["Servicemember"], data={"cfpb": {"timely": "Yes"}})])
    assert CaseEvent.objects.get(case_id=case.id, kind=CaseEvent.Kind.NOTE).note == "Servicemember"
    assert CaseEvent.objects.get(case_id=case.id, kind=CaseEvent.Kind.CREATED).data["cfpb"] == {"timely": "Yes"}


def test_an_agent_may_import_and_is_named_on_the_timeline(agent, customer):
    (case,) = open_cases_bulk(by=agent, rows=[_row(customer)])
    created = CaseEvent.objects.get(case_id=case.id, kind=CaseEvent.Kind.CREATED)
    assert created.actor == agent
    assert created.actor_label == agent.username
    assert AuditEntry.objects.get(action="case.import").actor == agent


@pytest.mark.parametrize("persona", ["auditor", "nobody"])
def test_a_user_without_add_case_is_refused_and_nothing_is_written(persona, request, customer):
    user = request.getfixturevalue(persona)
    new = NewCustomer(customer_no="CFPB-2")
    with pytest.raises(PermissionDenied):
        open_cases_bulk(by=user, rows=[_row(customer), _row(new)])
    assert Case.objects.count() == 0
    assert not Customer.objects.filter(customer_no="CFPB-2").exists()


def test_one_bad_row_refuses_the_batch_names_the_row_and_leaves_new_customers_unsaved(customer):
    new = NewCustomer(customer_no="CFPB-3")
    rows = [_row(new), _row(customer, description="  "), _row(customer)]
    audit_before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        open_cases_bulk(by=None, rows=rows)
    assert refused.value.extra["row"] == 1
    assert refused.value.extra["field"] == "description"
    assert Case.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert not ReferenceSequence.objects.filter(prefix="CMP").exists()
    assert new.pk is None
    # the same instance can be retried
    (case,) = open_cases_bulk(by=None, rows=[rows[0]])
    assert case.reference == "CMP-2026-000001"
    assert case.customer_id == new.pk
    assert Customer.objects.get(pk=new.pk).customer_no == "CFPB-3"


def test_a_database_error_rolls_the_batch_back_and_forgets_the_new_customers(customer, open_case):
    taken = open_case(external_source="cfpb", external_reference="42")
    new = NewCustomer(customer_no="CFPB-42")
    rows = [
        _row(new, external_source="cfpb", external_reference="41"),
        _row(customer, external_source="cfpb", external_reference="42"),
    ]
    with pytest.raises(IntegrityError):  # the unique (external_source, external_reference)
        open_cases_bulk(by=None, rows=rows)
    assert new.pk is None
    assert list(Case.objects.values_list("reference", flat=True)) == [taken.reference]
    assert not Customer.objects.filter(customer_no="CFPB-42").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "praise"}, "type"),
        ({"channel": "pigeon"}, "channel"),
        ({"received_at": NOW + timedelta(hours=1)}, "received_at"),
        ({"received_at": datetime(2026, 3, 1, 9, 0)}, "received_at"),
        ({"policy": "no-such-policy"}, "policy"),
        ({"closed_at": NOW - timedelta(days=30)}, "closed_at"),
    ],
)
def test_invalid_rows_are_refused_with_the_field(customer, overrides, field):
    with pytest.raises(InvalidInput) as refused:
        open_cases_bulk(by=None, rows=[_row(customer), _row(customer, **overrides)])
    assert refused.value.extra["row"] == 1
    assert refused.value.extra.get("field") == field
    assert Case.objects.count() == 0


def test_the_service_is_exported_next_to_open_case():
    assert services.open_cases_bulk is open_cases_bulk
