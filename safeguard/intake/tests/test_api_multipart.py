"""Files through the API as multipart/form-data: onto a case, or with a new case in one request."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from safeguard.accounts.models import Department
from safeguard.cases import services
from safeguard.cases.models import Attachment, Case
from safeguard.cases.tests.test_attachments import EXE, PDF, png
from safeguard.customers.models import Customer
from safeguard.intake.tests.api_support import NOW, assert_problem, case_body, client_for

pytestmark = pytest.mark.django_db

CREATE_URL = "/api/v1/cases/multipart"


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


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def case(agent: Any, customer: Any) -> Case:
    return services.open_case(
        by=agent,
        customer=customer,
        type="complaint",
        channel="phone",
        description="The ATM kept my card.",
        department=Department.objects.get(code="cards"),
    )


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    # The sender's content type is not trusted: the bytes decide.
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_files(user: Any, url: str, data: dict[str, Any], **headers: str) -> Any:
    api = client_for(user)
    return api.client.post(url, data, headers={**api.headers, **headers})


def url_for(case: Case) -> str:
    return f"/api/v1/cases/{case.reference}/attachments"


# --- files onto a case ---------------------------------------------------------------------------


def test_a_pdf_is_attached_and_described(agent, case, attachment_dir):
    response = post_files(agent, url_for(case), {"file": upload(PDF, "receipt.pdf")})
    assert response.status_code == 201, response.content
    (described,) = response.json()["attachments"]
    attachment = Attachment.objects.get(case=case)
    assert described == {
        "id": attachment.pk,
        "filename": "receipt.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    assert attachment.source == Attachment.Source.API and attachment.uploaded_by == agent
    assert len(stored_files(attachment_dir)) == 1


def test_several_files_in_one_request(agent, case):
    response = post_files(agent, url_for(case), {"file": [upload(PDF, "a.pdf"), upload(png(), "photo.png")]})
    assert response.status_code == 201, response.content
    assert [a["content_type"] for a in response.json()["attachments"]] == ["application/pdf", "image/png"]
    assert Attachment.objects.filter(case=case).count() == 2


def test_a_program_is_refused_whatever_its_name_and_nothing_is_kept(agent, case, attachment_dir):
    response = post_files(agent, url_for(case), {"file": [upload(PDF, "a.pdf"), upload(EXE, "invoice.pdf")]})
    problem = assert_problem(response, 422, "invalid_input")
    assert "invoice.pdf" in problem["detail"]
    assert not Attachment.objects.exists() and stored_files(attachment_dir) == []


def test_a_file_over_the_limit_is_413(agent, case, settings, attachment_dir):
    settings.SAFEGUARD_ATTACHMENT_MAX_BYTES = 50
    response = post_files(agent, url_for(case), {"file": upload(PDF, "big.pdf")})
    problem = assert_problem(response, 413, "file_too_large")
    assert problem["limit_bytes"] == 50
    assert not Attachment.objects.exists() and stored_files(attachment_dir) == []


def test_a_request_declaring_more_than_the_files_allowed_is_413(agent, case, settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_BYTES = 10
    settings.SAFEGUARD_ATTACHMENT_MAX_FILES = 1
    api = client_for(agent)
    response = api.client.post(
        url_for(case),
        b"x",
        content_type="multipart/form-data; boundary=xyz",
        headers={**api.headers, "Content-Length": str(3 * 1024 * 1024)},
    )
    assert_problem(response, 413, "request_too_large")


def test_a_case_the_user_may_not_see_is_404_and_keeps_nothing(other_agent, case, attachment_dir):
    response = post_files(other_agent, url_for(case), {"file": upload(PDF, "a.pdf")})
    assert_problem(response, 404, "not_found")
    assert not Attachment.objects.exists() and stored_files(attachment_dir) == []


def test_an_unknown_case_is_404(agent):
    assert_problem(post_files(agent, "/api/v1/cases/CMP-2026-999999/attachments", {"file": upload(PDF, "a.pdf")}), 404)


def test_a_reader_may_not_attach(auditor, case):
    assert_problem(post_files(auditor, url_for(case), {"file": upload(PDF, "a.pdf")}), 403, "permission_denied")
    assert not Attachment.objects.exists()


def test_without_a_token_it_is_401(case):
    assert_problem(post_files(None, url_for(case), {"file": upload(PDF, "a.pdf")}), 401)


def test_no_file_part_is_422(agent, case):
    problem = assert_problem(post_files(agent, url_for(case), {"document": upload(PDF, "a.pdf")}), 422)
    assert problem["field"] == "file"


def test_json_instead_of_multipart_is_415(agent, case):
    response = client_for(agent).post(url_for(case), {"file": "JVBERi0="})
    assert_problem(response, 415, "unsupported_media_type")


def test_a_retried_upload_with_its_key_stores_the_file_once(agent, case, attachment_dir):
    key = {"Idempotency-Key": "upload-0001"}
    first = post_files(agent, url_for(case), {"file": upload(PDF, "a.pdf")}, **key)
    again = post_files(agent, url_for(case), {"file": upload(PDF, "a.pdf")}, **key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1 and len(stored_files(attachment_dir)) == 1
    other = post_files(agent, url_for(case), {"file": upload(png(), "a.png")}, **key)
    assert_problem(other, 422, "idempotency_key_reused")


# --- a new case with its files -------------------------------------------------------------------


def test_a_case_is_opened_with_its_files(agent, attachment_dir):
    response = post_files(agent, CREATE_URL, {"case": json.dumps(case_body(1)), "file": upload(PDF, "bill.pdf")})
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["case"]["reference"] == case.reference and body["case"]["department"] == "cards"
    assert [a["filename"] for a in body["attachments"]] == ["bill.pdf"]
    assert Attachment.objects.get().case == case
    assert len(stored_files(attachment_dir)) == 1


def test_the_case_part_may_be_a_json_file(agent):
    part = SimpleUploadedFile("case.json", json.dumps(case_body(1)).encode(), content_type="application/json")
    response = post_files(agent, CREATE_URL, {"case": part, "file": upload(PDF, "bill.pdf")})
    assert response.status_code == 201, response.content
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1


def test_a_case_without_files_is_opened_too(agent):
    response = post_files(agent, CREATE_URL, {"case": json.dumps(case_body(1))})
    assert response.status_code == 201, response.content
    assert response.json()["attachments"] == []


def test_a_refused_file_opens_no_case(agent, attachment_dir):
    response = post_files(agent, CREATE_URL, {"case": json.dumps(case_body(1)), "file": upload(EXE, "setup.exe")})
    assert_problem(response, 422, "invalid_input")
    assert not Case.objects.exists() and not Customer.objects.exists()
    assert stored_files(attachment_dir) == []


def test_an_invalid_case_part_is_422_with_its_path(agent):
    response = post_files(
        agent, CREATE_URL, {"case": json.dumps(case_body(1, description="")), "file": upload(PDF, "a.pdf")}
    )
    problem = assert_problem(response, 422, "invalid_input")
    assert ["body", "case", "description"] in [e["loc"] for e in problem["errors"]]
    assert not Case.objects.exists()


@pytest.mark.parametrize(("data", "status"), [({"case": "{nope"}, 400), ({}, 422)])
def test_a_missing_or_broken_case_part_is_a_problem(agent, data, status):
    assert_problem(post_files(agent, CREATE_URL, {**data, "file": upload(PDF, "a.pdf")}), status)
    assert not Case.objects.exists()


def test_a_service_refusal_rolls_back_case_and_files(agent, attachment_dir):
    body = case_body(1, product="no-such-product")
    response = post_files(agent, CREATE_URL, {"case": json.dumps(body), "file": upload(PDF, "a.pdf")})
    assert_problem(response, 422)
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert stored_files(attachment_dir) == []


def test_a_reader_may_not_open_a_case_with_files(auditor, attachment_dir):
    response = post_files(auditor, CREATE_URL, {"case": json.dumps(case_body(1)), "file": upload(PDF, "a.pdf")})
    assert_problem(response, 403, "permission_denied")
    assert not Case.objects.exists() and stored_files(attachment_dir) == []


def test_a_retried_case_with_files_opens_once(agent, attachment_dir):
    key = {"Idempotency-Key": "multipart-0001"}
    data = {"case": json.dumps(case_body(1))}
    first = post_files(agent, CREATE_URL, {**data, "file": upload(PDF, "a.pdf")}, **key)
    again = post_files(agent, CREATE_URL, {**data, "file": upload(PDF, "a.pdf")}, **key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1 and len(stored_files(attachment_dir)) == 1


def test_the_multipart_path_does_not_hide_reading_a_case(agent, case):
    assert client_for(agent).get(f"/api/v1/cases/{case.reference}").status_code == 200
