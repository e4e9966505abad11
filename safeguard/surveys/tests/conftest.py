"""Fixtures for the surveys tests: a frozen clock, decided cases, invitations.

Every test runs at ``cases.tests.support.NOW`` (Monday 2 March 2026, 10:00 in Shanghai) unless it
moves the clock with ``frozen_time``. Cases are opened in ``cards`` and decided by the ``agent``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from safeguard.accounts.models import Department, User
from safeguard.cases import services as cases
from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import NOW, stage
from safeguard.surveys.models import SurveyInvitation
from safeguard.surveys.tests.support import invited

DECISION: dict[str, Any] = {
    "outcome": "upheld",
    "root_cause": "process-delay",
    "decision_basis": "Card terms and conditions, section 4.2.",
    "reasons": "The annual fee was charged twice because of a batch error.",
    "remedies": "Reply to this e-mail if anything is unclear.",
}


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def decided_case(
    make_customer: Callable[..., Any], departments: dict[str, Department], agent: User
) -> Callable[..., Case]:
    """A complaint opened and decided now: ``decided_case(customer=..., language=..., **open_case)``."""

    def make(customer: Any = None, language: str = "en", decide: bool = True, **overrides: Any) -> Case:
        customer = customer or make_customer(preferred_language=language)
        fields: dict[str, Any] = {
            "by": None,
            "customer": customer,
            "type": "complaint",
            "channel": "phone",
            "description": "信用卡年费被重复扣收，请退还。",
            "department": departments["cards"],
        }
        fields.update(overrides)
        case = cases.open_case(**fields)
        if not decide:
            return case
        case = stage(case, Status.INVESTIGATING)
        return cases.resolve(case=case, by=agent, version=case.version, **DECISION)

    return make


@pytest.fixture
def invitation(decided_case: Callable[..., Case]) -> SurveyInvitation:
    """A pending post-case invitation (CSAT and effort) of an English-speaking customer."""
    return invited(decided_case())
