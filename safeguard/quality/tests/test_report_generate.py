"""``services.reports.generate``: the file, its SHA-256, the Report row and the audit entry, written
together; refusals (permission, bad input) write nothing. ``open_report`` audits the download.
``manage.py quality_report`` writes the file and turns bad input into CommandError."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from safeguard.accounts.models import User
from safeguard.audit.models import AuditEntry
from safeguard.core.errors import DomainError, PermissionDenied
from safeguard.quality.models import Report
from safeguard.quality.services.reports import generate, open_report
from safeguard.quality.tests.report_support import NOW, complaint, has, pdf_text, row_of, sep, sheets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def remove_files() -> Iterator[None]:
    yield
    for report in Report.objects.all():
        report.file.storage.delete(str(report.file.name))


def stored(report: Report) -> bytes:
    with report.file.storage.open(str(report.file.name), "rb") as handle:
        return handle.read()


def test_generate_stores_the_file_with_its_digest_and_audits(supervisor: User, customer: Any) -> None:
    complaint(customer, sep(3), channel="branch", category="fees-charges")
    before = AuditEntry.objects.count()
    report = generate(kind="jrt0169", period="2026-09", fmt="xlsx", language="en", by=supervisor)
    report.refresh_from_db()
    content = stored(report)
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert (report.kind, report.period, report.format, report.language) == ("jrt0169", "2026-09", "xlsx", "en")
    assert (report.period_start.isoformat(), report.period_end.isoformat()) == ("2026-09-01", "2026-09-30")
    assert report.generated_by == supervisor
    assert str(report.file.name).endswith(".xlsx")
    rows = next(rows for title, rows in sheets(content).items() if "投诉原因" in title)
    assert row_of(rows, "05")[3] == 1
    entries = AuditEntry.objects.order_by("id")[before:]
    assert [(e.action, e.actor_id, e.changes["sha256"]) for e in entries] == [
        ("quality.report.generate", supervisor.pk, report.sha256)
    ]


def test_period_is_normalised(supervisor: User) -> None:
    report = generate(kind="quarterly", period="2026-q3", fmt="xlsx", language="en", by=supervisor)
    assert report.period == "2026-Q3"


@pytest.mark.parametrize("persona", ["agent", "auditor", "nobody"])
def test_refused_roles_write_nothing(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        generate(kind="jrt0169", period="2026-09", fmt="xlsx", language="en", by=user)
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "weekly"}, "unknown_report_kind"),
        ({"fmt": "docx"}, "unsupported_format"),
        ({"fmt": "csv"}, "unsupported_format"),
        ({"language": "fr"}, "unsupported_language"),
        ({"period": "2026-13"}, "invalid_period"),
        ({"period": "September"}, "invalid_period"),
        ({"period": ""}, "invalid_period"),
        ({"period": "2026-Q3"}, "invalid_period"),  # a quarter for the monthly report
        ({"period": "2026-10"}, "period_not_closed"),  # still running on 15 October
        ({"period": "2027-01"}, "period_not_closed"),  # in the future
        ({"period": "1999-12"}, "invalid_period"),
    ],
)
def test_bad_input_is_a_domain_error_and_writes_nothing(supervisor: User, changes: dict[str, str], code: str) -> None:
    arguments: dict[str, Any] = {"kind": "monthly", "period": "2026-09", "fmt": "pdf", "language": "en", **changes}
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        generate(by=supervisor, **arguments)
    assert caught.value.code == code
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_open_report_is_audited(supervisor: User, auditor: User) -> None:
    report = generate(kind="jrt0169", period="2026-09", fmt="pdf", language="zh-hans", by=supervisor)
    with open_report(report=report, by=auditor) as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == report.sha256
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    assert (last.action, last.actor_id, last.object_id) == ("quality.report.download", auditor.pk, str(report.pk))


def test_open_report_refuses_an_agent(supervisor: User, agent: User) -> None:
    report = generate(kind="jrt0169", period="2026-09", fmt="xlsx", language="en", by=supervisor)
    with pytest.raises(PermissionDenied):
        open_report(report=report, by=agent)


# --- the command ---------------------------------------------------------------------------


def test_command_writes_the_file(tmp_path: Path, customer: Any) -> None:
    complaint(customer, sep(3))
    out = tmp_path / "report.pdf"
    call_command("quality_report", "--period", "2026-09", "--format", "pdf", "--language", "zh-hans", "--out", str(out))
    report = Report.objects.get()
    assert (report.kind, report.format, report.language, report.generated_by) == ("monthly", "pdf", "zh-hans", None)
    content = out.read_bytes()
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert has(pdf_text(content), "投诉受理量")  # a KPI's Chinese name
    assert AuditEntry.objects.filter(action="quality.report.generate", actor_label="system").count() == 1


def test_command_kinds_and_periods(tmp_path: Path) -> None:
    call_command("quality_report", "--period", "2026-Q3", "--format", "xlsx", "--out", str(tmp_path / "q.xlsx"))
    call_command("quality_report", "--period", "2026-H1", "--kind", "disp", "--format", "xlsx")
    assert sorted(Report.objects.values_list("kind", "period")) == [("disp", "2026-H1"), ("quarterly", "2026-Q3")]
    assert "Summary" in sheets((tmp_path / "q.xlsx").read_bytes())


@pytest.mark.parametrize(
    "arguments",
    [
        ["--period", "2026-13"],
        ["--period", "2026-11"],
        ["--period", "2026-09", "--format", "doc"],
        ["--period", "2026-09", "--kind", "weekly"],
        ["--period", "2026-09", "--language", "de"],
        ["--period", "2026-H1"],  # a half year needs --kind
        ["--period", "2026-09", "--out", "/nonexistent-folder/r.pdf"],
    ],
)
def test_command_bad_input_is_a_command_error(arguments: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("quality_report", *arguments)
    assert Report.objects.count() == 0
