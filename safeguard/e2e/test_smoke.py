"""The login page and the home page in a real browser; the harness itself (live server, axe)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from safeguard.accounts.roles import Role
from safeguard.e2e.conftest import axe, describe, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_wrong_password_keeps_the_user_out(page, live_server, make_user):
    user = make_user(Role.AGENT)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "login-en")
    violations = axe(page, report="login-en")
    assert violations == [], describe(violations)


def test_a_handler_signs_in_and_sees_the_home_page_in_both_languages(page, live_server, make_user):
    user = make_user(Role.AGENT)
    login(page, live_server, user)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue")).to_be_visible()
    screenshot(page, "home-en")
    violations = axe(page, report="home-en")
    assert violations == [], describe(violations)

    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("navigation").get_by_role("link", name="首页")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    screenshot(page, "home-zh")
