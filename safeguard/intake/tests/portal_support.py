"""Helpers for the portal and tracking tests: the frozen instant, a clean slate, form data.

Test modules import the fixtures they use (``from safeguard.intake.tests.portal_support import
clean_slate_fixture, frozen_time_fixture``) so the rate-limit cache and the SMS outbox start empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW
from safeguard.core import sms

__all__ = ["NOW", "clean_slate_fixture", "frozen_time_fixture"]


@pytest.fixture(autouse=True, name="clean_slate")
def clean_slate_fixture() -> Iterator[None]:
    """Rate-limit counters live in the cache; text messages in the locmem outbox."""
    cache.clear()
    sms.outbox.clear()
    yield
    cache.clear()
    sms.outbox.clear()


@pytest.fixture(autouse=True, name="frozen_time")
def frozen_time_fixture() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def portal_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "complaint",
        "name": "李娜",
        "phone": "",
        "email": "li.na@example.com",
        "preferred_channel": "",
        "product": "",
        "description": "信用卡年费被重复扣收，请退还。",
        "desired_outcome": "退还重复扣收的年费。",
        "website": "",
    }
    data.update(overrides)
    return data


def submit(client: Client, **overrides: Any) -> Case:
    """Submit the portal form and return the case it opened."""
    response = client.post(reverse("intake:portal"), portal_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.order_by("-id").first()  # type: ignore[return-value]


_CODE = re.compile(r"(?<![-\d])(\d{6})(?![-\d])")


def last_code() -> str:
    """The code in the last e-mail or text message sent."""
    found = _CODE.search(str(mail.outbox[-1].body) if mail.outbox else sms.outbox[-1].body)
    assert found
    return found.group(1)


def start_tracking(client: Client, reference: str) -> str:
    """Ask for a code for ``reference``; returns the code sent."""
    mail.outbox.clear()
    sms.outbox.clear()
    response = client.post(reverse("intake:track"), {"reference": reference})
    assert response.status_code == 302
    return last_code()


def open_tracking(client: Client, reference: str) -> None:
    """Ask for a code and enter it: the client now follows the case."""
    code = start_tracking(client, reference)
    response = client.post(reverse("intake:track_verify"), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("intake:track_case")


_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+|("X-CSRFToken": ")[^"]+')


def without_csrf(html: str) -> str:
    """The page with its per-response CSRF tokens blanked, to compare two answers."""
    return _CSRF.sub(lambda m: m.group(1) or m.group(2), html)
