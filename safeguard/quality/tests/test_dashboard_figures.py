"""Every number on the dashboard is the engine's (``kpis.compute_all`` / ``compute``) for the same
filter and the same user, and the same as the KPI API gives; the main view's queries are bounded."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.accounts.tokens import create_token
from safeguard.cases import services
from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Target
from safeguard.quality.services.figures import trend_windows
from safeguard.quality.tests.dashboard_support import (  # noqa: F401
    FEBRUARY,
    FEBRUARY_QUERY,
    as_raw,
    february,
    frozen,
    island,
    scoped_viewer,
    soup,
    spread,
    table_numbers,
    tile_numbers,
    total,
)

pytestmark = pytest.mark.django_db


def _catalogue():
    return list(Kpi.objects.filter(is_active=True))


def _expected_totals(period, user):
    return {code: as_raw(total(figures)) for code, figures in kpis.compute_all(period=period, user=user).items()}


@pytest.mark.parametrize("persona", ["supervisor", "scoped_viewer"])
def test_every_tile_shows_the_engines_figures_for_the_same_filter_and_user(client, request, spread, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = soup(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY))

    expected = _expected_totals(FEBRUARY, user)
    assert tile_numbers(page) == expected
    data = island(page, "dashboard-data")
    assert data["period"] == {"from": "2026-02-01", "to": "2026-02-28"}
    assert data["kpis"] == expected
    previous = FEBRUARY.previous()
    assert data["previous_period"] == {"from": previous.start.isoformat(), "to": previous.end.isoformat()}
    assert data["previous"] == _expected_totals(previous, user)
    # Not a comparison of empty pages: the cases of February are counted.
    assert any(numbers["value"] not in (None, "0") for numbers in expected.values())


def test_the_department_scope_changes_the_numbers(client, supervisor, scoped_viewer, spread):
    everyone = _expected_totals(FEBRUARY, supervisor)
    cards_only = _expected_totals(FEBRUARY, scoped_viewer)
    assert everyone != cards_only


@pytest.mark.parametrize("group_by", ["product", "channel", "department", "branch"])
def test_the_breakdown_table_and_chart_data_are_the_engines(client, supervisor, spread, group_by):
    client.force_login(supervisor)
    for kpi in _catalogue():
        query = {**FEBRUARY_QUERY, "group_by": group_by, "kpi": kpi.code}
        page = soup(client.get(reverse("quality:dashboard"), query))
        figures = kpis.compute(kpi, period=FEBRUARY, group_by=group_by, user=supervisor)
        expected = {f.group: as_raw(f) for f in figures if f.group is not None}
        table = page.select_one("#breakdown table.figures")
        if not expected:
            assert table is None
            continue
        assert table["data-kpi"] == kpi.code and table["data-group-by"] == group_by
        assert table_numbers(table) == expected
        chart = island(page, "breakdown-data")
        assert chart["groups"] == [f.group for f in figures if f.group is not None]
        assert chart["raw"] == [as_raw(f)["value"] for f in figures if f.group is not None]


def test_the_breakdown_section_alone_has_the_same_numbers(client, supervisor, spread):
    client.force_login(supervisor)
    query = {**FEBRUARY_QUERY, "group_by": "channel"}
    whole = soup(client.get(reverse("quality:dashboard"), query)).select_one("#breakdown")
    alone = soup(client.get(reverse("quality:breakdown"), query, headers={"HX-Request": "true"}))
    assert alone.select_one("#breakdown") is not None
    assert str(alone.select_one("#breakdown table")) == str(whole.select_one("table"))


def test_the_trends_are_the_engines_by_month_and_by_week(client, supervisor, spread):
    client.force_login(supervisor)
    months, weeks = trend_windows(FEBRUARY)
    assert months == kpis.Period(date(2025, 3, 1), date(2026, 2, 28))
    assert weeks.start.weekday() == 0 and weeks.end == date(2026, 2, 28)
    for kpi in _catalogue():
        response = client.get(
            reverse("quality:trends"), {**FEBRUARY_QUERY, "kpi": kpi.code}, headers={"HX-Request": "true"}
        )
        page = soup(response)
        for grouping, window, island_id in (("month", months, "trend-month-data"), ("week", weeks, "trend-week-data")):
            table = page.select_one(f'table.figures[data-group-by="{grouping}"]')
            assert table["data-from"] == window.start.isoformat() and table["data-to"] == window.end.isoformat()
            figures = kpis.compute(kpi, period=window, group_by=grouping, user=supervisor)  # type: ignore[arg-type]
            expected = {f.group: as_raw(f) for f in figures if f.group is not None}
            shown = table_numbers(table)
            assert shown == {g: n for g, n in expected.items() if g in shown}
            assert set(expected) <= {row["data-group"] for row in table.select("tbody tr")}
            data = island(page, island_id)
            by_group = dict(zip(data["groups"], data["raw"], strict=True))
            assert {g: by_group[g] for g in expected} == {g: n["value"] for g, n in expected.items()}


def test_the_trends_page_works_without_javascript(client, supervisor, spread):
    client.force_login(supervisor)
    response = client.get(reverse("quality:trends"), FEBRUARY_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Service quality trends</h1>" in html and 'id="trend-month-data"' in html


def _api_numbers(response, grouped=False):
    """{(KPI code, group): {"value", "numerator", "denominator"}} of a KPI API answer."""
    assert response.status_code == 200, response.content
    found = {}
    for item in json.loads(response.content)["kpis"]:
        for figure in item["figures"]:
            if (figure["group"] is not None) == grouped:
                found[item["code"], figure["group"]] = {k: figure[k] for k in ("value", "numerator", "denominator")}
    return found


def _same(shown, api):
    """The page's exact numbers and the API's JSON numbers are the same numbers."""
    assert set(shown) == set(api)
    for key, numbers in shown.items():
        for part, text in numbers.items():
            other = api[key][part]
            if text is None or other is None:
                assert text == other, (key, part)
            else:
                assert Decimal(text) == Decimal(str(other)), (key, part, text, other)


def test_the_dashboard_numbers_equal_the_kpi_api(client, supervisor, spread):
    _token, secret = create_token(user=supervisor)
    bearer = {"Authorization": f"Bearer {secret}"}
    client.force_login(supervisor)
    page = soup(
        client.get(
            reverse("quality:dashboard"), {**FEBRUARY_QUERY, "group_by": "channel", "kpi": "complaints-received"}
        )
    )
    api = _api_numbers(client.get("/api/v1/kpis", {"from": "2026-02-01", "to": "2026-02-28"}, headers=bearer))
    _same({(code, None): numbers for code, numbers in tile_numbers(page).items()}, api)
    grouped = client.get(
        "/api/v1/kpis",
        {"from": "2026-02-01", "to": "2026-02-28", "group_by": "channel", "kpi": "complaints-received"},
        headers=bearer,
    )
    breakdown = table_numbers(page.select_one("#breakdown table.figures"))
    assert set(breakdown) == {"phone", "portal", "branch"}
    _same({("complaints-received", g): n for g, n in breakdown.items()}, _api_numbers(grouped, grouped=True))


def _queries(run):
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_the_main_view_computes_each_kpi_once_per_period(
    client, supervisor, spread, departments, make_customer, django_assert_max_num_queries
):
    for kpi in _catalogue()[:4]:  # absolute commitments: judged from the totals already computed
        Target.objects.create(kpi=kpi, name=f"{kpi.code} target", threshold=Decimal(50), owner=departments["head"])
    first = _catalogue()[0]
    engine = (
        _queries(lambda: kpis.compute_all(period=FEBRUARY, user=supervisor))
        + _queries(lambda: kpis.compute_all(period=FEBRUARY.previous(), user=supervisor))
        + _queries(lambda: kpis.compute(first, period=FEBRUARY, group_by="product", user=supervisor))
    )
    client.force_login(supervisor)
    client.get(reverse("quality:dashboard"), FEBRUARY_QUERY)  # warm the per-process caches
    # 1 session, 2 user, 3 permissions (one UNION), 4 the KPI catalogue; then the engine's: every
    # active KPI over the period and over the previous period (compute_all: the catalogue and an
    # aggregate per KPI) and the first KPI by product (its groups and their names); then 5 the
    # targets with their KPIs (absolute ones reuse the period's totals) and 6 the survey comments.
    # Nothing per case, per group or per comment.
    with django_assert_max_num_queries(6 + engine) as captured:
        response = client.get(reverse("quality:dashboard"), FEBRUARY_QUERY)
    assert response.status_code == 200
    assert len(soup(response).select("ul.commitments li")) == 4
    seen = len(captured.captured_queries)
    services.open_case(
        by=None,
        customer=make_customer(),
        type="complaint",
        channel="email",
        description="More data, same queries.",
        department=departments["branch_sh"],
        product="fx",
        received_at=february(21),
    )
    with django_assert_max_num_queries(seen):
        client.get(reverse("quality:dashboard"), FEBRUARY_QUERY)


def test_the_lights_agree_with_the_engines_evaluation(client, supervisor, spread, departments):
    """The page judges absolute commitments from the totals it already has: the same verdict as
    ``kpis.evaluate``."""
    targets = [
        Target.objects.create(kpi=kpi, name=f"{kpi.code} target", threshold=threshold, owner=departments["head"])
        for kpi in _catalogue()
        for threshold in (Decimal(0), Decimal(1), Decimal(50), Decimal(100))
    ]
    client.force_login(supervisor)
    page = soup(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY))
    lights = {int(li["data-target"]): li["data-light"] for li in page.select("ul.commitments li")}
    verdicts = {None: {"no_data"}, True: {"met"}, False: {"near", "missed"}}
    for target in targets:
        assert lights[target.pk] in verdicts[kpis.evaluate(target, FEBRUARY).met], target.name
    assert {"met", "missed"} <= set(lights.values())
