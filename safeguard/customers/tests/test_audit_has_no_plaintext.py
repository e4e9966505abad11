"""The audit log may be handed to an auditor as it is: no customer service writes plaintext PII."""

from __future__ import annotations

import json
from typing import Any

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.audit.services import PlaintextPIIError, log
from safeguard.customers import services
from safeguard.customers.tests.conftest import PLAIN

pytestmark = pytest.mark.django_db

NEW: dict[str, Any] = {
    "name": "司马相如",
    "national_id": "E98765432",
    "phone": "13987654321",
    "email": "sima@example.org",
    "address": "四川省成都市锦江区春熙路8号",
    "account_numbers": ["6222020200554433"],
}


def _every_plaintext() -> list[str]:
    values: list[str] = []
    for source in (PLAIN, NEW):
        for value in source.values():
            values += value if isinstance(value, list) else [value]
    return values


def test_no_customer_service_leaves_plaintext_pii_in_the_audit_log(known, agent, rotate_to_new_key):
    for field in PLAIN:
        services.reveal(customer=known, field=field, by=agent)
    services.update_customer(customer=known, by=agent, **NEW)
    for field in NEW:
        services.reveal(customer=known, field=field, by=agent, reason="customer called")
    services.set_consent(customer=known, by=agent, has_contact_consent=False)
    rotate_to_new_key("t3")
    services.rotate_field_keys(by=None)

    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {
        "customer.create",
        "customer.reveal_pii",
        "customer.update",
        "customer.consent",
        "customer.rotate_field_keys",
    }
    for entry in AuditEntry.objects.all():
        text = json.dumps(
            [entry.changes, entry.object_repr, entry.actor_label, entry.object_id], ensure_ascii=False
        ).casefold()
        for value in _every_plaintext():
            assert value.casefold() not in text, (entry.action, value)


@pytest.mark.parametrize(
    "changes",
    [
        {"phone": "13812345678"},
        {"email": {"before": "a****@example.com", "after": "nana@example.com"}},
        {"account_numbers": ["6222020200112233"]},
    ],
)
def test_log_refuses_an_unmasked_value_under_a_pii_key(changes):
    with pytest.raises(PlaintextPIIError):
        log(None, "customer.update", changes=changes)
    assert not AuditEntry.objects.exists()
