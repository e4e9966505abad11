"""The case page's actions: each one succeeds for the right person, is refused for the others,
and refuses bad input with form errors and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from safeguard.cases import services
from safeguard.cases.models import Case, CaseEvent, ClockPause, Message, Redress, Resolution, Status
from safeguard.cases.tests.support import counts, stage

pytestmark = pytest.mark.django_db

DECISION = {
    "resolve-outcome": "partially_upheld",
    "resolve-decision_basis": "Card terms 4.2",
    "resolve-reasons": "The annual fee was charged twice.",
    "resolve-remedies": "您可以向调解组织申请调解。",
    "resolve-apology_given": "on",
    "redress-TOTAL_FORMS": "3",
    "redress-INITIAL_FORMS": "0",
    "redress-MIN_NUM_FORMS": "0",
    "redress-MAX_NUM_FORMS": "10",
    **{f"redress-{n}-currency": "CNY" for n in range(3)},
}


def _root_cause_pk() -> int:
    from safeguard.cases.models import RootCause

    return RootCause.objects.get(code="process-delay").pk


def _post(client, user, case, name, data, **extra):
    client.force_login(user)
    prefix = {"take": "take", "move": "move"}.get(name, name)
    payload = {f"{prefix}-version": str(Case.objects.get(pk=case.pk).version), **data}
    return client.post(reverse(f"cases:{name}", args=[case.reference]), payload, **extra)


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@dataclass(frozen=True)
class Action:
    name: str  # the URL name
    status: str  # the case's status before
    persona: str
    data: Callable[[dict[str, Any]], dict[str, str]]
    done: Callable[[Case, dict[str, Any]], bool]
    before: Callable[[Case, dict[str, Any]], None] = field(default=lambda case, people: None)


def _pause(case, people):
    services.pause_clock(case=case, by=people["agent"], reason="Waiting for documents.")


SUCCESSES = {
    "acknowledge": Action(
        "move",
        Status.RECEIVED,
        "agent",
        lambda p: {"move-to": "acknowledged"},
        lambda c, p: c.status == Status.ACKNOWLEDGED,
    ),
    "start investigation": Action(
        "move",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {"move-to": "investigating"},
        lambda c, p: c.status == Status.INVESTIGATING,
    ),
    "await customer": Action(
        "move",
        Status.INVESTIGATING,
        "agent",
        lambda p: {"move-to": "awaiting_customer"},
        lambda c, p: c.status == Status.AWAITING_CUSTOMER,
    ),
    "resume investigation": Action(
        "move",
        Status.AWAITING_CUSTOMER,
        "agent",
        lambda p: {"move-to": "investigating"},
        lambda c, p: c.status == Status.INVESTIGATING,
    ),
    "close": Action(
        "move", Status.RESOLVED, "agent", lambda p: {"move-to": "closed"}, lambda c, p: c.status == Status.CLOSED
    ),
    "resolve": Action(
        "resolve",
        Status.INVESTIGATING,
        "agent",
        lambda p: {**DECISION, "resolve-root_cause": str(_root_cause_pk())},
        lambda c, p: c.status == Status.RESOLVED and Resolution.objects.get(case=c).apology_given,
    ),
    "reopen": Action(
        "reopen",
        Status.RESOLVED,
        "supervisor",
        lambda p: {"reopen-reason": "The customer sent new evidence."},
        lambda c, p: c.status == Status.INVESTIGATING,
    ),
    "withdraw": Action(
        "withdraw",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {"withdraw-reason": "The customer called to withdraw."},
        lambda c, p: c.status == Status.WITHDRAWN,
    ),
    "refer": Action(
        "refer",
        Status.RESOLVED,
        "supervisor",
        lambda p: {"refer-body": "Sent the file to the ombudsman.", "refer-reference": "FOS-123"},
        lambda c, p: (
            c.status == Status.REFERRED
            and CaseEvent.objects.get(case=c, data__to="referred").data["reference"] == "FOS-123"
        ),
    ),
    "reply": Action(
        "reply",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {"reply-subject": "Your complaint", "reply-body": "我们已退还重复扣收的年费。"},
        lambda c, p: (
            Message.objects.get(case=c).direction == "out" and Message.objects.get(case=c).author == p["agent"]
        ),
    ),
    "note": Action(
        "note",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {"note-body": "Checked the card ledger."},
        lambda c, p: CaseEvent.objects.filter(case=c, kind="note", note="Checked the card ledger.").exists(),
    ),
    "take": Action("take", Status.ACKNOWLEDGED, "agent", lambda p: {}, lambda c, p: c.assignee == p["agent"]),
    "assign": Action(
        "assign",
        Status.ACKNOWLEDGED,
        "supervisor",
        lambda p: {"assign-assignee": str(p["agent"].pk), "assign-department": str(p["departments"]["cards"].pk)},
        lambda c, p: c.assignee == p["agent"],
    ),
    "pause": Action(
        "pause",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {"pause-reason": "Waiting for the card network."},
        lambda c, p: ClockPause.objects.filter(case=c, ended_at__isnull=True).exists(),
    ),
    "resume": Action(
        "resume",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {},
        lambda c, p: not ClockPause.objects.filter(case=c, ended_at__isnull=True).exists(),
        before=_pause,
    ),
    "extend": Action(
        "extend",
        Status.ACKNOWLEDGED,
        "agent",
        lambda p: {"extend-name": "complex", "extend-reason": "Needs the card network's records."},
        lambda c, p: c.extension == "complex",
    ),
}


@pytest.fixture
def people(agent, other_agent, supervisor, compliance, auditor, nobody, departments):
    return {
        "agent": agent,
        "other_agent": other_agent,
        "supervisor": supervisor,
        "compliance": compliance,
        "auditor": auditor,
        "nobody": nobody,
        "departments": departments,
    }


@pytest.mark.parametrize("key", SUCCESSES)
def test_each_action_succeeds_and_redirects_to_the_case_page_with_a_notice(client, case, people, key):
    action = SUCCESSES[key]
    stage(case, action.status)
    action.before(case, people)

    response = _post(client, people[action.persona], case, action.name, action.data(people))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("cases:detail", args=[case.reference])
    assert action.done(_fresh(case), people)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


@pytest.mark.parametrize("key", SUCCESSES)
def test_the_auditor_is_refused_every_action_and_nothing_is_written(client, case, people, key):
    action = SUCCESSES[key]
    stage(case, action.status)
    action.before(case, people)
    before = counts(case)
    response = _post(client, people["auditor"], case, action.name, action.data(people))
    assert response.status_code == 403
    assert counts(case) == before


@pytest.mark.parametrize("key", SUCCESSES)
@pytest.mark.parametrize("persona", ["other_agent", "nobody"])
def test_people_who_cannot_see_the_case_get_not_found(client, case, people, key, persona):
    action = SUCCESSES[key]
    stage(case, action.status)
    action.before(case, people)
    before = counts(case)
    assert _post(client, people[persona], case, action.name, action.data(people)).status_code == 404
    assert counts(case) == before


@pytest.mark.parametrize(
    ("key", "persona"),
    [
        ("reopen", "agent"),  # reopening is a supervisor's call
        ("refer", "agent"),
        ("assign", "agent"),  # an agent may only take an unassigned case for themselves
        ("reply", "compliance"),  # compliance reads and refers but does not work cases
        ("resolve", "compliance"),
    ],
)
def test_an_action_outside_the_role_is_forbidden(client, case, people, key, persona):
    action = SUCCESSES[key]
    stage(case, action.status)
    before = counts(case)
    response = _post(client, people[persona], case, action.name, action.data(people))
    assert response.status_code == 403
    assert counts(case) == before


def test_anonymous_posts_are_sent_to_sign_in(client, case):
    response = client.post(reverse("cases:reply", args=[case.reference]), {"reply-body": "x", "reply-version": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Message.objects.exists()


def test_actions_only_accept_post(client, agent, case):
    client.force_login(agent)
    assert client.get(reverse("cases:reply", args=[case.reference])).status_code == 405


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "data", "field_id"),
    [
        ("reply", Status.ACKNOWLEDGED, {"reply-body": "   "}, "id_reply-body"),
        ("note", Status.ACKNOWLEDGED, {"note-body": ""}, "id_note-body"),
        ("withdraw", Status.ACKNOWLEDGED, {"withdraw-reason": ""}, "id_withdraw-reason"),
        ("pause", Status.ACKNOWLEDGED, {"pause-reason": ""}, "id_pause-reason"),
        ("extend", Status.ACKNOWLEDGED, {"extend-name": "forever", "extend-reason": "x"}, "id_extend-name"),
        ("resolve", Status.INVESTIGATING, {**DECISION, "resolve-reasons": ""}, "id_resolve-reasons"),
        (
            "resolve",
            Status.INVESTIGATING,
            {**DECISION, "redress-0-amount": "100.00"},  # an amount without a kind
            "id_redress-0-kind",
        ),
        (
            "resolve",
            Status.INVESTIGATING,
            {**DECISION, "redress-0-kind": "refund", "redress-0-amount": "-5"},
            "id_redress-0-amount",
        ),
    ],
)
def test_bad_input_shows_form_errors_with_422_and_writes_nothing(client, agent, case, name, status, data, field_id):
    stage(case, status)
    if name == "resolve" and "resolve-root_cause" not in data:
        data = {**data, "resolve-root_cause": str(_root_cause_pk())}
    before = counts(case)
    response = _post(client, agent, case, name, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert "has-error" in html
    assert field_id in html
    assert "Nothing was saved: please correct the marked fields." in html
    assert counts(case) == before


def test_typed_input_is_kept_when_the_form_has_errors(client, agent, case):
    stage(case, Status.INVESTIGATING)
    data = {**DECISION, "resolve-decision_basis": "我的判断依据", "resolve-reasons": ""}
    html = _post(client, agent, case, "resolve", {**data, "resolve-root_cause": str(_root_cause_pk())}).content
    assert "我的判断依据" in html.decode()


def test_a_missing_version_is_a_form_error(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("cases:note", args=[case.reference]), {"note-body": "hello"})
    assert response.status_code == 422
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()


def test_a_service_refusal_appears_on_the_form(client, agent, supervisor, case):
    # the special extension needs a senior approver: the service refuses, the form says why
    before = counts(case)
    response = _post(
        client, agent, case, "extend", {"extend-name": "special", "extend-reason": "Abroad", "extend-notice_sent": "on"}
    )
    assert response.status_code == 422
    assert "senior colleague" in response.content.decode()
    assert counts(case) == before


def test_a_conflict_is_shown_with_409_and_the_reason(client, agent, case):
    stage(case, Status.INVESTIGATING)
    services.record_redress(case=case, by=agent, kind="compensation", amount="9000.00")
    stage(case, Status.RESOLVED)
    before = counts(case)
    response = _post(client, agent, case, "move", {"move-to": "closed"})
    assert response.status_code == 409
    assert "awaiting approval" in response.content.decode()
    assert counts(case) == before


def test_a_move_the_lifecycle_does_not_have_is_refused(client, agent, case):
    before = counts(case)
    response = _post(client, agent, case, "move", {"move-to": "closed"})  # acknowledged -> closed
    assert response.status_code == 409
    assert counts(case) == before


def test_resolve_cannot_be_done_with_a_one_click_move(client, agent, case):
    stage(case, Status.INVESTIGATING)
    before = counts(case)
    response = _post(client, agent, case, "move", {"move-to": "resolved"})
    assert response.status_code == 409
    assert counts(case) == before


def test_pausing_is_refused_where_the_policy_does_not_allow_it(client, agent, open_case):
    case = open_case(policy="uk-fca-disp")
    client.force_login(agent)
    html = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert ">Pause the clock</button>" not in html
    before = counts(case)
    response = _post(client, agent, case, "pause", {"pause-reason": "waiting"})
    assert response.status_code == 409
    assert counts(case) == before


# --- resolution and redress -----------------------------------------------------------------


def test_resolving_with_redress_above_the_limit_leaves_it_pending_approval(client, agent, case, settings):
    settings.SAFEGUARD_REDRESS_APPROVAL_LIMIT = "5000.00"
    stage(case, Status.INVESTIGATING)
    data = {
        **DECISION,
        "resolve-root_cause": str(_root_cause_pk()),
        "redress-0-kind": "refund",
        "redress-0-amount": "300.00",
        "redress-1-kind": "compensation",
        "redress-1-amount": "8000.00",
        "redress-1-currency": "CNY",
        "redress-1-note": "Loss of interest",
    }
    response = _post(client, agent, case, "resolve", data)
    assert response.status_code == 302
    states = dict(Redress.objects.filter(case=case).values_list("kind", "state"))
    assert states == {"refund": "approved", "compensation": "pending_approval"}
    notice = next(str(m) for m in get_messages(response.wsgi_request))
    assert "awaits a supervisor's approval" in notice
    page = client.get(response["Location"]).content.decode()
    assert "Awaiting approval" in page and "a supervisor must approve it" in page
    assert "Loss of interest" in page


def test_resolving_with_redress_within_the_limit_needs_no_approval(client, agent, case):
    stage(case, Status.INVESTIGATING)
    data = {
        **DECISION,
        "resolve-root_cause": str(_root_cause_pk()),
        "redress-0-kind": "refund",
        "redress-0-amount": "300.00",
    }
    response = _post(client, agent, case, "resolve", data)
    assert response.status_code == 302
    assert Redress.objects.get(case=case).state == "approved"
    assert "approval" not in str(next(iter(get_messages(response.wsgi_request))))


def test_an_htmx_action_is_answered_with_a_client_redirect(client, agent, case):
    response = _post(client, agent, case, "note", {"note-body": "via htmx"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("cases:detail", args=[case.reference])
