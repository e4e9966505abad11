"""The KPI tiles: values in their units, the previous period, and each commitment's traffic light,
in words as well as colour; names in the reader's language."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Target
from safeguard.quality.tests.dashboard_support import FEBRUARY, FEBRUARY_QUERY, frozen, soup, spread  # noqa: F401
from safeguard.quality.views.dashboard.figures import MET, MISSED, NEAR, NO_DATA, format_value, light_of

pytestmark = pytest.mark.django_db


def _kpi(**fields):
    defaults = {
        "code": "test-complaints",
        "name": "Complaints received (test)",
        "name_zh": "收到的投诉（测试）",
        "definition": "Complaints received in the period.",
        "definition_zh": "期间内收到的投诉。",
        "unit": "count",
        "direction": "lower",
        "calculator": "case_count",
        "order": 0,
    }
    defaults.update(fields)
    return Kpi(**defaults)


@pytest.mark.parametrize(
    ("unit", "params", "value", "english", "chinese"),
    [
        ("percent", {}, Decimal("91.2345"), "91.2%", "91.2%"),
        ("hours", {}, Decimal("36.04"), "36.0 h", "36.0 小时"),
        ("days", {}, Decimal("3.5"), "3.5 days", "3.5 天"),
        ("count", {}, Decimal("12345"), "12,345", "12,345"),
        ("money", {"currency": "CNY"}, Decimal("1234567.5"), "CNY 1,234,567.50", "CNY 1,234,567.50"),
        ("score", {}, Decimal("4.25"), "4.3", "4.3"),
        ("rate", {}, Decimal("1.5"), "1.50", "1.50"),
        ("percent", {}, None, "No data", "无数据"),
    ],
)
def test_values_are_shown_in_their_unit(unit, params, value, english, chinese):
    kpi = _kpi(unit=unit, params=params)
    with translation.override("en"):
        assert format_value(kpi, value) == english
    with translation.override("zh-hans"):
        shown = format_value(kpi, value)
    # The Chinese catalogue is translated at the end; until then the English wording stands.
    assert shown in (english, chinese)


def _target(kpi, **fields):
    return Target(kpi=kpi, name="t", threshold=Decimal(fields.pop("threshold")), **fields)


def _evaluation(value, met):
    return kpis.Evaluation(1, FEBRUARY, None if value is None else Decimal(value), None, None, met)


@pytest.mark.parametrize(
    ("direction", "threshold", "value", "met", "light"),
    [
        ("higher", "85", "90", True, MET),
        ("higher", "85", "85", True, MET),
        ("higher", "85", "81", False, NEAR),  # within 5% of 85 (4.25 points)
        ("higher", "85", "80.75", False, NEAR),
        ("higher", "85", "80.7", False, MISSED),
        ("lower", "24", "25", False, NEAR),
        ("lower", "24", "30", False, MISSED),
        ("lower", "0", "1", False, MISSED),  # no slack around zero
        ("higher", "85", None, None, NO_DATA),
    ],
)
def test_the_traffic_light(direction, threshold, value, met, light):
    kpi = _kpi(direction=direction, unit="percent")
    assert light_of(_target(kpi, threshold=threshold), kpi, _evaluation(value, met)) == light


def test_a_change_against_a_baseline_is_judged_by_the_change(db):
    kpi = _kpi(unit="hours", direction="lower")
    target = _target(
        kpi, threshold="-20", comparison="relative", baseline_from=date(2025, 1, 1), baseline_to=date(2025, 3, 31)
    )

    def evaluation(change, met):
        return kpis.Evaluation(1, FEBRUARY, Decimal(30), None, None, met, Decimal(40), Decimal(change))

    assert light_of(target, kpi, evaluation("-25", True)) == MET
    assert light_of(target, kpi, evaluation("-19", False)) == NEAR  # within 5% of the 20 points
    assert light_of(target, kpi, evaluation("-10", False)) == MISSED


@pytest.fixture
def complaints_kpi(departments):
    kpi = _kpi()
    kpi.save()
    return kpi


def _tile(response, code):
    tile = soup(response).select_one(f'article.kpi-tile[data-kpi="{code}"]')
    assert tile is not None
    return tile


@pytest.mark.parametrize(
    ("threshold", "light", "words"),
    [("5", MET, "Met"), ("4.9", NEAR, "Missed, but close"), ("3", MISSED, "Missed")],
)
def test_each_commitment_says_whether_it_is_met_in_words(
    client, supervisor, spread, complaints_kpi, departments, threshold, light, words
):
    Target.objects.create(
        kpi=complaints_kpi, name="At most a few complaints", threshold=Decimal(threshold), owner=departments["head"]
    )
    client.force_login(supervisor)
    tile = _tile(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY), complaints_kpi.code)
    # February: three complaints in cards and two in the branch (the feedback case is not a complaint).
    assert tile.select_one('[data-field="value"]').get_text() == "5"
    item = tile.select_one("ul.commitments li")
    assert item["data-light"] == light
    assert item.select_one("strong").get_text() == words
    assert f"light-{light}" in tile["class"]
    assert "≤ 5" in item.get_text() or "≤ 4.9" in item.get_text() or "≤ 3" in item.get_text()


def test_a_commitment_without_data_is_grey_and_says_so(client, supervisor, spread, departments):
    kpi = _kpi(code="test-upheld", name="Upheld (test)", unit="percent", direction="lower", calculator="upheld_rate")
    kpi.save()
    Target.objects.create(kpi=kpi, name="Few upheld", threshold=Decimal(30), owner=departments["head"])
    client.force_login(supervisor)
    tile = _tile(client.get(reverse("quality:dashboard"), {"month": "2025-06"}), kpi.code)
    assert tile.select_one('[data-field="value"]').get_text() == "No data"
    item = tile.select_one("ul.commitments li")
    assert item["data-light"] == NO_DATA and item.select_one("strong").get_text() == "No data"


def test_a_kpi_without_a_commitment_says_so(client, supervisor, spread, complaints_kpi):
    client.force_login(supervisor)
    tile = _tile(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY), complaints_kpi.code)
    assert "No commitment set for this KPI." in tile.get_text()
    assert not [c for c in tile["class"] if c.startswith("light-")]


def test_the_previous_period_is_shown_for_comparison(client, supervisor, spread, complaints_kpi):
    client.force_login(supervisor)
    tile = _tile(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY), complaints_kpi.code)
    previous = kpis.compute(complaints_kpi, period=FEBRUARY.previous(), user=supervisor)
    expected = next(f for f in previous if f.group is None).value
    text = tile.select_one(".kpi-previous").get_text()
    assert f"Previous period: {format_value(complaints_kpi, expected)}" in text
    # Fewer complaints is better: five in February against fewer before is worse.
    assert expected is not None and expected < 5
    assert "Worse than the previous period" in text


def test_kpi_names_follow_the_language(client, supervisor, spread, complaints_kpi):
    client.force_login(supervisor)
    english = _tile(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY), complaints_kpi.code)
    assert english.select_one("h3").get_text() == "Complaints received (test)"
    chinese = _tile(
        client.get(reverse("quality:dashboard"), FEBRUARY_QUERY, headers={"Accept-Language": "zh-hans"}),
        complaints_kpi.code,
    )
    assert chinese.select_one("h3").get_text() == "收到的投诉（测试）"


def test_each_number_links_to_the_cases_behind_it(client, supervisor, spread, complaints_kpi):
    client.force_login(supervisor)
    tile = _tile(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY), complaints_kpi.code)
    link = tile.select_one('a[data-field="value"]')
    assert link["href"].startswith(reverse("quality:cases") + "?")
    assert (
        "kpi=test-complaints" in link["href"] and "from=2026-02-01" in link["href"] and "to=2026-02-28" in link["href"]
    )
    listed = soup(client.get(link["href"])).select("table.drill-down tbody tr")
    assert len(listed) == 5
