"""Staff log a phone call or branch visit: ``/intake/contact/``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from safeguard.cases.models import Attachment, Case, CaseMilestone, Product
from safeguard.cases.services import _base
from safeguard.cases.tests.test_attachments import EXE, PDF, upload
from safeguard.customers.models import Customer
from safeguard.deadlines.selectors import deadline_rules

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday morning
URL = "/intake/contact/"


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


def call(departments: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "phone",
        "received_at": "2026-03-02T08:30",
        "call_reference": "CALL-20260302-0042",
        "type": "complaint",
        "name": "王芳",
        "phone": "139 1234 5678",
        "email": "",
        "preferred_language": "zh-hans",
        "product": Product.objects.get(code="credit-card").pk,
        "department": departments["cards"].pk,
        "description": "客户来电称信用卡年费被重复扣收。",
        "desired_outcome": "退还多扣的年费。",
    }
    data.update(overrides)
    return data


def test_the_url_is_intake_contact():
    assert reverse("intake:log_contact") == URL


def test_the_form_offers_now_in_the_institutions_zone_and_the_agents_department(client, agent, departments):
    client.force_login(agent)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["received_at"].value() == "2026-03-02T10:00"
    assert form["department"].value() == departments["cards"].pk
    # Only the agent's own departments (and those below them): cards has none below it.
    assert list(form.fields["department"].queryset) == [departments["cards"]]
    assert 'type="datetime-local"' in response.content.decode()


def test_a_back_dated_phone_call_becomes_a_case_counted_from_when_it_was_received(client, agent, departments):
    client.force_login(agent)
    response = client.post(URL, call(departments))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.reference])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Case {case.reference} recorded. Give the customer this reference."
    ]
    received = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)
    assert case.received_at == received
    assert (case.channel, case.type, case.external_reference) == ("phone", "complaint", "CALL-20260302-0042")
    assert (case.department, case.product) == (departments["cards"], Product.objects.get(code="credit-card"))
    assert case.desired_outcome == "退还多扣的年费。"
    expected = _base.policy_milestones(deadline_rules(), case.policy_id, received_at=received, case_type="complaint")
    from_now = _base.policy_milestones(deadline_rules(), case.policy_id, received_at=NOW, case_type="complaint")
    milestones = dict(CaseMilestone.objects.filter(case=case).values_list("milestone", "due_at"))
    assert milestones == expected
    assert milestones != from_now  # the back-dating really moved the deadlines
    assert case.customer.preferred_language == "zh-hans"
    assert case.customer.phone_masked.startswith("139")


def test_a_branch_visit_logged_without_a_time_is_received_now(client, agent, departments):
    client.force_login(agent)
    client.post(URL, call(departments, channel="branch", received_at="", call_reference=""))
    case = Case.objects.get()
    assert (case.channel, case.received_at, case.external_reference) == ("branch", NOW, "")


def test_the_time_typed_is_read_in_the_institutions_zone_whatever_the_active_one(client, agent, departments):
    from django.utils import timezone

    client.force_login(agent)
    with timezone.override("America/New_York"):
        client.post(URL, call(departments, received_at="2026-03-01T21:15"))
    assert Case.objects.get().received_at == datetime(2026, 3, 1, 21, 15, tzinfo=SHANGHAI)


def test_an_existing_customer_is_matched_only_when_name_and_phone_match(client, agent, departments, make_customer):
    known = make_customer(name="王芳", phone="13912345678")
    client.force_login(agent)

    client.post(URL, call(departments))
    client.post(URL, call(departments, name="李娜"))  # someone typing Wang Fang's number

    first, second = Case.objects.order_by("id")
    assert first.customer == known
    assert second.customer != known
    assert second.customer.customer_no.startswith("C-")
    assert Customer.objects.count() == 2


def test_a_file_given_with_the_call_is_stored_on_the_case(client, agent, departments):
    client.force_login(agent)
    client.post(URL, {**call(departments), "attachments": [upload(PDF, "对账单.pdf")]})
    attachment = Attachment.objects.get()
    assert (attachment.case, attachment.filename, attachment.source) == (Case.objects.get(), "对账单.pdf", "staff")


def test_a_supervisor_may_leave_the_case_unrouted_or_file_it_in_any_department(client, supervisor, departments):
    client.force_login(supervisor)
    client.post(URL, call(departments, department=""))
    client.post(URL, call(departments, department=departments["branch_sh"].pk))
    assert [c.department for c in Case.objects.order_by("id")] == [None, departments["branch_sh"]]


# --- refusals: a form error, nothing written ------------------------------------------------


def assert_nothing_written() -> None:
    assert not Case.objects.exists()
    assert not Customer.objects.exists()
    assert not Attachment.objects.exists()


def test_a_received_time_in_the_future_is_refused(client, agent, departments):
    client.force_login(agent)
    response = client.post(URL, call(departments, received_at="2026-03-02T11:00"))
    assert response.status_code == 422
    assert response.context["form"].errors["received_at"] == ["The time of receipt cannot be in the future."]
    assert_nothing_written()


def test_an_invalid_phone_number_is_a_form_error(client, agent, departments):
    client.force_login(agent)
    response = client.post(URL, call(departments, phone="12345"))
    assert response.status_code == 422
    assert "phone" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert_nothing_written()


def test_a_phone_number_or_an_email_address_is_needed(client, agent, departments):
    client.force_login(agent)
    response = client.post(URL, call(departments, phone="", email=""))
    assert response.context["form"].errors["phone"] == ["Give the customer's phone number or e-mail address."]
    assert_nothing_written()


def test_an_agent_cannot_file_a_case_into_another_branch(client, agent, departments):
    client.force_login(agent)
    response = client.post(URL, call(departments, department=departments["branch_sh"].pk))
    assert "department" in response.context["form"].errors
    assert_nothing_written()


def test_a_refused_file_is_a_form_error(client, agent, departments):
    client.force_login(agent)
    response = client.post(URL, {**call(departments), "attachments": [upload(EXE, "statement.pdf")]})
    assert response.context["form"].errors["attachments"] == [
        "“statement.pdf” is not an allowed type (PDF, JPEG, PNG, GIF, WebP, TIFF, TXT, Word (.docx), Excel (.xlsx))."
    ]
    assert_nothing_written()


def test_a_refusal_of_the_service_comes_back_on_the_form_not_as_a_500(client, agent, departments):
    client.force_login(agent)
    # No calendar data for 2000: the deadlines cannot be computed, so nothing is recorded.
    response = client.post(URL, call(departments, received_at="2000-01-05T10:00"))
    assert response.status_code == 422
    assert response.context["form"].non_field_errors()
    assert_nothing_written()


@pytest.mark.parametrize("persona", ["auditor", "nobody", "compliance"])
def test_staff_who_may_not_open_cases_are_refused(client, persona, request, departments):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, call(departments)).status_code == 403
    assert_nothing_written()


def test_anonymous_visitors_are_sent_to_sign_in(client, departments):
    response = client.post(URL, call(departments))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert_nothing_written()
