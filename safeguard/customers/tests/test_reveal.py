"""reveal: only agents, supervisors and compliance officers; every reveal is audited without the value."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.core.errors import InvalidInput, PermissionDenied
from safeguard.customers.services import reveal
from safeguard.customers.tests.conftest import PLAIN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["agent", "supervisor", "compliance"])
def test_permitted_roles_see_the_value_and_leave_an_audit_entry_naming_the_field(request, known, persona):
    user = request.getfixturevalue(persona)
    assert reveal(customer=known, field="phone", by=user, reason="call back about CMP-2026-000001") == PLAIN["phone"]
    entry = AuditEntry.objects.get(action="customer.reveal_pii")
    assert entry.actor == user
    assert entry.object_type == "customers.customer" and entry.object_id == str(known.pk)
    assert entry.changes == {"field": "phone", "reason": "call back about CMP-2026-000001"}
    assert PLAIN["phone"] not in str(entry.changes) + entry.object_repr


@pytest.mark.parametrize("field", ["name", "national_id", "phone", "email", "address", "account_numbers"])
def test_every_pii_field_can_be_revealed_and_each_reveal_is_one_entry(known, agent, field):
    expected = ", ".join(PLAIN[field]) if field == "account_numbers" else PLAIN[field]
    assert reveal(customer=known, field=field, by=agent) == expected
    assert list(AuditEntry.objects.filter(action="customer.reveal_pii").values_list("changes", flat=True)) == [
        {"field": field, "reason": ""}
    ]


@pytest.mark.parametrize("persona", ["auditor", "nobody", "administrator"])
def test_other_roles_are_refused_and_the_attempt_is_logged_without_a_value(request, known, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied) as excinfo:
        reveal(customer=known, field="national_id", by=user)
    assert excinfo.value.code == "permission_denied"
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()
    refused = AuditEntry.objects.get(action="customer.reveal_pii_refused")
    assert refused.actor == user and refused.changes == {"field": "national_id"}


def test_an_inactive_agent_is_refused(known, agent):
    agent.is_active = False
    agent.save()
    with pytest.raises(PermissionDenied):
        reveal(customer=known, field="phone", by=agent)


@pytest.mark.parametrize("by", [None, "system"])
def test_no_user_is_refused(known, by):
    with pytest.raises(PermissionDenied):
        reveal(customer=known, field="phone", by=by)
    assert not AuditEntry.objects.filter(action__startswith="customer.reveal").exists()


@pytest.mark.parametrize("field", ["phone_enc", "customer_no", "segment", ""])
def test_only_pii_fields_can_be_revealed(known, agent, field):
    with pytest.raises(InvalidInput):
        reveal(customer=known, field=field, by=agent)
    assert not AuditEntry.objects.filter(action__startswith="customer.reveal").exists()


def test_an_over_long_reason_is_refused_before_anything_is_revealed(known, agent):
    with pytest.raises(InvalidInput, match="500"):
        reveal(customer=known, field="phone", by=agent, reason="x" * 501)
    assert not AuditEntry.objects.filter(action__startswith="customer.reveal").exists()


def test_reveal_reads_the_stored_value_not_a_stale_instance(known, agent):
    from safeguard.customers.services import update_customer

    update_customer(customer=known, by=agent, phone="13987654321")
    assert reveal(customer=known, field="phone", by=agent) == "13987654321"
