"""The Reports page: who may list, generate and download; bad input is a form error (400) with
nothing written; downloads are audited."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from safeguard.accounts.models import User
from safeguard.audit.models import AuditEntry
from safeguard.quality.models import Report
from safeguard.quality.services.reports import generate
from safeguard.quality.tests.report_support import NOW

pytestmark = pytest.mark.django_db

LIST = "/quality/reports/"
GENERATE = "/quality/reports/generate/"
GOOD = {"kind": "jrt0169", "period": "2026-09", "format": "xlsx", "language": "en"}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def remove_files() -> Iterator[None]:
    yield
    for report in Report.objects.all():
        report.file.storage.delete(str(report.file.name))


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def report(supervisor: User) -> Report:
    return generate(kind="jrt0169", period="2026-09", fmt="xlsx", language="en", by=supervisor)


# --- the list --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "can_generate"),
    [("supervisor", True), ("compliance", True), ("administrator", True), ("auditor", False)],
)
def test_list_for_allowed_roles(
    persona: str, can_generate: bool, report: Report, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(persona)).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/quality/reports/{report.pk}/download/" in body
    assert ('action="/quality/reports/generate/"' in body) is can_generate


@pytest.mark.parametrize("persona", ["agent", "other_agent", "nobody"])
def test_list_refused(persona: str, request: pytest.FixtureRequest) -> None:
    assert client_for(request.getfixturevalue(persona)).get(LIST).status_code == 403


def test_list_needs_login() -> None:
    response = Client().get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_list_query_budget(auditor: User, supervisor: User, django_assert_max_num_queries: Any) -> None:
    for period in ("2026-07", "2026-08", "2026-09"):
        generate(kind="jrt0169", period=period, fmt="xlsx", language="en", by=supervisor)
    client = client_for(auditor)
    # session, user, the user's permissions (groups, then direct), the reports with their authors
    with django_assert_max_num_queries(6):
        assert client.get(LIST).status_code == 200


# --- generating ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "compliance", "administrator"])
def test_generate(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    client = client_for(user)
    response = client.post(GENERATE, GOOD)
    assert response.status_code == 302 and response["Location"] == LIST
    report = Report.objects.get()
    assert (report.kind, report.period, report.generated_by) == ("jrt0169", "2026-09", user)
    page = client.get(LIST).content.decode()
    assert "is ready" in page


@pytest.mark.parametrize("persona", ["auditor", "agent", "nobody"])
def test_generate_refused(persona: str, request: pytest.FixtureRequest) -> None:
    before = AuditEntry.objects.count()
    assert client_for(request.getfixturevalue(persona)).post(GENERATE, GOOD).status_code == 403
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_generate_needs_login_and_post(supervisor: User) -> None:
    assert Client().post(GENERATE, GOOD).status_code == 302
    assert client_for(supervisor).get(GENERATE).status_code == 405
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": "2026-13"}, "is not a period"),
        ({"period": "2026-10"}, "has not ended"),
        ({"period": "2031-01"}, "has not ended"),
        ({"period": ""}, "This field is required"),
        ({"period": "x" * 300}, "at most 10 characters"),
        ({"kind": "monthly", "period": "2026-Q3"}, "not a period this report covers"),
        ({"format": "docx"}, "Select a valid choice"),
        ({"format": "csv"}, "Select a valid choice"),
        ({"kind": "weekly"}, "Select a valid choice"),
        ({"language": "fr"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_form_error(supervisor: User, changes: dict[str, str], message: str) -> None:
    before = AuditEntry.objects.count()
    response = client_for(supervisor).post(GENERATE, {**GOOD, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == before


# --- downloading -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["auditor", "supervisor", "compliance", "administrator"])
def test_download_is_audited(persona: str, report: Report, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    response = client_for(user).get(f"/quality/reports/{report.pk}/download/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert "attachment" in response["Content-Disposition"]
    assert "jrt0169-2026-09-en.xlsx" in response["Content-Disposition"]
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None and (last.action, last.actor_id) == ("quality.report.download", user.pk)


@pytest.mark.parametrize("persona", ["agent", "other_agent", "nobody"])
def test_download_refused(persona: str, report: Report, request: pytest.FixtureRequest) -> None:
    before = AuditEntry.objects.count()
    assert (
        client_for(request.getfixturevalue(persona)).get(f"/quality/reports/{report.pk}/download/").status_code == 403
    )
    assert AuditEntry.objects.count() == before


def test_download_needs_login(report: Report) -> None:
    assert Client().get(f"/quality/reports/{report.pk}/download/").status_code == 302


def test_download_of_a_missing_report_or_file_is_404(auditor: User, report: Report) -> None:
    assert client_for(auditor).get("/quality/reports/999999/download/").status_code == 404
    report.file.storage.delete(str(report.file.name))
    assert client_for(auditor).get(f"/quality/reports/{report.pk}/download/").status_code == 404
