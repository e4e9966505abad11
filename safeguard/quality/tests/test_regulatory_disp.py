"""The DISP 1 Annex 1 style return: opened and closed by product group and cause; closed within 3
business days (on the England and Wales calendar), within 8 weeks or later, at the boundaries;
upheld %; redress paid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from safeguard.accounts.models import User
from safeguard.core.errors import DomainError
from safeguard.deadlines.models import Calendar
from safeguard.deadlines.selectors import calendar_data
from safeguard.quality.reports import build, periods, render
from safeguard.quality.reports.regulatory import LATER, WITHIN_3_DAYS, WITHIN_8_WEEKS, time_to_close
from safeguard.quality.tests.report_support import LONDON, NOW, complaint, has, pay, pdf_text, row_of, sheets

pytestmark = pytest.mark.django_db

Q3 = periods.parse("2026-Q3")
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def london(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=LONDON)


def gb() -> Any:
    return calendar_data(Calendar.objects.get(code="gb-eng"))


# Received Tuesday 7 July 2026: the third business day after is Friday 10 July; eight weeks after
# the day of receipt end with Tuesday 1 September.
RECEIVED = london(7, 7)
THIRD_DAY_ENDS = london(7, 10, 23, 59, 59)
EIGHT_WEEKS_END = london(9, 1, 23, 59, 59)


def test_three_business_days_boundary() -> None:
    assert time_to_close(RECEIVED, THIRD_DAY_ENDS, gb()) == WITHIN_3_DAYS
    assert time_to_close(RECEIVED, THIRD_DAY_ENDS + SECOND, gb()) == WITHIN_8_WEEKS


def test_eight_weeks_boundary() -> None:
    assert time_to_close(RECEIVED, EIGHT_WEEKS_END, gb()) == WITHIN_8_WEEKS
    assert time_to_close(RECEIVED, EIGHT_WEEKS_END + SECOND, gb()) == LATER


def test_business_days_skip_weekends_and_bank_holidays() -> None:
    # Thursday 27 August 2026; Monday 31 August is the summer bank holiday: Fri 28, Tue 1, Wed 2.
    received = london(8, 27, 16)
    assert time_to_close(received, london(9, 2, 23, 59, 59), gb()) == WITHIN_3_DAYS
    assert time_to_close(received, london(9, 3, 0, 0, 1), gb()) == WITHIN_8_WEEKS


def test_day_of_receipt_is_local_to_the_calendar() -> None:
    # 00:30 in Shanghai on Wednesday 8 July is still Tuesday 7 July in London.
    received = datetime(2026, 7, 8, 0, 30, tzinfo=NOW.tzinfo)
    assert time_to_close(received, THIRD_DAY_ENDS, gb()) == WITHIN_3_DAYS


@pytest.fixture
def quarter(customer: Any, supervisor: User) -> None:
    kw: dict[str, Any] = {"decided_by": supervisor}
    # Credit cards (BANK-CC): four closed, one in each bucket boundary, one still open.
    a = complaint(
        customer,
        RECEIVED,
        product="credit-card",
        category="fees-charges",
        resolved=THIRD_DAY_ENDS,
        outcome="upheld",
        **kw,
    )
    complaint(
        customer,
        RECEIVED,
        product="credit-card",
        category="fees-charges",
        resolved=THIRD_DAY_ENDS + SECOND,
        outcome="not_upheld",
        **kw,
    )
    b = complaint(
        customer,
        RECEIVED,
        product="credit-card",
        category="mis-selling",
        resolved=EIGHT_WEEKS_END,
        outcome="partially_upheld",
        **kw,
    )
    complaint(
        customer,
        RECEIVED,
        product="credit-card",
        category="service-quality",
        resolved=EIGHT_WEEKS_END + SECOND,
        outcome="not_upheld",
        **kw,
    )
    complaint(customer, london(9, 20), product="credit-card", category="debt-collection")
    # A mortgage complaint (HOME-MORT) closed within three days, with redress in two currencies.
    c = complaint(
        customer,
        london(8, 3),
        product="personal-loan",
        category="loan-processing",
        resolved=london(8, 4),
        outcome="upheld",
        **kw,
    )
    pay(a, "100.00", by=supervisor, currency="GBP")
    pay(b, "50.50", by=supervisor, currency="GBP")
    pay(c, "20.00", by=supervisor, currency="GBP")
    pay(c, "300.00", by=supervisor, currency="CNY")
    pay(c, "999.00", by=supervisor, currency="GBP", state="rejected")  # not paid
    # Not in Q3: received and closed in June.
    complaint(customer, london(6, 1), product="credit-card", resolved=london(6, 2), outcome="upheld", **kw)


def test_products_table(quarter: None) -> None:
    document = build("disp", Q3, language="en", now=NOW)
    table = document.table("disp-products")
    header = [c.label for c in table.columns]
    gbp = header.index("Redress paid (GBP)")
    cc = row_of(table.rows, "BANK-CC")
    # opened, closed, ≤3 business days, ≤8 weeks, later, upheld %
    assert cc[2:8] == [5, 4, 1, 2, 1, Decimal("50.0")]
    assert cc[gbp] == Decimal("150.50")
    mortgage = row_of(table.rows, "HOME-MORT")
    assert mortgage[2:8] == [1, 1, 1, 0, 0, Decimal("100.0")]
    assert mortgage[header.index("Redress paid (CNY)")] == Decimal("300.00")
    # The group includes its products.
    assert row_of(table.rows, "BANK")[2:7] == [5, 4, 1, 2, 1]
    assert table.total is not None
    assert table.total[2:8] == [6, 5, 2, 2, 1, Decimal("60.0")]
    assert table.total[gbp] == Decimal("170.50")


def test_causes_table(quarter: None) -> None:
    table = build("disp", Q3, language="en", now=NOW).table("disp-causes")
    header = [c.label for c in table.columns]
    cc = row_of(table.rows, "BANK-CC")
    assert cc[header.index("Terms and disputed sums or charges")] == 2
    assert cc[header.index("Advising, selling and arranging")] == 1
    assert cc[header.index("General administration and customer service")] == 1
    assert cc[header.index("Arrears related")] == 1
    assert cc[-1] == 5
    assert row_of(table.rows, "HOME-MORT")[header.index("Arrears related")] == 1


def test_xlsx_and_pdf(quarter: None) -> None:
    document = build("disp", Q3, language="en", now=NOW)
    book = sheets(render(document, "xlsx"))
    products = book["Complaints by product"]
    assert row_of(products, "BANK-CC")[2:7] == [5, 4, 1, 2, 1]
    text = pdf_text(render(document, "pdf"))
    assert has(text, "Credit cards")
    assert has(text, "150.50")


def test_missing_calendar_is_a_clear_error() -> None:
    with override_settings(SAFEGUARD_REPORTS_DISP_CALENDAR="nowhere"), pytest.raises(DomainError) as caught:
        build("disp", Q3, language="en", now=NOW)
    assert "nowhere" in caught.value.detail
