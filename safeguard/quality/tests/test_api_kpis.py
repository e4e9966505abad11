"""GET /api/v1/kpis: the engine's figures for the caller's scope, with units, directions, targets and
whether each figure meets its target; every refusal is a problem document."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from safeguard.accounts.roles import Role
from safeguard.accounts.tokens import create_token
from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Target
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    APRIL,
    MAY,
    frozen,
    grant,
    may,
    milestone,
    open_,
    resolve,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

URL = "/api/v1/kpis"
MAY_QUERY = {"from": "2026-05-01", "to": "2026-05-31"}


def _get(user, query=None, **headers):
    client = Client()
    if user is not None:
        _token, secret = create_token(user=user)
        headers["Authorization"] = f"Bearer {secret}"
    return client.get(URL, query or {}, headers=headers)


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["status"] == status and body["code"] == code, body
    return body


def _by_code(response):
    assert response.status_code == 200, response.content
    return {item["code"]: item for item in json.loads(response.content)["kpis"]}


@pytest.fixture
def cases(customer, departments):
    """Two first responses in cards (one late), one in the Shanghai branch (in time)."""
    for department, met in (("cards", may(4, 12)), ("cards", may(6)), ("branch_sh", may(4, 12))):
        case = open_(customer, may(4), department=departments[department])
        milestone(case, "first_response", met_at=met)


def test_the_api_gives_the_engines_figures_for_every_active_kpi(cases, supervisor):
    body = _by_code(_get(supervisor, MAY_QUERY))
    assert set(body) == set(Kpi.objects.filter(is_active=True).values_list("code", flat=True))
    for code, item in body.items():
        figure = total(kpis.compute(code, period=MAY, user=supervisor))
        (shown,) = item["figures"]
        assert shown["group"] is None
        for part in ("value", "numerator", "denominator"):
            expected = getattr(figure, part)
            assert shown[part] == (None if expected is None else float(expected)), (code, part)
    first = body["first-response-24h"]
    assert (first["unit"], first["direction"], first["target"]) == ("percent", "higher", None)
    assert first["figures"][0]["value"] == pytest.approx(66.6667)
    assert first["name"] == "First response within 24 hours" and first["name_zh"] == "24小时内首次响应率"


def test_the_answer_names_the_period(cases, supervisor):
    body = json.loads(_get(supervisor, MAY_QUERY).content)
    assert (body["from"], body["to"], body["period"], body["group_by"]) == ("2026-05-01", "2026-05-31", "2026-05", None)


def test_without_dates_the_answer_is_the_current_month_to_date(cases, supervisor):
    body = json.loads(_get(supervisor, {"kpi": "backlog"}).content)
    assert (body["from"], body["to"]) == ("2026-06-01", "2026-06-15")


def test_group_by_gives_the_total_then_each_group(cases, supervisor, departments):
    body = _by_code(_get(supervisor, {**MAY_QUERY, "group_by": "department", "kpi": "first-response-24h"}))
    figures = body["first-response-24h"]["figures"]
    assert [f["group"] for f in figures] == [None, str(departments["cards"].pk), str(departments["branch_sh"].pk)]
    assert [(f["numerator"], f["denominator"]) for f in figures] == [(2, 3), (1, 2), (1, 1)]
    assert figures[1]["label"] == "Card services"


@pytest.mark.parametrize("group_by", ["product", "channel", "department", "branch", "handler", "month", "week"])
def test_every_grouping_is_accepted(cases, supervisor, group_by):
    response = _get(supervisor, {**MAY_QUERY, "group_by": group_by})
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["group_by"] == group_by


def test_kpi_selects_kpis_in_the_order_asked(cases, supervisor):
    response = _get(supervisor, {**MAY_QUERY, "kpi": "nps, first-response-24h,nps"})
    assert list(_by_code(response)) == ["nps", "first-response-24h"]


def test_each_figure_says_whether_it_meets_the_target(cases, supervisor, departments):
    Target.objects.create(
        kpi=Kpi.objects.get(code="first-response-24h"),
        name="95% within 24 hours",
        threshold=Decimal(95),
        owner=departments["head"],
    )
    body = _by_code(_get(supervisor, {**MAY_QUERY, "group_by": "department", "kpi": "first-response-24h"}))
    item = body["first-response-24h"]
    assert item["target"]["threshold"] == 95 and item["target"]["owner"] == "head-office"
    assert [f["met"] for f in item["figures"]] == [False, False, True]


def test_a_relative_target_is_judged_against_its_baseline(customer, supervisor, departments):
    from datetime import timedelta

    for received, hours in ((APRIL.bounds()[0] + timedelta(days=5), 10), (may(4), 7)):
        resolve(open_(customer, received), received + timedelta(hours=hours))
    Target.objects.create(
        kpi=Kpi.objects.get(code="handling-time-mean"),
        name="down 20%",
        comparison="relative",
        threshold=Decimal(-20),
        baseline_from=APRIL.start,
        baseline_to=APRIL.end,
        owner=departments["head"],
    )
    body = _by_code(_get(supervisor, {**MAY_QUERY, "kpi": "handling-time-mean", "group_by": "product"}))
    item = body["handling-time-mean"]
    assert item["target"]["baseline_value"] == 10
    assert [(f["group"], f["value"], f["met"]) for f in item["figures"]] == [(None, 7, True), ("credit-card", 7, True)]


# --- who may ask, and what they see ----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COMPLIANCE, Role.AUDITOR, Role.ADMINISTRATOR])
def test_the_roles_that_watch_service_quality_see_every_department(cases, make_user, role):
    user = make_user(role)
    body = _by_code(_get(user, {**MAY_QUERY, "kpi": "first-response-24h"}))
    assert body["first-response-24h"]["figures"][0]["denominator"] == 3


@pytest.mark.parametrize("role", [Role.AGENT, None])
def test_roles_without_the_dashboard_are_refused(cases, make_user, role):
    body = _problem(_get(make_user(role), MAY_QUERY), 403, "permission_denied")
    assert body["permission"] == "quality.view_dashboard"


def test_a_caller_given_the_dashboard_sees_only_their_departments(cases, make_user):
    scoped = grant(make_user(Role.AGENT, departments_=("branch_sh",)), "quality.view_dashboard")
    body = _by_code(_get(scoped, {**MAY_QUERY, "kpi": "first-response-24h", "group_by": "department"}))
    figures = body["first-response-24h"]["figures"]
    assert [(f["numerator"], f["denominator"]) for f in figures] == [(1, 1), (1, 1)]


def test_no_token_or_a_bad_one_is_401(cases):
    _problem(_get(None, MAY_QUERY), 401, "not_authenticated")
    _problem(_get(None, MAY_QUERY, Authorization="Bearer sg_nonsense"), 401, "not_authenticated")


def test_a_disabled_user_is_401(cases, supervisor):
    _token, secret = create_token(user=supervisor)
    supervisor.is_active = False
    supervisor.save()
    response = Client().get(URL, MAY_QUERY, headers={"Authorization": f"Bearer {secret}"})
    _problem(response, 401, "not_authenticated")


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-30", "to": "2026-03-31"},
        {"from": "yesterday", "to": "2026-03-31"},
        {"from": "2026-05-01", "to": "31/05/2026"},
        {**MAY_QUERY, "group_by": "colour"},
        {**MAY_QUERY, "group_by": ""},
    ],
)
def test_bad_dates_and_groupings_are_invalid_input(supervisor, query):
    body = _problem(_get(supervisor, query), 422, "invalid_input")
    assert body["errors"]


def test_from_after_to_is_refused(supervisor):
    body = _problem(_get(supervisor, {"from": "2026-05-31", "to": "2026-05-01"}), 422, "invalid_period")
    assert "before it starts" in body["detail"]


def test_a_range_over_the_limit_is_refused(supervisor, settings):
    settings.SAFEGUARD_QUALITY_MAX_DAYS = 1100
    body = _problem(_get(supervisor, {"from": "2023-01-01", "to": "2026-05-31"}), 422, "period_too_long")
    assert body["max_days"] == 1100
    assert _get(supervisor, {"from": "2023-06-01", "to": "2026-05-31", "kpi": "nps"}).status_code == 200


def test_an_unknown_kpi_is_refused(supervisor):
    body = _problem(_get(supervisor, {**MAY_QUERY, "kpi": "nps,made-up"}), 422, "unknown_kpi")
    assert body["kpis"] == ["made-up"]
    _problem(_get(supervisor, {**MAY_QUERY, "kpi": " , "}), 422, "unknown_kpi")


def test_a_refused_caller_learns_nothing_about_the_input(make_user):
    # Permission is checked before the period is judged: a refused role gets 403, not a hint.
    _problem(_get(make_user(Role.AGENT), {"from": "2026-05-31", "to": "2026-05-01"}), 403, "permission_denied")


def test_only_get_is_allowed(supervisor):
    _token, secret = create_token(user=supervisor)
    response = Client().post(URL, {}, headers={"Authorization": f"Bearer {secret}"})
    _problem(response, 405, "method_not_allowed")
