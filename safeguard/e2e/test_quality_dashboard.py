"""The service-quality dashboard in a real browser: the tiles, the charts drawn from the data
islands (no inline script), the trends loaded by htmx, another breakdown picked, a number drilled
into; axe-core finds no serious or critical violation, in English and in Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from safeguard.accounts.roles import Role
from safeguard.cases import services
from safeguard.e2e.conftest import axe, describe, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LANGUAGES = ["en", "zh-hans"]


@pytest.fixture
def this_months_cases(make_customer, departments):
    """Complaints received just now (so in the dashboard's default period, this month)."""
    cases = []
    for department, channel, product in (
        ("cards", "phone", "credit-card"),
        ("cards", "portal", "credit-card"),
        ("branch_sh", "branch", "deposit"),
    ):
        cases.append(
            services.open_case(
                by=None,
                customer=make_customer(),
                type="complaint",
                channel=channel,
                description="信用卡年费被重复扣收，请退还。",
                department=departments[department],
                product=product,
            )
        )
    return cases


def _watch_errors(page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Script errors; a missing favicon ("Failed to load resource") is no error of the page's.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    return errors


def _assert_accessible(page, name):
    screenshot(page, name)
    violations = axe(page, report=name)
    assert violations == [], f"{name}:\n{describe(violations)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_draws_its_charts_and_is_accessible(page, live_server, make_user, this_months_cases, language):
    supervisor = make_user(Role.SUPERVISOR, preferred_language=language)
    errors = _watch_errors(page)
    login(page, live_server, supervisor)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto(f"{live_server.url}/quality/")

    tile = page.locator('article.kpi-tile[data-kpi="complaints-received"]')
    expect(tile.locator('[data-field="value"]')).to_have_text("3")
    # The charts are drawn by dashboard.js from the JSON data islands: a canvas in each.
    expect(page.locator('#breakdown .chart[data-drawn="true"] canvas')).to_have_count(1)
    # The trends come after the page, through htmx, and are drawn too.
    expect(page.locator('#trends table.figures[data-group-by="month"]')).to_be_visible()
    expect(page.locator('#trends .chart[data-drawn="true"] canvas')).to_have_count(2)
    # Every script is a file or a JSON data island: nothing a strict CSP would block.
    inline = page.locator("script:not([src])")
    for i in range(inline.count()):
        assert inline.nth(i).get_attribute("type") == "application/json"
    _assert_accessible(page, f"quality-dashboard-{language[:2]}")
    assert errors == []


def test_picking_a_breakdown_and_drilling_into_a_number(page, live_server, make_user, this_months_cases):
    supervisor = make_user(Role.SUPERVISOR)
    errors = _watch_errors(page)
    login(page, live_server, supervisor)
    page.goto(f"{live_server.url}/quality/?kpi=complaints-received")
    expect(page.locator('#breakdown .chart[data-drawn="true"]')).to_have_count(1)

    page.locator("#breakdown nav.tabs").get_by_role("link", name="Channel").click()
    # htmx swapped the section and put the choice in the address bar.
    expect(page).to_have_url(re.compile(r"group_by=channel"))
    expect(page.locator('#breakdown table.figures[data-group-by="channel"]')).to_be_visible()
    expect(page.locator('#breakdown .chart[data-drawn="true"] canvas')).to_have_count(1)
    branch_row = page.locator('#breakdown tr[data-group="branch"]')
    expect(branch_row.locator('[data-field="value"]')).to_have_text("1")

    branch_row.locator('a[data-field="value"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases behind: Complaints received")
    rows = page.locator("table.drill-down tbody tr")
    expect(rows).to_have_count(1)
    branch_case = this_months_cases[2]
    expect(rows.first).to_have_attribute("data-reference", branch_case.reference)
    expect(rows.first).to_contain_text(branch_case.customer.name_masked)
    _assert_accessible(page, "quality-drill-down-en")

    rows.first.get_by_role("link", name=branch_case.reference).click()
    expect(page).to_have_url(re.compile(rf"/cases/{branch_case.reference}/$"))
    assert errors == []


def test_the_dashboard_is_in_the_navigation_only_for_those_who_may_see_it(page, live_server, make_user):
    agent = make_user(Role.AGENT)
    login(page, live_server, agent)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Service quality")).to_have_count(0)
    response = page.goto(f"{live_server.url}/quality/")
    assert response is not None and response.status == 403
