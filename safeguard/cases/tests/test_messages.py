"""Messages: the first reply meets the first response; a customer's answer resumes the investigation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safeguard.cases import services
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, Message, Status
from safeguard.cases.tests.support import NOW, counts, stage
from safeguard.core.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def _first_response(case: Case) -> CaseMilestone:
    return CaseMilestone.objects.get(case=case, milestone="first_response")


def test_the_first_outbound_message_meets_the_first_response(case, agent, frozen_time):
    frozen_time.shift(timedelta(hours=3))
    message = services.add_message(case=case, by=agent, direction="out", body="您好，我们已收到您的投诉。")
    assert message.channel == case.channel
    assert message.author == agent
    assert _first_response(case).met_at == NOW + timedelta(hours=3)
    # The queue now sorts the case by its next unmet milestone: the final response.
    final = CaseMilestone.objects.get(case=case, milestone="final_response")
    assert Case.objects.get(pk=case.pk).next_due_at == final.due_at


def test_a_later_outbound_message_does_not_move_the_first_response(case, agent, frozen_time):
    services.add_message(case=case, by=agent, direction="out", body="First reply")
    frozen_time.shift(timedelta(hours=5))
    services.add_message(case=case, by=agent, direction="out", body="Second reply")
    assert _first_response(case).met_at == NOW


def test_an_automatic_letter_is_not_a_first_response(case):
    services.add_message(case=case, by=None, direction="out", body="We received your complaint CMP-2026-000001.")
    assert _first_response(case).met_at is None
    assert CaseEvent.objects.get(case=case, kind="message_out").actor_label == "system"


def test_an_inbound_message_is_not_a_first_response(case):
    services.add_message(case=case, by=None, direction="in", body="Any news?")
    assert _first_response(case).met_at is None


def test_the_customers_answer_moves_a_case_awaiting_them_back_to_investigating(case):
    staged = stage(case, Status.AWAITING_CUSTOMER)
    services.add_message(case=staged, by=None, direction="in", body="附件是您要的账单。", channel="email")
    staged.refresh_from_db()
    assert staged.status == Status.INVESTIGATING
    move = CaseEvent.objects.get(case=case, kind="transition")
    assert move.data["from"] == "awaiting_customer" and move.data["to"] == "investigating"
    assert move.actor_label == "customer"


def test_a_message_on_a_closed_case_is_still_recorded(case):
    staged = stage(case, Status.CLOSED)
    services.add_message(case=staged, by=None, direction="in", body="I am still not happy.")
    assert Message.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


@pytest.mark.parametrize(("direction", "body"), [("sideways", "hello"), ("out", "  ")])
def test_bad_messages_are_refused_and_nothing_is_written(case, agent, direction, body):
    before = counts(case)
    with pytest.raises(InvalidInput):
        services.add_message(case=case, by=agent, direction=direction, body=body)
    assert counts(case) == before
    assert not Message.objects.exists()


def test_only_handlers_write_messages_and_notes(case, auditor, other_agent):
    with pytest.raises(PermissionDenied):
        services.add_message(case=case, by=auditor, direction="out", body="hi")
    with pytest.raises(NotFound):
        services.add_note(case=case, by=other_agent, body="peeking")
    assert not Message.objects.exists()


def test_a_note_goes_on_the_timeline_only(case, agent):
    event = services.add_note(case=case, by=agent, body="Card centre confirms a double charge.")
    assert event.kind == CaseEvent.Kind.NOTE
    assert event.note == "Card centre confirms a double charge."
    assert not Message.objects.exists()
