"""The dashboard's filter: a month, a quarter or a range; anything else is a form error (400),
never a 500."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from datetime import date

import pytest
from django.urls import reverse

from safeguard.quality.forms import DashboardFilterForm
from safeguard.quality.models import Kpi
from safeguard.quality.tests.dashboard_support import frozen, soup  # noqa: F401

pytestmark = pytest.mark.django_db


def _period(query):
    form = DashboardFilterForm(_qd(query), kpis=list(Kpi.objects.filter(is_active=True)))
    assert form.is_valid(), form.errors
    return form.selected_period.start, form.selected_period.end


def _qd(query):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, value in query.items():
        data[key] = value
    return data


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (date(2026, 3, 1), date(2026, 3, 31))),  # this month (now is 2 March 2026)
        ({"month": "2026-02"}, (date(2026, 2, 1), date(2026, 2, 28))),
        ({"period": "month", "month": "2024-02"}, (date(2024, 2, 1), date(2024, 2, 29))),
        ({"period": "quarter", "quarter": "2025-Q4"}, (date(2025, 10, 1), date(2025, 12, 31))),
        ({"period": "quarter"}, (date(2026, 1, 1), date(2026, 3, 31))),
        ({"period": "custom", "from": "2026-01-15", "to": "2026-02-14"}, (date(2026, 1, 15), date(2026, 2, 14))),
        ({"from": "2026-02-01", "to": "2026-02-01"}, (date(2026, 2, 1), date(2026, 2, 1))),  # the API's names alone
    ],
)
def test_the_period_is_a_month_a_quarter_or_a_range(frozen, query, expected):
    assert _period(query) == expected


BAD = [
    ({"month": "2026-13"}, "Enter a month as YYYY-MM"),
    ({"month": "February"}, "Enter a month as YYYY-MM"),
    ({"month": "1999-12"}, "between 2000 and 2199"),
    ({"period": "quarter", "quarter": "2026-Q5"}, "Enter a quarter as YYYY-Qn"),
    ({"period": "custom", "from": "2026-02-10"}, "Enter both dates"),
    ({"period": "custom", "from": "2026-02-10", "to": "2026-02-01"}, "must not be after the end"),
    ({"period": "custom", "from": "2020-01-01", "to": "2026-01-01"}, "at most 1100 days"),  # SAFEGUARD_QUALITY_MAX_DAYS
    ({"period": "custom", "from": "2026-02-30", "to": "2026-03-01"}, "Enter a valid date"),
    ({"period": "custom", "from": "0001-01-01", "to": "2026-03-01"}, "between 2000 and 2199"),
    ({"period": "custom", "from": "9999-12-31", "to": "9999-12-31"}, "between 2000 and 2199"),
    ({"period": "year"}, "Select a valid choice"),
    ({"group_by": "customer"}, "Select a valid choice"),
    ({"kpi": "no-such-kpi"}, "Select a valid choice"),
    ({"month": "2026-02\x00"}, ""),
]


@pytest.mark.parametrize(("query", "message"), BAD)
def test_bad_filters_are_form_errors_with_status_400(client, supervisor, frozen, query, message):
    client.force_login(supervisor)
    response = client.get(reverse("quality:dashboard"), query)
    assert response.status_code == 400
    page = soup(response)
    summary = page.select_one(".error-summary[role=alert]")
    assert summary is not None
    assert message in summary.get_text()
    assert not page.select("article.kpi-tile")


@pytest.mark.parametrize("name", ["quality:trends", "quality:export_figures"])
def test_the_sections_and_the_export_refuse_bad_filters_too(client, supervisor, frozen, name):
    client.force_login(supervisor)
    response = client.get(reverse(name), {"month": "2026-13", "format": "csv"})
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_an_htmx_section_with_bad_filters_shows_the_errors_in_place(client, supervisor, frozen):
    client.force_login(supervisor)
    response = client.get(reverse("quality:breakdown"), {"month": "2026-13"}, headers={"HX-Request": "true"})
    # htmx swaps only 2xx answers: the errors come back with a 200, inside the section.
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="breakdown"')
    assert "Enter a month as YYYY-MM" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2026-02", "part": "numerator"}, "Choose a KPI from the catalogue"),
        ({"month": "2026-02", "kpi": "no-such-kpi"}, "Choose a KPI from the catalogue"),
        ({"month": "2026-02", "part": "everything"}, "Select a valid choice"),
        ({"month": "2026-02", "group_by": "customer"}, "Select a valid choice"),
        ({"month": "2026-02", "group": "credit-card"}, "Give the group together with its grouping"),
        ({"month": "2026-02", "page": "0"}, "greater than or equal to 1"),
        ({"month": "2026-02", "page": "many"}, "Enter a whole number"),
        ({"month": "2026-02", "page": "1001"}, "less than or equal to 1000"),
    ],
)
def test_bad_drill_down_filters_are_form_errors_with_status_400(client, supervisor, frozen, query, message):
    if "kpi" not in query and "Choose a KPI" not in message:
        query = {**query, "kpi": Kpi.objects.filter(is_active=True).values_list("code", flat=True).first() or "x"}
    client.force_login(supervisor)
    for name in ("quality:cases", "quality:export_cases"):
        response = client.get(reverse(name), {**query, "format": "csv"})
        assert response.status_code == 400, name
        assert message in response.content.decode()


def test_an_unknown_export_format_is_not_found(client, supervisor, frozen):
    client.force_login(supervisor)
    assert client.get(reverse("quality:export_figures"), {"format": "pdf"}).status_code == 404
