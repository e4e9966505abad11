"""Helpers for the surveys tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup, Tag

from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW
from safeguard.surveys import services
from safeguard.surveys.models import SurveyInvitation


def invited(case: Case, now: datetime = NOW) -> SurveyInvitation:
    """``services.invite`` for a case that must be invited."""
    invitation = services.invite(case=case, now=now)
    assert invitation is not None
    return invitation


def one(html: BeautifulSoup | Tag, selector: str) -> Tag:
    found = html.select_one(selector)
    assert found is not None, selector
    return found


def text_of(response: Any) -> str:
    return str(response.content.decode())
