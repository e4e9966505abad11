"""The public transparency summary: aggregated figures, small cells hidden ("<5", and a second cell
where one could be worked out from the total), rates over small bases hidden ("n<5"), no personal
data anywhere; the public page needs no login, is cacheable and exists only for ended periods."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from safeguard.accounts.models import User
from safeguard.cases.models import Case
from safeguard.quality.reports import build, periods, render
from safeguard.quality.reports.document import Document
from safeguard.quality.reports.transparency import suppress_column
from safeguard.quality.tests.report_support import NOW, complaint, has, pdf_text, row_of, sep, sheets

pytestmark = pytest.mark.django_db

Q3 = periods.parse("2026-Q3")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


PEOPLE = [("王小明", "13700000001", "wang.xiaoming@example.com"), ("赵丽", "13700000002", "zhao.li@example.net")]


@pytest.fixture
def quarter(make_customer: Any, supervisor: User) -> list[Any]:
    """Credit cards: 7 received, 6 closed (3 upheld). Deposits: 6 received, none closed. Debit
    cards: 3 received, 1 closed (upheld)."""
    customers = [make_customer(name=n, phone=p, email=e) for n, p, e in PEOPLE]
    kw: dict[str, Any] = {"decided_by": supervisor}
    for i in range(7):
        if i < 6:
            outcome = "upheld" if i < 3 else "not_upheld"
            complaint(customers[i % 2], sep(1 + i), resolved=sep(10 + i), outcome=outcome, **kw)
        else:
            complaint(customers[i % 2], sep(1 + i))
    for i in range(6):
        complaint(customers[0], sep(2 + i), product="deposit")
    for i in range(3):
        if i == 0:
            complaint(customers[1], sep(3), product="bank-card", resolved=sep(4), outcome="upheld", **kw)
        else:
            complaint(customers[1], sep(3 + i), product="bank-card")
    return customers


def summary(document: Document) -> dict[str, str]:
    return {f.label: f.value for f in document.summary}


def test_small_cells_are_hidden(quarter: list[Any]) -> None:
    table = build("transparency", Q3, language="en", now=NOW).table("transparency-products")
    cards, deposits, debit = (
        row_of(table.rows, name) for name in ("Credit cards", "Deposits and accounts", "Debit and prepaid cards")
    )
    assert cards[1:3] == [7, 6]
    assert debit[1:3] == ["<5", "<5"]
    # Only one received count was small: the next smallest (6) is hidden too, else 16 - 7 - 6 = 3.
    assert deposits[1] == "<5"
    # Closed: two small counts already (1 and 0): nothing more to hide.
    assert deposits[2] == "<5"
    assert table.total is not None and table.total[1:3] == [16, 7]


def test_rates_over_small_bases_are_not_shown(quarter: list[Any]) -> None:
    table = build("transparency", Q3, language="en", now=NOW).table("transparency-products")
    cards, debit = row_of(table.rows, "Credit cards"), row_of(table.rows, "Debit and prepaid cards")
    assert cards[4] == Decimal("50")  # 3 of 6 upheld
    assert debit[4] == "n<5"  # 1 of 1: not shown
    assert table.total is not None and table.total[4] == Decimal("57.1429")  # 4 of 7


def test_totals_below_the_threshold_are_hidden(make_customer: Any) -> None:
    customer = make_customer()
    for day in (1, 2):
        complaint(customer, sep(day))
    figures = summary(build("transparency", Q3, language="en", now=NOW))
    assert figures["Complaints received"] == "<5"
    assert figures["Complaints closed"] == "<5"


def test_complementary_suppression_rule() -> None:
    assert suppress_column([10, "<5", 7, 12]) == [10, "<5", "<5", 12]
    assert suppress_column(["<5", "<5", 7]) == ["<5", "<5", 7]
    assert suppress_column([10, 7]) == [10, 7]
    assert suppress_column(["<5"]) == ["<5"]


def _personal_data(customers: list[Any]) -> list[str]:
    references = list(Case.objects.values_list("reference", flat=True))
    return [value for person in PEOPLE for value in person] + references + [c.customer_no for c in customers]


def test_no_personal_data_in_any_format(quarter: list[Any]) -> None:
    document = build("transparency", Q3, language="zh-hans", now=NOW)
    text = pdf_text(render(document, "pdf"))
    cells = " ".join(str(v) for rows in sheets(render(document, "xlsx")).values() for row in rows for v in row)
    page = Client().get("/transparency/2026-Q3/").content.decode()
    for value in _personal_data(quarter):
        assert not has(text, value), value
        assert value not in cells, value
        assert value not in page, value
    assert has(text, "信用卡")  # the figures are there, in Chinese


def test_public_page_needs_no_login_and_is_cacheable(quarter: list[Any]) -> None:
    response = Client().get("/transparency/2026-Q3/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    body = response.content.decode()
    assert "Credit cards" in body
    assert "&lt;5" in body
    pdf = Client().get("/transparency/2026-Q3/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert has(pdf_text(pdf.content), "Credit cards")
    index = Client().get("/transparency/")
    assert index.status_code == 200 and "/transparency/2026-Q3/" in index.content.decode()


def test_public_page_in_chinese(quarter: list[Any]) -> None:
    response = Client().get("/transparency/2026-Q3/", headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    assert "信用卡" in response.content.decode()


@pytest.mark.parametrize("period", ["2026-Q4", "2026-10", "2026", "2027-Q1", "2026-Q5", "nonsense", "2026-13"])
def test_only_ended_periods_are_published(period: str) -> None:
    assert Client().get(f"/transparency/{period}/").status_code == 404
    assert Client().get(f"/transparency/{period}/pdf/").status_code == 404


def test_page_is_served_from_the_cache(
    quarter: list[Any], make_customer: Any, django_assert_max_num_queries: Any
) -> None:
    assert Client().get("/transparency/2026-Q3/").status_code == 200
    complaint(make_customer(), sep(20))
    # Cached: the new complaint shows after SAFEGUARD_TRANSPARENCY_CACHE_SECONDS. Queries: the
    # session and the language are all; no figure is computed again.
    with django_assert_max_num_queries(2):
        body = Client().get("/transparency/2026-Q3/").content.decode()
    assert ">16<" in body
