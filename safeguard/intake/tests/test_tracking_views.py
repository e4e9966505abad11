"""Tracking pages: the code step reveals nothing; the case page shows only what the customer may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safeguard.accounts.roles import Role
from safeguard.audit.models import AuditEntry
from safeguard.cases import services as cases
from safeguard.cases.models import Attachment, Case, CaseEvent, Message, Status
from safeguard.cases.tests.support import stage
from safeguard.intake import services as intake
from safeguard.intake.tests.portal_support import (  # noqa: F401
    clean_slate_fixture,
    frozen_time_fixture,
    last_code,
    open_tracking,
    start_tracking,
    without_csrf,
)

pytestmark = pytest.mark.django_db

TRACK = "/portal/track/"
VERIFY = "/portal/track/verify/"
CASE = "/portal/track/case/"
REPLY = "/portal/track/case/reply/"
WITHDRAW = "/portal/track/case/withdraw/"


@pytest.fixture
def make_case(departments):
    def make(email: str = "li.na@example.com", **extra):
        fields = {
            "by": None,
            "channel": "portal",
            "type": "complaint",
            "name": "李娜",
            "email": email,
            "description": "信用卡年费被重复扣收，请退还。",
            "preferred_language": "en",
            "department": departments["cards"],
        }
        fields.update(extra)
        return intake.submit(**fields)

    return make


@pytest.fixture
def case(make_case):
    return make_case()


@pytest.fixture
def handler(make_user):
    return make_user(Role.AGENT, username="handler_wang", first_name="Wei", last_name="Wang")


def _txt(name: str, text: str = "账单") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


# --- the code step --------------------------------------------------------------------------


def test_asking_for_a_code_gives_the_same_answer_whether_or_not_the_case_exists(client, case):
    other = type(client)()
    real = client.post(TRACK, {"reference": case.reference})
    fake = other.post(TRACK, {"reference": "CMP-2026-999999"})
    assert real.status_code == fake.status_code == 302
    assert real["Location"] == fake["Location"] == VERIFY
    real_page = without_csrf(client.get(VERIFY).content.decode()).replace(case.reference, "REF")
    fake_page = without_csrf(other.get(VERIFY).content.decode()).replace("CMP-2026-999999", "REF")
    assert real_page == fake_page
    assert "If this reference is yours, we have sent a one-time code" in real_page
    assert len(mail.outbox) == 1


def test_a_wrong_code_reveals_nothing(client, case):
    other = type(client)()
    start_tracking(client, case.reference)
    other.post(TRACK, {"reference": "CMP-2026-999999"})
    wrong = "000000" if last_code() != "000000" else "111111"
    real = client.post(VERIFY, {"code": wrong})
    fake = other.post(VERIFY, {"code": wrong})
    assert real.status_code == fake.status_code == 422
    real_page = without_csrf(real.content.decode()).replace(case.reference, "REF")
    fake_page = without_csrf(fake.content.decode()).replace("CMP-2026-999999", "REF")
    assert real_page == fake_page
    assert "This code is not valid or has expired." in real_page


def test_the_code_page_needs_a_reference_first(client):
    assert client.get(VERIFY)["Location"] == TRACK
    assert client.post(VERIFY, {"code": "123456"})["Location"] == TRACK


def test_an_empty_reference_is_a_form_error(client):
    response = client.post(TRACK, {"reference": "  "})
    assert response.status_code == 422
    assert 'href="#id_reference"' in response.content.decode()


def test_the_right_code_rotates_the_session_and_opens_the_case(client, case):
    code = start_tracking(client, case.reference)
    before = client.session.session_key
    response = client.post(VERIFY, {"code": code})
    assert response["Location"] == CASE
    assert client.session.session_key != before
    html = client.get(CASE).content.decode()
    assert f"Your case {case.reference}" in html
    assert "We have received it and will look into it" in html  # acknowledged on receipt
    assert "Monday 2 March 2026, 10:00" in html  # received
    assert "By Tuesday 17 March 2026" in html  # final reply


@pytest.mark.parametrize("shift", [timedelta(minutes=15), timedelta(minutes=16)])
def test_an_expired_code_is_refused(client, case, frozen_time, shift):
    code = start_tracking(client, case.reference)
    frozen_time.shift(shift)
    assert client.post(VERIFY, {"code": code}).status_code == 422


def test_a_used_code_is_refused(client, case):
    code = start_tracking(client, case.reference)
    client.post(VERIFY, {"code": code})
    again = type(client)()
    again.post(TRACK, {"reference": case.reference})
    mail.outbox.clear()
    assert again.post(VERIFY, {"code": code}).status_code == 422


def test_after_the_allowed_attempts_even_the_right_code_is_refused(client, case, settings):
    settings.SAFEGUARD_TRACKING_CODE_ATTEMPTS = 2
    code = start_tracking(client, case.reference)
    wrong = "000000" if code != "000000" else "111111"
    client.post(VERIFY, {"code": wrong})
    client.post(VERIFY, {"code": wrong})
    assert client.post(VERIFY, {"code": code}).status_code == 422
    assert client.get(CASE).status_code == 302


def test_asking_for_codes_is_rate_limited_per_address(client, case, settings):
    settings.SAFEGUARD_TRACKING_CODE_RATE = "2/15m"
    assert client.post(TRACK, {"reference": case.reference}).status_code == 302
    assert client.post(TRACK, {"reference": "CMP-2026-999999"}).status_code == 302
    assert client.post(TRACK, {"reference": case.reference}).status_code == 429
    assert len(mail.outbox) == 1


def test_entering_codes_is_rate_limited_per_address(client, case, settings):
    settings.SAFEGUARD_TRACKING_VERIFY_RATE = "3/15m"
    code = start_tracking(client, case.reference)
    for _ in range(3):
        assert client.post(VERIFY, {"code": "12345"}).status_code == 422
    assert client.post(VERIFY, {"code": code}).status_code == 429


# --- the case page ------------------------------------------------------------------------


def test_the_case_page_needs_a_tracking_session(client, case):
    for url in (CASE, REPLY, WITHDRAW):
        response = client.get(url) if url == CASE else client.post(url, {"body": "x"})
        assert response.status_code == 302 and response["Location"] == TRACK
    assert not Message.objects.exists()


def test_the_tracking_session_ends_after_a_while_without_activity(client, case, frozen_time):
    open_tracking(client, case.reference)
    frozen_time.shift(timedelta(minutes=20))
    assert client.get(CASE).status_code == 200  # activity extends the session
    frozen_time.shift(timedelta(minutes=29))
    assert client.get(CASE).status_code == 200
    frozen_time.shift(timedelta(minutes=31))
    response = client.get(CASE)
    assert response.status_code == 302 and response["Location"] == TRACK


def test_signing_out_ends_the_tracking_session(client, case):
    open_tracking(client, case.reference)
    assert client.post("/portal/track/signout/").status_code == 302
    assert client.get(CASE).status_code == 302


def test_the_page_never_shows_internal_notes_events_or_staff_usernames(client, case, handler):
    case = cases.assign(case=case, by=handler, version=case.version, assignee=handler)
    cases.add_note(case=case, by=handler, body="INTERNAL: customer seems to be a repeat complainer")
    cases.add_message(case=case, by=handler, direction="out", body="您好，我们正在核实扣费记录。")
    open_tracking(client, case.reference)
    html = client.get(CASE).content.decode()
    assert "您好，我们正在核实扣费记录。" in html
    assert "Complaints team" in html
    assert "INTERNAL" not in html and "repeat complainer" not in html
    assert "handler_wang" not in html and "Wei Wang" not in html
    assert "Acknowledged on receipt" not in html  # timeline events stay inside
    assert case.customer.customer_no not in html


def test_staff_names_are_shown_only_when_the_institution_allows_it(client, case, handler, settings):
    settings.SAFEGUARD_PORTAL_SHOW_STAFF_NAMES = True
    case = cases.assign(case=case, by=handler, version=case.version, assignee=handler)
    cases.add_message(case=case, by=handler, direction="out", body="Reply")
    open_tracking(client, case.reference)
    html = client.get(CASE).content.decode()
    assert "Wei Wang" in html and "handler_wang" not in html


def test_a_session_for_one_case_never_opens_another(client, case, make_case, handler):
    other = make_case(email="someone.else@example.com", name="王芳", description="OTHER CUSTOMER TEXT")
    other = cases.assign(case=other, by=handler, version=other.version, assignee=handler)
    their_message = cases.add_message(case=other, by=handler, direction="out", body="OTHER REPLY")
    their_file = cases.add_attachment(
        case=other, by=handler, file=_txt("theirs.txt"), source="staff", message=their_message
    )
    open_tracking(client, case.reference)
    html = client.get(CASE).content.decode()
    assert other.reference not in html and "OTHER" not in html
    assert client.get(reverse("intake:track_download", args=[their_file.pk])).status_code == 404
    # Asking for the other case's code does not switch this session to it.
    client.post(TRACK, {"reference": other.reference})
    client.post(VERIFY, {"code": "000000"})
    assert case.reference in client.get(CASE).content.decode()


def test_the_customer_downloads_their_files_and_ours_but_not_internal_ones(client, case, handler):
    case = cases.assign(case=case, by=handler, version=case.version, assignee=handler)
    theirs = cases.add_attachment(case=case, by=None, file=_txt("账单.txt", "年费两次"), source="customer")
    reply = cases.add_message(case=case, by=handler, direction="out", body="请查收退款凭证。")
    ours = cases.add_attachment(
        case=case, by=handler, file=_txt("refund.txt", "refund ok"), source="staff", message=reply
    )
    internal = cases.add_attachment(case=case, by=handler, file=_txt("risk-memo.txt"), source="staff")
    open_tracking(client, case.reference)
    html = client.get(CASE).content.decode()
    assert "账单.txt" in html and "refund.txt" in html and "risk-memo.txt" not in html
    response = client.get(reverse("intake:track_download", args=[ours.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"refund ok"
    assert response["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("intake:track_download", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("intake:track_download", args=[internal.pk])).status_code == 404


def test_downloads_need_the_tracking_session(client, case):
    theirs = cases.add_attachment(case=case, by=None, file=_txt("a.txt"), source="customer")
    assert client.get(reverse("intake:track_download", args=[theirs.pk])).status_code == 404


# --- replying -------------------------------------------------------------------------------


def test_the_customer_replies_and_a_case_awaiting_them_moves_on(client, case):
    stage(case, Status.AWAITING_CUSTOMER)
    open_tracking(client, case.reference)
    response = client.post(REPLY, {"body": "附件是您要的账单。"})
    assert response.status_code == 302 and response["Location"] == CASE
    message = Message.objects.get(case=case)
    assert (message.direction, message.channel, message.author) == ("in", "portal", None)
    assert Case.objects.get(pk=case.pk).status == Status.INVESTIGATING
    html = client.get(CASE).content.decode()
    assert "Thank you. We have your message." in html and "附件是您要的账单。" in html


def test_a_reply_with_files_stores_them_on_the_message(client, case):
    open_tracking(client, case.reference)
    client.post(REPLY, {"body": "See the statement.", "attachments": [_txt("statement.txt"), _txt("b.txt")]})
    message = Message.objects.get(case=case)
    files = Attachment.objects.filter(case=case)
    assert {(a.filename, a.source, a.message_id) for a in files} == {
        ("statement.txt", "customer", message.pk),
        ("b.txt", "customer", message.pk),
    }
    assert CaseEvent.objects.filter(case=case, kind="attachment_added", actor_label="customer").count() == 2


def test_a_reply_with_a_refused_file_writes_nothing(client, case):
    open_tracking(client, case.reference)
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    response = client.post(REPLY, {"body": "Here it is", "attachments": [bad]})
    assert response.status_code == 422
    assert 'href="#id_attachments"' in response.content.decode()
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_an_empty_reply_is_a_form_error(client, case):
    open_tracking(client, case.reference)
    response = client.post(REPLY, {"body": "  "})
    assert response.status_code == 422
    assert 'href="#id_body"' in response.content.decode()
    assert not Message.objects.exists()


def test_with_htmx_the_reply_comes_back_as_the_conversation_fragment(client, case):
    open_tracking(client, case.reference)
    response = client.post(REPLY, {"body": "Any news?"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="conversation"')
    assert "<html" not in html and "Any news?" in html and "Thank you. We have your message." in html
    invalid = client.post(REPLY, {"body": ""}, headers={"HX-Request": "true"})
    assert invalid.status_code == 200  # htmx swaps only 2xx: the errors come back in the fragment
    assert "Please write your message." in invalid.content.decode()
    assert Message.objects.count() == 1


# --- withdrawing ----------------------------------------------------------------------------


def test_the_customer_withdraws_an_open_complaint(client, case):
    open_tracking(client, case.reference)
    response = client.post(WITHDRAW, {"reason": "问题已解决", "confirm": "on", "version": case.version})
    assert response.status_code == 302
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == Status.WITHDRAWN and stored.closed_at is not None
    move = CaseEvent.objects.get(case=case, kind="transition", data__to="withdrawn")
    assert (move.actor, move.actor_label, move.note) == (None, "customer", "问题已解决")
    assert AuditEntry.objects.filter(action="case.withdraw", actor_label=f"customer:{case.reference}").exists()
    html = client.get(CASE).content.decode()
    assert "Withdrawn at your request" in html
    assert WITHDRAW not in html  # no longer offered


def test_withdrawing_needs_a_reason_and_a_confirmation(client, case):
    open_tracking(client, case.reference)
    response = client.post(WITHDRAW, {"reason": "", "version": case.version})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_reason"' in html and 'href="#id_confirm"' in html
    assert Case.objects.get(pk=case.pk).status == case.status


def test_a_resolved_case_cannot_be_withdrawn(client, case):
    stage(case, Status.RESOLVED)
    open_tracking(client, case.reference)
    assert WITHDRAW not in client.get(CASE).content.decode()
    client.post(WITHDRAW, {"reason": "too late", "confirm": "on", "version": Case.objects.get(pk=case.pk).version})
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    assert "This case can no longer be withdrawn." in client.get(CASE).content.decode()


def test_a_withdrawal_on_a_case_that_changed_meanwhile_is_not_applied(client, case, handler):
    open_tracking(client, case.reference)
    seen = case.version
    case = cases.assign(case=case, by=handler, version=case.version, assignee=handler)
    client.post(WITHDRAW, {"reason": "changed my mind", "confirm": "on", "version": seen})
    assert Case.objects.get(pk=case.pk).status == case.status
    assert "Your case changed while you were looking at it." in client.get(CASE).content.decode()
