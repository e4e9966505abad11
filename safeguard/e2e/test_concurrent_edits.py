"""Flow 2: two handlers have the same case open; the second to save is told the case changed
and nothing of theirs is written over the first's change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from safeguard.accounts.roles import Role
from safeguard.cases import services
from safeguard.cases.models import Case, Message, Status
from safeguard.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STALE = "This case changed since you opened it"


@pytest.fixture
def case(customer, departments):
    """A complaint in cards, acknowledged at receipt (the shipped service standard)."""
    return services.open_case(
        by=None,
        customer=customer,
        type="complaint",
        channel="phone",
        description="信用卡年费被重复扣收，请退还。",
        department=departments["cards"],
    )


@pytest.fixture
def two_handlers(new_page, live_server, agent, make_user):
    colleague = make_user(Role.AGENT, username="colleague")
    first, second = new_page(), new_page()
    login(first, live_server, agent)
    login(second, live_server, colleague)
    return first, second


def open_case_page(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "acknowledged")


def test_the_second_of_two_handlers_starting_the_investigation_gets_the_conflict_notice(
    two_handlers, live_server, case
):
    first, second = two_handlers
    open_case_page(first, live_server, case)
    open_case_page(second, live_server, case)

    first.get_by_role("button", name="Start investigation").click()
    expect(first.locator("[data-status]").first).to_have_attribute("data-status", "investigating")
    expect(first.locator(".stale-notice")).to_have_count(0)

    second.get_by_role("button", name="Start investigation").click()
    notice = second.locator(".stale-notice[role=alert]")
    expect(notice).to_contain_text(STALE)
    # The page now shows the case as it is, and offers only what is still allowed.
    expect(second.locator("[data-status]").first).to_have_attribute("data-status", "investigating")
    expect(second.get_by_role("button", name="Start investigation")).to_have_count(0)
    screenshot(second, "case-conflict-en")

    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.INVESTIGATING
    assert fresh.version == case.version + 1  # one move, not two


def test_a_reply_written_on_a_page_that_went_stale_is_refused_and_kept_for_the_handler(two_handlers, live_server, case):
    first, second = two_handlers
    open_case_page(first, live_server, case)
    open_case_page(second, live_server, case)
    draft = "我们已核实：年费确实重复扣收，将于三个工作日内退还。"
    second.get_by_label("Reply to the customer").fill(draft)

    first.get_by_role("button", name="Start investigation").click()
    expect(first.locator("[data-status]").first).to_have_attribute("data-status", "investigating")

    second.get_by_role("button", name="Send reply").click()
    expect(second.locator(".stale-notice[role=alert]")).to_contain_text(STALE)
    expect(second.get_by_label("Reply to the customer")).to_have_value(draft)
    assert not Message.objects.filter(case=case).exists()

    # Having seen the change, the handler sends it again, and now it goes.
    second.get_by_role("button", name="Send reply").click()
    expect(second.locator(".timeline")).to_contain_text(draft)
    expect(second.locator(".stale-notice")).to_have_count(0)
    assert Message.objects.filter(case=case, body=draft).count() == 1
