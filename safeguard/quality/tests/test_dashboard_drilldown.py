"""The cases behind a number: masked customers, links to the case pages, the department scope
enforced again, a page at a time."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

import pytest
from django.urls import reverse

from safeguard.quality import kpis
from safeguard.quality.models import Kpi
from safeguard.quality.tests.dashboard_support import (  # noqa: F401
    FEBRUARY,
    frozen,
    scoped_viewer,
    soup,
    spread,
)
from safeguard.quality.views.dashboard import pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(departments):
    return Kpi.objects.create(
        code="test-complaints",
        name="Complaints received (test)",
        name_zh="收到的投诉（测试）",
        definition="-",
        definition_zh="-",
        unit="count",
        direction="lower",
        calculator="case_count",
    )


def _drill(client, **query):
    return client.get(reverse("quality:cases"), {"kpi": "test-complaints", "month": "2026-02", **query})


def _references(response):
    return [row["data-reference"] for row in soup(response).select("table.drill-down tbody tr")]


def test_the_list_is_the_engines_cases_newest_first_with_masked_customers(client, supervisor, spread, complaints):
    client.force_login(supervisor)
    response = _drill(client, part="numerator")
    assert response.status_code == 200
    expected = kpis.cases_behind(complaints, period=FEBRUARY, part="numerator", user=supervisor)
    newest_first = sorted(spread["cards"] + spread["branch"], key=lambda c: c.received_at, reverse=True)
    assert _references(response) == [c.reference for c in newest_first]
    assert set(_references(response)) == set(expected.values_list("reference", flat=True))
    page = soup(response)
    first = page.select_one("table.drill-down tbody tr")
    case = newest_first[0]
    assert first.select_one("a")["href"] == reverse("cases:detail", args=[case.reference])
    assert case.customer.name_masked in first.get_text()
    html = response.content.decode()
    assert "张伟" not in html and case.customer.phone_masked not in html
    assert "Cases behind: Complaints received (test)" in html


def test_a_department_scoped_viewer_sees_only_their_cases(client, scoped_viewer, spread, complaints):
    client.force_login(scoped_viewer)
    assert set(_references(_drill(client, part="numerator"))) == {c.reference for c in spread["cards"]}


def test_the_scope_is_enforced_even_if_the_engine_returned_more(client, scoped_viewer, spread, complaints, monkeypatch):
    from safeguard.cases.models import Case

    monkeypatch.setattr(pages.kpis, "cases_behind", lambda *args, **kwargs: Case.objects.all())
    client.force_login(scoped_viewer)
    shown = set(_references(_drill(client, part="numerator")))
    assert shown == {c.reference for c in [*spread["cards"], spread["january"], spread["feedback"]]}
    assert not shown & {c.reference for c in spread["branch"]}


def test_a_groups_number_lists_that_groups_cases(client, supervisor, spread, complaints, departments):
    client.force_login(supervisor)
    response = _drill(client, part="numerator", group_by="department", group=str(departments["branch_sh"].pk))
    assert set(_references(response)) == {c.reference for c in spread["branch"]}
    assert "Department: Shanghai branch" in soup(response).select_one(".drill-summary").get_text()
    response = _drill(client, part="numerator", group_by="product", group="deposit")
    assert {
        c.reference for c in spread["cards"] + spread["branch"] if c.product and c.product.code == "deposit"
    } == set(_references(response))
    assert "Product: Deposits and accounts" in soup(response).select_one(".drill-summary").get_text()


def test_pages_are_fetched_one_at_a_time(client, supervisor, spread, complaints, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    client.force_login(supervisor)
    first = _drill(client, part="numerator")
    assert len(_references(first)) == 2
    next_link = soup(first).select_one("nav.pager a[rel=next]")
    third = client.get(soup(client.get(next_link["href"])).select_one("nav.pager a[rel=next]")["href"])
    assert len(_references(third)) == 1
    assert soup(third).select_one("nav.pager a[rel=next]") is None
    assert "Showing 5–5." in third.content.decode()
    empty = _drill(client, part="numerator", page="9")
    assert empty.status_code == 200 and "There are no cases on this page." in empty.content.decode()


def test_a_figure_with_no_cases_says_so(client, supervisor, spread, complaints):
    client.force_login(supervisor)
    response = client.get(reverse("quality:cases"), {"kpi": "test-complaints", "month": "2025-06"})
    assert response.status_code == 200
    assert "No cases are behind this figure." in response.content.decode()


def test_the_drill_down_query_count_does_not_grow_with_the_rows(
    client, supervisor, spread, complaints, django_assert_max_num_queries
):
    client.force_login(supervisor)
    _drill(client)
    # 1 session, 2 user, 3 permissions, 4 the KPI catalogue, 5 the page of cases with customer,
    # product and department joined in (the engine's selection and the scope are subqueries of
    # it); the engine may read what it needs to build the selection (a few queries at most).
    with django_assert_max_num_queries(9):
        response = _drill(client)
    assert len(_references(response)) == 5
