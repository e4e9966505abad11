"""The shipped catalogue: every KPI is described in both languages, names a calculator that exists,
computes under every grouping, and says "no data" (None) for an empty period, never 0% or an
error; only the counts (volumes, backlog) say 0."""

import pytest

from safeguard.quality import kpis
from safeguard.quality.models import Direction, Kpi, Unit
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    EMPTY,
    MAY,
    frozen,
    may,
    milestone,
    open_,
    resolve,
    survey,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SHIPPED = {
    "ack-within-policy",
    "first-response-24h",
    "feedback-within-48h",
    "resolved-within-deadline",
    "services-meeting-standard",
    "handling-time-mean",
    "handling-time-p90",
    "backlog",
    "backlog-age-0-7d",
    "backlog-age-7-15d",
    "backlog-age-15-30d",
    "backlog-age-30-60d",
    "backlog-age-over-60d",
    "breaches",
    "reopen-rate",
    "upheld-rate",
    "redress-paid",
    "complaints-received",
    "complaints-per-10k-customers",
    "repeat-complaints",
    "complaint-channel-share",
    "feedback-response-rate",
    "csat-satisfied",
    "csat-mean",
    "nps",
    "effort-mean",
    "survey-response-rate",
}
# Counts: 0 when there is nothing to count (and a rate over a known customer base).
ZERO_WHEN_EMPTY = {
    "complaints-received",
    "complaints-per-10k-customers",
    "backlog",
    "backlog-age-0-7d",
    "backlog-age-7-15d",
    "backlog-age-15-30d",
    "backlog-age-30-60d",
    "backlog-age-over-60d",
}


def test_every_shipped_kpi_is_described_in_both_languages_and_computable():
    shipped = {k.code: k for k in Kpi.objects.all()}
    assert set(shipped) >= SHIPPED
    for kpi in shipped.values():
        assert kpi.name and kpi.name_zh and kpi.definition and kpi.definition_zh, kpi.code
        assert kpi.calculator in kpis.CALCULATORS, kpi.code
        assert kpi.unit in Unit.values and kpi.direction in Direction.values, kpi.code
    percents = {k.code for k in shipped.values() if k.unit == Unit.PERCENT}
    assert {"first-response-24h", "csat-satisfied", "feedback-response-rate", "services-meeting-standard"} <= percents


@pytest.fixture
def some_data(customer, departments, agent):
    first = open_(customer, may(4), department=departments["cards"])
    resolve(first, may(5), outcome="upheld", by=agent)
    feedback = open_(customer, may(6), type="feedback", department=departments["branch_sh"], channel="portal")
    milestone(feedback, "first_response", met_at=may(6, 12))
    survey(first, customer, answered=may(8), csat=4, nps=8, effort=2)


def test_an_empty_period_is_no_data_not_zero_and_not_an_error(some_data, settings):
    settings.SAFEGUARD_QUALITY_CUSTOMERS = 0
    found = {code: total(figures).value for code, figures in kpis.compute_all(period=EMPTY).items()}
    assert set(found) >= SHIPPED
    for code in SHIPPED:
        expected = 0 if code in ZERO_WHEN_EMPTY else None
        assert found[code] == expected, code


def test_a_database_with_no_cases_at_all_gives_no_data_for_every_ratio(db):
    found = {code: total(figures).value for code, figures in kpis.compute_all(period=MAY).items()}
    for code in SHIPPED - ZERO_WHEN_EMPTY:
        assert found[code] is None, code
    assert found["complaints-per-10k-customers"] is None  # no customers on record: no base


@pytest.mark.parametrize("group_by", [None, *kpis.GROUPINGS])
def test_every_kpi_computes_under_every_grouping(some_data, group_by):
    found = kpis.compute_all(period=MAY, group_by=group_by)
    assert set(found) >= SHIPPED
    if group_by is None:
        assert all(len(figures) == 1 for figures in found.values())
    else:
        assert all(f.group is not None and f.value is not None for figures in found.values() for f in figures)


def test_compute_all_leaves_out_inactive_kpis_and_shares_queries(some_data, django_assert_max_num_queries):
    Kpi.objects.filter(code="nps").update(is_active=False)
    active = Kpi.objects.filter(is_active=True).count()
    # The KPI list; one query each for the KPIs over the deadlines due, the cases received, the
    # cases resolved, the answers given, the invitations sent and the backlog; one each for the
    # percentile, redress, the share of complaints and the rate per customers (with the customer
    # count): 13, for 26 KPIs.
    with django_assert_max_num_queries(13):
        found = kpis.compute_all(period=MAY)
    assert "nps" not in found and len(found) == active


def test_compute_takes_a_kpi_or_its_code(some_data):
    kpi = Kpi.objects.get(code="upheld-rate")
    assert kpis.compute(kpi, period=MAY) == kpis.compute("upheld-rate", period=MAY)
    assert total(kpis.compute(kpi, period=MAY)).value == 100


@pytest.mark.parametrize("group_by", kpis.GROUPINGS)
def test_the_total_with_the_groups_is_the_total_alone(some_data, group_by, customer, agent):
    # More than one group with data, a redress, a percentile over several cases.
    second = open_(customer, may(7), channel="email", product="deposit")
    resolve(second, may(9, 15), outcome="not_upheld", by=agent)
    for kpi in Kpi.objects.filter(is_active=True):
        together, groups = kpis.compute_with_total(kpi, period=MAY, group_by=group_by)
        assert together == total(kpis.compute(kpi, period=MAY)), kpi.code
        assert groups == kpis.compute(kpi, period=MAY, group_by=group_by), kpi.code


@pytest.mark.parametrize("group_by", [None, *kpis.GROUPINGS])
def test_compute_all_shares_queries_but_gives_what_each_kpi_gives_alone(some_data, group_by, customer, agent):
    second = open_(customer, may(7), channel="email", product="deposit", type="feedback")
    resolve(second, may(9, 15), outcome="not_upheld", by=agent)
    survey(second, customer, answered=may(10), csat=2, nps=10)
    together = kpis.compute_all(period=MAY, group_by=group_by)
    alone = {kpi.code: kpis.compute(kpi, period=MAY, group_by=group_by) for kpi in Kpi.objects.filter(is_active=True)}
    assert together == alone


@pytest.mark.parametrize("group_by", [None, *kpis.GROUPINGS])
def test_compute_many_is_compute_with_total_for_each(some_data, group_by, customer, agent):
    second = open_(customer, may(7), channel="email", product="deposit")
    resolve(second, may(9, 15), outcome="not_upheld", by=agent)
    catalogue = list(Kpi.objects.filter(is_active=True))
    found = kpis.compute_many(catalogue, period=MAY, group_by=group_by)
    assert found == {k.code: kpis.compute_with_total(k, period=MAY, group_by=group_by) for k in catalogue}
