"""Upload and download of case files through the staff pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.cases.models import Attachment
from safeguard.cases.tests.support import counts
from safeguard.cases.tests.test_attachments import EXE, PDF, png, stored_files, upload
from safeguard.cases.views.attachments import attachment_context

pytestmark = pytest.mark.django_db


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


def upload_url(case: Any) -> str:
    return reverse("cases:attachment_upload", args=[case.reference])


def download_url(case: Any, attachment: Attachment) -> str:
    return reverse("cases:attachment_download", args=[case.reference, attachment.pk])


def stored(case: Any, by: Any, data: bytes = PDF, name: str = "statement.pdf") -> Attachment:
    return services.add_attachment(case=case, by=by, file=upload(data, name), source="staff")


# --- upload -------------------------------------------------------------------------------


def test_upload_without_javascript_redirects_to_the_case_with_a_message(client, agent, case):
    client.force_login(agent)
    response = client.post(upload_url(case), {"attachments": [upload(PDF, "账单.pdf"), upload(png(), "photo.png")]})

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.reference])
    assert sorted(Attachment.objects.filter(case=case).values_list("filename", flat=True)) == ["photo.png", "账单.pdf"]
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 files added."]


def test_upload_with_htmx_answers_the_refreshed_list(client, agent, case):
    client.force_login(agent)
    response = client.post(upload_url(case), {"attachments": upload(PDF, "账单.pdf")}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.templates[0].name == "cases/partials/attachments.html"
    html = response.content.decode()
    attachment = Attachment.objects.get(case=case)
    assert "账单.pdf" in html and download_url(case, attachment) in html
    assert "1 file added." in html


def test_a_refused_file_is_shown_in_the_htmx_form_and_nothing_is_written(client, agent, case, attachment_dir):
    client.force_login(agent)
    before = counts(case)
    response = client.post(
        upload_url(case), {"attachments": upload(EXE, "invoice.pdf")}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200  # htmx swaps only successful answers
    assert "“invoice.pdf” is not an allowed type" in response.content.decode()
    assert counts(case) == before and not Attachment.objects.exists()
    assert stored_files(attachment_dir) == []


def test_a_refused_file_without_javascript_comes_back_as_a_message(client, agent, case, settings, attachment_dir):
    settings.SAFEGUARD_ATTACHMENT_MAX_BYTES = 100
    client.force_login(agent)
    response = client.post(upload_url(case), {"attachments": upload(b"a" * 101, "long.txt")})

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["“long.txt” is larger than 100 bytes."]
    assert not Attachment.objects.exists() and stored_files(attachment_dir) == []


def test_uploading_nothing_is_an_error_not_a_crash(client, agent, case):
    client.force_login(agent)
    response = client.post(upload_url(case), {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_an_auditor_may_not_upload(client, auditor, case, attachment_dir):
    client.force_login(auditor)
    before = counts(case)
    response = client.post(upload_url(case), {"attachments": upload(PDF, "a.pdf")})
    assert response.status_code == 403
    assert counts(case) == before and stored_files(attachment_dir) == []


def test_an_agent_of_another_department_gets_404_for_the_upload(client, other_agent, case):
    client.force_login(other_agent)
    response = client.post(upload_url(case), {"attachments": upload(PDF, "a.pdf")})
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_upload_is_post_only(client, agent, case):
    client.force_login(agent)
    assert client.get(upload_url(case)).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client, agent, case):
    attachment = stored(case, agent)
    for response in (
        client.post(upload_url(case), {"attachments": upload(PDF, "a.pdf")}),
        client.get(download_url(case, attachment)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert Attachment.objects.count() == 1


# --- download -----------------------------------------------------------------------------


def test_download_is_an_attachment_of_the_detected_type_with_nosniff(client, agent, case):
    attachment = stored(case, agent, data=png(), name="scan.pdf")  # a PNG named .pdf
    client.force_login(agent)
    response = client.get(download_url(case, attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_chinese_file_name_is_sent_as_rfc_6266_filename_star(client, agent, case):
    attachment = stored(case, agent, name="二月账单.pdf")
    client.force_login(agent)
    response = client.get(download_url(case, attachment))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E4%BA%8C%E6%9C%88%E8%B4%A6%E5%8D%95.pdf"
    b"".join(response.streaming_content)  # consuming closes it (the client keeps the DB connection)


def test_each_download_is_audited(client, agent, auditor, case):
    attachment = stored(case, agent)
    client.force_login(auditor)  # read-only, but sees every case and its files
    response = client.get(download_url(case, attachment))
    assert response.status_code == 200
    b"".join(response.streaming_content)  # consuming closes it (the client keeps the DB connection)
    entry = AuditEntry.objects.get(action="case.attachment.download")
    assert (entry.actor, entry.changes["attachment"]) == (auditor, attachment.pk)


def test_an_agent_of_another_department_gets_404_for_the_download(client, agent, other_agent, case):
    attachment = stored(case, agent)
    client.force_login(other_agent)
    assert client.get(download_url(case, attachment)).status_code == 404
    assert not AuditEntry.objects.filter(action="case.attachment.download").exists()


def test_a_file_of_another_case_is_not_served_under_this_case(client, agent, open_case, case):
    other_case = open_case()
    attachment = stored(other_case, agent)
    client.force_login(agent)
    assert client.get(reverse("cases:attachment_download", args=[case.reference, attachment.pk])).status_code == 404


# --- the partial's context ------------------------------------------------------------------


def test_the_upload_form_is_offered_only_to_those_who_may_work_the_case(rf, agent, auditor, case):
    stored(case, agent)
    for user, may_upload in ((agent, True), (auditor, False)):
        request = rf.get("/")
        request.user = user
        context = attachment_context(request, case)
        assert context["attachment_can_upload"] is may_upload
        assert [a.filename for a in context["attachments"]] == ["statement.pdf"]


def test_the_admin_shows_attachment_records_read_only_and_never_the_bytes(client, agent, case, django_user_model):
    attachment = stored(case, agent)
    admin = django_user_model.objects.create_superuser(username="root", password="x", email="root@example.com")
    client.force_login(admin)
    assert client.get("/admin/cases/attachment/").status_code == 200
    page = client.get(f"/admin/cases/attachment/{attachment.pk}/change/")
    assert page.status_code == 200
    assert attachment.storage_name not in page.content.decode()
    assert client.get("/admin/cases/attachment/add/").status_code == 403
