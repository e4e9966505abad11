"""Exporting the cases behind a number: the drill-down's whole list, masked, in the viewer's
scope, with an audit entry."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, Product
from safeguard.quality.models import Kpi
from safeguard.quality.tests.dashboard_support import frozen, scoped_viewer, spread  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(departments):
    return Kpi.objects.create(
        code="test-complaints",
        name="Complaints received (test)",
        name_zh="收到的投诉（测试）",
        definition="-",
        definition_zh="-",
        unit="count",
        direction="lower",
        calculator="case_count",
    )


def _export(client, fmt, **extra):
    query = {"kpi": "test-complaints", "month": "2026-02", "part": "numerator", "format": fmt, **extra}
    return client.get(reverse("quality:export_cases"), query)


def _rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_the_csv_lists_every_case_behind_the_number_masked(client, supervisor, spread, complaints):
    client.force_login(supervisor)
    response = _export(client, "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="cases-test-complaints-numerator-20260201-20260228.csv"'
    )
    header, *rows = _rows(response)
    assert header == [
        "Reference", "Type", "Channel", "Product", "Department", "Status", "Received", "Resolved", "Customer (masked)",
    ]  # fmt: skip
    cases = sorted(spread["cards"] + spread["branch"], key=lambda c: c.received_at, reverse=True)
    assert [r[0] for r in rows] == [c.reference for c in cases]
    first = rows[-1]
    assert first[1:4] == ["Complaint", "Phone", "Credit cards"]
    assert first[6] == "2026-02-03 10:00:00" and first[7] == "2026-02-05 10:00:00"
    assert first[8] == cases[-1].customer.name_masked and "*" in first[8]
    text = "\n".join(",".join(r) for r in rows)
    assert "张伟" not in text and "138" not in text and "@example.com" not in text


def test_a_scoped_viewer_exports_only_their_cases(client, scoped_viewer, spread, complaints):
    client.force_login(scoped_viewer)
    _header, *rows = _rows(_export(client, "csv"))
    assert {r[0] for r in rows} == {c.reference for c in spread["cards"]}


def test_the_export_leaves_an_audit_entry_naming_the_figure(client, auditor, spread, complaints):
    client.force_login(auditor)
    before = AuditEntry.objects.count()
    b"".join(_export(client, "csv").streaming_content)
    entry = AuditEntry.objects.order_by("id")[before:].get()
    assert entry.action == "quality.export_cases" and entry.actor == auditor
    assert entry.object_id == "test-complaints"
    assert entry.changes == {
        "format": "csv",
        "kpi": "test-complaints",
        "part": "numerator",
        "from": "2026-02-01",
        "to": "2026-02-28",
        "group_by": "",
        "group": "",
    }


def test_the_xlsx_opens_and_holds_the_same_rows(client, supervisor, spread, complaints):
    client.force_login(supervisor)
    response = _export(client, "xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = list(book["Cases"].values)
    assert header[0] == "Reference" and len(rows) == 5
    assert {r[0] for r in rows} == {c.reference for c in spread["cards"] + spread["branch"]}


def test_a_product_name_that_looks_like_a_formula_is_neutralised(client, supervisor, spread, complaints):
    evil = Product.objects.create(code="evil", name='=HYPERLINK("http://attacker.example","x")')
    Case.objects.filter(pk=spread["cards"][0].pk).update(product=evil)
    client.force_login(supervisor)
    _header, *rows = _rows(_export(client, "csv"))
    assert '\'=HYPERLINK("http://attacker.example","x")' in [r[3] for r in rows]
    book = load_workbook(io.BytesIO(b"".join(_export(client, "xlsx").streaming_content)))
    values = [row[3].value for row in book["Cases"].iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://attacker.example","x")' in values
    assert all(row[3].data_type != "f" for row in book["Cases"].iter_rows(min_row=2))
