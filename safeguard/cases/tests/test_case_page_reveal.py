"""Revealing a customer's personal data on the case page: permission-checked, with a reason,
audited, never cached; htmx swaps the value in place, without JavaScript the page comes back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _reveal(client, user, case, field, reason="Customer on the phone asked to confirm", **extra):
    client.force_login(user)
    data = {f"reveal-{field}-reason": reason} if reason is not None else {}
    return client.post(reverse("cases:reveal", args=[case.reference, field]), data, **extra)


def test_an_agent_reveals_a_field_and_the_read_is_audited(client, agent, case, customer):
    response = _reveal(client, agent, case, "name")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="revealed">张伟</span>' in html
    assert "<html" in html  # without JavaScript: the whole page, the value in place
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="customer.reveal_pii")
    assert entry.actor == agent
    assert entry.changes == {"field": "name", "reason": "Customer on the phone asked to confirm"}
    assert "张伟" not in str(entry.changes)  # the audit log records the read, never the value


def test_with_htmx_only_the_field_comes_back(client, agent, case):
    response = _reveal(client, agent, case, "address", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<div class="pii-row" id="pii-address">')
    assert "北京市东城区东长安街1号" in html and "<html" not in html
    assert "no-store" in response["Cache-Control"]


def test_account_numbers_are_revealed_as_a_list(client, supervisor, case, customer):
    html = _reveal(client, supervisor, case, "account_numbers", headers={"HX-Request": "true"}).content.decode()
    assert customer.account_numbers_masked[0] not in html.split('class="revealed">')[1].split("<")[0]
    assert "6222020200" in html


@pytest.mark.parametrize("persona", ["agent", "supervisor", "compliance"])
def test_roles_with_the_permission_may_reveal(client, request, case, persona):
    assert _reveal(client, request.getfixturevalue(persona), case, "phone").status_code == 200
    assert AuditEntry.objects.filter(action="customer.reveal_pii").count() == 1


def test_an_auditor_may_not_reveal_and_the_attempt_is_logged(client, auditor, case):
    response = _reveal(client, auditor, case, "name")
    assert response.status_code == 403
    assert "张伟" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()
    refused = AuditEntry.objects.get(action="customer.reveal_pii_refused")
    assert refused.actor == auditor and refused.changes == {"field": "name"}


def test_without_the_permission_even_a_bad_request_is_forbidden(client, auditor, case):
    assert _reveal(client, auditor, case, "name", reason=None).status_code == 403


@pytest.mark.parametrize("persona", ["other_agent", "nobody"])
def test_people_who_cannot_see_the_case_cannot_reveal_its_customer(client, request, case, persona):
    assert _reveal(client, request.getfixturevalue(persona), case, "name").status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="customer.reveal").exists()


def test_a_reason_is_required(client, agent, case):
    response = _reveal(client, agent, case, "phone", reason="  ")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert '<details class="reveal" open>' in html  # the failed form is open with its error
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()


def test_an_unknown_field_is_not_found(client, agent, case):
    assert _reveal(client, agent, case, "password").status_code == 404


def test_reveal_needs_post(client, agent, case):
    client.force_login(agent)
    assert client.get(reverse("cases:reveal", args=[case.reference, "name"])).status_code == 405


def test_with_htmx_a_missing_reason_comes_back_in_the_fragment(client, agent, case):
    # htmx does not swap 4xx answers, so the fragment with the error is a 200
    response = _reveal(client, agent, case, "phone", reason="", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<div class="pii-row" id="pii-phone">')
    assert 'class="errorlist' in html and "138" in html  # the masked value stays
    assert not AuditEntry.objects.filter(action="customer.reveal_pii").exists()
