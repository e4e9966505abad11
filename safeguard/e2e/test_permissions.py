"""Flow 3: what an agent may not do in the browser, and what one with the permission may.

An agent cannot open the supervisor view. Without ``customers.reveal_pii`` the case page offers
no reveal control, and a reveal forged by hand (a POST with a valid CSRF token) is refused;
with the permission, the agent reveals a field and sees the plaintext.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from safeguard.accounts.roles import Role
from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "13912345678"


@pytest.fixture
def case(make_customer, departments):
    return services.open_case(
        by=None,
        customer=make_customer(phone=PHONE),
        type="complaint",
        channel="phone",
        description="手机银行转账失败但已扣款。",
        department=departments["cards"],
    )


@pytest.fixture
def agent_without_reveal(make_user):
    """An agent whose role lacks ``customers.reveal_pii`` (e.g. an outsourced first line)."""
    group = Group.objects.create(name="agent-no-pii")
    group.permissions.set(Group.objects.get(name=Role.AGENT).permissions.exclude(codename="reveal_pii"))
    user = make_user(None, username="first_line")
    user.groups.add(group)
    return user


def test_an_agent_cannot_open_the_supervisor_view(page, live_server, agent):
    login(page, live_server, agent)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisor")).to_have_count(0)
    response = page.goto(f"{live_server.url}/supervisor/")
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Not allowed")
    expect(page.get_by_role("heading", name="Load per handler")).to_have_count(0)
    screenshot(page, "supervisor-refused-en")


def test_without_the_permission_there_is_no_reveal_control_and_a_forged_reveal_is_refused(
    page, live_server, agent_without_reveal, case
):
    login(page, live_server, agent_without_reveal)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    phone = page.locator("#pii-phone")
    expect(phone).to_contain_text(case.customer.phone_masked)
    expect(page.locator("details.reveal")).to_have_count(0)
    expect(page.get_by_text("Reveal…")).to_have_count(0)
    entries = AuditEntry.objects.count()

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"{live_server.url}/cases/{case.reference}/reveal/phone/",
        form={"csrfmiddlewaretoken": token, "reveal-phone-reason": "customer called"},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert forged.status == 403
    assert PHONE not in forged.text()
    # Nothing was revealed, so nothing was recorded as read.
    assert not AuditEntry.objects.filter(pk__gt=entries, action="customer.reveal_pii").exists()


def test_with_the_permission_an_agent_reveals_a_field_and_sees_the_plaintext(page, live_server, agent, case):
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    phone = page.locator("#pii-phone")
    expect(phone).not_to_contain_text(PHONE)
    phone.locator("summary").click()
    phone.get_by_label("Reason for revealing").fill("Calling the customer back about the transfer")
    phone.get_by_role("button", name="Reveal Phone").click()
    expect(page.locator("#pii-phone .revealed")).to_have_text(PHONE)
    screenshot(page, "case-revealed-en")
    assert AuditEntry.objects.filter(action="customer.reveal_pii").count() == 1
