"""Import files and options: XLSX, UTF-8 with a BOM, GB18030, --dry-run, unreadable files, --by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.core.management.base import CommandError

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, ReferenceSequence
from safeguard.customers.models import Customer
from safeguard.intake import importer
from safeguard.intake.tests.import_support import (
    NEW_YORK,
    NOW,
    cfpb_row,
    import_cases,
    read_report,
    safeguard_row,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _written() -> tuple[int, int, int, int, int]:
    return (
        Case.objects.count(),
        Customer.objects.count(),
        CaseEvent.objects.count(),
        CaseMilestone.objects.count(),
        AuditEntry.objects.count(),
    )


def test_an_xlsx_file_imports_with_typed_cells(tmp_path):
    rows: list[dict[str, Any]] = [
        {**cfpb_row(0), "Complaint ID": 9001, "Date received": datetime(2026, 1, 20)},  # numbers and dates as cells
        {**cfpb_row(0), "Complaint ID": 9002.0, "Date received": "01/21/2026"},
        {**cfpb_row(0), "Complaint ID": 9003, "Date received": "not a date"},
    ]
    path = write_xlsx(tmp_path / "complaints.xlsx", rows)
    out, _err = import_cases(str(path))
    got = dict(Case.objects.values_list("external_reference", "received_at"))
    assert got == {"9001": datetime(2026, 1, 20, tzinfo=NEW_YORK), "9002": datetime(2026, 1, 21, tzinfo=NEW_YORK)}
    (line,) = read_report(tmp_path / "complaints.xlsx.errors.csv")
    assert (line["row"], line["external_id"], line["column"]) == ("4", "9003", "Date received")
    assert "2 created" in out


def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = write_csv(
        tmp_path / "bom.csv",
        [cfpb_row(9101)],
        columns=["Complaint ID", *importer.CFPB_COLUMNS[:-1]],
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    import_cases(str(path))
    assert Case.objects.get().external_reference == "9101"


def test_a_gb18030_file_is_read_as_gb18030(tmp_path, departments):
    rows = [safeguard_row("GB-1", customer_name="欧阳娜娜", description="网银转账失败，钱被扣了但对方没收到。")]
    path = write_csv(tmp_path / "legacy.csv", rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    import_cases(str(path))
    case = Case.objects.select_related("customer").get()
    assert case.description == "网银转账失败，钱被扣了但对方没收到。"
    assert case.customer.name_masked == "欧***"


def test_a_dry_run_writes_nothing_and_reports_what_the_real_run_does(tmp_path):
    rows = [
        cfpb_row(9201),
        cfpb_row(9202, **{"Date received": "someday"}),
        cfpb_row(9203, **{"Product": "Crypto lending", "Sub-product": ""}),
        cfpb_row(9201),
        cfpb_row(9204, **{"Company response to consumer": "Closed with explanation"}),
    ]
    path = write_csv(tmp_path / "c.csv", rows)
    before = _written()

    dry_out, _err = import_cases(str(path), "--dry-run", "--batch-size", "2", "--errors", str(tmp_path / "dry.csv"))

    assert _written() == before
    assert not ReferenceSequence.objects.exists()
    real_out, _err = import_cases(str(path), "--batch-size", "2", "--errors", str(tmp_path / "real.csv"))
    assert read_report(tmp_path / "dry.csv") == read_report(tmp_path / "real.csv")
    assert len(read_report(tmp_path / "dry.csv")) == 3  # the bad date, the unknown product, the repeated id
    assert "Dry run, nothing written" in dry_out
    assert "3 would be created (1 closed on import), 1 already present, 1 errors, 2 warnings" in dry_out
    assert "3 created (1 closed on import), 1 already present, 1 errors, 2 warnings" in real_out


def test_a_dry_run_of_rows_sharing_a_new_customer_writes_nothing(tmp_path, departments):
    rows = [safeguard_row("1"), safeguard_row("2"), safeguard_row("3", policy="no-such-policy")]
    path = write_csv(tmp_path / "s.csv", rows)
    before = _written()
    out, _err = import_cases(str(path), "--dry-run")
    assert _written() == before
    assert "2 would be created" in out and "1 errors" in out


def test_a_file_without_the_formats_columns_is_refused_before_anything_is_written(tmp_path):
    path = write_csv(tmp_path / "c.csv", [cfpb_row(9301)], columns=["Complaint ID", "Product"])
    with pytest.raises(CommandError, match="Date received"):
        import_cases(str(path), "--format", "cfpb")
    assert Case.objects.count() == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError, match="not a readable XLSX"):
        import_cases(str(path))


def test_the_format_is_taken_from_the_header_unless_given(tmp_path, departments):
    path = write_csv(tmp_path / "s.csv", [safeguard_row("F-1")])
    with pytest.raises(CommandError, match="Complaint ID"):
        import_cases(str(path), "--format", "cfpb")
    import_cases(str(path))
    assert Case.objects.get().external_source == "import"


def test_an_import_by_a_user_needs_add_case_and_names_them(tmp_path, agent, auditor):
    path = write_csv(tmp_path / "c.csv", [cfpb_row(9401)])
    with pytest.raises(CommandError, match=r"cases\.add_case"):
        import_cases(str(path), "--by", auditor.username)
    assert Case.objects.count() == 0
    import_cases(str(path), "--by", agent.username)
    entry = AuditEntry.objects.get(action="case.import")
    assert entry.actor == agent
