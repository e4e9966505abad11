"""Outcome KPIs count the cases resolved (final response sent) in the period: handling time (mean
and 90th percentile, the same on SQLite and PostgreSQL), reopened, upheld, redress paid."""

from datetime import datetime, timedelta

import pytest

from safeguard.quality import kpis
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    EMPTY,
    MAY,
    SHANGHAI,
    by_group,
    d,
    frozen,
    may,
    open_,
    redress,
    reopened,
    resolve,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

APRIL_DAY = datetime(2026, 4, 10, 10, tzinfo=SHANGHAI)


def _handled(customer, hours, *, type="complaint", product="credit-card", received=None):
    received = received or may(3)
    case = open_(customer, received, type=type, product=product)
    return resolve(case, received + timedelta(hours=hours))


def test_mean_handling_time_is_hours_from_receipt_to_final_response(customer):
    for hours in (2, 10, 24, 48, 100):
        _handled(customer, hours)
    _handled(customer, 1000, type="inquiry")  # not a complaint or feedback
    _handled(customer, 100, received=APRIL_DAY)  # resolved in April
    figure = total(kpis.compute("handling-time-mean", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(184), d(5), d("36.8"))


def test_handling_time_counts_minutes_exactly(customer):
    _handled(customer, 1.5)
    _handled(customer, 0.25)
    figure = total(kpis.compute("handling-time-mean", period=MAY))
    assert figure.value == d("0.875")


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (range(1, 11), 9),  # n = 10: rank ceil(9.0) = 9
        (range(1, 8), 7),  # n = 7: rank ceil(6.3) = 7
        (range(1, 12), 10),  # n = 11: rank ceil(9.9) = 10
        ([5], 5),
        (list(range(1, 71)), 63),  # n = 70: 0.9 × 70 is 63 exactly (no floating-point 63.000…1 → 64)
    ],
)
def test_p90_handling_time_is_the_nearest_rank(customer, hours, expected):
    for h in reversed(list(hours)):
        _handled(customer, h)
    figure = total(kpis.compute("handling-time-p90", period=MAY))
    assert (figure.value, figure.denominator) == (d(expected), d(len(list(hours))))


def test_p90_by_group_ranks_each_group_on_its_own(customer):
    for h in range(1, 11):
        _handled(customer, h, product="credit-card")
    for h in (100, 200):
        _handled(customer, h, product="deposit")
    figures = by_group(kpis.compute("handling-time-p90", period=MAY, group_by="product"))
    assert figures == {"credit-card": (d(9), None, d(10)), "deposit": (d(200), None, d(2))}


def test_reopen_rate_is_the_share_of_resolved_cases_ever_reopened(customer):
    first = _handled(customer, 5)
    reopened(first, may(4))
    _handled(customer, 6)
    _handled(customer, 7)
    april = _handled(customer, 8, received=APRIL_DAY)
    reopened(april, datetime(2026, 4, 11, tzinfo=SHANGHAI))
    figure = total(kpis.compute("reopen-rate", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(1), d(3), d("33.3333"))
    assert list(kpis.cases_behind("reopen-rate", period=MAY, part="numerator")) == [first]


def test_upheld_rate_counts_upheld_and_partially_upheld_complaints(customer, agent):
    for outcome in ("upheld", "partially_upheld", "not_upheld", "not_upheld"):
        resolve(open_(customer, may(3)), may(5), outcome=outcome, by=agent)
    resolve(open_(customer, may(3), type="feedback"), may(5), outcome="upheld", by=agent)
    resolve(open_(customer, may(3)), may(5))  # no decision recorded
    figure = total(kpis.compute("upheld-rate", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(2), d(4), d(50))


def test_redress_paid_adds_approved_redress_in_the_currency_on_cases_resolved_in_the_period(customer, agent):
    twice = _handled(customer, 5)
    redress(twice, "100.50", by=agent)
    redress(twice, "200.00", by=agent)
    pending = _handled(customer, 5, product="deposit")
    redress(pending, "5000.00", by=agent, state="pending_approval")
    pounds = _handled(customer, 5)
    redress(pounds, "50.00", by=agent, currency="GBP")
    _handled(customer, 5)  # no redress
    april = _handled(customer, 5, received=APRIL_DAY)
    redress(april, "999.00", by=agent)
    figure = total(kpis.compute("redress-paid", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d("300.50"), d(4), d("300.50"))
    grouped = by_group(kpis.compute("redress-paid", period=MAY, group_by="product"))
    assert grouped == {"credit-card": (d("300.50"), d("300.50"), d(3)), "deposit": (d(0), d(0), d(1))}
    assert list(kpis.cases_behind("redress-paid", period=MAY, part="numerator")) == [twice]


def test_outcome_kpis_have_no_data_for_a_period_with_nothing_resolved(customer):
    _handled(customer, 5)
    for code in ("handling-time-mean", "handling-time-p90", "reopen-rate", "upheld-rate", "redress-paid"):
        assert total(kpis.compute(code, period=EMPTY)).value is None, code
