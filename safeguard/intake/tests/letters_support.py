"""Helpers for the letter tests: cases under a chosen policy, decisions, a failing mail backend."""

from __future__ import annotations

from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

from safeguard.accounts.models import Department, User
from safeguard.cases import services
from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import stage

DECISION: dict[str, Any] = {
    "outcome": "upheld",
    "root_cause": "process-delay",
    "decision_basis": "Card terms and conditions, section 4.2 (annual fee waiver).",
    "reasons": "The annual fee was charged twice because of a batch error.",
    "remedies": "Reply to this e-mail if anything is unclear.",
}


def open_case(customer: Any, department: Department, **overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "by": None,
        "customer": customer,
        "type": "complaint",
        "channel": "portal",
        "description": "信用卡年费被重复扣收，请退还。",
        "department": department,
    }
    fields.update(overrides)
    return services.open_case(**fields)


def resolve(case: Case, by: User, **overrides: Any) -> Case:
    case = stage(case, Status.INVESTIGATING)
    return services.resolve(case=case, by=by, version=case.version, **{**DECISION, **overrides})


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything (an outage)."""

    calls = 0

    def send_messages(self, email_messages: Any) -> int:
        FailingBackend.calls += 1
        raise ConnectionRefusedError("mail server unreachable")
