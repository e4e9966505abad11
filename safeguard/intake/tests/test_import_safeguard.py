"""Importing Safeguard's own format: the columns map to the case, customers are matched like
``contact_customer`` does, bad rows (type, phone, date, description, codes) are reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine

from safeguard.cases.models import Case, Status
from safeguard.customers import crypto
from safeguard.customers.models import Customer
from safeguard.intake.tests.import_support import NOW, SHANGHAI, import_cases, read_report, safeguard_row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_columns_become_the_case(tmp_path, departments):
    import_cases(str(write_csv(tmp_path / "s.csv", [safeguard_row("LEGACY-1")])))
    case = Case.objects.select_related("product", "category", "department", "customer", "policy").get()
    assert case.external_source == "import"
    assert case.external_reference == "LEGACY-1"
    assert case.reference == "CMP-2026-000001"
    assert (case.type, case.channel, case.severity) == ("complaint", "phone", "medium")
    assert case.received_at == datetime(2026, 2, 27, 16, 30, tzinfo=SHANGHAI)
    assert case.product is not None and case.category is not None
    assert (case.product.code, case.category.code, case.department) == (
        "credit-card",
        "fees-charges",
        departments["cards"],
    )
    assert (case.subject, case.desired_outcome) == ("年费重复扣收", "退还多收的年费")
    assert case.policy.code == "cn-nfra"
    assert case.status == Status.ACKNOWLEDGED
    customer = case.customer
    assert customer.customer_no.startswith("C-")
    assert customer.name_masked == "王*"
    assert customer.phone_masked == "139****5678"
    assert crypto.decrypt(customer.name_enc, field="name") == "王芳"
    assert customer.phone_index == crypto.blind_index("13912345678", field="phone")


def test_a_date_alone_or_a_time_without_zone_is_in_the_institutions_zone(tmp_path, departments):
    rows = [safeguard_row("A", received_at="2026-02-20"), safeguard_row("B", received_at="2026-02-20 09:15")]
    import_cases(str(write_csv(tmp_path / "s.csv", rows)))
    got = dict(Case.objects.values_list("external_reference", "received_at"))
    assert got["A"] == datetime(2026, 2, 20, tzinfo=SHANGHAI)
    assert got["B"] == datetime(2026, 2, 20, 9, 15, tzinfo=SHANGHAI)


def test_customers_are_matched_by_contact_and_name_and_shared_within_the_file(tmp_path, departments, make_customer):
    known = make_customer(name="张伟", phone="13800000001")
    rows = [
        safeguard_row("1", customer_name="张伟", customer_phone="138 0000 0001"),  # the known profile
        safeguard_row("2", customer_name="李娜", customer_phone="13800000001"),  # same phone, other name: new
        safeguard_row("3", customer_name="李娜", customer_phone="", customer_email="lina@example.com"),
        safeguard_row("4", customer_name="李娜", customer_phone="", customer_email="LiNa@example.com"),
    ]
    out, _err = import_cases(str(write_csv(tmp_path / "s.csv", rows)), "--batch-size", "3")
    customer_of = dict(Case.objects.values_list("external_reference", "customer_id"))
    assert customer_of["1"] == known.pk
    assert customer_of["2"] not in (known.pk, customer_of["3"])
    assert customer_of["3"] == customer_of["4"]  # matched in the next batch by e-mail and name
    assert "2 customers created" in out
    assert Customer.objects.count() == 3


def test_bad_rows_are_reported_with_their_column_and_the_others_import(tmp_path, departments):
    rows = [
        safeguard_row("ok"),
        safeguard_row("t", type="praise"),
        safeguard_row("p", customer_phone="12345"),
        safeguard_row("d", description="   "),
        safeguard_row("r", received_at="yesterday-ish"),
        safeguard_row("c", product="no-such-product"),
        safeguard_row("n", customer_phone="", customer_email=""),
        safeguard_row("", subject="no reference"),
        safeguard_row("x", policy="no-such-policy"),  # refused by the service: the batch is retried row by row
    ]
    out, _err = import_cases(str(write_csv(tmp_path / "s.csv", rows)), "--errors", str(tmp_path / "report.csv"))
    assert list(Case.objects.values_list("external_reference", flat=True)) == ["ok"]
    report = read_report(tmp_path / "report.csv")
    assert [(r["row"], r["external_id"], r["column"]) for r in report] == [
        ("3", "t", "type"),
        ("4", "p", "customer_phone"),
        ("5", "d", "description"),
        ("6", "r", "received_at"),
        ("7", "c", "product"),
        ("8", "n", "customer_phone"),
        ("9", "", "external_reference"),
        ("10", "x", "policy"),
    ]
    assert all(r["level"] == "error" for r in report)
    assert "“praise” is not a valid type" in report[0]["message"]
    assert "no-such-policy" in report[-1]["message"]
    assert "1 created" in out and "8 errors" in out
    # the row-by-row retry did not leave gaps in the references
    assert Case.objects.get().reference == "CMP-2026-000001"


def test_the_source_option_keeps_two_systems_ids_apart(tmp_path, departments):
    path = write_csv(tmp_path / "s.csv", [safeguard_row("42")])
    import_cases(str(path), "--source", "legacy-crm")
    import_cases(str(path), "--source", "branch-log")
    assert sorted(Case.objects.values_list("external_source", flat=True)) == ["branch-log", "legacy-crm"]
