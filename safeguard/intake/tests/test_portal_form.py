"""The public complaint and feedback form: what it asks, what it records, how it refuses."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Attachment, Case, CaseEvent, Product
from safeguard.customers.models import Customer
from safeguard.intake.tests.portal_support import clean_slate_fixture, frozen_time_fixture, portal_data, submit  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/portal/"


def _counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), Customer.objects.count(), Attachment.objects.count(), AuditEntry.objects.count()


def test_the_form_is_public_and_accessible(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    # Radio groups are fieldsets with a legend; every input has a label; required is said in words.
    assert re.search(r"<fieldset[^>]*>\s*<legend>Is this a complaint or feedback\?", html)
    for field in ("name", "phone", "email", "product", "description", "desired_outcome", "attachments", "website"):
        assert f'<label for="id_{field}">' in html
    assert "(required)" in html and "(optional)" in html
    assert 'autocomplete="name"' in html and 'autocomplete="tel"' in html and 'autocomplete="email"' in html
    assert 'type="file" name="attachments" multiple' in html
    # The honeypot is hidden by a class, never by an inline style, and tells a person to leave it.
    assert 'class="field hp"' in html and "Leave this field empty" in html
    assert "style=" not in html and "<script>" not in html


def test_a_signed_in_staff_user_sees_no_staff_navigation_on_the_portal(client, agent):
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert reverse("cases:queue") not in html
    assert 'class="who"' not in html and reverse("accounts:logout") not in html
    assert 'href="/portal/"' in html  # the brand leads to the portal


def test_a_complaint_opens_a_portal_case_for_the_customer_in_their_language(client):
    product = Product.objects.get(code="credit-card")
    client.cookies["django_language"] = "zh-hans"
    case = submit(client, product=str(product.pk), preferred_channel="sms", phone="13912345678")
    assert (case.channel, case.type, case.product, case.status) == ("portal", "complaint", product, "acknowledged")
    assert case.desired_outcome == "退还重复扣收的年费。"
    customer = case.customer
    assert (customer.preferred_language, customer.preferred_channel) == ("zh-hans", "sms")
    assert customer.email_masked and customer.phone_masked
    created = CaseEvent.objects.get(case=case, kind="created")
    assert created.actor is None and created.actor_label == "customer"
    assert AuditEntry.objects.filter(action="case.open", actor_label=f"customer:{case.reference}").exists()


def test_feedback_in_english_with_only_a_phone_number(client):
    case = submit(client, type="feedback", email="", phone="13912345678")
    assert case.type == "feedback" and case.reference.startswith("FBK-")
    assert (case.customer.preferred_language, case.customer.preferred_channel) == ("en", "sms")


def test_after_submitting_the_confirmation_shows_the_reference_and_the_deadline_in_words(client):
    case = submit(client)
    response = client.get(reverse("intake:portal_submitted"))
    html = response.content.decode()
    assert f'data-reference="{case.reference}"' in html
    # Received Monday 2 March 2026 10:00 (Shanghai) under cn-nfra: final reply within 15 days.
    assert "We will send you our final reply by Tuesday 17 March 2026 (within 15 days)." in html
    assert "We will get in touch with you by Tuesday 3 March 2026, 10:00." in html
    # A refresh shows it again.
    assert f'data-reference="{case.reference}"' in client.get(reverse("intake:portal_submitted")).content.decode()


def test_the_confirmation_shows_nothing_to_a_browser_that_submitted_nothing(client):
    submit(client)
    other = type(client)()
    response = other.get(reverse("intake:portal_submitted"))
    assert response.status_code == 302 and response["Location"] == URL


def test_the_confirmation_is_in_chinese_for_a_chinese_customer(client):
    client.cookies["django_language"] = "zh-hans"
    case = submit(client)
    html = client.get(reverse("intake:portal_submitted")).content.decode()
    assert case.reference in html
    assert "星期二" in html and "2026" in html  # Tuesday 17 March 2026, in words
    assert '<html lang="zh-hans">' in html


def test_products_are_named_in_chinese_on_the_chinese_form_and_inactive_ones_are_not_offered(client):
    Product.objects.filter(code="fx").update(is_active=False)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(URL).content.decode()
    assert "信用卡" in html and ">Credit cards<" not in html
    retired = Product.objects.get(code="fx")
    assert f'value="{retired.pk}"' not in html


def test_an_incomplete_form_is_refused_with_a_summary_linked_to_the_fields_and_writes_nothing(client):
    before = _counts()
    response = client.post(URL, portal_data(type="", name="", email="", phone="", description=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'href="#id_type_0"' in html and 'href="#id_name"' in html and 'href="#id_description"' in html
    assert 'href="#id_phone"' in html and "Please give a phone number or an e-mail address." in html
    # The field says it is invalid and points at its message.
    assert re.search(
        r'<input type="text" name="name"[^>]*aria-invalid="true"[^>]*aria-describedby="id_name_error"', html
    )
    assert 'id="id_name_error"' in html
    assert _counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"preferred_channel": "sms", "phone": ""}, "phone"),
        ({"product": "999999"}, "product"),
        ({"type": "compliment"}, "type"),
    ],
)
def test_bad_values_are_refused_next_to_their_field(client, overrides, field):
    before = _counts()
    response = client.post(URL, portal_data(**overrides))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert _counts() == before


def test_a_file_is_stored_with_the_case_as_the_customers(client):
    upload = SimpleUploadedFile(
        "账单.txt", "2026年2月账单：年费 300 元，扣收两次。".encode(), content_type="text/plain"
    )
    case = submit(client, attachments=[upload])
    (attachment,) = Attachment.objects.filter(case=case)
    assert (attachment.filename, attachment.source, attachment.content_type) == ("账单.txt", "customer", "text/plain")


def test_a_file_of_a_refused_type_refuses_the_whole_submission(client):
    before = _counts()
    upload = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = client.post(URL, portal_data(attachments=[upload]))
    assert response.status_code == 422
    assert "attachments" in response.context["form"].errors
    assert 'href="#id_attachments"' in response.content.decode()
    assert _counts() == before


def test_too_many_files_are_refused(client, settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_FILES = 1
    files = [SimpleUploadedFile(f"n{i}.txt", b"note", content_type="text/plain") for i in range(2)]
    before = _counts()
    response = client.post(URL, portal_data(attachments=files))
    assert response.status_code == 422
    assert "attachments" in response.context["form"].errors
    assert _counts() == before


def test_a_filled_honeypot_is_refused_quietly(client):
    before = _counts()
    response = client.post(URL, portal_data(website="http://spam.example"))
    assert response.status_code == 302  # looks like success to the bot
    assert _counts() == before
    assert client.get(response["Location"]).status_code == 302  # and there is no reference to show


def test_submissions_are_rate_limited_per_address(client, settings):
    settings.SAFEGUARD_PORTAL_SUBMIT_RATE = "2/h"
    submit(client)
    submit(client)
    response = client.post(URL, portal_data())
    assert response.status_code == 429
    assert Case.objects.count() == 2
    # Another address is not affected; reading the form is never limited.
    assert client.get(URL).status_code == 200
    assert client.post(URL, portal_data(), REMOTE_ADDR="10.0.0.9").status_code == 302
