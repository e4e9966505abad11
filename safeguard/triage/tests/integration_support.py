"""Fixtures for the triage integration tests (services, pages, API, training, routing).

Import the ones a module uses by name (``# ruff: noqa: F811`` there, since test arguments
redefine them). Every test runs at ``cases.tests.support.NOW`` with:

* model files in a temporary ``triage`` storage, the loaded-model cache emptied;
* ``SAFEGUARD_TRIAGE_ENCODER = "none"`` (TF-IDF only: fast, and no optional package needed);
* ``SAFEGUARD_TRIAGE_THRESHOLD = 0`` unless the test sets it (so a tiny model never abstains,
  and abstention is tested by raising the threshold).

``tiny_model(status=...)`` trains a real engine model on ``EXAMPLES`` (a dozen texts: credit-card
complaints about fees for ``cards``, deposit inquiries for ``branch-sh``) and stores it as a
version, in well under a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from safeguard.accounts.models import Department
from safeguard.cases import services as cases
from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW
from safeguard.triage.models import ModelVersion
from safeguard.triage.services import store, training, versions

CARD = {"type": "complaint", "product": "credit-card", "category": "fees-charges", "department": "cards"}
DEPOSIT = {"type": "inquiry", "product": "deposit", "category": "interest-rates", "department": "branch-sh"}

EXAMPLES: list[tuple[str, dict[str, str]]] = [
    ("My credit card annual fee was charged twice, refund it", CARD),
    ("You charged my credit card a late fee I never owed", CARD),
    ("Unfair credit card fee on my statement again", CARD),
    ("The credit card cash advance fee is far too high", CARD),
    ("Why was my credit card charged an overlimit fee", CARD),
    ("信用卡年费被重复扣收，请退还", CARD),
    ("信用卡收取了不合理的手续费", CARD),
    ("What interest rate does my savings deposit account earn", DEPOSIT),
    ("How do I open a fixed term deposit account", DEPOSIT),
    ("When is interest paid on my deposit account", DEPOSIT),
    ("Can I withdraw my time deposit early and what interest", DEPOSIT),
    ("请问定期存款的利率是多少", DEPOSIT),
    ("存款账户的利息什么时候支付", DEPOSIT),
]

CARD_TEXT = "My credit card annual fee was charged twice, please refund the fee"
DEPOSIT_TEXT = "What interest rate does a fixed deposit account earn"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def triage_settings(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.STORAGES = {
        **settings.STORAGES,
        "triage": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "triage"), "base_url": None},
        },
    }
    settings.SAFEGUARD_TRIAGE_ENCODER = "none"
    settings.SAFEGUARD_TRIAGE_THRESHOLD = 0.0
    store.forget()
    yield
    store.forget()


def examples(rows: list[tuple[str, dict[str, str]]] | None = None) -> list[training.Example]:
    return [training.Example(text=t, labels=dict(labels), origin="shipped") for t, labels in rows or EXAMPLES]


@pytest.fixture
def tiny_model(departments: dict[str, Department]) -> Callable[..., ModelVersion]:
    """``tiny_model(status="active", name=..., rows=...)``: a stored version trained on ``rows``."""

    def make(
        status: str = ModelVersion.Status.ACTIVE,
        name: str = "tiny",
        rows: list[tuple[str, dict[str, str]]] | None = None,
    ) -> ModelVersion:
        trained = training.train(examples(rows), encoder="none", threshold=0.0)
        return versions.store_version(
            trained, name=name, source=ModelVersion.Source.SHIPPED, status=status, by=None, encoder="none"
        )

    return make


@pytest.fixture
def make_case(customer: Any, departments: dict[str, Department]) -> Callable[..., Case]:
    """A case opened through the cases service; no product, category or department unless given."""

    def make(**overrides: Any) -> Case:
        fields: dict[str, Any] = {
            "by": None,
            "customer": customer,
            "type": "complaint",
            "channel": "phone",
            "description": CARD_TEXT,
        }
        fields.update(overrides)
        return cases.open_case(**fields)

    return make
