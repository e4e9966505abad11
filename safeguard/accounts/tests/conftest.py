"""Helpers for the accounts tests: signed-in clients and real TOTP codes."""

from __future__ import annotations

from binascii import unhexlify
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp

from safeguard.accounts import services
from safeguard.accounts.models import User

# A fixed instant; each test moves forward from here so TOTP steps are predictable.
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def code_for(key_hex: str, at: datetime) -> str:
    """The code an authenticator app holding ``key_hex`` shows at ``at`` (RFC 6238, as django-otp computes it)."""
    with time_machine.travel(at, tick=False):
        return f"{totp(unhexlify(key_hex)):06d}"


@pytest.fixture
def signed_in() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def enrolled(agent: User) -> tuple[User, str, list[str]]:
    """The agent with a confirmed authenticator (enrolled at T0) and backup codes."""
    key = services.new_totp_key()
    with time_machine.travel(T0, tick=False):
        _device, codes = services.enrol_totp(user=agent, key=key, token=code_for(key, T0))
    return agent, key, codes


PASSWORD = "correct horse battery staple"  # the persona fixtures' password


def login(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)
