"""Helpers for the early-warning tests (``test_warning_*.py``, ``test_alert_*.py``).

Every DB test runs at ``NOW`` (Monday 15 June 2026, 10:00 Shanghai): the scan for that day judges
the days up to Sunday 14 June. Complaint histories are written with ``bulk_create`` (test setup:
thousands of rows through ``open_case`` would be slow, and the scan reads only ``type``,
``received_at``, ``product``, ``category``, ``department``, ``channel`` and the texts).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import time_machine

from safeguard.cases.models import Case, Category, Product
from safeguard.customers.models import Customer
from safeguard.deadlines.models import DeadlinePolicy
from safeguard.quality.models import Alert

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)
# Weekday rhythm (Monday .. Sunday) of the constructed histories.
RHYTHM = (10, 9, 9, 8, 8, 3, 2)

_refs = itertools.count(1)


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def write_cases(
    customer: Customer, per_day: dict[date, int], *, texts: tuple[str, ...] = (), **fields: Any
) -> list[Case]:
    """``per_day[d]`` complaints received on each day ``d`` (local), with ``fields`` set on each and
    descriptions taken in turn from ``texts``."""
    policy = DeadlinePolicy.objects.get(code="cn-nfra")
    text = itertools.cycle(texts or ("信用卡年费被重复扣收，请退还。",))
    rows = []
    for day, n in per_day.items():
        for i in range(n):
            number = next(_refs)
            values: dict[str, Any] = {
                "reference": f"CMP-2026-{number:06d}",
                "type": "complaint",
                "channel": "phone",
                "customer": customer,
                "description": next(text),
                "received_at": at(day, 9 + i % 8),
                "policy": policy,
            }
            values.update(fields)
            rows.append(Case(**values))
    return Case.objects.bulk_create(rows, batch_size=500)


def history(days: int, per_weekday: tuple[int, ...] = RHYTHM, *, last: date = YESTERDAY) -> dict[date, int]:
    """A flat history with a weekly rhythm: ``days`` days ending on ``last``."""
    first = last - timedelta(days=days - 1)
    return {first + timedelta(days=i): per_weekday[(first + timedelta(days=i)).weekday()] for i in range(days)}


def poisson_history(days: int, rate: float, *, seed: int, last: date = YESTERDAY) -> dict[date, int]:
    rng = np.random.default_rng(seed)
    first = last - timedelta(days=days - 1)
    weights = np.asarray(RHYTHM, dtype=float) / np.mean(RHYTHM)
    return {
        first + timedelta(days=i): int(rng.poisson(rate * weights[(first + timedelta(days=i)).weekday()]))
        for i in range(days)
    }


def product(code: str) -> Product:
    return Product.objects.get(code=code)


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def make_alert(**overrides: Any) -> Alert:
    """An open spike alert on credit cards, as the scan would raise it."""
    values: dict[str, Any] = {
        "kind": Alert.Kind.SPIKE,
        "dimension": Alert.Dimension.PRODUCT,
        "series_key": "credit-card",
        "series_label": "Credit cards",
        "method": "poisson-cusum",
        "detected_on": TODAY,
        "window_start": TODAY - timedelta(days=3),
        "window_end": YESTERDAY,
        "observed": Decimal("30"),
        "expected": Decimal("10"),
        "ratio": Decimal("3"),
        "statistic": Decimal("12.5"),
        "detail": {"label_zh": "信用卡"},
        "created_at": NOW,
    }
    values.update(overrides)
    return Alert.objects.create(**values)


# Complaint texts for the theme scan: the usual ones, and a new theme in Chinese.
USUAL_TEXTS = (
    "信用卡年费被重复扣收，请退还。",
    "网点柜台排队时间太长，等了一个多小时。",
    "手机银行一直闪退，无法查询余额。",
    "房贷利率上调没有提前通知。",
    "I was charged the annual fee on my credit card twice.",
    "The mobile app keeps logging me out.",
    "Long queue at the branch counter, I waited over an hour.",
    "The ATM swallowed my card and nobody called back.",
)
NEW_THEME_TEXTS = (
    "购买的理财产品到期后无法赎回。",
    "理财产品到期无法赎回，也没人解释。",
    "理财产品已经到期，但是赎回申请一直被拒绝。",
    "理财产品到期后赎回失败，说产品延期了。",
    "到期的理财产品无法赎回，销售时没说延期风险。",
    "理财产品到期了却赎回不了，请尽快处理。",
)
