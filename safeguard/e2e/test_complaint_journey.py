"""Flow 1: a complaint in Chinese from the portal to closure, through every hand it passes.

The customer writes in Chinese on the portal; a handler finds it at the top of the queue (the
nearest deadline), starts the investigation and replies; the customer follows it with the
one-time code from the mail outbox and reads the reply; the handler resolves with redress above
the approval limit; a supervisor approves it; the case is closed.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import translation
from playwright.sync_api import expect

from safeguard.accounts.roles import Role
from safeguard.cases import services
from safeguard.cases.models import Case, Redress, Status
from safeguard.e2e.conftest import login, one_time_code, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESCRIPTION = "我的信用卡在三月份被重复收取了两次年费，每次三百元。请核实并退还多收的费用。"
DESIRED = "退还多收的年费，并说明原因。"
REPLY = "您好，我们已收到您的投诉，正在核查年费扣收记录，将尽快给您答复。"


def zh(message: str) -> str:
    """The page's text in Simplified Chinese, from the project's own catalogue."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def zh_field(page, label: str):
    """The field labelled ``label`` in Chinese (the label goes on with "(required)" or "(optional)")."""
    return page.get_by_label(re.compile("^" + re.escape(zh(label))))


@pytest.fixture
def other_cases(make_customer, make_user, departments):
    """Three open cases whose next deadline is later than a complaint received now: their first
    response has been sent, so what is due next is the final response, days away."""
    colleague = make_user(Role.AGENT, username="colleague")
    cases = []
    for text in ("储蓄卡被冻结", "网银转账失败", "理财产品销售误导"):
        case = services.open_case(
            by=None,
            customer=make_customer(),
            type="complaint",
            channel="phone",
            description=text,
            department=departments["cards"],
        )
        services.add_message(case=case, by=colleague, direction="out", body="我们已收到，正在处理。")
        cases.append(Case.objects.get(pk=case.pk))
    return cases


@pytest.fixture
def handler(make_user):
    """A handler in the central complaints team: an agent who also sees cases of every department
    (the portal does not route a case to a department; see the report)."""
    user = make_user(Role.AGENT, username="handler", first_name="Li", last_name="Na")
    user.user_permissions.add(Permission.objects.get(codename="view_all_departments"))
    return user


def test_a_chinese_portal_complaint_is_answered_tracked_resolved_approved_and_closed(
    new_page, live_server, mailoutbox, other_cases, handler, supervisor
):
    # --- the customer, on the portal, in Chinese --------------------------------------------
    customer = new_page()
    customer.goto(f"{live_server.url}/portal/")
    customer.get_by_label("Language").select_option("zh-hans")
    customer.get_by_role("button", name="Change language").click()
    expect(customer.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(customer.get_by_role("heading", level=1)).to_have_text(zh("Make a complaint or give feedback"))

    customer.get_by_label(zh("A complaint: something went wrong and I want it put right")).check()
    zh_field(customer, "Your name").fill("王小明")
    zh_field(customer, "E-mail address").fill("xiaoming.wang@example.com")
    customer.get_by_label(zh("By e-mail"), exact=True).check()
    zh_field(customer, "Which product or service is it about?").select_option(label="信用卡")
    zh_field(customer, "What happened?").fill(DESCRIPTION)
    zh_field(customer, "What would you like us to do?").fill(DESIRED)
    screenshot(customer, "journey-01-portal-form-zh-filled")
    customer.get_by_role("button", name=zh("Send"), exact=True).click()

    reference_tag = customer.locator("[data-reference]")
    expect(reference_tag).to_be_visible()
    reference = reference_tag.get_attribute("data-reference")
    assert reference and re.fullmatch(r"[A-Z]+-\d{4}-\d+", reference)
    screenshot(customer, "journey-02-portal-confirmation-zh")

    submitted = Case.objects.select_related("customer").get(reference=reference)
    assert (submitted.channel, submitted.description, submitted.customer.preferred_language) == (
        "portal",
        DESCRIPTION,
        "zh-hans",
    )
    # The fixture is honest: this complaint really is due before every other case.
    assert all(submitted.next_due_at < other.next_due_at for other in other_cases)

    # --- the handler finds it at the top of the queue and works it ---------------------------
    staff = new_page()
    login(staff, live_server, handler)
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    rows = staff.locator("table.queue tbody tr")
    expect(rows).to_have_count(1 + len(other_cases))
    expect(rows.first).to_have_attribute("data-reference", reference)
    screenshot(staff, "journey-03-queue-en")
    rows.first.get_by_role("link", name=reference).click()

    expect(staff.get_by_role("heading", level=1)).to_contain_text(reference)
    status = staff.locator("[data-status]").first
    # The shipped service standard acknowledges a complaint at receipt.
    expect(status).to_have_attribute("data-status", "acknowledged")
    staff.get_by_role("button", name="Start investigation").click()
    expect(status).to_have_attribute("data-status", "investigating")

    staff.get_by_label("Reply to the customer").fill(REPLY)
    staff.get_by_role("button", name="Send reply").click()
    expect(staff.locator(".timeline")).to_contain_text(REPLY)
    screenshot(staff, "journey-04-case-en")

    # --- the customer follows the case with a one-time code from the e-mail ------------------
    customer.get_by_role("link", name=zh("Follow your case")).first.click()
    zh_field(customer, "Your reference").fill(reference)
    screenshot(customer, "journey-05-tracking-zh")
    customer.get_by_role("button", name=zh("Send me a code")).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(zh("Enter your code"))
    # The acknowledgement letter went out when the complaint was submitted; the code comes next.
    assert len(mailoutbox) == 2
    acknowledgement, sent = mailoutbox
    assert reference in acknowledgement.subject and "Auto-Submitted" in acknowledgement.extra_headers
    assert sent.to == acknowledgement.to == ["xiaoming.wang@example.com"]
    code = one_time_code(sent.body, reference)
    zh_field(customer, "One-time code").fill(code)
    customer.get_by_role("button", name=zh("Open my case")).click()
    expect(customer.locator("#conversation")).to_contain_text(REPLY)
    expect(customer.locator("[data-status]")).to_have_attribute("data-status", "investigating")
    screenshot(customer, "journey-06-tracking-case-zh")

    # --- the handler resolves with redress above the approval limit --------------------------
    limit = Decimal(settings.SAFEGUARD_REDRESS_APPROVAL_LIMIT)
    amount = limit + Decimal("1000.00")
    staff.reload()
    resolution = staff.locator("form.resolve")
    resolution.get_by_label("Outcome").select_option("upheld")
    resolution.get_by_label("Root cause").select_option(label="Pricing and fees")
    resolution.get_by_label("Decision basis").fill("Card terms: one annual fee a year; two were charged.")
    resolution.get_by_label("Reasons", exact=True).fill("The annual fee was charged twice by mistake.")
    resolution.get_by_label("Remedies open to the customer").fill("The financial ombudsman, the regulator.")
    resolution.get_by_label("Apology given").check()
    line = resolution.get_by_role("group", name="Redress line 1")
    line.get_by_label("Kind").select_option("refund")
    line.get_by_label("Amount").fill(str(amount))
    resolution.get_by_role("button", name="Resolve", exact=True).click()
    expect(status).to_have_attribute("data-status", "resolved")
    expect(staff.locator("table.redress .redress-state")).to_have_class(re.compile(r"\bpending_approval\b"))
    assert Redress.objects.get(case=submitted).state == Redress.State.PENDING_APPROVAL

    # --- a supervisor approves the redress ---------------------------------------------------
    boss = new_page()
    login(boss, live_server, supervisor)
    boss.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisor").click()
    pending = boss.locator(f'table.redress-queue tr[data-reference="{reference}"]')
    expect(pending).to_contain_text(str(amount))
    screenshot(boss, "journey-07-supervisor-en")
    pending.get_by_role("button", name=re.compile("^Approve")).click()
    expect(boss.locator(f'table.redress-queue tr[data-reference="{reference}"]')).to_have_count(0)
    assert Redress.objects.get(case=submitted).state == Redress.State.APPROVED

    # --- the handler closes the case -------------------------------------------------------
    staff.reload()
    staff.get_by_role("button", name="Close", exact=True).click()
    expect(status).to_have_attribute("data-status", "closed")
    assert Case.objects.get(pk=submitted.pk).status == Status.CLOSED
    screenshot(staff, "journey-08-case-closed-en")
