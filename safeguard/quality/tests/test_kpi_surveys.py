"""Survey KPIs count the answers given in the period (CSAT mean and % satisfied, NPS, effort) and the
invitations sent in it (response rate)."""

from datetime import datetime

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
    survey,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

APRIL_DAY = datetime(2026, 4, 20, 10, tzinfo=SHANGHAI)


@pytest.fixture
def answers(customer, departments):
    """One case per invitation (a case has one post-case survey): cards cases by phone, Shanghai
    branch cases by portal."""

    def cards():
        return open_(customer, may(2), department=departments["cards"], channel="phone")

    def branch():
        return open_(customer, may(2), department=departments["branch_sh"], channel="portal", product="deposit")

    first = cards()
    survey(first, customer, answered=may(10), csat=5, nps=10, effort=2)
    survey(cards(), customer, answered=may(11), csat=4, nps=9)
    survey(branch(), customer, answered=may(12), csat=3, nps=7, effort=3)
    survey(branch(), customer, answered=may(13), csat=1, nps=3, effort=7)
    survey(None, customer, answered=may(14), csat=5)  # a relationship survey (no case)
    survey(cards(), customer, answered=may(15), nps=10)  # no CSAT asked
    survey(cards(), customer, answered=APRIL_DAY, csat=1, nps=0, effort=7)  # answered in April
    survey(cards(), customer, answered=None, sent=may(20))  # sent, not answered
    survey(cards(), customer, answered=None, sent=may(21))
    return {"first": first}


def test_csat_mean_and_share_satisfied(answers):
    mean = total(kpis.compute("csat-mean", period=MAY))
    satisfied = total(kpis.compute("csat-satisfied", period=MAY))
    assert (mean.numerator, mean.denominator, mean.value) == (d(18), d(5), d("3.6"))
    assert (satisfied.numerator, satisfied.denominator, satisfied.value) == (d(3), d(5), d(60))


def test_nps_is_promoters_minus_detractors_in_percent(answers):
    figure = total(kpis.compute("nps", period=MAY))
    # 10, 9, 7, 3, 10: three promoters, one detractor, five answers.
    assert (figure.numerator, figure.denominator, figure.value) == (d(2), d(5), d(40))


def test_effort_is_the_mean_effort_score(answers):
    figure = total(kpis.compute("effort-mean", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(12), d(3), d(4))


def test_response_rate_is_answered_invitations_over_those_sent_in_the_period(answers):
    figure = total(kpis.compute("survey-response-rate", period=MAY))
    # Sent in May: the six answered in May (each sent the day before) and two unanswered.
    assert (figure.numerator, figure.denominator, figure.value) == (d(6), d(8), d(75))


def test_survey_scores_group_by_the_columns_copied_onto_the_response(answers, departments):
    by_department = by_group(kpis.compute("csat-satisfied", period=MAY, group_by="department"))
    assert by_department == {
        str(departments["cards"].pk): (d(100), d(2), d(2)),
        str(departments["branch_sh"].pk): (d(0), d(0), d(2)),
        "-": (d(100), d(1), d(1)),
    }
    by_channel = by_group(kpis.compute("csat-mean", period=MAY, group_by="channel"))
    assert by_channel == {"phone": (d("4.5"), d(9), d(2)), "portal": (d(2), d(4), d(2)), "-": (d(5), d(5), d(1))}


def test_survey_drill_down_gives_the_cases_the_answers_are_about(answers):
    cases = kpis.cases_behind("csat-satisfied", period=MAY, part="numerator")
    # The 5 and the 4 (the relationship survey's 5 is about no case).
    assert len(cases) == 2 and answers["first"] in cases


def test_survey_kpis_have_no_data_without_answers(answers):
    for code in ("csat-mean", "csat-satisfied", "nps", "effort-mean", "survey-response-rate"):
        assert total(kpis.compute(code, period=EMPTY)).value is None, code
