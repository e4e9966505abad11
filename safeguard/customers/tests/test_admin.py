"""The customer admin shows masked values and the profile; PII changes go through the service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safeguard.audit.models import AuditEntry
from safeguard.customers.models import Customer
from safeguard.customers.selectors import find_customer
from safeguard.customers.tests.conftest import PLAIN

pytestmark = pytest.mark.django_db


def _forbidden_in_page(customer: Customer) -> list[str]:
    values = [v for k, v in PLAIN.items() if k != "account_numbers"] + PLAIN["account_numbers"]
    return [*values, customer.phone_enc, customer.name_enc, customer.phone_index, "v1.t2."]


def test_the_list_shows_masked_values_only(admin_client, known):
    response = admin_client.get(reverse("admin:customers_customer_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in page and "欧***" in page
    for value in _forbidden_in_page(known):
        assert value not in page


def test_the_change_form_shows_masked_values_and_never_plaintext_or_ciphertext(admin_client, known):
    response = admin_client.get(reverse("admin:customers_customer_change", args=[known.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in page and "************3445" in page
    for value in _forbidden_in_page(known):
        assert value not in page
    assert 'name="phone_enc"' not in page and 'name="phone_index"' not in page


def test_saving_the_change_form_updates_through_the_service_and_is_audited(admin_client, known):
    url = reverse("admin:customers_customer_change", args=[known.pk])
    form = {
        "segment": "private",
        "kyc_level": "basic",
        "risk_rating": "low",
        "vulnerabilities": ["elderly"],
        "preferred_channel": "email",
        "preferred_language": "zh-hans",
        "has_contact_consent": "on",
        "new_phone": "+86 139 8765 4321",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert find_customer(phone="13987654321") == known
    entry = AuditEntry.objects.get(action="customer.update")
    assert entry.changes["phone"] == {"before": "138****5678", "after": "139****4321"}
    assert entry.changes["segment"] == {"before": "retail", "after": "private"}
    assert entry.changes["vulnerabilities"] == {"before": [], "after": ["elderly"]}
    # Left empty: kept.
    stored = Customer.objects.get(pk=known.pk)
    assert stored.name_enc == known.name_enc


def test_bad_pii_in_the_change_form_is_a_form_error_and_nothing_changes(admin_client, known):
    url = reverse("admin:customers_customer_change", args=[known.pk])
    form = {
        "segment": "retail",
        "kyc_level": "basic",
        "risk_rating": "high",
        "preferred_channel": "email",
        "preferred_language": "zh-hans",
        "new_national_id": PLAIN["national_id"][:-1] + "1",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert Customer.objects.get(pk=known.pk).risk_rating == "low"
    assert not AuditEntry.objects.filter(action="customer.update").exists()


def test_adding_a_customer_goes_through_create_customer(admin_client):
    form = {
        "customer_no": "C-ADMIN-1",
        "segment": "retail",
        "kyc_level": "basic",
        "risk_rating": "low",
        "preferred_channel": "sms",
        "preferred_language": "zh-hans",
        "has_contact_consent": "on",
        "new_name": "王芳",
        "new_phone": "13700001111",
        "new_account_numbers": "6222020200001111\r\n6222020200002222",
    }
    response = admin_client.post(reverse("admin:customers_customer_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(customer_no="C-ADMIN-1")
    assert customer.phone_masked == "137****1111"
    assert customer.account_numbers_masked == ["************1111", "************2222"]
    assert AuditEntry.objects.filter(action="customer.create", object_id=str(customer.pk)).exists()


def test_a_taken_customer_number_is_a_form_error(admin_client, known):
    form = {
        "customer_no": known.customer_no,
        "segment": "retail",
        "kyc_level": "basic",
        "risk_rating": "low",
        "preferred_channel": "sms",
        "preferred_language": "zh-hans",
    }
    response = admin_client.post(reverse("admin:customers_customer_add"), form)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Customer.objects.count() == 1


def test_customers_cannot_be_deleted_in_the_admin(admin_client, known):
    response = admin_client.get(reverse("admin:customers_customer_delete", args=[known.pk]))
    assert response.status_code == 403
    assert Customer.objects.filter(pk=known.pk).exists()


@pytest.mark.parametrize("term", ["+86 138-1234-5678", "nana.ouyang@example.com", "C-KNOWN-1"])
def test_the_admin_search_finds_a_customer_by_exact_phone_email_or_number(admin_client, known, make_customer, term):
    other = make_customer()
    response = admin_client.get(reverse("admin:customers_customer_changelist"), {"q": term})
    page = response.content.decode()
    assert known.customer_no in page
    assert other.customer_no not in page


def test_the_add_form_offers_empty_pii_inputs(admin_client):
    response = admin_client.get(reverse("admin:customers_customer_add"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="customer_no"' in page and 'name="new_phone"' in page
    assert 'name="phone_enc"' not in page
