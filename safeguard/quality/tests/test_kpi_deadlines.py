"""Deadline KPIs count the milestones due in the period: met in time when met at or before the due
time; decided once met or marked breached; a paused clock is the deadlines app's business (it
moves the due time), not recomputed here. Feedback within 48 hours counts the feedback received."""

# ruff: noqa: F811

from datetime import datetime, timedelta

import pytest
import time_machine

from safeguard.cases import services
from safeguard.cases.models import Case, CaseMilestone
from safeguard.quality import kpis
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    MAY,
    SHANGHAI,
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

LATER = datetime(2026, 7, 1, tzinfo=SHANGHAI)


def _april_case(customer, departments, **extra) -> Case:
    """A complaint received in April whose every deadline is moved out of May, unmet: each test
    then places the deadlines it needs."""
    case = open_(customer, datetime(2026, 4, 20, 10, tzinfo=SHANGHAI), department=departments["cards"], **extra)
    CaseMilestone.objects.filter(case=case).update(due_at=LATER, met_at=None, breached_at=None)
    return case


def _first_responses(customer, departments) -> None:
    # due, met, breached
    for due, met, breached in [
        (may(5), may(5, 9), None),  # in time
        (may(6), may(6), None),  # exactly at the due time: in time
        (may(7), may(7, 11), None),  # an hour late
        (may(8), None, may(8)),  # breached, still unmet
        (may(9), None, None),  # undecided (say the clock is paused): not counted
        (datetime(2026, 4, 30, 10, tzinfo=SHANGHAI), may(1), None),  # due in April
        (datetime(2026, 6, 1, 10, tzinfo=SHANGHAI), None, None),  # due in June
    ]:
        case = _april_case(customer, departments)
        milestone(case, "first_response", due_at=due, met_at=met, breached_at=breached)


def test_first_response_in_time_is_met_over_decided_deadlines_due_in_the_period(customer, departments):
    _first_responses(customer, departments)
    figure = total(kpis.compute("first-response-24h", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(2), d(4), d(50))


def test_breaches_are_the_decided_deadlines_due_in_the_period_that_were_missed(customer, departments):
    _first_responses(customer, departments)
    figure = total(kpis.compute("breaches", period=MAY))
    # The late reply and the unmet breached one; the denominator is every decided deadline due in May.
    assert (figure.numerator, figure.denominator, figure.value) == (d(2), d(4), d(2))


def test_acknowledgement_and_final_response_use_their_own_milestones(customer, departments):
    first = _april_case(customer, departments)
    milestone(first, "acknowledge", due_at=may(3), met_at=may(2))
    milestone(first, "final_response", due_at=may(20, 23, 59), met_at=may(21))
    second = _april_case(customer, departments)
    milestone(second, "acknowledge", due_at=may(3), met_at=may(4))
    milestone(second, "final_response", due_at=may(20, 23, 59), met_at=may(19))
    third = _april_case(customer, departments)
    milestone(third, "final_response", due_at=may(25), met_at=may(25))
    ack = total(kpis.compute("ack-within-policy", period=MAY))
    final = total(kpis.compute("resolved-within-deadline", period=MAY))
    assert (ack.numerator, ack.denominator, ack.value) == (d(1), d(2), d(50))
    assert (final.numerator, final.denominator, final.value) == (d(2), d(3), d("66.6667"))


def test_a_case_resolved_exactly_at_its_deadline_meets_it(customer, departments, agent, frozen):
    frozen.move_to(may(4))
    case = open_(customer, may(4), department=departments["cards"])
    due = CaseMilestone.objects.get(case=case, milestone="final_response").due_at
    case = services.transition(case=case, to="investigating", by=agent, version=case.version)
    with time_machine.travel(due, tick=False):
        services.resolve(
            case=case,
            by=agent,
            version=case.version,
            outcome="upheld",
            root_cause="other",
            decision_basis="合同条款",
            reasons="经核实，年费重复扣收属实。",
            remedies="如不满意可申请调解。",
        )
    assert CaseMilestone.objects.get(case=case, milestone="final_response").met_at == due
    frozen.move_to(datetime(2026, 6, 15, 10, tzinfo=SHANGHAI))
    period = kpis.Period.parse("2026-05")
    figure = total(kpis.compute("resolved-within-deadline", period=period))
    assert (figure.numerator, figure.denominator, figure.value) == (d(1), d(1), d(100))
    # The one breach is the first response (given with the decision, after its 24 hours).
    assert total(kpis.compute("breaches", period=period)).value == 1


def test_a_paused_clock_moves_the_deadline_so_a_later_answer_is_still_in_time(customer, departments, agent, frozen):
    frozen.move_to(may(4))
    case = open_(customer, may(4), department=departments["cards"], policy="cn-nfra")
    first_due = CaseMilestone.objects.get(case=case, milestone="final_response").due_at
    case = services.transition(case=case, to="investigating", by=agent, version=case.version)
    frozen.move_to(may(6))
    services.pause_clock(case=case, by=agent, reason="等待客户补充材料")
    frozen.move_to(may(11))
    case = services.resume_clock(case=case, by=agent)
    moved_due = CaseMilestone.objects.get(case=case, milestone="final_response").due_at
    assert moved_due > first_due
    answered = first_due + timedelta(days=1)
    assert answered < moved_due
    frozen.move_to(answered)
    services.scan_deadlines(now=answered)  # the scan does not breach it: the deadline moved
    services.resolve(
        case=Case.objects.get(pk=case.pk),
        by=agent,
        version=Case.objects.get(pk=case.pk).version,
        outcome="not_upheld",
        root_cause="other",
        decision_basis="合同条款",
        reasons="经核实，扣费符合约定。",
        remedies="如不满意可申请调解。",
    )
    frozen.move_to(datetime(2026, 6, 15, 10, tzinfo=SHANGHAI))
    figure = total(kpis.compute("resolved-within-deadline", period=MAY))
    assert (figure.numerator, figure.denominator) == (d(1), d(1))
    assert total(kpis.compute("breaches", period=MAY, group_by=None)).numerator == 1  # the first response


def test_services_meeting_standard_counts_cases_resolved_in_the_period_with_every_deadline_met(customer, departments):
    good = open_(customer, may(4), department=departments["cards"])
    resolve(good, may(4, 12))  # every milestone met at resolution, before any due time
    late = open_(customer, may(4), department=departments["cards"])
    milestone(late, "first_response", met_at=may(6))  # due 5 May 10:00
    resolve(late, may(7))
    exact = open_(customer, may(4), department=departments["cards"])
    milestone(exact, "first_response", met_at=may(5))  # due 5 May 10:00 exactly
    resolve(exact, may(8))
    april = open_(customer, datetime(2026, 4, 6, 10, tzinfo=SHANGHAI), department=departments["cards"])
    resolve(april, datetime(2026, 4, 6, 12, tzinfo=SHANGHAI))
    figure = total(kpis.compute("services-meeting-standard", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(2), d(3), d("66.6667"))
    assert set(kpis.cases_behind("services-meeting-standard", period=MAY, part="numerator")) == {good, exact}


def test_feedback_within_48_hours_counts_feedback_received_in_the_period(customer, departments):
    on_time = open_(customer, may(4), type="feedback", department=departments["cards"])
    resolve(on_time, may(6))  # exactly 48 hours
    late = open_(customer, may(4), type="feedback", department=departments["cards"])
    resolve(late, may(6, 10, 1))
    unanswered = open_(customer, may(30, 12), type="feedback", department=departments["cards"])
    withdrawn = open_(customer, may(10), type="feedback", department=departments["cards"])
    shape(withdrawn, status="withdrawn", closed_at=may(10, 11))
    complaint = open_(customer, may(5), department=departments["cards"])
    resolve(complaint, may(5, 11))
    april = open_(customer, datetime(2026, 4, 30, 9, tzinfo=SHANGHAI), type="feedback")
    resolve(april, may(1))
    figure = total(kpis.compute("feedback-within-48h", period=MAY))
    assert (figure.numerator, figure.denominator, figure.value) == (d(1), d(3), d("33.3333"))
    assert set(kpis.cases_behind("feedback-within-48h", period=MAY)) == {on_time, late, unanswered}


def test_feedback_whose_48_hours_are_not_over_is_not_counted_yet(customer, frozen):
    frozen.move_to(datetime(2026, 6, 15, 10, tzinfo=SHANGHAI))
    open_(customer, datetime(2026, 6, 15, 8, tzinfo=SHANGHAI), type="feedback")
    june = kpis.Period.parse("2026-06")
    figure = total(kpis.compute("feedback-within-48h", period=june))
    assert figure.value is None and figure.denominator == 0
