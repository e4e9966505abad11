"""Importing a CFPB-format file: good rows imported, bad rows reported, idempotent, mapped sensibly."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from safeguard.audit.models import AuditEntry
from safeguard.cases import rules
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, Channel, Status
from safeguard.cases.services import open_case
from safeguard.customers.models import Customer
from safeguard.intake import importer
from safeguard.intake.tests.import_support import (
    NEW_YORK,
    NOW,
    cfpb_row,
    import_cases,
    read_report,
    write_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _broken_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "complaints.csv",
        [
            cfpb_row(1001),
            cfpb_row(1002, **{"Date received": "2026-13-45"}),
            cfpb_row(1003, **{"Company response to consumer": "Closed with explanation", "Tags": "Older American"}),
            cfpb_row("", **{"Issue": "Managing an account"}),
            cfpb_row(
                1005,
                **{"Consumer complaint narrative": "", "Product": "", "Sub-product": "", "Issue": "", "Sub-issue": ""},
            ),
            cfpb_row(1006, **{"Date received": "2026-03-05"}),
            cfpb_row(
                1007,
                **{
                    "Consumer complaint narrative": "",
                    "Product": "Mortgage",
                    "Issue": "Trouble during payment process",
                },
            ),
        ],
    )


def test_a_file_with_broken_rows_imports_the_good_rows_and_reports_the_rest(tmp_path):
    path = _broken_file(tmp_path)
    out, err = import_cases(str(path))

    assert sorted(Case.objects.values_list("external_reference", flat=True)) == ["1001", "1003", "1007"]
    report = read_report(tmp_path / "complaints.csv.errors.csv")
    assert [(r["row"], r["external_id"], r["level"], r["column"]) for r in report] == [
        ("3", "1002", "error", "Date received"),
        ("5", "", "error", "Complaint ID"),
        ("6", "1005", "error", "Consumer complaint narrative"),
        ("7", "1006", "error", "Date received"),
    ]
    messages = [r["message"] for r in report]
    assert "“2026-13-45” is not a date" in messages[0]
    assert messages[1] == "The complaint ID is missing."
    assert messages[3] == "The date of receipt is in the future."
    assert "Read 7 rows: 3 created (1 closed on import), 0 already present, 4 errors, 0 warnings" in out
    assert "Error report:" in out
    assert "row 3 (1002) Date received" in err


def test_a_second_import_of_the_same_file_creates_nothing_and_says_so(tmp_path):
    path = _broken_file(tmp_path)
    import_cases(str(path))
    references = sorted(Case.objects.values_list("reference", flat=True))
    customers = Customer.objects.count()
    entries = AuditEntry.objects.count()

    out, _err = import_cases(str(path))

    assert sorted(Case.objects.values_list("reference", flat=True)) == references
    assert Customer.objects.count() == customers
    assert AuditEntry.objects.count() == entries
    assert "0 created (0 closed on import), 3 already present, 4 errors" in out
    assert "Nothing new" in out


def test_an_open_complaint_counts_its_deadlines_from_midnight_new_york_under_us_cfpb(tmp_path):
    import_cases(str(write_csv(tmp_path / "c.csv", [cfpb_row(2001)])))
    case = Case.objects.get(external_source="cfpb", external_reference="2001")
    received = datetime(2026, 1, 15, tzinfo=NEW_YORK)
    assert case.received_at == received
    assert case.policy.code == "us-cfpb"
    assert case.status == Status.ACKNOWLEDGED
    due = {m.milestone: m.due_at for m in CaseMilestone.objects.filter(case=case)}
    assert due["acknowledge"] == received
    assert due["first_response"] == received + timedelta(hours=24)  # the service standard is earlier
    assert due["final_response"] == datetime(2026, 3, 16, 23, 59, 59, tzinfo=NEW_YORK)  # 60 calendar days
    unmet = CaseMilestone.objects.filter(case=case, met_at__isnull=True).values_list("due_at", "met_at")
    assert case.next_due_at == rules.next_due(unmet) == received + timedelta(hours=24)


def test_a_complaint_the_company_answered_is_closed_on_import_and_has_no_next_deadline(tmp_path):
    rows = [cfpb_row(2002, **{"Company response to consumer": "Closed with monetary relief"})]
    import_cases(str(write_csv(tmp_path / "c.csv", rows)))
    case = Case.objects.get(external_reference="2002")
    assert case.status == Status.CLOSED
    assert case.closed_at == NOW
    assert case.resolved_at is None
    assert case.next_due_at is None
    assert CaseMilestone.objects.filter(case=case).count() == 3
    created = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CREATED)
    assert created.note == (
        "Imported from cfpb:c.csv. Acknowledged on receipt, as the deadline policy requires. "
        "Closed on import: the CFPB recorded the company's response “Closed with monetary relief”."
    )
    assert created.data["status"] == Status.CLOSED
    assert created.data["cfpb"]["company_response"] == "Closed with monetary relief"
    assert created.data["cfpb"]["timely_response"] == "Yes"


@pytest.mark.parametrize(
    ("overrides", "product", "category"),
    [
        ({}, "credit-card", "fees-charges"),
        ({"Product": "Credit card or prepaid card", "Sub-product": "Gift card"}, "bank-card", "fees-charges"),
        (
            {
                "Product": "Checking or savings account",
                "Sub-product": "Checking account",
                "Issue": "Managing an account",
                "Sub-issue": "Deposits and withdrawals",
            },
            "deposit",
            "account-access",
        ),
        (
            {
                "Product": "Mortgage",
                "Sub-product": "Conventional home mortgage",
                "Issue": "Struggling to pay mortgage",
                "Sub-issue": "",
            },
            "personal-loan",
            "loan-processing",
        ),
        (
            {
                "Product": "Debt collection",
                "Sub-product": "Credit card debt",
                "Issue": "Written notification about debt",
                "Sub-issue": "",
            },
            "credit-card",
            "debt-collection",
        ),
        (
            {
                "Product": "Credit reporting or other personal consumer reports",
                "Sub-product": "Credit reporting",
                "Issue": "Incorrect information on your report",
                "Sub-issue": "",
            },
            "other",
            "credit-reporting",
        ),
        (
            {
                "Product": "Money transfer, virtual currency, or money service",
                "Sub-product": "International money transfer",
                "Issue": "Fraud or scam",
                "Sub-issue": "",
            },
            "fx",
            "unauthorised-transaction",
        ),
        # a loan category does not fit a card product: left for the handler
        ({"Issue": "Getting a loan", "Sub-issue": ""}, "credit-card", None),
        ({"Issue": "Something new the CFPB added", "Sub-issue": ""}, "credit-card", None),
    ],
)
def test_products_and_issues_map_to_the_shipped_taxonomy(tmp_path, overrides, product, category):
    import_cases(str(write_csv(tmp_path / "c.csv", [cfpb_row(3001, **overrides)])))
    case = Case.objects.select_related("product", "category").get(external_reference="3001")
    assert (case.product.code if case.product else None) == product
    assert (case.category.code if case.category else None) == category
    # the issue is kept word for word in the description's header either way
    if overrides.get("Issue"):
        assert f"Issue: {overrides['Issue']}" in case.description


def test_an_unknown_product_is_a_warning_and_the_case_has_no_product(tmp_path):
    path = write_csv(tmp_path / "c.csv", [cfpb_row(3002, **{"Product": "Crypto lending", "Sub-product": ""})])
    out, _err = import_cases(str(path))
    case = Case.objects.get(external_reference="3002")
    assert case.product is None
    (line,) = read_report(tmp_path / "c.csv.errors.csv")
    assert (line["level"], line["column"], line["external_id"]) == ("warning", "Product", "3002")
    assert "1 created" in out and "1 warnings" in out


@pytest.mark.parametrize(
    ("via", "channel"),
    [
        ("Web", Channel.PORTAL),
        ("Phone", Channel.PHONE),
        ("Email", Channel.EMAIL),
        ("Referral", Channel.REGULATOR),
        ("Postal mail", Channel.BRANCH),
        ("Fax", Channel.BRANCH),
    ],
)
def test_submitted_via_maps_to_the_channel(tmp_path, via, channel):
    import_cases(str(write_csv(tmp_path / "c.csv", [cfpb_row(4001, **{"Submitted via": via})])))
    assert Case.objects.get(external_reference="4001").channel == channel


def test_tags_flag_an_older_american_and_note_a_servicemember(tmp_path):
    rows = [cfpb_row(5001, Tags="Older American, Servicemember")]
    import_cases(str(write_csv(tmp_path / "c.csv", rows)))
    case = Case.objects.select_related("customer").get(external_reference="5001")
    assert case.customer.customer_no == "CFPB-5001"
    assert case.customer.vulnerabilities == ["elderly"]
    assert case.customer.has_contact_consent is False
    note = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.NOTE)
    assert "servicemember" in note.note


def test_an_empty_narrative_gets_a_description_from_product_and_issue(tmp_path):
    row = cfpb_row(5002, **{"Consumer complaint narrative": ""})
    import_cases(str(write_csv(tmp_path / "c.csv", [row])))
    case = Case.objects.get(external_reference="5002")
    assert case.description.startswith("CFPB complaint 5002\nProduct: Credit card / General-purpose")
    assert "Issue: Fees or interest / Problem with fees" in case.description
    assert case.description.endswith("No narrative was published with this complaint.")
    assert case.subject == "Fees or interest"


def test_references_are_gapless_across_batches_with_one_audit_entry_each(tmp_path):
    rows = [cfpb_row(6000 + n, **{"Date received": f"2026-01-{10 + n:02d}"}) for n in range(5)]
    out, _err = import_cases(str(write_csv(tmp_path / "c.csv", rows)), "--batch-size", "2")
    cases = list(Case.objects.order_by("id"))
    assert [c.reference for c in cases] == [f"CMP-2026-{n:06d}" for n in range(1, 6)]
    assert [c.external_reference for c in cases] == [str(6000 + n) for n in range(5)]
    entries = list(AuditEntry.objects.filter(action="case.import").order_by("id"))
    assert [e.changes["references"] for e in entries] == [
        ["CMP-2026-000001", "CMP-2026-000002"],
        ["CMP-2026-000003", "CMP-2026-000004"],
        ["CMP-2026-000005"],
    ]
    assert entries[0].changes["customers_created"] == ["CFPB-6000", "CFPB-6001"]
    assert entries[0].changes["source"] == "cfpb:c.csv"
    assert "5 created" in out
    # every case has its milestones
    assert CaseMilestone.objects.count() == 15


def test_the_same_complaint_twice_in_one_file_is_imported_once(tmp_path):
    rows = [cfpb_row(7001), cfpb_row(7002), cfpb_row(7001)]
    out, _err = import_cases(str(write_csv(tmp_path / "c.csv", rows)), "--batch-size", "2")
    assert Case.objects.filter(external_reference="7001").count() == 1
    (line,) = read_report(tmp_path / "c.csv.errors.csv")
    assert (line["row"], line["level"], line["column"]) == ("4", "warning", "Complaint ID")
    assert "2 created" in out and "1 already present" in out


def test_a_batch_the_database_refuses_is_retried_row_by_row(tmp_path, customer, monkeypatch):
    """Another import creates one of the batch's cases between the check and the insert: the
    unique constraint refuses the batch, and the retry imports the others."""
    original = importer.Importer._skip_present

    def racing(self: importer.Importer, batch: list[importer.Prepared]) -> list[importer.Prepared]:
        fresh = original(self, batch)
        open_case(
            by=None,
            customer=customer,
            type="complaint",
            channel="regulator",
            description="opened by a racing import",
            external_source="cfpb",
            external_reference="8002",
        )
        return fresh

    monkeypatch.setattr(importer.Importer, "_skip_present", racing)
    rows = [cfpb_row(8001), cfpb_row(8002), cfpb_row(8003)]
    out, _err = import_cases(str(write_csv(tmp_path / "c.csv", rows)))
    assert sorted(Case.objects.filter(external_source="cfpb").values_list("external_reference", flat=True)) == [
        "8001",
        "8002",
        "8003",
    ]
    assert Case.objects.get(external_reference="8002").description == "opened by a racing import"
    assert "2 created (0 closed on import), 1 already present, 0 errors" in out
    refs = sorted(Case.objects.values_list("reference", flat=True))
    assert refs == ["CMP-2026-000001", "CMP-2026-000002", "CMP-2026-000003"]
    # the racing case's customer profile was not created twice
    assert not Customer.objects.filter(customer_no="CFPB-8002").exists()
