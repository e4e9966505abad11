"""Intake KPIs count the cases received in the period (merged duplicates left out); the backlog is
a snapshot at the end of the period, with its age profile."""

from datetime import datetime, timedelta

import pytest

from safeguard.quality import kpis
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    MAY,
    NOW,
    SHANGHAI,
    by_group,
    d,
    frozen,
    may,
    milestone,
    open_,
    resolve,
    shape,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def day(month: int, day_: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day_, hour, tzinfo=SHANGHAI)


@pytest.fixture
def mix(make_customer):
    """Four complaints in May (phone, phone, portal, email), one merged duplicate, a feedback case
    and an April complaint."""
    c = make_customer()
    open_(c, may(2), channel="phone")
    open_(c, may(3), channel="phone")
    open_(c, may(4), channel="portal")
    open_(c, may(31, 23), channel="email")
    shape(open_(c, may(5), channel="phone"), status="merged", closed_at=may(5, 11))
    open_(c, may(6), type="feedback", channel="phone")
    open_(c, day(4, 30), channel="phone")


def test_complaints_received_counts_complaints_received_in_the_period(mix):
    figure = total(kpis.compute("complaints-received", period=MAY))
    assert (figure.value, figure.numerator) == (d(4), d(4))


def test_complaints_per_10000_customers_divides_by_the_configured_customer_base(mix, settings):
    settings.SAFEGUARD_QUALITY_CUSTOMERS = 1600
    figure = total(kpis.compute("complaints-per-10k-customers", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(4), d(1600), d(25))


def test_complaints_per_10000_customers_defaults_to_the_customers_on_record(mix, make_customer, settings):
    settings.SAFEGUARD_QUALITY_CUSTOMERS = 0
    for _ in range(7):
        make_customer()
    figure = total(kpis.compute("complaints-per-10k-customers", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(4), d(8), d(5000))


def test_channel_share_is_each_channel_over_all_complaints(mix):
    figures = by_group(kpis.compute("complaint-channel-share", period=MAY, group_by="channel"))
    assert figures == {"email": (d(25), d(1), d(4)), "phone": (d(50), d(2), d(4)), "portal": (d(25), d(1), d(4))}
    whole = total(kpis.compute("complaint-channel-share", period=MAY))
    assert (whole.value, whole.denominator) == (d(100), d(4))


def test_repeat_complaints_are_complaints_from_a_customer_who_complained_in_the_90_days_before(make_customer):
    a, b, c, e, f = (make_customer() for _ in range(5))
    open_(a, day(4, 1))
    open_(a, may(3))  # repeat (April 1 is 32 days before)
    open_(b, may(2))
    open_(b, may(20))  # repeat
    open_(c, day(1, 5))
    open_(c, may(5))  # not: 120 days after
    open_(e, day(4, 20), type="feedback")
    open_(e, may(6))  # not: the earlier contact was feedback
    shape(open_(f, day(4, 25)), status="merged", closed_at=day(4, 25, 11))
    open_(f, may(7))  # not: the earlier one was a merged duplicate
    exact = make_customer()
    open_(exact, may(8) - timedelta(days=90))
    open_(exact, may(8))  # repeat: exactly 90 days after
    figure = total(kpis.compute("repeat-complaints", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(3), d(7), d("42.8571"))


def test_feedback_response_rate_counts_feedback_that_got_a_reply_or_a_decision(customer):
    resolve(open_(customer, may(4), type="feedback"), may(5))
    replied = open_(customer, may(4), type="feedback")
    milestone(replied, "first_response", met_at=may(4, 11))
    open_(customer, may(4), type="feedback")  # no reply yet
    shape(open_(customer, may(4), type="feedback"), status="withdrawn", closed_at=may(4, 12))
    resolve(open_(customer, may(4)), may(5))  # a complaint
    figure = total(kpis.compute("feedback-response-rate", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(2), d(3), d("66.6667"))


@pytest.fixture
def backlog(make_customer):
    c = make_customer()
    cases = {
        "b1": open_(c, may(30, 12)),
        "b2": resolve(open_(c, may(20)), day(6, 3)),
        "b3": resolve(open_(c, may(10)), may(25)),
        "b4": shape(open_(c, day(4, 20)), status="withdrawn", closed_at=may(5)),
        "b5": open_(c, day(4, 1)),
        "b6": open_(c, day(6, 2)),
        "b7": open_(c, may(25)),
        # exactly 7 days old at the end of May: in the 7–15 days bucket
        "b8": open_(c, datetime(2026, 5, 25, 0, 0, tzinfo=SHANGHAI)),
    }
    return cases


def test_backlog_is_the_cases_open_at_the_end_of_the_period_with_their_ages(backlog):
    values = {
        code: total(kpis.compute(code, period=MAY))
        for code in (
            "backlog",
            "backlog-age-0-7d",
            "backlog-age-7-15d",
            "backlog-age-15-30d",
            "backlog-age-30-60d",
            "backlog-age-over-60d",
        )
    }
    assert {code: (f.value, f.denominator) for code, f in values.items()} == {
        "backlog": (d(5), d(5)),
        "backlog-age-0-7d": (d(2), d(5)),  # b1, b7 (6 days 14 hours)
        "backlog-age-7-15d": (d(2), d(5)),  # b2, b8 (exactly 7 days)
        "backlog-age-15-30d": (d(0), d(5)),
        "backlog-age-30-60d": (d(0), d(5)),
        "backlog-age-over-60d": (d(1), d(5)),
    }
    names = {backlog[n].pk for n in ("b1", "b2", "b5", "b7", "b8")}
    assert {c.pk for c in kpis.cases_behind("backlog", period=MAY)} == names
    assert {c.pk for c in kpis.cases_behind("backlog-age-7-15d", period=MAY, part="numerator")} == {
        backlog[n].pk for n in ("b2", "b8")
    }


def test_backlog_by_month_is_the_backlog_at_the_end_of_each_month(backlog):
    period = kpis.Period.parse("2026-04-01..2026-05-31")
    assert by_group(kpis.compute("backlog", period=period, group_by="month")) == {
        "2026-04": (d(2), d(2), d(2)),
        "2026-05": (d(5), d(5), d(5)),
    }
    assert {c.pk for c in kpis.cases_behind("backlog", period=period, group_by="month", group="2026-04")} == {
        backlog["b4"].pk,
        backlog["b5"].pk,
    }


def test_backlog_of_the_running_period_is_the_backlog_now(backlog):
    june = kpis.Period.parse("2026-06")
    assert june.bounds()[1] > NOW
    assert total(kpis.compute("backlog", period=june)).value == 5  # b1, b5, b6, b7, b8


def test_backlog_with_nothing_open_is_zero_and_a_period_not_begun_has_no_data(db):
    assert total(kpis.compute("backlog", period=MAY)).value == 0
    assert total(kpis.compute("backlog", period=kpis.Period.parse("2026-08"))).value is None


@pytest.mark.parametrize("group_by", ["month", "week"])
def test_the_backlogs_total_is_its_last_snapshot(backlog, group_by):
    period = kpis.Period.parse("2026-04-01..2026-05-31")
    for code in ("backlog", "backlog-age-7-15d"):
        together, groups = kpis.compute_with_total(code, period=period, group_by=group_by)
        assert together == total(kpis.compute(code, period=period))
        assert (together.value, together.denominator) == (groups[-1].value, groups[-1].denominator)
