"""Fixtures and helpers for the dashboard and export tests (``test_dashboard*.py``, ``test_export*.py``).

Every test runs at ``NOW`` (Monday 2 March 2026, Shanghai) and looks at February 2026, which is
over. ``spread`` opens cases through ``cases.services.open_case``: three complaints in cards (the
``agent``'s department), two in the Shanghai branch, one in January (the previous period), one
feedback case, one of the cards complaints resolved. The test modules import the fixtures they
use by name.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission

from safeguard.accounts.models import User
from safeguard.accounts.roles import Role
from safeguard.cases import services
from safeguard.cases.models import Case
from safeguard.quality.kpis import Figure, Period
from safeguard.surveys.models import SurveyInvitation, SurveyResponse

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
FEBRUARY = Period(date(2026, 2, 1), date(2026, 2, 28))
FEBRUARY_QUERY = {"month": "2026-02"}


def february(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 2, day, hour, 0, tzinfo=SHANGHAI)


def grant(user: User, *codenames: str) -> User:
    """``user`` with extra permissions (``app.codename``), re-read so no permission cache is stale."""
    for name in codenames:
        app, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def scoped_viewer(make_user: Any) -> User:
    """A cards agent who was also given the dashboard (and its export): sees cards' cases only."""
    return grant(make_user(Role.AGENT, username="scoped"), "quality.view_dashboard", "quality.export_kpis")


def _resolve(case: Case, at: datetime) -> Case:
    # Test setup: the final response went out at ``at`` (the services' own paths are tested in cases).
    Case.objects.filter(pk=case.pk).update(status="resolved", resolved_at=at)
    case.refresh_from_db()
    return case


@pytest.fixture
def spread(frozen: Any, make_customer: Any, departments: Any) -> dict[str, Any]:
    cards, branch = departments["cards"], departments["branch_sh"]

    def open_(day: int, department: Any, **extra: Any) -> Case:
        fields: dict[str, Any] = {
            "by": None,
            "customer": make_customer(),
            "type": "complaint",
            "channel": "phone",
            "description": "信用卡年费被重复扣收，请退还。",
            "department": department,
            "product": "credit-card",
            "received_at": february(day) if day > 0 else datetime(2026, 1, 20, 10, tzinfo=SHANGHAI),
        }
        fields.update(extra)
        return services.open_case(**fields)

    cards_cases = [open_(3, cards), open_(10, cards, channel="portal"), open_(17, cards, product="deposit")]
    branch_cases = [open_(5, branch, channel="branch"), open_(20, branch, channel="branch", product="deposit")]
    january = open_(0, cards)
    feedback = open_(12, cards, type="feedback", channel="portal", product=None)
    _resolve(cards_cases[0], february(5))
    return {"cards": cards_cases, "branch": branch_cases, "january": january, "feedback": feedback}


def answer(
    case: Case | None, *, at: datetime, comment: str, csat: int | None = 4, customer: Any = None
) -> SurveyResponse:
    """A survey response (test setup: written directly, as the survey service would)."""
    customer = customer or case.customer  # type: ignore[union-attr]
    purpose = "case" if case is not None else "relationship"
    invitation = SurveyInvitation.objects.create(
        customer=customer,
        case=case,
        purpose=purpose,
        kinds=["csat"],
        nonce=f"n{SurveyInvitation.objects.count()}",
        language="zh-hans",
        status="answered",
        created_at=at,
        expires_at=at,
        answered_at=at,
    )
    return SurveyResponse.objects.create(
        invitation=invitation,
        customer=customer,
        case=case,
        purpose=purpose,
        answered_at=at,
        csat=csat,
        comment=comment,
        product=case.product if case else None,
        department=case.department if case else None,
        channel=case.channel if case else "",
    )


# --- reading the page ------------------------------------------------------------------------


def soup(response: Any) -> Any:
    """The page, parsed (typed ``Any``: the tests read it like a dict of tags)."""
    return BeautifulSoup(response.content.decode(), "html.parser")


def island(page: Any, element_id: str) -> Any:
    found = page.find("script", id=element_id)
    assert found is not None, f"no data island #{element_id}"
    assert found.get("type") == "application/json"
    return json.loads(found.string)


def tile_numbers(page: Any) -> dict[str, dict[str, str | None]]:
    """{KPI code: {"value", "numerator", "denominator"}} as the tiles' ``data-raw`` attributes say
    (absent parts are None; "no data" is None)."""
    found: dict[str, dict[str, str | None]] = {}
    tile: Any
    for tile in page.select("article.kpi-tile"):
        numbers: dict[str, str | None] = {"value": None, "numerator": None, "denominator": None}
        element: Any
        for element in tile.select("[data-field][data-raw]"):
            numbers[element["data-field"]] = element["data-raw"] or None
        found[tile["data-kpi"]] = numbers
    return found


def table_numbers(table: Any) -> dict[str, dict[str, str | None]]:
    """{group key: {"value", "numerator", "denominator"}} of a figures table (groups with no data left out)."""
    found: dict[str, dict[str, str | None]] = {}
    row: Any
    for row in table.select("tbody tr[data-group]"):
        numbers: dict[str, str | None] = {"value": None, "numerator": None, "denominator": None}
        cells: Any = row.select("[data-field][data-raw]")
        if not cells:
            continue
        for element in cells:
            numbers[element["data-field"]] = element["data-raw"] or None
        found[row["data-group"]] = numbers
    return found


def as_raw(figure: Figure | None) -> dict[str, str | None]:
    if figure is None:
        return {"value": None, "numerator": None, "denominator": None}

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {"value": text(figure.value), "numerator": text(figure.numerator), "denominator": text(figure.denominator)}


def total(figures: list[Figure]) -> Figure | None:
    return next((f for f in figures if f.group is None), None)
