"""The case page: who sees it, what it shows, and which actions it offers (only the allowed ones)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from safeguard.cases import services
from safeguard.cases.models import Case, ResponseTemplate, Status
from safeguard.cases.tests.support import stage
from safeguard.customers.services import update_customer

pytestmark = pytest.mark.django_db


def _url(case, name="detail"):
    return reverse(f"cases:{name}", args=[case.reference])


def _get(client, user, case, **params):
    client.force_login(user)
    return client.get(_url(case), params)


def _find(pattern: str, html: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return found.group(0)


def _post_forms(html: str) -> set[str]:
    """The action URLs the page's forms post to."""
    return set(re.findall(r'<form method="post" action="(/cases/[^"]+)"', html))


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    response = client.get(_url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("agent", 200),  # the case's department
        ("supervisor", 200),
        ("compliance", 200),
        ("auditor", 200),
        ("other_agent", 404),  # another department: the same answer as a missing case
        ("nobody", 404),  # no role at all
    ],
)
def test_who_may_open_the_case_page(client, request, case, persona, status):
    response = _get(client, request.getfixturevalue(persona), case)
    assert response.status_code == status


def test_a_missing_reference_is_not_found(client, agent, case):
    client.force_login(agent)
    assert client.get(reverse("cases:detail", args=["CMP-2026-999999"])).status_code == 404


def test_the_reference_may_be_typed_in_lower_case(client, agent, case):
    client.force_login(agent)
    assert client.get(reverse("cases:detail", args=[case.reference.lower()])).status_code == 200


def test_header_shows_status_facts_and_every_milestone_with_a_badge(client, agent, case):
    html = _get(client, agent, case).content.decode()
    assert f'data-status="{Status.ACKNOWLEDGED}"' in html
    assert case.reference in html and "Complaint" in html and "Phone" in html and "Card services" in html
    assert "2026-03-02 10:00" in html  # received, in the institution's zone (Asia/Shanghai)
    for milestone in ("Acknowledgement", "First response", "Final response"):
        assert milestone in html
    assert '<span class="badge met">' in html  # acknowledged on receipt
    assert '<span class="badge due_soon">24 h left</span>' in html  # first response within 24 h
    assert '<span class="badge on_track">15 days left</span>' in html
    assert "Deadline breached" not in html and "Clock paused" not in html


def test_header_flags_a_breached_paused_and_extended_case(client, agent, supervisor, case):
    services.pause_clock(case=case, by=agent, reason="Waiting for the card network.")
    services.extend_deadline(case=case, by=agent, name="complex", reason="Card network records.")
    Case.objects.filter(pk=case.pk).update(is_breached=True)
    html = _get(client, agent, case).content.decode()
    assert "Deadline breached" in html
    assert "Clock paused" in html and "Waiting for the card network." in html
    assert "Extended: complex" in html


def test_agent_sees_the_next_allowed_actions_and_only_those(client, agent, case):
    html = _get(client, agent, case).content.decode()
    assert ">Start investigation</button>" in html
    for absent in (">Acknowledge</button>", ">Close</button>", ">Reopen</button>", ">Refer</button>"):
        assert absent not in html  # not a move from "acknowledged", or not the agent's permission
    assert 'href="#resolution"' not in html  # resolving needs an investigation first
    assert ">Send reply</button>" in html and ">Add internal note</button>" in html
    assert ">Withdraw</button>" in html
    assert ">Assign to me</button>" in html  # unassigned case of the agent's own department
    assert ">Assign</button>" not in html  # reassigning needs cases.assign_case


def test_an_investigating_case_offers_resolve_and_await_customer(client, agent, case):
    stage(case, Status.INVESTIGATING)
    html = _get(client, agent, case).content.decode()
    assert ">Await customer</button>" in html
    assert 'href="#resolution"' in html and ">Resolve</button>" in html
    assert 'for="id_resolve-outcome"' in html and 'for="id_resolve-root_cause"' in html
    assert ">Start investigation</button>" not in html


def test_a_received_case_offers_acknowledge(client, agent, case):
    stage(case, Status.RECEIVED)
    html = _get(client, agent, case).content.decode()
    assert ">Acknowledge</button>" in html


def test_a_case_awaiting_the_customer_offers_resuming_the_investigation(client, agent, case):
    stage(case, Status.AWAITING_CUSTOMER)
    assert ">Resume investigation</button>" in _get(client, agent, case).content.decode()


def test_a_resolved_case_offers_close_and_to_a_supervisor_reopen_within_the_window(
    client, agent, supervisor, case, frozen_time
):
    stage(case, Status.RESOLVED)
    agent_html = _get(client, agent, case).content.decode()
    assert ">Close</button>" in agent_html and ">Reopen</button>" not in agent_html  # agents may not reopen
    assert ">Send reply</button>" in agent_html
    assert ">Reopen</button>" in _get(client, supervisor, case).content.decode()
    frozen_time.shift(timedelta(days=40))  # the 30-day reopen window has passed
    assert ">Reopen</button>" not in _get(client, supervisor, case).content.decode()


def test_a_withdrawn_case_offers_no_move(client, agent, case):
    stage(case, Status.WITHDRAWN)
    html = _get(client, agent, case).content.decode()
    assert ">Withdraw</button>" not in html and 'name="move-to"' not in html
    assert ">Assign to me</button>" not in html


def test_auditor_reads_the_page_without_any_action_form(client, auditor, case):
    services.add_message(case=case, by=None, direction="in", body="还没有收到退款。")
    html = _get(client, auditor, case).content.decode()
    assert "还没有收到退款。" in html  # reads everything
    assert _post_forms(html) == set()  # but no action form, no reveal
    assert "Reveal" not in html
    assert "there is nothing you can change" in html


def test_compliance_may_refer_and_reveal_but_not_work_the_case(client, compliance, case):
    html = _get(client, compliance, case).content.decode()
    forms = _post_forms(html)
    assert _url(case, "refer") in forms
    assert _url(case, "reply") not in forms and _url(case, "move") not in forms
    assert reverse("cases:reveal", args=[case.reference, "phone"]) in forms


def test_supervisor_gets_the_assign_control_with_eligible_handlers(client, supervisor, agent, auditor, case):
    html = _get(client, supervisor, case).content.decode()
    assert ">Assign</button>" in html and ">Assign to me</button>" not in html
    assignees = _find(r'<select name="assign-assignee".*?</select>', html)
    assert ">agent</option>" in assignees and ">supervisor</option>" in assignees
    assert "auditor" not in assignees  # cannot work cases


def test_timeline_tells_messages_in_and_out_and_internal_notes_apart(client, agent, case):
    services.add_message(case=case, by=None, direction="in", body="Where is my refund?")
    services.add_message(case=case, by=agent, direction="out", body="We are checking with the card network.")
    services.add_note(case=case, by=agent, body="Called the merchant; no answer.")
    html = _get(client, agent, case).content.decode()
    incoming = _find(r'<li class="tl tl-in">.*?</li>', html)
    outgoing = _find(r'<li class="tl tl-out">.*?</li>', html)
    note = _find(r'<li class="tl tl-note">.*?</li>', html)
    assert "From the customer" in incoming and "Where is my refund?" in incoming
    assert "To the customer" in outgoing and "card network" in outgoing and "agent" in outgoing
    assert "Internal note — not shown to the customer" in note and "no answer" in note
    assert html.index("Where is my refund?") < html.index("card network") < html.index("no answer")


def test_customer_panel_masks_pii_and_lists_the_visible_earlier_cases(client, agent, open_case, customer, departments):
    earlier = open_case(received_at=open_case().received_at - timedelta(days=3))
    elsewhere = open_case(department=departments["branch_sh"])  # same customer, a branch the agent cannot see
    update_customer(customer=customer, by=None, vulnerabilities=["elderly"], preferred_language="en")
    case = open_case()
    html = _get(client, agent, case).content.decode()
    assert customer.name_masked in html and customer.phone_masked in html and customer.email_masked in html
    assert customer.national_id_masked in html and customer.account_numbers_masked[0] in html
    assert "张伟" not in html and "北京市东城区东长安街1号" not in html  # plaintext never reaches the page
    assert "Elderly" in html and "Vulnerable customer" in html
    assert "The customer prefers English." in html
    assert reverse("cases:detail", args=[earlier.reference]) in html
    assert elsewhere.reference not in html


def test_users_without_the_reveal_permission_see_no_reveal_button(client, auditor, case):
    html = _get(client, auditor, case).content.decode()
    assert "Reveal" not in html and "reveal/" not in html


def test_existing_redress_shows_its_state(client, agent, case):
    stage(case, Status.INVESTIGATING)
    services.record_redress(case=case, by=agent, kind="refund", amount="200.00")
    services.record_redress(case=case, by=agent, kind="compensation", amount="8000.00")
    html = _get(client, agent, case).content.decode()
    assert "CNY 200.00" in html and "CNY 8000.00" in html
    assert '<span class="redress-state approved">Approved</span>' in html
    assert '<span class="redress-state pending_approval">Awaiting approval</span>' in html


def test_the_case_page_query_count_is_bounded(client, agent, supervisor, case, django_assert_max_num_queries):
    for n in range(5):
        services.add_message(case=case, by=None, direction="in", body=f"message {n}")
        services.add_note(case=case, by=agent, body=f"note {n}")
    client.force_login(supervisor)
    client.get(_url(case))  # warm the per-process caches (content types)
    # 1 session, 2 user, 3 permissions (one UNION), 4 the case with customer/department/assignee/
    # product/category/policy, 5 milestones, 6 running pause, 7 the policy's extensions, 8 resolution,
    # 9 redress, 10 earlier cases, 11 response templates, 12 attachments, 13 departments and
    # 14 eligible assignees (assign form), 15 approvers (extension form), 16 the timeline (events
    # with actors and messages), 17 case links, 18 the survey invitation and 19 its answer (the
    # surveys panel, when there is one). Independent of the number of events.
    with django_assert_max_num_queries(19):
        response = client.get(_url(case))
    assert response.status_code == 200


# --- response templates -------------------------------------------------------------------


@pytest.fixture
def templates(db):
    ResponseTemplate.objects.all().delete()
    return {
        "en": ResponseTemplate.objects.create(
            code="holding", language="en", title="Holding reply", subject="Your complaint", body="We are on it."
        ),
        "zh": ResponseTemplate.objects.create(
            code="holding", language="zh-hans", title="进度告知", subject="您的投诉", body="我们正在处理您的投诉。"
        ),
        "feedback_only": ResponseTemplate.objects.create(
            code="thanks", language="zh-hans", title="感谢反馈", body="感谢您的反馈。", case_type="feedback"
        ),
        "inactive": ResponseTemplate.objects.create(
            code="old", language="zh-hans", title="旧模板", body="x", is_active=False
        ),
    }


def test_composer_offers_templates_in_the_customers_language_first(client, agent, case, templates):
    html = _get(client, agent, case).content.decode()
    assert "The customer prefers Simplified Chinese." in html
    assert html.index("进度告知") < html.index("Holding reply")
    assert "In the customer's language (Simplified Chinese)" in html
    assert "感谢反馈" not in html  # for feedback cases only
    assert "旧模板" not in html  # inactive


def test_choosing_a_template_without_javascript_prefills_the_reply(client, agent, case, templates):
    response = _get(client, agent, case, template=templates["zh"].pk)
    html = response.content.decode()
    assert re.search(r'<textarea name="reply-body"[^>]*>\s*我们正在处理您的投诉。</textarea>', html)
    assert 'value="您的投诉"' in html


def test_choosing_a_template_with_htmx_returns_the_filled_reply_fields(client, agent, case, templates):
    client.force_login(agent)
    response = client.get(
        _url(case, "response_template"), {"template": templates["en"].pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div id="reply-fields"')
    assert "We are on it." in html and "<html" not in html


def test_a_template_that_does_not_fit_the_case_is_not_filled_in(client, agent, case, templates):
    client.force_login(agent)
    response = client.get(_url(case, "response_template"), {"template": templates["feedback_only"].pk})
    assert response.status_code == 204
    html = _get(client, agent, case, template=templates["inactive"].pk).content.decode()
    assert re.search(r'<textarea name="reply-body"[^>]*>\s*</textarea>', html)


def test_only_handlers_may_fetch_template_fragments(client, auditor, other_agent, case, templates):
    client.force_login(auditor)
    assert client.get(_url(case, "response_template"), {"template": templates["en"].pk}).status_code == 403
    client.force_login(other_agent)
    assert client.get(_url(case, "response_template"), {"template": templates["en"].pk}).status_code == 404


def test_a_regulator_referral_shows_its_reference_and_deadline(client, agent, open_case):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from safeguard.cases.models import Case

    case = open_case()
    due = datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    Case.objects.filter(pk=case.pk).update(
        external_reference="NFRA-2026-0042", external_source="nfra-feed", external_due_at=due
    )
    client.force_login(agent)
    html = client.get(_url(case)).content.decode()
    assert "NFRA-2026-0042" in html and "nfra-feed" in html
    assert "Deadline set by the referrer" in html and "2026-03-20 17:00" in html
