"""Helpers for the intake API tests: a client speaking through a bearer token, a case body, and
the problem-document check (as the API's own tests have them; intake may not import ``api``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.test import Client

from safeguard.accounts.models import User
from safeguard.accounts.tokens import create_token

# A Monday in a year the shipped calendars cover (the API tests' instant).
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class ApiClient:
    """``Client`` with the token header and JSON bodies filled in."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client(enforce_csrf_checks=True)  # as a real integration: no CSRF token
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, *, raw: str | None = None, **headers: str) -> Any:
        content = raw if raw is not None else json.dumps(body)
        return self.client.post(path, content, content_type="application/json", headers={**self.headers, **headers})


def client_for(user: User | None) -> ApiClient:
    if user is None:
        return ApiClient(None)
    _token, secret = create_token(user=user)
    return ApiClient(secret)


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


def case_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/cases; ``n`` makes the customer (and so the case) distinct."""
    body: dict[str, Any] = {
        "type": "complaint",
        "channel": "api",
        "description": f"我的信用卡被重复扣年费 ({n})。",
        "subject": "Annual fee charged twice",
        "product": "credit-card",
        "category": "fees-charges",
        "customer": {
            "customer_no": f"C9{n:07d}",
            "name": "王芳",
            "phone": f"139{n:08d}",
            "email": f"wang.fang.{n}@example.com",
        },
    }
    body.update(overrides)
    return body
