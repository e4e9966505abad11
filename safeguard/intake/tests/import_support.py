"""Synthetic import files for the import tests (never real CFPB data): rows, CSV and XLSX writers,
and running ``manage.py import_cases``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command

from safeguard.intake.importer import CFPB_COLUMNS, SAFEGUARD_COLUMNS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
# A Monday morning in Shanghai; the files' complaints were received before it.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def cfpb_row(complaint_id: int | str, **overrides: str) -> dict[str, str]:
    """One CFPB-format row (made-up values in the CFPB's vocabulary); overrides by column name."""
    row = {
        "Date received": "2026-01-15",
        "Product": "Credit card",
        "Sub-product": "General-purpose credit card or charge card",
        "Issue": "Fees or interest",
        "Sub-issue": "Problem with fees",
        "Consumer complaint narrative": "I was charged an annual fee twice this year and nobody answers.",
        "Company public response": "Company has responded to the consumer and the CFPB and chooses not to provide a public response",
        "Company": "EXAMPLE BANK, N.A.",
        "State": "CA",
        "ZIP code": "902XX",
        "Tags": "",
        "Consumer consent provided?": "Consent provided",
        "Submitted via": "Web",
        "Date sent to company": "2026-01-15",
        "Company response to consumer": "In progress",
        "Timely response?": "Yes",
        "Consumer disputed?": "N/A",
        "Complaint ID": str(complaint_id),
    }
    row.update(overrides)
    return row


def safeguard_row(reference: str, **overrides: str) -> dict[str, str]:
    row = {
        "external_reference": reference,
        "type": "complaint",
        "channel": "phone",
        "received_at": "2026-02-27T16:30:00+08:00",
        "customer_name": "王芳",
        "customer_phone": "13912345678",
        "customer_email": "",
        "product": "credit-card",
        "category": "fees-charges",
        "subject": "年费重复扣收",
        "description": "信用卡年费被重复扣收，请退还。",
        "desired_outcome": "退还多收的年费",
        "department": "cards",
        "severity": "",
        "policy": "",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path, rows: Iterable[Mapping[str, str]], *, columns: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    rows = list(rows)
    columns = columns or (CFPB_COLUMNS if "Complaint ID" in rows[0] else SAFEGUARD_COLUMNS)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Iterable[Mapping[str, Any]], *, columns: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    rows = list(rows)
    columns = columns or (CFPB_COLUMNS if "Complaint ID" in rows[0] else SAFEGUARD_COLUMNS)
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    book.save(path)
    return path


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def import_cases(*args: str) -> tuple[str, str]:
    """Run the command; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cases", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
