"""Targets (the institution's commitments) are evaluated over closed months and quarters: against a
threshold, or as a change against a baseline period; each evaluation is kept once, audited."""

import importlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.conf import settings

from safeguard.accounts.models import Department
from safeguard.audit.models import AuditEntry
from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Measurement, Target
from safeguard.quality.services import targets as target_services
from safeguard.quality.tasks import evaluate_targets
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    APRIL,
    EMPTY,
    MAY,
    NOW,
    SHANGHAI,
    d,
    frozen,
    may,
    milestone,
    open_,
    resolve,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _target(departments, kpi: str, threshold, **extra) -> Target:
    return Target.objects.create(
        kpi=Kpi.objects.get(code=kpi),
        name=f"{kpi} {threshold}",
        threshold=Decimal(str(threshold)),
        owner=departments["head"],
        **extra,
    )


def _first_responses(customer, in_time: int, late: int) -> None:
    for i in range(in_time + late):
        case = open_(customer, may(4))
        milestone(case, "first_response", met_at=may(4, 12) if i < in_time else may(6))


def _handled(customer, received: datetime, hours: float) -> None:
    resolve(open_(customer, received), received + timedelta(hours=hours))


def test_an_absolute_target_is_met_at_or_beyond_its_threshold(customer, departments):
    _first_responses(customer, in_time=19, late=1)  # 95%
    at = kpis.evaluate(_target(departments, "first-response-24h", 95), MAY)
    above = kpis.evaluate(_target(departments, "first-response-24h", "95.01"), MAY)
    assert (at.value, at.numerator, at.denominator, at.met) == (d(95), d(19), d(20), True)
    assert above.met is False


def test_a_lower_is_better_target_is_met_at_or_below_its_threshold(customer, departments):
    _handled(customer, may(4), 10)
    _handled(customer, may(5), 20)
    assert kpis.evaluate(_target(departments, "handling-time-mean", 15), MAY).met is True
    assert kpis.evaluate(_target(departments, "handling-time-mean", "14.99"), MAY).met is False


def test_no_data_is_neither_met_nor_missed(departments):
    evaluation = kpis.evaluate(_target(departments, "first-response-24h", 95), EMPTY)
    assert (evaluation.value, evaluation.met) == (None, None)


@pytest.mark.parametrize(("may_hours", "met"), [(8, True), ("8.5", False), (7, True)])
def test_a_relative_target_compares_the_change_against_the_baseline(customer, departments, may_hours, met):
    _handled(customer, datetime(2026, 4, 6, 10, tzinfo=SHANGHAI), 10)
    _handled(customer, may(4), float(may_hours))
    target = _target(
        departments,
        "handling-time-mean",
        -20,
        comparison=Target.Comparison.RELATIVE,
        baseline_from=APRIL.start,
        baseline_to=APRIL.end,
    )
    evaluation = kpis.evaluate(target, MAY)
    assert evaluation.baseline == 10
    assert evaluation.change == (d(may_hours) - 10) * 10
    assert evaluation.met is met


def test_a_relative_target_without_baseline_data_is_not_evaluated(customer, departments):
    _handled(customer, may(4), 8)
    target = _target(
        departments,
        "handling-time-mean",
        -20,
        comparison=Target.Comparison.RELATIVE,
        baseline_from=EMPTY.start,
        baseline_to=EMPTY.end,
    )
    evaluation = kpis.evaluate(target, MAY)
    assert (evaluation.value, evaluation.baseline, evaluation.met) == (d(8), None, None)


def test_evaluate_period_measures_each_closed_month_once_with_an_audit_entry(customer, departments):
    _first_responses(customer, in_time=1, late=1)
    monthly = _target(departments, "first-response-24h", 50)
    quarterly = _target(departments, "first-response-24h", 50, frequency="quarterly")
    _target(departments, "nps", 0, is_active=False)
    second_quarter = kpis.Period.parse("2026-Q2")

    written = target_services.evaluate_period(second_quarter, now=NOW)

    # April and May are over on 15 June; June and the quarter are not.
    assert {(m.target_id, m.period_start, m.period_end) for m in written} == {
        (monthly.pk, date(2026, 4, 1), date(2026, 4, 30)),
        (monthly.pk, date(2026, 5, 1), date(2026, 5, 31)),
    }
    may_row = Measurement.objects.get(target=monthly, period_start=date(2026, 5, 1))
    assert (may_row.value, may_row.numerator, may_row.denominator, may_row.met) == (d(50), d(1), d(2), True)
    assert may_row.computed_at == NOW
    april_row = Measurement.objects.get(target=monthly, period_start=date(2026, 4, 1))
    assert (april_row.value, april_row.met) == (None, None)
    entries = AuditEntry.objects.filter(action="measurement.create")
    assert entries.count() == 2
    entry = entries.get(object_id=str(may_row.pk))
    assert entry.actor is None and entry.changes["period"] == "2026-05" and entry.changes["met"] is True

    assert target_services.evaluate_period(second_quarter, now=NOW) == []
    assert Measurement.objects.count() == 2 and entries.count() == 2

    after = datetime(2026, 7, 1, 0, 0, tzinfo=SHANGHAI)
    later = target_services.evaluate_period(second_quarter, now=after)
    assert {(m.target_id, m.period_start, m.period_end) for m in later} == {
        (monthly.pk, date(2026, 6, 1), date(2026, 6, 30)),
        (quarterly.pk, date(2026, 4, 1), date(2026, 6, 30)),
    }


def test_a_measurement_keeps_what_was_known_then(customer, departments):
    target = _target(departments, "first-response-24h", 50)
    _first_responses(customer, in_time=1, late=0)
    target_services.evaluate_period(MAY, now=NOW)
    _first_responses(customer, in_time=0, late=3)  # late data arriving afterwards
    target_services.evaluate_period(MAY, now=NOW)
    row = Measurement.objects.get(target=target)
    assert (row.value, row.met) == (d(100), True)


def test_the_periodic_task_catches_up_on_the_look_back_window(customer, departments, settings):
    settings.SAFEGUARD_QUALITY_EVALUATION_MONTHS = 3
    _target(departments, "first-response-24h", 90)
    _target(departments, "first-response-24h", 90, frequency="quarterly")
    assert target_services.lookback(NOW) == kpis.Period(date(2026, 1, 1), date(2026, 5, 31))
    result = evaluate_targets.enqueue()
    # January to May for the monthly one, Q1 for the quarterly one.
    assert result.return_value == 6
    assert evaluate_targets.enqueue().return_value == 0


def test_the_task_is_listed_as_periodic():
    assert ("safeguard.quality.tasks.evaluate_targets", 3600) in settings.SAFEGUARD_PERIODIC_TASKS


# --- the example commitment set ----------------------------------------------------------------


def test_the_example_set_needs_the_consumer_protection_department(db):
    assert target_services.ensure_example_targets() == []


def test_the_example_set_is_a_chinese_bank_service_standard(db):
    owner = Department.objects.create(code=settings.SAFEGUARD_INTAKE_DEPARTMENT, name="Consumer protection")
    made = target_services.ensure_example_targets()
    found = {t.kpi.code: t for t in made}
    assert {code: (t.threshold, t.comparison) for code, t in found.items()} == {
        "first-response-24h": (d(95), "absolute"),
        "feedback-within-48h": (d(95), "absolute"),
        "csat-satisfied": (d(85), "absolute"),
        "feedback-response-rate": (d(90), "absolute"),
        "services-meeting-standard": (d(95), "absolute"),
        "handling-time-mean": (d(-20), "relative"),
    }
    assert all(t.owner == owner and t.name and t.name_zh for t in made)
    relative = found["handling-time-mean"]
    assert (relative.baseline_from, relative.baseline_to) == (date(2025, 1, 1), date(2025, 12, 31))
    assert AuditEntry.objects.filter(action="target.create").count() == 6
    assert target_services.ensure_example_targets() == []


def test_the_migration_ships_the_same_set_when_the_department_exists(db):
    Department.objects.create(code=settings.SAFEGUARD_INTAKE_DEPARTMENT, name="Consumer protection")
    migration = importlib.import_module("safeguard.quality.migrations.0004_example_targets")
    migration.ship(global_apps, None)
    migration.ship(global_apps, None)  # a re-run adds nothing
    shipped = {(t.kpi.code, t.name, t.threshold, t.frequency) for t in Target.objects.select_related("kpi")}
    expected = {(t["kpi"], t["name"], t["threshold"], t["frequency"]) for t in target_services.EXAMPLE_TARGETS}
    assert shipped == expected
