"""Helpers for the API tests: a client speaking for a user through a bearer token, and a valid body."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from safeguard.accounts.models import User
from safeguard.accounts.tokens import create_token
from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case
from safeguard.customers.models import Customer

# A Monday in a year the shipped calendars cover; every API test runs at this instant.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class ApiClient:
    """``Client`` with the token header and JSON bodies filled in."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data, headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, *, raw: str | None = None, **headers: str) -> Any:
        content = raw if raw is not None else json.dumps(body)
        return self.client.post(path, content, content_type="application/json", headers={**self.headers, **headers})

    def request(self, method: str, path: str, **headers: str) -> Any:
        return getattr(self.client, method.lower())(path, headers={**self.headers, **headers})


@pytest.fixture
def api_as() -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _token, secret = create_token(user=user)
        return ApiClient(secret)

    return make


@pytest.fixture
def case_body() -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "complaint",
            "channel": "api",
            "description": "我的信用卡被重复扣年费。",
            "subject": "Annual fee charged twice",
            "product": "credit-card",
            "category": "fees-charges",
            "customer": {
                "customer_no": "C90000001",
                "name": "王芳",
                "phone": "13900001111",
                "email": "wang.fang@example.com",
                "national_id": "110101199001011237",
            },
        }
        body.update(overrides)
        return body

    return make


@pytest.fixture
def counts() -> Callable[[], dict[str, int]]:
    """How many cases, customers and audit entries exist: bad input must leave these alone."""

    def snapshot() -> dict[str, int]:
        return {
            "cases": Case.objects.count(),
            "customers": Customer.objects.count(),
            "audit": AuditEntry.objects.count(),
        }

    return snapshot


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def open_case(customer: Any) -> Callable[..., Any]:
    """Open a case through the service, as the given user (defaults: the cards department)."""
    from safeguard.accounts.models import Department
    from safeguard.cases import services

    def make(by: User, *, department: str = "cards", **kwargs: Any) -> Any:
        values: dict[str, Any] = {
            "customer": customer,
            "type": "complaint",
            "channel": "phone",
            "description": "The ATM kept my card.",
            "department": Department.objects.get(code=department),
        }
        values.update(kwargs)
        return services.open_case(by=by, **values)

    return make
