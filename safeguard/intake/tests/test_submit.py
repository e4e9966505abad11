"""``intake.services.submit`` (every channel's way in) and ``customers.services.contact_customer``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Attachment, Case, CaseEvent
from safeguard.cases.services import attachments as attachment_service
from safeguard.cases.tests.support import NOW
from safeguard.cases.tests.test_attachments import EXE, PDF, png, stored_files, upload
from safeguard.core.errors import InvalidInput, PermissionDenied
from safeguard.customers.models import Customer
from safeguard.customers.services import contact_customer
from safeguard.intake.services import submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
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


def portal(**overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "by": None,
        "channel": "portal",
        "type": "complaint",
        "name": "王芳",
        "phone": "13912345678",
        "description": "信用卡年费被重复扣收。",
    }
    fields.update(overrides)
    return submit(**fields)


def assert_nothing_written(audit_entries: int = 0) -> None:
    assert not Case.objects.exists()
    assert not Customer.objects.exists()
    assert not Attachment.objects.exists()
    assert AuditEntry.objects.count() == audit_entries


# --- contact_customer ---------------------------------------------------------------------


def test_a_known_customer_is_matched_by_phone_and_name(make_customer):
    known = make_customer(name="王芳", phone="13912345678")
    assert contact_customer(by=None, name=" 王芳 ", phone="139-1234-5678") == (known, True)


def test_a_known_customer_is_matched_by_email_and_name(make_customer):
    known = make_customer(name="Li Na", email="li.na@example.com")
    assert contact_customer(by=None, name="Li  Na", email="Li.Na@Example.com") == (known, True)


def test_a_phone_number_alone_never_attaches_a_contact_to_someone_elses_profile(make_customer):
    known = make_customer(name="王芳", phone="13912345678")
    customer, matched = contact_customer(by=None, name="李四", phone="13912345678", preferred_language="en")

    assert not matched and customer != known
    assert customer.customer_no.startswith("C-")
    assert customer.preferred_language == "en"
    known.refresh_from_db()
    assert known.preferred_language == "zh-hans"  # the existing profile is never changed from here


def test_a_contact_needs_a_name_and_a_phone_or_email(db):
    with pytest.raises(InvalidInput) as no_name:
        contact_customer(by=None, name="  ", phone="13912345678")
    with pytest.raises(InvalidInput) as no_contact:
        contact_customer(by=None, name="王芳")
    assert (no_name.value.extra["field"], no_contact.value.extra["field"]) == ("name", "phone")
    assert not Customer.objects.exists()


# --- submit -------------------------------------------------------------------------------


def test_a_portal_submission_is_opened_by_the_customer(db):
    case = portal(desired_outcome="退还年费", preferred_language="zh-hans", preferred_channel="sms")

    assert (case.channel, case.type, case.received_at) == ("portal", "complaint", NOW)
    assert case.desired_outcome == "退还年费"
    assert (case.customer.preferred_language, case.customer.preferred_channel) == ("zh-hans", "sms")
    assert CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CREATED).actor_label == "customer"


def test_a_second_submission_with_the_same_name_and_phone_joins_the_same_customer(db):
    first, second = portal(), portal(description="又扣了一次。")
    assert first.customer == second.customer
    assert Customer.objects.count() == 1


def test_staff_log_a_back_dated_call_with_its_reference(agent, departments):
    received = NOW.replace(hour=8)
    case = submit(
        by=agent,
        channel="phone",
        type="inquiry",
        name="王芳",
        phone="13912345678",
        description="咨询账单日。",
        received_at=received,
        external_reference="CALL-1",
        department=departments["cards"],
    )
    assert (case.received_at, case.external_reference, case.department) == (received, "CALL-1", departments["cards"])
    assert AuditEntry.objects.get(action="case.open").actor == agent


def test_files_are_stored_with_the_source_of_the_channel(agent, departments):
    from_portal = portal(files=[upload(PDF, "账单.pdf")])
    by_phone = submit(
        by=agent,
        channel="phone",
        type="complaint",
        name="王芳",
        phone="13912345678",
        description="来电投诉。",
        department=departments["cards"],
        files=[upload(png(), "photo.png")],
    )
    assert Attachment.objects.get(case=from_portal).source == "customer"
    assert Attachment.objects.get(case=by_phone).source == "staff"


def test_a_refused_file_refuses_the_whole_submission(db, attachment_dir):
    with pytest.raises(InvalidInput) as refused:
        portal(files=[upload(PDF, "a.pdf"), upload(EXE, "statement.pdf")])
    assert refused.value.extra["field"] == "attachments"
    assert_nothing_written()
    assert stored_files(attachment_dir) == []


def test_too_many_files_are_refused(db, settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_FILES = 1
    with pytest.raises(InvalidInput, match="at most 1 file"):
        portal(files=[upload(PDF, "a.pdf"), upload(PDF, "b.pdf")])
    assert_nothing_written()


def test_a_failure_while_storing_files_leaves_no_case_and_no_file(db, attachment_dir, monkeypatch):
    calls = {"n": 0}
    real = attachment_service._base.audit_log

    def fail_on_second_file(*args: Any, **kwargs: Any) -> None:
        if args[1] == "case.attachment":
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(attachment_service._base, "audit_log", fail_on_second_file)
    with pytest.raises(RuntimeError):
        portal(files=[upload(PDF, "a.pdf"), upload(PDF, "b.pdf")])
    assert_nothing_written()
    assert stored_files(attachment_dir) == []


def test_invalid_contact_details_write_nothing(db):
    with pytest.raises(InvalidInput) as refused:
        portal(phone="12345")
    assert refused.value.extra["field"] == "phone"
    assert_nothing_written()


@pytest.mark.parametrize("persona", ["auditor", "nobody"])
def test_staff_without_add_case_cannot_log_a_contact(persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        submit(by=user, channel="phone", type="complaint", name="王芳", phone="13912345678", description="x")
    assert_nothing_written()
