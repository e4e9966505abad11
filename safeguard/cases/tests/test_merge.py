"""Merging a duplicate into the case that carries on; flagging a possible duplicate; the case page.

A merge ends the duplicate (``merged``, its clock stopped) and keeps both timelines exactly as
they were; it is refused, writing nothing, for anything but two visible cases of one customer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.cases.errors import CaseNotOpen, IllegalTransition, StaleCase
from safeguard.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseLink, ClockPause, Message, Status
from safeguard.cases.services.merge import MergeRefused, MergeTargetRequired
from safeguard.cases.tests.support import NOW, counts, stage
from safeguard.core.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(open_case: Any) -> Case:
    return open_case(description="年费又被扣了一次，和上次一样。")


@pytest.fixture
def target(open_case: Any) -> Case:
    return open_case()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def both(duplicate: Case, target: Case) -> tuple[Any, ...]:
    """Everything a refused merge must leave as it was."""
    return (
        counts(duplicate),
        counts(target),
        fresh(duplicate).status,
        CaseLink.objects.count(),
    )


# --- merge -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", OPEN_STATUSES)
def test_a_duplicate_is_merged_into_the_case_that_carries_on(duplicate, target, agent, source):
    duplicate = stage(duplicate, source)
    services.add_note(case=duplicate, by=agent, body="客户来电重复投诉。")
    duplicate = fresh(duplicate)
    dup_events = list(CaseEvent.objects.filter(case=duplicate).values_list("pk", "kind"))
    target_events = list(CaseEvent.objects.filter(case=target).values_list("pk", "kind"))
    target_version = fresh(target).version

    merged = services.merge(case=duplicate, into=target, by=agent, version=duplicate.version, note="Same fee.")

    assert (merged.status, merged.closed_at, merged.next_due_at) == (Status.MERGED, NOW, None)
    assert fresh(duplicate).status == Status.MERGED
    carried_on = fresh(target)
    assert (carried_on.status, carried_on.version) == (target.status, target_version + 1)
    link = CaseLink.objects.get()
    assert (link.case, link.other, link.kind, link.created_by) == (duplicate, target, "merged_into", agent)
    # Both timelines are kept as they were: nothing moved or deleted, one "merged" event added to each.
    after_dup = list(CaseEvent.objects.filter(case=duplicate).values_list("pk", "kind"))
    after_target = list(CaseEvent.objects.filter(case=target).values_list("pk", "kind"))
    assert after_dup[: len(dup_events)] == dup_events
    assert [kind for _pk, kind in after_dup[len(dup_events) :]] == ["transition", "merged"]
    assert after_target[: len(target_events)] == target_events
    assert [kind for _pk, kind in after_target[len(target_events) :]] == ["merged"]
    on_dup = CaseEvent.objects.get(case=duplicate, kind="merged")
    on_target = CaseEvent.objects.get(case=target, kind="merged")
    assert (on_dup.data["reference"], on_dup.note, on_dup.actor) == (target.reference, "Same fee.", agent)
    assert (on_target.data["reference"], on_target.note, on_target.actor) == (duplicate.reference, "Same fee.", agent)
    move = CaseEvent.objects.get(case=duplicate, kind="transition", data__to="merged")
    assert (move.data["from"], move.data["action"]) == (source, "merge")
    audit = {e.action: e for e in AuditEntry.objects.filter(action__startswith="case.merge")}
    assert audit["case.merge"].object_id == str(duplicate.pk)
    assert audit["case.merge"].changes["into"] == target.reference
    assert audit["case.merge_target"].object_id == str(target.pk)
    assert audit["case.merge_target"].changes["merged"] == duplicate.reference


def test_merging_ends_a_running_pause(duplicate, target, agent):
    services.pause_clock(case=duplicate, by=agent, reason="Waiting for the statement.")
    duplicate = fresh(duplicate)
    services.merge(case=duplicate, into=target, by=agent, version=duplicate.version)
    assert ClockPause.objects.get(case=duplicate).ended_at == NOW


def test_a_case_may_be_merged_into_a_resolved_one(duplicate, target, supervisor):
    target = stage(target, Status.RESOLVED)
    services.merge(case=duplicate, into=target, by=supervisor, version=duplicate.version)
    assert (fresh(duplicate).status, fresh(target).status) == (Status.MERGED, Status.RESOLVED)


def test_a_message_to_the_merged_case_is_still_recorded_there(duplicate, target, agent):
    services.merge(case=duplicate, into=target, by=agent, version=duplicate.version)
    message = services.add_message(case=duplicate, by=None, direction="in", body="我之前的投诉有进展吗？")
    assert message.case == duplicate
    assert fresh(duplicate).status == Status.MERGED
    assert Message.objects.filter(case=duplicate).count() == 1


def test_merging_into_itself_is_refused(duplicate, agent):
    before = counts(duplicate)
    with pytest.raises(MergeRefused) as refused:
        services.merge(case=duplicate, into=duplicate, by=agent, version=duplicate.version)
    assert refused.value.extra["field"] == "into"
    assert counts(duplicate) == before


def test_merging_into_a_case_of_another_customer_is_refused(duplicate, open_case, make_customer, supervisor):
    stranger = open_case(customer=make_customer(name="李四"))
    before = both(duplicate, stranger)
    with pytest.raises(MergeRefused, match="same customer"):
        services.merge(case=duplicate, into=stranger, by=supervisor, version=duplicate.version)
    assert both(duplicate, stranger) == before


@pytest.mark.parametrize("status", [Status.CLOSED, Status.WITHDRAWN, Status.REFERRED, Status.MERGED])
def test_merging_into_a_closed_or_ended_case_is_refused(duplicate, target, agent, status):
    target = stage(target, status)
    before = both(duplicate, target)
    with pytest.raises(CaseNotOpen):
        services.merge(case=duplicate, into=target, by=agent, version=duplicate.version)
    assert both(duplicate, target) == before


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN, Status.MERGED])
def test_a_duplicate_no_longer_open_cannot_be_merged(duplicate, target, supervisor, status):
    duplicate = stage(duplicate, status)
    before = both(duplicate, target)
    with pytest.raises(IllegalTransition):
        services.merge(case=duplicate, into=target, by=supervisor, version=duplicate.version)
    assert both(duplicate, target) == before


def test_a_stale_version_is_refused(duplicate, target, agent):
    before = both(duplicate, target)
    with pytest.raises(StaleCase):
        services.merge(case=duplicate, into=target, by=agent, version=duplicate.version + 1)
    assert both(duplicate, target) == before


def test_staff_without_the_permission_or_the_sight_of_either_case_are_refused(
    duplicate, target, open_case, auditor, compliance, other_agent, agent, departments
):
    hidden = open_case(department=departments["branch_sh"])
    before = both(duplicate, target)
    with pytest.raises(PermissionDenied):
        services.merge(case=duplicate, into=target, by=auditor, version=duplicate.version)
    with pytest.raises(PermissionDenied):
        services.merge(case=duplicate, into=target, by=compliance, version=duplicate.version)
    with pytest.raises(NotFound):  # other_agent does not see cards' cases
        services.merge(case=duplicate, into=target, by=other_agent, version=duplicate.version)
    with pytest.raises(NotFound):  # agent sees the duplicate, not the target in another branch
        services.merge(case=duplicate, into=hidden, by=agent, version=duplicate.version)
    assert both(duplicate, target) == before
    assert fresh(hidden).version == hidden.version


def test_the_generic_transition_refuses_merged_and_points_to_merge(duplicate, agent):
    before = counts(duplicate)
    with pytest.raises(MergeTargetRequired) as refused:
        services.transition(case=duplicate, to=Status.MERGED, by=agent, version=duplicate.version)
    assert refused.value.code == "merge_target_required"
    assert "use merge" in refused.value.detail
    assert counts(duplicate) == before


# --- link_possible_duplicate ----------------------------------------------------------------------


def test_a_possible_duplicate_is_a_link_and_an_event_on_the_newer_case(duplicate, target):
    link = services.link_possible_duplicate(case=duplicate, other=target, score=0.8123)
    assert (link.case, link.other, link.kind, link.score, link.created_by) == (
        duplicate,
        target,
        "possible_duplicate",
        0.812,
        None,
    )
    event = CaseEvent.objects.get(kind="possible_duplicate")
    assert (event.case, event.data) == (duplicate, {"reference": target.reference, "score": 0.812})
    assert AuditEntry.objects.get(action="case.possible_duplicate").changes["other"] == target.reference
    assert fresh(duplicate).status == duplicate.status  # never merged


def test_a_person_flagging_a_duplicate_needs_to_work_both_cases(duplicate, target, agent, auditor, other_agent):
    services.link_possible_duplicate(case=duplicate, other=target, score=None, by=agent)
    assert CaseLink.objects.get().created_by == agent
    CaseLink.objects.all().delete()
    before = both(duplicate, target)
    with pytest.raises(PermissionDenied):
        services.link_possible_duplicate(case=duplicate, other=target, score=None, by=auditor)
    with pytest.raises(NotFound):
        services.link_possible_duplicate(case=duplicate, other=target, score=None, by=other_agent)
    assert both(duplicate, target) == before


def test_a_possible_duplicate_needs_two_cases_of_one_customer_and_a_sane_score(
    duplicate, target, open_case, make_customer
):
    stranger = open_case(customer=make_customer(name="李四"))
    before = both(duplicate, target)
    with pytest.raises(MergeRefused):
        services.link_possible_duplicate(case=duplicate, other=duplicate, score=1.0)
    with pytest.raises(MergeRefused):
        services.link_possible_duplicate(case=duplicate, other=stranger, score=1.0)
    with pytest.raises(InvalidInput):
        services.link_possible_duplicate(case=duplicate, other=target, score=1.5)
    assert both(duplicate, target) == before


# --- the case page ---------------------------------------------------------------------------------


def _merge(client, user, case, into, **extra):
    client.force_login(user)
    data = {"merge-version": str(fresh(case).version), "merge-into": into, "merge-note": "Same complaint.", **extra}
    return client.post(reverse("cases:merge", args=[case.reference]), data)


def test_the_page_offers_the_merge_form_and_no_generic_merged_button(client, agent, duplicate):
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[duplicate.reference])).content.decode()
    assert reverse("cases:merge", args=[duplicate.reference]) in page
    assert 'name="merge-into"' in page
    assert 'value="merged"' not in page


@pytest.mark.parametrize("persona", ["auditor", "compliance"])
def test_the_page_offers_no_merge_to_who_may_not(client, request, duplicate, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("cases:detail", args=[duplicate.reference])).content.decode()
    assert 'name="merge-into"' not in page


def test_a_resolved_case_offers_no_merge(client, agent, duplicate):
    stage(duplicate, Status.RESOLVED)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[duplicate.reference])).content.decode()
    assert 'name="merge-into"' not in page


def test_merging_from_the_page(client, agent, duplicate, target):
    response = _merge(client, agent, duplicate, f" {target.reference.lower()} ")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[duplicate.reference])
    assert fresh(duplicate).status == Status.MERGED
    [notice] = [str(m) for m in get_messages(response.wsgi_request)]
    assert target.reference in notice
    page = client.get(response["Location"]).content.decode()
    assert "Linked cases" in page
    assert f'href="{reverse("cases:detail", args=[target.reference])}"' in page
    target_page = client.get(reverse("cases:detail", args=[target.reference])).content.decode()
    assert "was merged into this case" in target_page
    assert f'href="{reverse("cases:detail", args=[duplicate.reference])}"' in target_page


@pytest.mark.parametrize(
    ("into", "expected"),
    [("CMP-2099-999999", "No case with this reference that you can see."), ("", "This field is required.")],
)
def test_an_unknown_or_missing_target_is_a_form_error(client, agent, duplicate, into, expected):
    before = counts(duplicate)
    response = _merge(client, agent, duplicate, into)
    assert response.status_code == 422
    assert expected in response.content.decode()
    assert counts(duplicate) == before


def test_a_target_the_user_may_not_see_is_the_same_form_error(client, agent, duplicate, open_case, departments):
    hidden = open_case(department=departments["branch_sh"])
    response = _merge(client, agent, duplicate, hidden.reference)
    assert response.status_code == 422
    assert "No case with this reference that you can see." in response.content.decode()
    assert fresh(duplicate).status != Status.MERGED


def test_a_refused_merge_is_shown_on_the_form(client, supervisor, duplicate, open_case, make_customer):
    stranger = open_case(customer=make_customer(name="李四"))
    before = counts(duplicate)
    response = _merge(client, supervisor, duplicate, stranger.reference)
    assert response.status_code == 422
    assert "Only cases of the same customer can be merged." in response.content.decode()
    assert counts(duplicate) == before


def test_a_stale_merge_is_refused_with_409_and_the_input_kept(client, agent, duplicate, target):
    response = _merge(client, agent, duplicate, target.reference, **{"merge-version": "99"})
    assert response.status_code == 409
    assert target.reference in response.content.decode()
    assert fresh(duplicate).status != Status.MERGED


@pytest.mark.parametrize("persona", ["auditor", "compliance"])
def test_staff_who_may_not_merge_get_403(client, request, duplicate, target, persona):
    before = counts(duplicate)
    response = _merge(client, request.getfixturevalue(persona), duplicate, target.reference)
    assert response.status_code == 403
    assert counts(duplicate) == before


def test_other_branch_gets_404(client, other_agent, duplicate, target):
    response = _merge(client, other_agent, duplicate, target.reference)
    assert response.status_code == 404
    assert fresh(duplicate).status != Status.MERGED


def test_the_linked_cases_panel_lists_possible_duplicates_both_ways(client, agent, duplicate, target):
    services.link_possible_duplicate(case=duplicate, other=target, score=0.87)
    client.force_login(agent)
    newer = client.get(reverse("cases:detail", args=[duplicate.reference])).content.decode()
    earlier = client.get(reverse("cases:detail", args=[target.reference])).content.decode()
    assert "Possible duplicate of" in newer and "(similarity 0.87)" in newer
    assert f'href="{reverse("cases:detail", args=[target.reference])}"' in newer
    assert "may be a duplicate of this case" in earlier
    assert f'href="{reverse("cases:detail", args=[duplicate.reference])}"' in earlier


def test_the_panel_does_not_name_cases_the_user_may_not_see(client, agent, duplicate, open_case, departments):
    hidden = open_case(department=departments["branch_sh"])
    services.link_possible_duplicate(case=duplicate, other=hidden, score=0.9)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[duplicate.reference])).content.decode()
    assert "Linked cases" not in page
    assert 'data-link="possible_duplicate"' not in page
