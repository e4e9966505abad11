"""The supervisor view: who may open it, load per handler, deadline lists per department, bulk
reassign and the redress approval queue. Refusals write nothing and never end in a 500."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from safeguard.accounts.models import User
from safeguard.cases import selectors, services
from safeguard.cases.models import Case, Redress, Status
from safeguard.cases.tests.support import NOW, stage
from safeguard.cases.views import supervisor as supervisor_view

pytestmark = pytest.mark.django_db

URL = "/supervisor/"


def due_in(case, hours, *, breached=False):
    Case.objects.filter(pk=case.pk).update(next_due_at=NOW + timedelta(hours=hours), is_breached=breached)
    case.refresh_from_db()
    return case


def page_text(response):
    return response.content.decode()


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.SAFEGUARD_REDRESS_APPROVAL_LIMIT = "5000.00"
    settings.SAFEGUARD_DUE_SOON_HOURS = 24


@pytest.fixture
def workload(open_case, agent, other_agent, departments, make_user):
    """Open cases of two handlers, a leaver and nobody, plus one closed case that counts for nothing."""
    branch = departments["branch_sh"]
    leaver = make_user("agent", username="leaver")
    cases = {
        "a_breached": due_in(open_case(assignee=agent), -5, breached=True),
        "a_soon": due_in(open_case(assignee=agent), 3),
        "a_later": due_in(open_case(assignee=agent), 72),
        "a_closed": stage(open_case(assignee=agent), Status.CLOSED),
        "b_breached": due_in(open_case(assignee=other_agent, department=branch), -1, breached=True),
        "u_soon": due_in(open_case(), 10),
        "u_later": due_in(open_case(department=branch), 100),
        "leaver": due_in(open_case(assignee=leaver), 200),
    }
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    return cases


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))
    return User.objects.get(pk=user.pk)  # a fresh instance: permissions are cached per instance


# --- who may open it ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["agent", "compliance", "auditor", "administrator", "nobody"])
def test_roles_without_assign_or_approve_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_a_supervisor_sees_every_section(client, supervisor):
    client.force_login(supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    html = page_text(response)
    for heading in ("Load per handler", "Breached and due soon, per department", "Redress awaiting approval"):
        assert heading in html


def test_approving_redress_alone_opens_the_view_without_bulk_reassign(client, make_user, open_case):
    case = due_in(open_case(), 3)
    approver = grant(make_user(None, username="approver"), "view_case", "approve_redress")
    client.force_login(approver)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Redress awaiting approval" in page_text(response)
    assert f'data-reference="{case.reference}"' in page_text(response)
    assert reverse("cases:bulk_reassign") not in page_text(response)


def test_assigning_alone_opens_the_view_without_the_redress_queue(client, make_user, open_case):
    due_in(open_case(), 3)
    assigner = grant(make_user(None, username="assigner"), "view_case", "assign_case")
    client.force_login(assigner)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Redress awaiting approval" not in page_text(response)
    assert reverse("cases:bulk_reassign") in page_text(response)


# --- load and deadline lists -------------------------------------------------------------


def test_load_per_handler_counts_open_due_soon_and_breached_exactly(client, supervisor, workload, agent):
    client.force_login(supervisor)
    loads = client.get(URL).context["loads"]
    assert [(load.username, load.open, load.due_soon, load.breached, load.is_active) for load in loads] == [
        ("", 2, 1, 0, True),  # unassigned
        ("agent", 3, 1, 1, True),
        ("leaver", 1, 0, 0, False),
        ("other_agent", 1, 0, 1, True),
    ]
    assert loads[1].assignee_id == agent.pk


def test_load_is_one_aggregate_query(supervisor, workload, django_assert_num_queries):
    supervisor.has_perm("cases.view_case")  # warm the permission cache
    with django_assert_num_queries(1):
        selectors.handler_load(supervisor, now=NOW, due_soon_hours=24)


def test_breached_and_due_soon_lists_per_department_nearest_first(client, supervisor, workload):
    client.force_login(supervisor)
    groups = client.get(URL).context["departments"]
    summary = [
        (
            g.department.code,
            [c.reference for c in g.breached],
            g.breached_total,
            [c.reference for c in g.due_soon],
            g.due_soon_total,
        )
        for g in groups
    ]
    assert summary == [
        (
            "cards",
            [workload["a_breached"].reference],
            1,
            [workload["a_soon"].reference, workload["u_soon"].reference],
            2,
        ),
        ("branch-sh", [workload["b_breached"].reference], 1, [], 0),
    ]


def test_long_lists_are_capped_with_a_link_to_the_filtered_queue(client, supervisor, workload, monkeypatch):
    monkeypatch.setattr(supervisor_view, "PER_DEPARTMENT", 1)
    client.force_login(supervisor)
    response = client.get(URL)
    cards = response.context["departments"][0]
    assert [c.reference for c in cards.due_soon] == [workload["a_soon"].reference]
    assert cards.due_soon_total == 2
    html = page_text(response)
    assert "All 2 cases due soon in the queue" in html
    link = re.search(r'href="(/queue/\?department=cards&amp;breached=no&amp;due_before=[^"]+)"', html)
    assert link is not None
    # The link lists exactly the cases the window holds.
    listed = client.get(link.group(1).replace("&amp;", "&"))
    assert re.findall(r'<tr data-reference="([^"]+)"', page_text(listed)) == [
        workload["a_soon"].reference,
        workload["u_soon"].reference,
    ]


def test_supervisor_page_query_budget(client, supervisor, workload, agent, django_assert_max_num_queries):
    services.record_redress(case=workload["a_soon"], by=agent, kind="compensation", amount="8000")
    client.force_login(supervisor)
    # 1 session, 2 user, 3 permissions, 4 redress queue (case and recorder joined), 5 load aggregate,
    # 6 deadline lists' ids (one windowed query) and 7 their rows with related ones joined, 8 assignee
    # and 9 department choices.
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200


# --- bulk reassign -----------------------------------------------------------------------


def picked(*cases):
    return [f"{c.reference}@{c.version}" for c in cases]


def test_bulk_reassign_moves_each_case_and_reports_it(client, supervisor, agent, open_case):
    one, two = open_case(), open_case()
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:bulk_reassign"), {"case": picked(one, two), "assignee": agent.pk}, follow=True
    )
    assert response.status_code == 200
    assert set(Case.objects.filter(pk__in=[one.pk, two.pk]).values_list("assignee_id", flat=True)) == {agent.pk}
    assert f"Reassigned 2 cases: {one.reference}, {two.reference}." in page_text(response)


def test_bulk_reassign_can_move_cases_to_another_department(client, supervisor, other_agent, open_case, departments):
    case = open_case()
    client.force_login(supervisor)
    client.post(
        reverse("cases:bulk_reassign"),
        {"case": picked(case), "assignee": other_agent.pk, "department": "branch-sh"},
    )
    case.refresh_from_db()
    assert (case.department_id, case.assignee_id) == (departments["branch_sh"].pk, other_agent.pk)


def test_a_stale_case_is_reported_and_left_alone_while_the_others_move(client, supervisor, agent, open_case):
    stale, fresh = open_case(), open_case()
    seen = picked(stale, fresh)
    services.assign(case=stale, by=supervisor, version=stale.version, assignee=supervisor)  # someone else moved it
    client.force_login(supervisor)

    response = client.post(reverse("cases:bulk_reassign"), {"case": seen, "assignee": agent.pk}, follow=True)

    html = page_text(response)
    assert f"{stale.reference} was not reassigned: This case changed since you opened it." in html
    assert f"Reassigned 1 case: {fresh.reference}." in html
    assert Case.objects.get(pk=stale.pk).assignee_id == supervisor.pk
    assert Case.objects.get(pk=fresh.pk).assignee_id == agent.pk


def test_an_assignee_outside_the_cases_department_is_refused_per_case(client, supervisor, other_agent, open_case):
    case = open_case()
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:bulk_reassign"), {"case": picked(case), "assignee": other_agent.pk}, follow=True
    )
    assert f"{case.reference} was not reassigned: other_agent does not work in Card services." in page_text(response)
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_an_unknown_reference_is_reported_not_a_server_error(client, supervisor, agent):
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:bulk_reassign"), {"case": ["CMP-2026-999999@1"], "assignee": agent.pk}, follow=True
    )
    assert response.status_code == 200
    assert "CMP-2026-999999 was not reassigned: No case with this reference." in page_text(response)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"assignee": "AGENT"}, "Select at least one case."),
        ({"case": ["CMP-2026-000001"], "assignee": "AGENT"}, "is not a case reference with its version"),
        ({"case": ["CMP-2026-000001@one"], "assignee": "AGENT"}, "is not a case reference with its version"),
        ({"case": ["CMP-2026-000001@1"]}, "Choose a new assignee, a new department or both."),
        ({"case": ["CMP-2026-000001@1"], "assignee": "nobody-here"}, "New assignee: Select a valid choice."),
        ({"case": ["CMP-2026-000001@1"], "department": "nowhere"}, "New department: Select a valid choice."),
    ],
)
def test_bad_bulk_input_is_a_clear_error_and_changes_nothing(client, supervisor, agent, open_case, data, error):
    case = open_case()
    data = {k: (str(agent.pk) if v == "AGENT" else v) for k, v in data.items()}
    client.force_login(supervisor)
    response = client.post(reverse("cases:bulk_reassign"), data, follow=True)
    assert response.status_code == 200
    assert error in page_text(response)
    assert Case.objects.get(pk=case.pk).version == case.version


def test_an_agent_cannot_bulk_reassign(client, agent, open_case):
    case = open_case()
    client.force_login(agent)
    response = client.post(reverse("cases:bulk_reassign"), {"case": picked(case), "assignee": agent.pk})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_bulk_reassign_goes_back_to_the_queue_it_came_from_but_never_off_site(client, supervisor, agent, open_case):
    case = open_case()
    client.force_login(supervisor)
    data = {"case": picked(case), "assignee": agent.pk}
    back = client.post(reverse("cases:bulk_reassign"), {**data, "next": "/queue/?type=complaint"})
    assert back["Location"] == "/queue/?type=complaint"
    away = client.post(reverse("cases:bulk_reassign"), {**data, "next": "https://evil.example/"})
    assert away["Location"] == URL


def test_the_get_method_is_not_allowed_on_actions(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("cases:bulk_reassign")).status_code == 405


# --- redress approval --------------------------------------------------------------------


@pytest.fixture
def pending(case, agent):
    return services.record_redress(case=case, by=agent, kind="compensation", amount="8000")


def test_the_queue_lists_redress_awaiting_approval(client, supervisor, pending):
    client.force_login(supervisor)
    html = page_text(client.get(URL))
    assert f'data-redress="{pending.pk}"' in html
    assert "CNY 8000.00" in html


def test_a_supervisor_approves_redress(client, supervisor, pending):
    client.force_login(supervisor)
    response = client.post(reverse("cases:redress_approve", args=[pending.pk]), follow=True)
    pending.refresh_from_db()
    assert (pending.state, pending.decided_by_id) == (Redress.State.APPROVED, supervisor.pk)
    assert f"Approved CNY 8000.00 redress on {pending.case.reference}." in page_text(response)


def test_self_approval_is_refused_with_the_services_reason(client, case, supervisor):
    own = services.record_redress(case=case, by=supervisor, kind="compensation", amount="8000")
    client.force_login(supervisor)
    assert "Recorded by you" in page_text(client.get(URL))
    response = client.post(reverse("cases:redress_approve", args=[own.pk]), follow=True)
    assert response.status_code == 200
    assert "must be approved or rejected by someone other than the person who recorded it" in page_text(response)
    own.refresh_from_db()
    assert own.state == Redress.State.PENDING_APPROVAL


def test_rejecting_needs_a_reason(client, supervisor, pending):
    client.force_login(supervisor)
    response = client.post(reverse("cases:redress_reject", args=[pending.pk]), {"reason": "  "}, follow=True)
    assert "The redress was not rejected: Reason for rejecting: This field is required." in page_text(response)
    pending.refresh_from_db()
    assert pending.state == Redress.State.PENDING_APPROVAL


def test_a_supervisor_rejects_redress_with_a_reason(client, supervisor, pending):
    client.force_login(supervisor)
    response = client.post(
        reverse("cases:redress_reject", args=[pending.pk]), {"reason": "Goodwill is capped at 2,000."}, follow=True
    )
    pending.refresh_from_db()
    assert pending.state == Redress.State.REJECTED
    assert f"Rejected CNY 8000.00 redress on {pending.case.reference}." in page_text(response)
    assert pending.case.events.filter(kind="redress_rejected", note="Goodwill is capped at 2,000.").exists()


def test_deciding_twice_is_a_clear_error(client, supervisor, pending):
    client.force_login(supervisor)
    client.post(reverse("cases:redress_approve", args=[pending.pk]))
    response = client.post(reverse("cases:redress_reject", args=[pending.pk]), {"reason": "Too late"}, follow=True)
    assert "This redress is not awaiting approval (it is Approved)." in page_text(response)


def test_an_unknown_redress_is_a_clear_error(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("cases:redress_approve", args=[987654]), follow=True)
    assert response.status_code == 200
    assert "No such redress." in page_text(response)


@pytest.mark.parametrize("persona", ["agent", "compliance", "auditor"])
def test_roles_without_approve_cannot_decide_redress(client, request, pending, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("cases:redress_approve", args=[pending.pk])).status_code == 403
    assert client.post(reverse("cases:redress_reject", args=[pending.pk]), {"reason": "No"}).status_code == 403
    pending.refresh_from_db()
    assert pending.state == Redress.State.PENDING_APPROVAL
