"""Extensions follow the policy: "special" needs a senior approver and a notice to the customer."""

from __future__ import annotations

from datetime import datetime

import pytest

from safeguard.cases import services
from safeguard.cases.errors import AlreadyExtended, ExtensionNeedsApproval, ExtensionNeedsNotice
from safeguard.cases.models import CaseEvent, CaseMilestone, Extension
from safeguard.cases.tests.support import SHANGHAI, counts
from safeguard.core.errors import PermissionDenied
from safeguard.deadlines.errors import UnknownExtension

pytestmark = pytest.mark.django_db

ORIGINAL = datetime(2026, 3, 17, 23, 59, 59, tzinfo=SHANGHAI)  # 2 March + 15 days


def _final(case):
    return CaseMilestone.objects.get(case=case, milestone="final_response").due_at


def test_a_complex_case_is_extended_to_30_days(case, agent):
    extension = services.extend_deadline(
        case=case, by=agent, name="complex", reason="Needs the card network's records."
    )
    # 2 March + 30 days = 1 April, a Wednesday
    assert _final(case) == datetime(2026, 4, 1, 23, 59, 59, tzinfo=SHANGHAI)
    assert extension.approved_by == agent
    assert extension.notice_sent_at is None
    event = CaseEvent.objects.get(case=case, kind="deadline_extended")
    assert datetime.fromisoformat(event.data["old_due"]) == ORIGINAL
    assert datetime.fromisoformat(event.data["new_due"]) == datetime(2026, 4, 1, 23, 59, 59, tzinfo=SHANGHAI)


def test_special_extension_needs_an_approver(case, agent):
    before = counts(case)
    with pytest.raises(ExtensionNeedsApproval):
        services.extend_deadline(case=case, by=agent, name="special", reason="Abroad merchant", notice_sent=True)
    assert counts(case) == before
    assert _final(case) == ORIGINAL


def test_special_extension_cannot_be_approved_by_the_requester(case, supervisor):
    with pytest.raises(ExtensionNeedsApproval):
        services.extend_deadline(
            case=case, by=supervisor, name="special", reason="x", approver=supervisor, notice_sent=True
        )
    assert not Extension.objects.exists()


def test_special_extension_cannot_be_approved_by_another_agent(case, agent, make_user):
    colleague = make_user("agent")
    with pytest.raises(ExtensionNeedsApproval):
        services.extend_deadline(case=case, by=agent, name="special", reason="x", approver=colleague, notice_sent=True)


def test_special_extension_needs_the_customer_told_first(case, agent, supervisor):
    with pytest.raises(ExtensionNeedsNotice):
        services.extend_deadline(case=case, by=agent, name="special", reason="x", approver=supervisor)
    assert _final(case) == ORIGINAL


def test_special_extension_with_approval_and_notice_moves_the_deadline_to_60_days(case, agent, compliance):
    extension = services.extend_deadline(
        case=case,
        by=agent,
        name="special",
        reason="The merchant abroad must answer through the card scheme.",
        approver=compliance,
        notice_sent=True,
    )
    # 2 March + 60 days = 1 May, Labour Day holiday (1-5 May 2026): moves to Wednesday 6 May
    assert _final(case) == datetime(2026, 5, 6, 23, 59, 59, tzinfo=SHANGHAI)
    assert extension.requested_by == agent
    assert extension.approved_by == compliance
    assert extension.notice_sent_at is not None
    case.refresh_from_db()
    assert case.extension == "special"


def test_the_same_extension_twice_is_refused(case, agent):
    services.extend_deadline(case=case, by=agent, name="complex", reason="x")
    with pytest.raises(AlreadyExtended):
        services.extend_deadline(case=case, by=agent, name="complex", reason="x")


def test_an_extension_the_policy_does_not_have_is_refused(case, agent):
    with pytest.raises(UnknownExtension):
        services.extend_deadline(case=case, by=agent, name="forever", reason="x")
    assert not Extension.objects.exists()


def test_the_auditor_cannot_extend(case, auditor):
    with pytest.raises(PermissionDenied):
        services.extend_deadline(case=case, by=auditor, name="complex", reason="x")
