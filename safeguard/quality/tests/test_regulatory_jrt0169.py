"""JR/T 0169-2018 statistics: complaints received in the period counted by business channel,
business category and complaint cause through the shipped mappings; unmapped values under "other"
and listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from safeguard.accounts.models import User
from safeguard.quality.models import RegulatoryCode, RegulatoryMapping
from safeguard.quality.reports import build, periods, render
from safeguard.quality.reports.document import Document
from safeguard.quality.tests.report_support import (
    NOW,
    SHANGHAI,
    complaint,
    has,
    pdf_text,
    product,
    row_of,
    sep,
    sheets,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


SEPTEMBER = periods.parse("2026-09")


def counts(document: Document, key: str) -> dict[str, Any]:
    """code -> complaints, from one dimension's table."""
    return {str(row[0]): row[3] for row in document.table(key).rows}


@pytest.fixture
def september(customer: Any, supervisor: User) -> None:
    """Seven complaints received in September 2026, plus cases that must not be counted."""
    crypto = product("crypto", "Crypto custody", "加密资产托管")  # no mapping: "other", listed
    complaint(customer, sep(1), channel="branch", product="credit-card", category="fees-charges")
    complaint(customer, sep(2), channel="portal", product="credit-card", category="fees-charges")
    complaint(customer, sep(3), channel="api", product="bank-card", category="mis-selling")
    complaint(customer, sep(4), channel="phone", product="wealth", category="disclosure")
    complaint(customer, sep(5), channel="regulator", product=crypto.code, category="fees-charges")
    # No category: the cause comes from the decision's root cause (fraud -> 09).
    complaint(
        customer,
        sep(6),
        channel="phone",
        product="deposit",
        resolved=sep(8),
        outcome="upheld",
        root_cause="fraud",
        decided_by=supervisor,
    )
    # Neither a category nor a decision: cause "other", listed as "(none recorded)".
    complaint(customer, sep(30, 23, 59), channel="email", product=None)
    # Not counted: feedback, a merged duplicate, a complaint received in October or in August.
    complaint(customer, sep(7), type="feedback", channel="branch")
    complaint(customer, sep(7), channel="branch", status="merged")
    complaint(customer, datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI), channel="branch")
    complaint(customer, datetime(2026, 8, 31, 23, 59, tzinfo=SHANGHAI), channel="branch")


def test_shipped_codes_cover_the_three_dimensions() -> None:
    jrt = RegulatoryCode.objects.filter(scheme="jrt0169")
    assert set(jrt.values_list("dimension", flat=True)) == {"channel", "category", "cause"}
    # The complaint causes of JR/T 0169-2018, with their Chinese names.
    assert jrt.get(dimension="cause", code="05").name_zh == "定价收费"
    assert jrt.get(dimension="category", code="0302").parent == jrt.get(dimension="category", code="03")
    # Every shipped product and channel (but the regulator's referral) is mapped.
    assert RegulatoryMapping.objects.filter(code__scheme="jrt0169", code__dimension="channel").count() == 6


def test_counts_by_business_channel(september: None) -> None:
    document = build("jrt0169", SEPTEMBER, language="en", now=NOW)
    found = counts(document, "jrt-channel")
    assert found["0101"] == 1  # branch
    assert found["01"] == 1  # its parent includes it
    assert found["0301"] == 1  # portal -> internet banking
    assert found["0302"] == 1  # app -> mobile banking
    assert found["0303"] == 2  # phone -> telephone banking
    assert found["03"] == 4
    # E-mail maps to 99, and the regulator's referral is not mapped: both under 99.
    assert found["99"] == 2
    assert document.table("jrt-channel").total[3] == 7  # type: ignore[index]


def test_counts_by_business_category(september: None) -> None:
    found = counts(build("jrt0169", SEPTEMBER, language="en", now=NOW), "jrt-category")
    assert found["0302"] == 2  # credit cards
    assert found["0301"] == 1  # debit cards
    assert found["03"] == 3
    assert found["09"] == 1  # wealth management
    assert found["0101"] == 1  # deposits
    # The crypto product is not mapped and the e-mail complaint has no product: "other".
    assert found["99"] == 2


def test_counts_by_complaint_cause_fall_back_to_the_root_cause(september: None) -> None:
    found = counts(build("jrt0169", SEPTEMBER, language="en", now=NOW), "jrt-cause")
    assert found["05"] == 3  # fees and charges
    assert found["02"] == 1  # mis-selling -> marketing methods
    assert found["03"] == 1  # disclosure
    assert found["09"] == 1  # no category; root cause fraud -> loss of funds
    assert found["99"] == 1  # nothing to map
    assert sum(v for code, v in found.items() if len(code) == 2) == 7


def test_unmapped_values_are_listed(september: None) -> None:
    rows = build("jrt0169", SEPTEMBER, language="en", now=NOW).table("jrt-unmapped").rows
    listed = {(row[0], row[2], row[5]) for row in rows}
    assert ("Business channel", "regulator", 1) in listed
    assert ("Business category", "crypto", 1) in listed
    assert ("Business category", "", 1) in listed  # the complaint without a product
    assert ("Complaint cause", "", 1) in listed
    assert all(str(row[4]).startswith("99") for row in rows)


def test_a_new_mapping_moves_the_count_out_of_other(september: None) -> None:
    code = RegulatoryCode.objects.get(scheme="jrt0169", dimension="channel", code="99")
    RegulatoryMapping.objects.filter(channel="email").delete()
    RegulatoryMapping.objects.create(
        code=RegulatoryCode.objects.get(scheme="jrt0169", dimension="channel", code="05"), channel="regulator"
    )
    found = counts(build("jrt0169", SEPTEMBER, language="en", now=NOW), "jrt-channel")
    assert found["05"] == 1
    assert found[code.code] == 1  # now only the e-mail one, unmapped


def test_empty_period_gives_zeros_and_no_crash() -> None:
    document = build("jrt0169", periods.parse("2025-01"), language="en", now=NOW)
    assert document.table("jrt-cause").total[3] == 0  # type: ignore[index]
    assert document.table("jrt-unmapped").rows == []


def test_xlsx_and_pdf_carry_the_counts(september: None) -> None:
    document = build("jrt0169", SEPTEMBER, language="zh-hans", now=NOW)
    book = sheets(render(document, "xlsx"))
    cause_sheet = next(rows for title, rows in book.items() if "投诉原因" in title)
    assert row_of(cause_sheet, "05")[3] == 3
    assert row_of(cause_sheet, "05")[1].strip() == "定价收费"
    text = pdf_text(render(document, "pdf"))
    assert has(text, "定价收费")
    assert has(text, "营业网点")


def test_fixture_loads_with_loaddata_on_a_migrated_database() -> None:
    before = RegulatoryCode.objects.count()
    call_command("loaddata", "jrt0169", "disp", verbosity=0)
    assert RegulatoryCode.objects.count() == before


def test_fixture_loads_into_an_empty_table() -> None:
    RegulatoryMapping.objects.all().delete()
    RegulatoryCode.objects.filter(parent__isnull=False).delete()
    RegulatoryCode.objects.all().delete()
    call_command("loaddata", "jrt0169", verbosity=0)
    loaded = RegulatoryCode.objects.filter(scheme="jrt0169")
    assert loaded.count() == 51
    assert loaded.get(dimension="channel", code="0303").name_zh == "电话银行"
