"""The daily scan against the database: spikes, low counts, once per day, branches, new themes."""

# The fixtures come from warning_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from safeguard.accounts.models import Department
from safeguard.audit.models import AuditEntry
from safeguard.quality.models import Alert, WarningRun
from safeguard.quality.tests.warning_support import (  # noqa: F401
    NEW_THEME_TEXTS,
    NOW,
    TODAY,
    USUAL_TEXTS,
    YESTERDAY,
    frozen,
    history,
    poisson_history,
    product,
    write_cases,
)
from safeguard.quality.warnings.scan import ScanConfig, claim, scan

pytestmark = pytest.mark.django_db

SPIKES_ONLY = ScanConfig(new_themes=False)


def _spike(days=3, extra=15):
    return {YESTERDAY - timedelta(days=i): extra for i in range(days)}


def test_an_injected_spike_raises_an_alert_with_its_size_cases_and_owner(customer, departments, frozen):
    cards, cc = departments["cards"], product("credit-card")
    write_cases(customer, history(70), product=cc, department=cards)
    spike = write_cases(customer, _spike(), product=cc, department=cards, channel="email")

    run = scan(TODAY, now=NOW, config=SPIKES_ONLY)

    assert run is not None and run.finished_at is not None
    alert = Alert.objects.get(kind=Alert.Kind.SPIKE, dimension=Alert.Dimension.PRODUCT)
    assert (alert.series_key, alert.series_label, alert.detail["label_zh"]) == ("credit-card", "Credit cards", "信用卡")
    assert alert.detected_on == TODAY and alert.window_end == YESTERDAY
    assert alert.window_start >= YESTERDAY - timedelta(days=3)
    assert alert.observed > alert.expected * 2
    assert alert.ratio > 2
    assert alert.method == "poisson-cusum"
    assert alert.statistic > settings.SAFEGUARD_WARNING_THRESHOLD
    # The cases behind it: every complaint of the series in the episode, the spike among them.
    linked = set(alert.cases.values_list("pk", flat=True))
    assert {c.pk for c in spike} <= linked
    assert len(linked) == alert.observed
    assert alert.suggested_owner == cards
    assert [d["day"] for d in alert.detail["days"]][-1] == str(YESTERDAY)
    assert AuditEntry.objects.filter(action="alert.raise", object_id=str(alert.pk)).count() == 1
    # The same spike shows in the institution's total and in the e-mail channel.
    dimensions = set(Alert.objects.values_list("dimension", flat=True))
    assert {Alert.Dimension.ALL, Alert.Dimension.CHANNEL} <= dimensions
    assert run.alerts == Alert.objects.count()


def test_a_flat_history_with_a_weekly_rhythm_raises_nothing(customer, departments, frozen):
    write_cases(customer, history(70), product=product("credit-card"), department=departments["cards"])
    write_cases(customer, poisson_history(70, 4.0, seed=1), product=product("deposit"), channel="email")

    run = scan(TODAY, now=NOW, config=SPIKES_ONLY)

    assert run is not None and run.alerts == 0
    assert not Alert.objects.exists()


def test_a_series_going_from_zero_to_two_raises_nothing(customer, departments, frozen):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, {YESTERDAY: 2}, product=product("fx"), channel="social")

    scan(TODAY, now=NOW, config=SPIKES_ONLY)

    assert not Alert.objects.filter(series_key__in=["fx", "social"]).exists()


def test_a_new_series_with_many_complaints_at_once_does_raise(customer, departments, frozen):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, {YESTERDAY: 9}, product=product("fx"))

    scan(TODAY, now=NOW, config=SPIKES_ONLY)

    assert Alert.objects.filter(dimension=Alert.Dimension.PRODUCT, series_key="fx").exists()


def test_nothing_is_judged_before_the_history_is_long_enough(customer, frozen):
    write_cases(customer, history(20), product=product("credit-card"))
    write_cases(customer, _spike(extra=40), product=product("credit-card"))

    run = scan(TODAY, now=NOW, config=SPIKES_ONLY)

    assert run is not None and run.alerts == 0


def test_the_scan_runs_once_per_day(customer, frozen):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, _spike(), product=product("credit-card"))

    first = scan(TODAY, now=NOW, config=SPIKES_ONLY)
    alerts = Alert.objects.count()
    second = scan(TODAY, now=NOW + timedelta(hours=1), config=SPIKES_ONLY)

    assert first is not None and first.alerts == alerts > 0
    assert second is None
    assert Alert.objects.count() == alerts
    assert WarningRun.objects.filter(day=TODAY).count() == 1
    assert AuditEntry.objects.filter(action="alert.raise").count() == alerts


def test_the_next_day_does_not_raise_the_same_rise_again(customer, frozen):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, _spike(), product=product("credit-card"))
    scan(TODAY, now=NOW, config=SPIKES_ONLY)
    first = Alert.objects.count()
    write_cases(customer, {TODAY: 20}, product=product("credit-card"))

    run = scan(TODAY + timedelta(days=1), now=NOW + timedelta(days=1), config=SPIKES_ONLY)

    assert run is not None and run.alerts == 0
    assert Alert.objects.count() == first


def test_a_run_whose_worker_died_is_taken_over_once(frozen):
    WarningRun.objects.create(day=TODAY, started_at=NOW - timedelta(hours=3))

    assert claim(TODAY, now=NOW) is not None
    assert claim(TODAY, now=NOW + timedelta(minutes=1)) is None


def test_a_finished_run_is_never_taken_over(frozen):
    WarningRun.objects.create(day=TODAY, started_at=NOW - timedelta(hours=3), finished_at=NOW - timedelta(hours=2))

    assert claim(TODAY, now=NOW) is None


def test_a_branch_counts_its_own_teams_and_is_the_suggested_owner(customer, departments, frozen):
    branch = departments["branch_sh"]
    team = Department.objects.create(code="sh-retail", name="Retail team", name_zh="零售组", parent=branch)
    write_cases(customer, history(70), department=branch)
    write_cases(customer, _spike(extra=20), department=team)

    scan(TODAY, now=NOW, config=SPIKES_ONLY)

    alert = Alert.objects.get(dimension=Alert.Dimension.BRANCH)
    assert alert.series_key == str(branch.pk)
    assert (alert.series_label, alert.detail["label_zh"]) == ("Shanghai branch", "上海分行")
    assert alert.suggested_owner == branch
    # Cards is not a branch and has none above it: its cases are in no branch series.
    assert not Alert.objects.filter(dimension=Alert.Dimension.BRANCH, series_key=str(departments["cards"].pk))


def test_a_category_spike_is_raised_on_the_category(customer, departments, frozen):
    from safeguard.cases.models import Category

    fees = Category.objects.get(code="fees-charges")
    write_cases(customer, history(70), category=fees, department=departments["cards"])
    write_cases(customer, _spike(), category=fees, department=departments["cards"])

    scan(TODAY, now=NOW, config=SPIKES_ONLY)

    alert = Alert.objects.get(dimension=Alert.Dimension.CATEGORY)
    assert (alert.series_key, alert.detail["label_zh"]) == ("fees-charges", "收费问题")


def test_only_complaints_are_counted(customer, frozen):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, _spike(extra=30), product=product("credit-card"), type="inquiry")

    scan(TODAY, now=NOW, config=SPIKES_ONLY)

    assert not Alert.objects.exists()


def test_a_new_theme_is_raised_once_with_its_cases(customer, departments, frozen):
    write_cases(customer, history(70), texts=USUAL_TEXTS, department=departments["cards"])
    new = write_cases(
        customer,
        {YESTERDAY - timedelta(days=i): 2 for i in range(3)},
        texts=NEW_THEME_TEXTS,
        department=departments["branch_sh"],
    )

    run = scan(TODAY, now=NOW, config=ScanConfig(spikes=False))

    alert = Alert.objects.get(kind=Alert.Kind.NEW_THEME)
    assert run is not None and run.alerts == 1
    assert alert.dimension == Alert.Dimension.TEXT
    assert set(alert.cases.values_list("pk", flat=True)) <= {c.pk for c in new}
    assert alert.cases.count() >= 5
    assert "赎回" in alert.series_label
    assert alert.suggested_owner == departments["branch_sh"]
    assert alert.method == "tfidf-novelty"

    # The next day the same complaints are a known theme, not a new one.
    nxt = scan(TODAY + timedelta(days=1), now=NOW + timedelta(days=1), config=ScanConfig(spikes=False))
    assert nxt is not None and nxt.alerts == 0


def test_usual_texts_raise_no_theme(customer, frozen):
    write_cases(customer, history(70), texts=USUAL_TEXTS)

    run = scan(TODAY, now=NOW, config=ScanConfig(spikes=False))

    assert run is not None and run.alerts == 0


def test_the_command_scans_the_day_given_and_refuses_a_bad_day(customer, frozen, capsys):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, _spike(), product=product("credit-card"))

    call_command("scan_warnings", "--day", str(TODAY))
    assert f"Scanned for {TODAY}" in capsys.readouterr().out
    call_command("scan_warnings", "--day", str(TODAY))
    assert "already run" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("scan_warnings", "--day", "yesterday")


def test_the_task_scans_today_in_the_institution_zone_once(customer, frozen):
    from safeguard.quality.tasks import scan_early_warnings

    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, _spike(), product=product("credit-card"))

    raised = scan_early_warnings.call()
    assert raised == Alert.objects.count() > 0
    assert WarningRun.objects.get().day == TODAY
    assert scan_early_warnings.call() == -1
    assert ("safeguard.quality.tasks.scan_early_warnings", 3600) in settings.SAFEGUARD_PERIODIC_TASKS
