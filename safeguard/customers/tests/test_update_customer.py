"""update_customer: PII re-encrypted, re-masked and re-indexed; the audit shows masked before/after."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.core.errors import InvalidInput
from safeguard.customers import crypto
from safeguard.customers.selectors import find_customer
from safeguard.customers.services import reveal, update_customer
from safeguard.customers.tests.conftest import PLAIN

pytestmark = pytest.mark.django_db


def test_changing_the_phone_re_encrypts_re_masks_and_re_indexes_it(known, agent, rotate_to_new_key):
    rotate_to_new_key("t3")
    updated = update_customer(customer=known, by=agent, phone="+86 139 8765 4321")
    assert updated.phone_masked == "139****4321"
    assert crypto.key_id(updated.phone_enc) == "t3"
    assert reveal(customer=updated, field="phone", by=agent) == "13987654321"
    assert find_customer(phone="13987654321") == updated
    assert find_customer(phone=PLAIN["phone"]) is None
    # Fields that did not change keep their ciphertext.
    assert updated.name_enc == known.name_enc


def test_the_audit_entry_lists_changed_fields_with_masked_values_only(known, agent):
    update_customer(customer=known, by=agent, phone="13987654321", risk_rating="high", name=PLAIN["name"])
    entry = AuditEntry.objects.get(action="customer.update")
    assert entry.actor == agent
    assert entry.changes == {
        "phone": {"before": "138****5678", "after": "139****4321"},
        "risk_rating": {"before": "low", "after": "high"},
    }


def test_an_update_that_changes_nothing_writes_nothing(known, agent):
    before = AuditEntry.objects.count()
    same = update_customer(
        customer=known, by=agent, phone="+86 138 1234 5678", email=PLAIN["email"], segment=known.segment
    )
    assert AuditEntry.objects.count() == before
    assert same.updated_at == known.updated_at


def test_account_numbers_and_vulnerabilities_can_be_replaced(known, agent):
    updated = update_customer(
        customer=known, by=agent, account_numbers=["6222020200998877"], vulnerabilities=["financial_hardship"]
    )
    assert updated.account_numbers_masked == ["************8877"]
    assert updated.vulnerabilities == ["financial_hardship"]
    entry = AuditEntry.objects.get(action="customer.update")
    assert entry.changes["account_numbers"]["after"] == ["************8877"]
    assert entry.changes["vulnerabilities"] == {"before": [], "after": ["financial_hardship"]}


def test_clearing_a_value_removes_ciphertext_mask_and_index(known, agent):
    updated = update_customer(customer=known, by=agent, email="")
    assert updated.email_enc == updated.email_masked == updated.email_index == ""
    assert find_customer(email=PLAIN["email"]) is None


def test_changing_consent_through_update_stamps_the_consent_time(known, agent):
    updated = update_customer(customer=known, by=agent, has_contact_consent=False)
    assert updated.has_contact_consent is False
    assert updated.consent_updated_at > known.consent_updated_at


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vulnerabilities": ["homeless"]}, "vulnerabilities"),
        ({"phone": "not a phone"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"customer_no": "C-NEW"}, "customer_no"),
        ({"name_enc": "v1.t2.xxx"}, "name_enc"),
        ({"phone": 13812345678}, "phone"),
        ({"account_numbers": None}, "account_numbers"),
        ({"account_numbers": [6222020200998877]}, "account_numbers"),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_written(known, agent, changes, field):
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as excinfo:
        update_customer(customer=known, by=agent, risk_rating="high", **changes)
    assert excinfo.value.extra["field"] == field
    known.refresh_from_db()
    assert known.risk_rating == "low"
    assert AuditEntry.objects.count() == before
