"""Flow 4: axe-core on the main pages, in both languages where the page has both: no serious or
critical violations. Each page's screenshot is saved under ``var/screenshots/`` for a reviewer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from safeguard.accounts.roles import Role
from safeguard.cases import services
from safeguard.cases.models import Status
from safeguard.e2e.conftest import axe, describe, login, one_time_code, screenshot, switch_language
from safeguard.intake import services as intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LANGUAGES = ["en", "zh-hans"]


def short(language: str) -> str:
    return "zh" if language.startswith("zh") else "en"


def assert_accessible(page, name: str) -> None:
    screenshot(page, name)
    violations = axe(page, report=name)
    assert violations == [], f"{name}:\n{describe(violations)}"


@pytest.fixture
def portal_case(departments):
    """A complaint sent through the portal (by the service the portal page calls)."""
    return intake.submit(
        by=None,
        channel="portal",
        type="complaint",
        name="王小明",
        email="xiaoming.wang@example.com",
        description="信用卡年费被重复扣收，请退还。",
        desired_outcome="退还多收的年费。",
        preferred_language="zh-hans",
        preferred_channel="email",
    )


@pytest.fixture
def worked_case(make_customer, departments, agent):
    """A case in cards with something in every part of the page: messages both ways, a note,
    a running investigation and redress awaiting approval."""
    case = services.open_case(
        by=None,
        customer=make_customer(vulnerabilities=["elderly"]),
        type="complaint",
        channel="phone",
        description="信用卡年费被重复扣收，请退还。",
        desired_outcome="退还多收的年费。",
        department=departments["cards"],
        product="credit-card",
    )
    services.add_message(case=case, by=None, direction="in", body="我上个月也被扣了一次。")
    services.add_message(case=case, by=agent, direction="out", body="我们正在核查，三个工作日内回复您。")
    services.add_note(case=case, by=agent, body="Billing system ran the annual fee job twice in March.")
    case.refresh_from_db()
    case = services.transition(case=case, to=Status.INVESTIGATING, by=agent, version=case.version)
    services.record_redress(case=case, by=agent, kind="refund", amount="6000.00")
    return case


@pytest.mark.parametrize("language", LANGUAGES)
def test_portal_form(page, live_server, language):
    page.goto(f"{live_server.url}/portal/")
    if language != "en":
        switch_language(page, language)
    form = page.locator("form.portal-form")
    expect(form).to_be_visible()
    assert_accessible(page, f"portal-form-{short(language)}")
    # Sent empty: the error summary and the fields' errors.
    form.locator("button[type=submit]").click()
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    assert_accessible(page, f"portal-form-errors-{short(language)}")


def test_portal_confirmation(page, live_server):
    page.goto(f"{live_server.url}/portal/")
    page.get_by_label("Feedback: a suggestion or comment").check()
    page.get_by_label(re.compile("^Your name")).fill("Alex Chen")
    page.get_by_label(re.compile("^E-mail address")).fill("alex.chen@example.com")
    page.get_by_label(re.compile("^What happened")).fill("The branch on Nanjing Road had no step-free entrance.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("[data-reference]")).to_be_visible()
    assert_accessible(page, "portal-confirmation-en")


def test_tracking_pages(page, live_server, mailoutbox, portal_case):
    page.goto(f"{live_server.url}/portal/track/")
    assert_accessible(page, "tracking-en")
    page.get_by_label(re.compile("^Your reference")).fill(portal_case.reference)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(page, "tracking-code-en")
    code = one_time_code(mailoutbox[-1].body, portal_case.reference)
    page.get_by_label(re.compile("^One-time code")).fill(code)
    page.get_by_role("button", name="Open my case").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "acknowledged")
    assert_accessible(page, "tracking-case-en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_queue(page, live_server, make_user, worked_case, portal_case, language):
    handler = make_user(Role.AGENT, preferred_language=language)
    sign_in(page, live_server, handler)
    page.goto(f"{live_server.url}/queue/")
    expect(page.locator(f'tr[data-reference="{worked_case.reference}"]')).to_be_visible()
    assert_accessible(page, f"queue-{short(language)}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_page(page, live_server, make_user, worked_case, language):
    handler = make_user(Role.AGENT, preferred_language=language)
    sign_in(page, live_server, handler)
    page.goto(f"{live_server.url}/cases/{worked_case.reference}/")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "investigating")
    # Check what is folded away too: the more-actions panel and a reveal form.
    page.locator("details.more-actions > summary").click()
    page.locator("#pii-phone summary").click()
    assert_accessible(page, f"case-{short(language)}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_supervisor_view(page, live_server, make_user, worked_case, language):
    boss = make_user(Role.SUPERVISOR, preferred_language=language)
    sign_in(page, live_server, boss)
    page.goto(f"{live_server.url}/supervisor/")
    expect(page.locator(f'table.redress-queue tr[data-reference="{worked_case.reference}"]')).to_be_visible()
    assert_accessible(page, f"supervisor-{short(language)}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_phone_log_form(page, live_server, make_user, language):
    handler = make_user(Role.AGENT, preferred_language=language)
    sign_in(page, live_server, handler)
    page.goto(f"{live_server.url}/intake/contact/")
    form = page.locator("main form[enctype]")
    expect(form).to_be_visible()
    assert_accessible(page, f"phone-log-{short(language)}")
    form.locator("button[type=submit]").click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page, f"phone-log-errors-{short(language)}")


def sign_in(page, live_server, user):
    """Sign in on the (English) login form; the user's preferred language applies from then on."""
    login(page, live_server, user)
    expect(page.locator("html")).to_have_attribute("lang", user.preferred_language)
