"""Fixtures for the cases tests: a frozen clock and a case factory.

Every test runs at ``support.NOW``. Cases are opened through ``services.open_case`` in the
``cards`` department (the ``agent``'s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from safeguard.accounts.models import Department
from safeguard.cases import services
from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def open_case(customer: Any, departments: dict[str, Department]) -> Callable[..., Case]:
    def make(**overrides: Any) -> Case:
        fields: dict[str, Any] = {
            "by": None,
            "customer": customer,
            "type": "complaint",
            "channel": "phone",
            "description": "信用卡年费被重复扣收，请退还。",
            "department": departments["cards"],
        }
        fields.update(overrides)
        return services.open_case(**fields)

    return make


@pytest.fixture
def case(open_case: Callable[..., Case]) -> Case:
    """A cn-nfra complaint in cards, acknowledged on receipt."""
    return open_case()
