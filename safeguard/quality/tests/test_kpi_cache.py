# ruff: noqa: F811
"""The figure cache: the dashboard and the API read the same cached figures (so they agree), an
edited KPI or another scope is never served someone else's rows, the warming task fills what the
dashboard opens with, and everything else (reports, target evaluation) stays live."""

import json
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.accounts.tokens import create_token
from safeguard.quality import kpis
from safeguard.quality.models import Kpi
from safeguard.quality.services import figures
from safeguard.quality.tests.dashboard_support import soup
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    MAY,
    NOW,
    d,
    frozen,
    grant,
    may,
    milestone,
    open_,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.SAFEGUARD_QUALITY_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _complaints(user=None, **options):
    return total(kpis.compute("complaints-received", period=MAY, user=user, **options)).value


def test_cached_figures_are_kept_and_live_ones_are_not(customer):
    open_(customer, may(4))
    assert _complaints(cached=True) == d(1)
    open_(customer, may(5))
    assert _complaints(cached=True) == d(1)  # kept
    assert _complaints() == d(2)  # live
    assert total(kpis.compute_all(period=MAY)["complaints-received"]).value == d(2)


def test_a_cached_figure_is_read_without_touching_the_cases(customer):
    open_(customer, may(4))
    kpis.snapshot(period=MAY)
    with CaptureQueriesContext(connection) as queries:
        again = kpis.snapshot(period=MAY)
    assert total(again.figures["complaints-received"]).value == d(1)
    assert not [q for q in queries if "cases_case" in q["sql"]], [q["sql"] for q in queries]


def test_the_snapshot_says_when_its_oldest_figure_was_computed(customer, frozen):
    open_(customer, may(4))
    first = kpis.snapshot(period=MAY)
    assert first.computed_at == NOW
    frozen.shift(120)
    assert kpis.snapshot(period=MAY).computed_at == NOW
    assert kpis.snapshot(period=MAY, refresh=True).computed_at > NOW


def test_figures_expire_after_the_configured_seconds(customer, frozen, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}}
    open_(customer, may(4))
    assert _complaints(cached=True) == d(1)
    open_(customer, may(5))
    # LocMemCache expires by time.time(), which time_machine moves too.
    frozen.shift(301)
    assert _complaints(cached=True) == d(2)


def test_zero_seconds_turns_the_cache_off(customer, settings):
    settings.SAFEGUARD_QUALITY_CACHE_SECONDS = 0
    open_(customer, may(4))
    assert _complaints(cached=True) == d(1)
    open_(customer, may(5))
    assert _complaints(cached=True) == d(2)
    assert figures.warm(date(2026, 6, 15)) == 0


def test_an_edited_kpi_is_recomputed_at_once(customer):
    open_(customer, may(4))
    open_(customer, may(5), type="feedback")
    assert _complaints(cached=True) == d(1)
    kpi = Kpi.objects.get(code="complaints-received")
    kpi.params = {**(kpi.params or {}), "types": ["complaint", "feedback"]}
    kpi.save()
    assert _complaints(cached=True) == d(2)


def test_viewers_with_other_scopes_never_share_figures(customer, departments, make_user):
    open_(customer, may(4), department=departments["cards"])
    open_(customer, may(4), department=departments["branch_sh"])
    cards = make_user("agent", departments_=("cards",))
    shanghai = make_user("agent", departments_=("branch_sh",))
    both = make_user("agent", departments_=("cards", "branch_sh"))
    assert _complaints(cards, cached=True) == d(1)
    open_(customer, may(5), department=departments["branch_sh"])
    assert _complaints(shanghai, cached=True) == d(2)
    assert _complaints(both, cached=True) == d(3)
    assert _complaints(None, cached=True) == d(3)
    assert _complaints(cards, cached=True) == d(1)


def test_each_grouping_and_period_is_its_own_entry(customer):
    open_(customer, may(4), channel="phone")
    assert _complaints(cached=True) == d(1)
    open_(customer, may(5), channel="email")
    by_channel = kpis.compute("complaints-received", period=MAY, group_by="channel", cached=True)
    assert {f.group: f.value for f in by_channel} == {"email": d(1), "phone": d(1)}
    june = kpis.Period(date(2026, 6, 1), date(2026, 6, 30))
    assert total(kpis.compute("complaints-received", period=june, cached=True)).value == d(0)


def test_the_dashboard_and_the_api_show_the_same_cached_figures(customer, make_user):
    viewer = make_user("compliance_officer")
    open_(customer, may(4))
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("quality:dashboard"), {"period": "month", "month": "2026-05"})
    assert page.status_code == 200
    island = json.loads(soup(page).find(id="dashboard-data").string)
    open_(customer, may(6))  # after the page: neither the page's figures nor the API's count it
    _token, secret = create_token(user=viewer)
    answer = Client().get(
        "/api/v1/kpis",
        {"from": "2026-05-01", "to": "2026-05-31", "kpi": "complaints-received"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    (item,) = json.loads(answer.content)["kpis"]
    assert item["figures"][0]["value"] == 1.0
    assert island["kpis"]["complaints-received"]["value"] == "1"
    assert "Figures as of 2026-06-15 10:00" in page.content.decode()


def test_warming_fills_what_the_dashboard_opens_with(customer):
    open_(customer, may(4))
    computed = figures.warm(date(2026, 6, 15))
    catalogue = Kpi.objects.filter(is_active=True).count()
    # June and May, each with the month before (May is both), then the first KPI's breakdown and
    # trends for June and May, and the baselines of relative targets (none here).
    assert computed == 3 * catalogue + 6
    open_(customer, may(5))
    with CaptureQueriesContext(connection) as queries:
        may_figures = kpis.snapshot(period=MAY)
        april = kpis.snapshot(period=MAY.previous())
    assert total(may_figures.figures["complaints-received"]).value == d(1)
    assert total(april.figures["complaints-received"]).value == d(0)
    assert not [q for q in queries if "cases_" in q["sql"]]


def test_warming_recomputes_what_the_cache_already_holds(customer):
    open_(customer, may(4))
    assert _complaints(cached=True) == d(1)
    open_(customer, may(5))
    figures.warm(date(2026, 6, 15))
    assert _complaints(cached=True) == d(2)


def test_reports_and_target_evaluations_stay_live(customer):
    from safeguard.quality.models import Target

    open_(customer, may(4))
    assert _complaints(cached=True) == d(1)
    open_(customer, may(5))
    target = Target(kpi=Kpi.objects.get(code="complaints-received"), threshold=1, comparison="absolute")
    assert kpis.evaluate(target, MAY).value == d(2)
    assert kpis.evaluate(target, MAY, cached=True).value == d(1)


def test_warming_covers_recent_viewers_with_a_narrower_scope(customer, departments, make_user, settings):
    from datetime import timedelta

    open_(customer, may(4), department=departments["cards"])
    scoped = grant(make_user("agent", departments_=("cards",)), "quality.view_dashboard")
    stale = grant(make_user("agent", departments_=("branch_sh",)), "quality.view_dashboard")
    everything = make_user("compliance_officer")
    type(scoped).objects.filter(pk__in=[scoped.pk, everything.pk]).update(last_login=NOW - timedelta(hours=2))
    type(stale).objects.filter(pk=stale.pk).update(last_login=NOW - timedelta(days=3))
    assert figures.recent_scoped_viewers(NOW, 5) == [scoped]
    assert figures.recent_scoped_viewers(NOW, 0) == []
    catalogue = Kpi.objects.filter(is_active=True).count()
    assert figures.warm(date(2026, 6, 15)) == 2 * (3 * catalogue + 6)
    open_(customer, may(5), department=departments["cards"])
    assert _complaints(scoped, cached=True) == d(1)  # warmed, so kept
    settings.SAFEGUARD_QUALITY_WARM_VIEWERS = 0
    assert figures.warm(date(2026, 6, 15)) == 3 * catalogue + 6
