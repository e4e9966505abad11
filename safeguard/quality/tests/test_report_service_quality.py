"""The monthly and quarterly service-quality report on constructed cases with known figures: the
document's sections, then the PDF (text extracted) and the XLSX (opened), in English and Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from safeguard.accounts.models import Department, User
from safeguard.cases.models import CaseEvent, CaseMilestone
from safeguard.quality.reports import build, periods, render
from safeguard.quality.reports.document import Document
from safeguard.quality.tests.report_support import (
    NOW,
    SHANGHAI,
    alert,
    answer,
    complaint,
    has,
    pay,
    pdf_text,
    row_of,
    sep,
    sheets,
    target,
)

pytestmark = pytest.mark.django_db

SEPTEMBER = periods.parse("2026-09")
Q3 = periods.parse("2026-Q3")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def breach(case: Any, name: str, at: datetime, *, reason: str = "") -> CaseMilestone:
    row, _created = CaseMilestone.objects.get_or_create(case=case, milestone=name, defaults={"due_at": at})
    CaseMilestone.objects.filter(pk=row.pk).update(due_at=at, breached_at=at, met_at=None)
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.BREACHED, at=at, actor_label="system", note=reason, data={"milestone": name}
    )
    return row


@pytest.fixture
def september(make_customer: Any, supervisor: User, departments: dict[str, Department]) -> dict[str, Any]:
    customer = make_customer(name="李娜", phone="13900001111")
    kw: dict[str, Any] = {"decided_by": supervisor, "department": departments["cards"]}
    c1 = complaint(
        customer, sep(1), category="fees-charges", resolved=sep(3), outcome="upheld", root_cause="fraud", **kw
    )
    c2 = complaint(customer, sep(2), resolved=sep(5), outcome="not_upheld", root_cause="fraud", **kw)
    c3 = complaint(
        customer, sep(3), product="bank-card", resolved=sep(10), outcome="not_upheld", root_cause="staff-conduct", **kw
    )
    c4 = complaint(customer, sep(4), product="deposit", department=departments["cards"])
    # Breaches: a reason on the breach event; a staff note written after the breach (with a phone
    # number, masked in the report); nothing recorded (the milestone is the reason).
    breach(c4, "final_response", sep(20), reason="系统升级导致延误")
    breach(c1, "first_response", sep(2))
    CaseEvent.objects.create(
        case=c1,
        kind=CaseEvent.Kind.NOTE,
        at=sep(2, 11),
        actor=supervisor,
        actor_label="supervisor",
        note="客户要求回电 13812345678，已安排",
    )
    breach(c2, "first_response", sep(3))
    # Redress: two approved (paid), one awaiting approval, one rejected.
    pay(c1, "100.00", by=supervisor)
    pay(c2, "50.00", by=supervisor, kind="compensation")
    pay(c3, "2000.00", by=supervisor, state="pending_approval")
    pay(c3, "10.00", by=supervisor, state="rejected", kind="goodwill")
    # Surveys: four answers (3 satisfied of 4), one invitation not answered (4 of 5 answered).
    for case, score, day in ((c1, 5, 6), (c2, 5, 7), (c3, 4, 12), (None, 2, 14)):
        answer(case, customer, answered=sep(day), sent=sep(day - 1), csat=score, nps=9, effort=2)
    answer(None, customer, answered=None, sent=sep(15))
    # Alerts: one raised in September, one in October.
    alert(date(2026, 9, 10), label="Credit cards")
    alert(date(2026, 10, 2), label="Deposits", series_key="deposit")
    # Commitments: satisfaction (missed: 75%), upheld rate at most 50% (met: 33.3%), and a
    # quarterly one the monthly report leaves out.
    target(
        "csat-satisfied", "85", departments["cards"], name="Satisfaction at least 85%", name_zh="客户满意度不低于85%"
    )
    target("upheld-rate", "50", departments["cards"], name="Upheld at most 50%", name_zh="投诉成立率不高于50%")
    target("first-response-24h", "95", departments["cards"], frequency="quarterly", name="First response 95%")
    return {"customer": customer, "cases": [c1, c2, c3, c4]}


def monthly(language: str = "en") -> Document:
    return build("monthly", SEPTEMBER, language=language, now=NOW)


def test_commitments_met_or_missed(september: dict[str, Any]) -> None:
    table = monthly().table("commitments")
    header = [c.label for c in table.columns]
    csat = row_of(table.rows, "Satisfaction at least 85%")
    assert csat[header.index("Value")] == Decimal("75")
    assert csat[header.index("Result")] == "Missed"
    assert csat[header.index("Target")] == "≥ 85%"
    upheld = row_of(table.rows, "Upheld at most 50%")
    assert upheld[header.index("Result")] == "Met"
    assert upheld[header.index("Numerator")] == 1
    assert upheld[header.index("Denominator")] == 3
    assert [row[0] for row in table.rows if row[0] == "First response 95%"] == []  # quarterly
    quarterly = build("quarterly", Q3, language="en", now=NOW).table("commitments")
    assert row_of(quarterly.rows, "First response 95%")


def test_summary(september: dict[str, Any]) -> None:
    summary = {f.label: f.value for f in monthly().summary}
    assert summary["Complaints received"] == "4"
    assert summary["Commitments met"] == "1 of 2"
    assert summary["Deadlines breached"] == "3"
    assert summary["Redress approved (CNY)"] == "150.00"
    assert summary["Alerts raised"] == "1"
    assert summary["Customer satisfaction"] == "75.0%"


def test_root_causes(september: dict[str, Any]) -> None:
    table = monthly().table("root-causes")
    assert row_of(table.rows, "Fraud")[1:] == [2, Decimal("66.7"), 1]
    assert row_of(table.rows, "Staff conduct")[1:] == [1, Decimal("33.3"), 0]
    assert table.total == ["Total", 3, Decimal("100.0"), 1]


def test_breaches_with_their_reasons(september: dict[str, Any]) -> None:
    c1, c2, _c3, c4 = september["cases"]
    table = monthly().table("breaches")
    reasons = {row[0]: row[-1] for row in table.rows}
    assert reasons[c4.reference] == "系统升级导致延误"
    assert reasons[c1.reference] == "客户要求回电 13*******78，已安排"
    assert reasons[c2.reference] == "Deadline missed: First response"
    summary = monthly().table("breaches-summary")
    assert summary.total == ["Total", "", 3]


def test_redress_by_kind(september: dict[str, Any]) -> None:
    rows = monthly().table("redress").rows
    assert row_of(rows, "Refund")[1:] == ["CNY", 1, Decimal("100.00"), 1, Decimal("2000.00"), 0]
    assert row_of(rows, "Compensation")[1:] == ["CNY", 1, Decimal("50.00"), 0, Decimal("0"), 0]
    assert row_of(rows, "Goodwill payment")[1:] == ["CNY", 0, Decimal("0"), 0, Decimal("0"), 1]


def test_survey_results(september: dict[str, Any]) -> None:
    rows = monthly().table("surveys").rows
    assert row_of(rows, "Customer satisfaction")[2:] == [Decimal("75"), 3, 4]
    assert row_of(rows, "Survey response rate")[2:] == [Decimal("80"), 4, 5]
    by_channel = monthly().table("surveys-by-channel").rows
    assert row_of(by_channel, "Phone")[1] == Decimal("100")  # the three answers about phone complaints


def test_alerts_raised(september: dict[str, Any]) -> None:
    rows = monthly().table("alerts").rows
    assert [(row[0], row[3], row[6]) for row in rows] == [("2026-09-10", "Credit cards", Decimal("3.5"))]


def test_trends_cover_six_months(september: dict[str, Any]) -> None:
    table = monthly().table("trends")
    assert [c.label for c in table.columns[2:]] == [
        "April 2026",
        "May 2026",
        "June 2026",
        "July 2026",
        "August 2026",
        "September 2026",
    ]
    complaints = row_of(table.rows, "Complaints received")
    assert complaints[2:] == [None, None, None, None, None, Decimal("4")]
    quarterly = build("quarterly", Q3, language="en", now=NOW).table("trends")
    assert [c.label for c in quarterly.columns[2:]] == ["Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026"]


def test_empty_month_has_no_data_not_zero() -> None:
    document = build("monthly", periods.parse("2025-03"), language="en", now=NOW)
    summary = {f.label: f.value for f in document.summary}
    assert summary["Complaints received"] == "0"
    assert row_of(document.table("indicators").rows, "Customer satisfaction")[2] is None
    assert "—" in pdf_text(render(document, "pdf"))


def test_pdf_in_english_has_the_figures(september: dict[str, Any]) -> None:
    text = pdf_text(render(monthly(), "pdf"))
    assert has(text, "Monthly service-quality report")
    assert has(text, "September 2026")
    assert has(text, "Satisfaction at least 85%")
    assert has(text, "Missed")
    assert has(text, "75.0%")
    assert has(text, "150.00")
    assert has(text, september["cases"][3].reference)


def test_pdf_in_chinese_renders_chinese_text(september: dict[str, Any]) -> None:
    text = pdf_text(render(monthly("zh-hans"), "pdf"))
    assert has(text, "客户满意度不低于85%")
    assert has(text, "欺诈")  # root cause
    assert has(text, "系统升级导致延误")
    assert has(text, "信用卡中心")  # the owner department
    assert has(text, "75.0%")


def test_xlsx_has_a_sheet_per_section_with_the_figures(september: dict[str, Any]) -> None:
    book = sheets(render(monthly(), "xlsx"))
    assert next(iter(book)) == "Summary"
    for title in (
        "Commitments met or missed",
        "Trends",
        "Top root causes",
        "Breaches and their reasons",
        "Redress",
        "Survey results",
        "Alerts raised",
    ):
        assert title in book
    commitments = book["Commitments met or missed"]
    assert commitments[0][0] == "Commitments met or missed"
    assert row_of(commitments, "Satisfaction at least 85%")[4] == 75
    assert row_of(book["Top root causes"], "Fraud")[1] == 2
    assert row_of(book["Redress"], "Refund")[3] == 100


def test_xlsx_in_chinese(september: dict[str, Any]) -> None:
    book = sheets(render(monthly("zh-hans"), "xlsx"))
    commitments = next(rows for rows in book.values() if any(r and r[0] == "客户满意度不低于85%" for r in rows))
    assert row_of(commitments, "客户满意度不低于85%")[1] == "客户满意度"


def test_no_customer_data_in_the_report(september: dict[str, Any]) -> None:
    text = pdf_text(render(monthly(), "pdf"))
    assert not has(text, "李娜")
    assert not has(text, "13900001111")
    assert not has(text, "13812345678")


def test_shanghai_day_bounds(september: dict[str, Any], make_customer: Any) -> None:
    # 30 September 23:59 Shanghai is in September; 1 October 00:00 is not.
    customer = september["customer"]
    complaint(customer, datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI))
    complaint(customer, datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI))
    summary = {f.label: f.value for f in monthly().summary}
    assert summary["Complaints received"] == "5"
