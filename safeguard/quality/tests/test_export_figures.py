"""Exporting the dashboard's figures: CSV and XLSX with numerators and denominators, the same
numbers as the engine, one audit entry per export."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safeguard.audit.models import AuditEntry
from safeguard.quality import kpis
from safeguard.quality.exports import safe
from safeguard.quality.tests.dashboard_support import FEBRUARY, frozen, scoped_viewer, spread  # noqa: F401

pytestmark = pytest.mark.django_db

QUERY = {"month": "2026-02", "group_by": "channel"}


def _export(client, fmt, **extra):
    return client.get(reverse("quality:export_figures"), {**QUERY, "format": fmt, **extra})


def _csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheet programs read the Chinese text as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def _expected(user):
    rows = set()
    previous = FEBRUARY.previous()
    for period, group_by, figures in (
        (FEBRUARY, "", kpis.compute_all(period=FEBRUARY, user=user)),
        (previous, "", kpis.compute_all(period=previous, user=user)),
        (FEBRUARY, "channel", kpis.compute_all(period=FEBRUARY, group_by="channel", user=user)),
    ):
        for code, found in figures.items():
            for f in found:
                rows.add(
                    (
                        period.start.isoformat(),
                        period.end.isoformat(),
                        code,
                        group_by if f.group is not None else "",
                        f.group or "",
                        "" if f.value is None else str(f.value),
                        "" if f.numerator is None else str(f.numerator),
                        "" if f.denominator is None else str(f.denominator),
                    )
                )
    return rows


@pytest.mark.parametrize("persona", ["supervisor", "scoped_viewer"])
def test_the_csv_holds_the_engines_figures_for_the_view(client, request, spread, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = _export(client, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kpis-20260201-20260228.csv"'
    header, *rows = _csv_rows(response)
    assert header == [
        "From", "To", "KPI code", "KPI", "Unit", "Grouping", "Group", "Group name", "Value", "Numerator", "Denominator",
    ]  # fmt: skip
    shown = {(r[0], r[1], r[2], r[5], r[6], r[8], r[9], r[10]) for r in rows}
    assert shown == _expected(user)
    assert len(rows) == len(shown)
    assert any(r[5] == "channel" and r[6] == "branch" for r in rows) == (persona == "supervisor")


def test_each_export_leaves_an_audit_entry(client, supervisor, spread):
    client.force_login(supervisor)
    before = AuditEntry.objects.count()
    b"".join(_export(client, "csv").streaming_content)
    _export(client, "xlsx")
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [e.action for e in entries] == ["quality.export_figures", "quality.export_figures"]
    assert entries[0].actor == supervisor
    assert entries[0].changes == {"format": "csv", "from": "2026-02-01", "to": "2026-02-28", "group_by": "channel"}
    assert entries[1].changes["format"] == "xlsx"


def test_a_refused_or_invalid_export_writes_nothing(client, agent, supervisor, spread):
    before = AuditEntry.objects.count()
    client.force_login(agent)
    assert _export(client, "csv").status_code == 403
    client.force_login(supervisor)
    assert _export(client, "csv", month="2026-13").status_code == 400
    assert AuditEntry.objects.count() == before


def test_the_xlsx_has_the_figures_and_the_commitments(client, supervisor, spread):
    client.force_login(supervisor)
    response = _export(client, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="kpis-20260201-20260228.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["Figures", "Commitments"]
    header, *rows = list(book["Figures"].values)
    assert header[:3] == ("From", "To", "KPI code")
    shown = set()
    for r in rows:
        r = (*r, *(None,) * (11 - len(r)))  # a sheet's trailing empty cells are not stored
        start, end = (d.date().isoformat() if hasattr(d, "date") else str(d) for d in r[:2])
        numbers = ("" if v is None else str(Decimal(str(v)).normalize()) for v in r[8:11])
        shown.add((start, end, r[2], r[5] or "", r[6] or "", *numbers))
    expected = {
        (*e[:5], *("" if v == "" else str(Decimal(v).normalize()) for v in e[5:])) for e in _expected(supervisor)
    }
    assert shown == expected
    assert next(iter(book["Commitments"].values)) == ("Commitment", "KPI", "Target", "Status")


@pytest.mark.parametrize(
    ("value", "exported"),
    [('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'), ("+1", "'+1"), ("-x", "'-x"), ("@a", "'@a"), ("ok", "ok")],
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(value, exported):
    assert safe(value) == exported
    assert safe(Decimal("-20")) == Decimal("-20")  # numbers stay numbers
