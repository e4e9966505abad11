"""The audit log in the admin can be read and searched, never added to, changed or deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safeguard.audit import services as audit
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    return [
        audit.log(None, "case.acknowledge", object_type="cases.case", object_id="CMP-2026-000001"),
        audit.log(None, "case.resolve", object_type="cases.case", object_id="CMP-2026-000002"),
        audit.log(
            None, "customer.reveal_pii", object_type="customers.customer", object_id="7", changes={"field": "phone"}
        ),
    ]


def test_superusers_can_list_and_read_entries(admin_client, entries):
    response = admin_client.get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 200
    assert "CMP-2026-000001" in response.content.decode()
    detail = admin_client.get(reverse("admin:audit_auditentry_change", args=[entries[2].pk]))
    page = detail.content.decode()
    assert detail.status_code == 200
    assert "&quot;field&quot;: &quot;phone&quot;" in page
    assert 'name="_save"' not in page


def test_search_is_by_exact_object_id(admin_client, entries):
    response = admin_client.get(reverse("admin:audit_auditentry_changelist"), {"q": "CMP-2026-000002"})
    page = response.content.decode()
    assert "CMP-2026-000002" in page and "CMP-2026-000001" not in page


def test_a_case_is_found_by_its_reference_although_it_is_logged_under_its_id(admin_client):
    # As the case services log: the database id as object_id, the reference as object_repr.
    audit.log(None, "case.open", object_type="cases.case", object_id="41", object_repr="CMP-2026-000041")
    audit.log(None, "case.open", object_type="cases.case", object_id="42", object_repr="CMP-2026-000042")
    response = admin_client.get(reverse("admin:audit_auditentry_changelist"), {"q": "CMP-2026-000042"})
    page = response.content.decode()
    assert "CMP-2026-000042" in page and "CMP-2026-000041" not in page


@pytest.mark.parametrize(
    ("name", "value", "shown", "hidden"),
    [
        ("action", "case.resolve", "CMP-2026-000002", "CMP-2026-000001"),
        ("object_type", "customers.customer", "customer.reveal_pii", "CMP-2026-000001"),
    ],
)
def test_the_list_filters_by_action_and_object_type(admin_client, entries, name, value, shown, hidden):
    response = admin_client.get(reverse("admin:audit_auditentry_changelist"), {name: value})
    page = response.content.decode()
    assert response.status_code == 200
    assert shown in page and hidden not in page


def test_even_a_superuser_cannot_add_change_or_delete(admin_client, entries):
    entry = entries[0]
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    response = admin_client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "tampered"})
    assert response.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "case.acknowledge"


def test_an_auditor_with_view_permission_can_read_the_log(client, auditor, entries):
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
