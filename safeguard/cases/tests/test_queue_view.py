"""The staff queue page: who sees what, the row, htmx partials, paging without COUNT(*), query budget."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse

from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import NOW, stage
from safeguard.cases.views import queue as queue_view

pytestmark = pytest.mark.django_db


def due_in(case, hours, *, breached=False):
    """Set the case's next deadline relative to the frozen now (test setup, not a service)."""
    Case.objects.filter(pk=case.pk).update(next_due_at=NOW + timedelta(hours=hours), is_breached=breached)
    case.refresh_from_db()
    return case


def rows(response):
    return re.findall(r'<tr data-reference="([^"]+)"', response.content.decode())


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_agent_sees_open_cases_of_their_team_nearest_deadline_first(client, agent, open_case):
    later, overdue, soon = open_case(), open_case(), open_case()
    due_in(later, 72)
    due_in(overdue, -50, breached=True)
    due_in(soon, 3)
    client.force_login(agent)

    response = client.get(reverse("cases:queue"))

    assert response.status_code == 200
    assert rows(response) == [overdue.reference, soon.reference, later.reference]
    html = response.content.decode()
    assert "2 days overdue" in html and "3 h left" in html
    assert f'href="{reverse("cases:detail", args=[soon.reference])}"' in html


def test_cases_without_a_deadline_come_last_then_by_reference(client, supervisor, open_case):
    first, second, dated = open_case(), open_case(), open_case()
    Case.objects.filter(pk__in=[first.pk, second.pk]).update(next_due_at=None)
    due_in(dated, 100)
    client.force_login(supervisor)
    assert rows(client.get(reverse("cases:queue"))) == [dated.reference, first.reference, second.reference]


def test_a_row_shows_the_masked_customer_type_channel_product_status_and_assignee(client, agent, open_case, customer):
    case = open_case(product="credit-card", channel="phone", assignee=agent)
    client.force_login(agent)
    html = client.get(reverse("cases:queue")).content.decode()
    row = html[html.index(f'data-reference="{case.reference}"') :]
    row = row[: row.index("</tr>")]
    for text in (customer.name_masked, "Complaint", "Phone", "Credit cards", case.get_status_display(), "agent"):
        assert text in row
    assert "张伟" not in html  # the plaintext name never reaches the page


def test_vulnerable_customers_are_marked_in_words(client, agent, open_case, make_customer):
    plain = open_case()
    vulnerable = open_case(customer=make_customer(vulnerabilities=["elderly"]))
    client.force_login(agent)
    html = client.get(reverse("cases:queue")).content.decode()
    marked = re.findall(r'<tr data-reference="([^"]+)" class="vulnerable">', html)
    assert marked == [vulnerable.reference]
    assert html.count("Vulnerable customer</span>") == 1
    assert plain.reference in html


def test_an_agent_does_not_see_another_departments_cases(client, other_agent, open_case):
    case = open_case()
    client.force_login(other_agent)
    response = client.get(reverse("cases:queue"))
    assert case.reference not in response.content.decode()
    assert rows(response) == []


def test_closed_cases_are_left_out_by_default_and_shown_when_asked_for(client, agent, open_case):
    open_one, closed = open_case(), open_case()
    stage(closed, Status.CLOSED)
    client.force_login(agent)
    assert rows(client.get(reverse("cases:queue"))) == [open_one.reference]
    assert rows(client.get(reverse("cases:queue"), {"status": "closed"})) == [closed.reference]


def test_a_user_without_a_role_is_told_to_ask_for_one(client, nobody, open_case):
    open_case()
    client.force_login(nobody)
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    assert "no access to cases" in response.content.decode()
    assert rows(response) == []


def test_htmx_requests_get_only_the_results_and_history_restores_get_the_whole_page(client, agent, open_case):
    case = open_case()
    client.force_login(agent)

    partial = client.get(reverse("cases:queue"), {"type": "complaint"}, headers={"HX-Request": "true"})
    restore = client.get(reverse("cases:queue"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="queue-results"')
    assert "<html" not in html and case.reference in html
    assert "HX-Request" in partial["Vary"]
    assert "<html" in restore.content.decode()


def test_the_filter_form_updates_the_table_in_place_and_pushes_the_url(client, agent):
    client.force_login(agent)
    html = client.get(reverse("cases:queue")).content.decode()
    form = html[html.index('<form method="get"') :]
    form = form[: form.index(">")]
    assert 'hx-get="/queue/"' in form
    assert 'hx-target="#queue-results"' in form
    assert 'hx-push-url="true"' in form


@pytest.fixture
def small_pages(settings):
    settings.SAFEGUARD_QUEUE_PAGE_SIZE = 2


def test_pages_hold_page_size_rows_and_links_keep_the_filters(client, agent, open_case, small_pages):
    cases = [due_in(open_case(), hours) for hours in (1, 2, 3, 4, 5)]
    client.force_login(agent)

    first = client.get(reverse("cases:queue"), {"type": "complaint"})
    last = client.get(reverse("cases:queue"), {"type": "complaint", "page": 3})

    assert rows(first) == [c.reference for c in cases[:2]]
    html = first.content.decode()
    assert 'rel="next" href="?type=complaint&amp;page=2"' in html
    assert 'rel="prev"' not in html
    assert "Showing 1–2." in html
    assert rows(last) == [cases[4].reference]
    html = last.content.decode()
    assert 'rel="next"' not in html and 'rel="prev"' in html
    assert "5 cases match." in html  # the last page knows the total without counting


def test_the_whole_queue_on_one_page_is_counted_without_another_query(client, agent, open_case):
    open_case(), open_case()
    client.force_login(agent)
    html = client.get(reverse("cases:queue")).content.decode()
    assert "2 cases match." in html
    assert reverse("cases:queue_count") not in html


def test_a_longer_queue_loads_its_count_after_the_page_with_the_same_filters(client, agent, open_case, small_pages):
    for _ in range(3):
        open_case()
    client.force_login(agent)
    html = client.get(reverse("cases:queue"), {"type": "complaint", "page": 1}).content.decode()
    assert 'hx-get="/queue/count/?type=complaint"' in html
    assert 'hx-trigger="load"' in html


def test_the_count_stops_at_the_cap(client, agent, open_case, monkeypatch):
    monkeypatch.setattr(queue_view, "COUNT_CAP", 3)
    for _ in range(4):
        open_case()
    client.force_login(agent)
    capped = client.get(reverse("cases:queue_count")).content.decode()
    assert "More than 3 cases match." in capped
    exact = client.get(reverse("cases:queue_count"), {"type": "complaint", "channel": "phone"}).content.decode()
    assert "4 cases match." not in exact and "More than 3" in exact
    assert "0 cases match." in client.get(reverse("cases:queue_count"), {"type": "feedback"}).content.decode()


def test_the_count_of_a_bad_filter_is_empty_not_an_error(client, agent):
    client.force_login(agent)
    response = client.get(reverse("cases:queue_count"), {"due_before": "whenever"})
    assert response.status_code == 200
    assert "match" not in response.content.decode()


def test_the_count_counts_only_visible_cases(client, other_agent, open_case):
    open_case()
    client.force_login(other_agent)
    assert "0 cases match." in client.get(reverse("cases:queue_count")).content.decode()


def test_a_page_past_the_end_says_so_with_a_link_back(client, agent, open_case, small_pages):
    open_case()
    client.force_login(agent)
    response = client.get(reverse("cases:queue"), {"page": 7})
    assert response.status_code == 200
    assert rows(response) == []
    assert "There are no cases on this page" in response.content.decode()


def test_supervisors_get_checkboxes_to_reassign_and_agents_do_not(client, agent, supervisor, open_case):
    case = open_case()
    client.force_login(supervisor)
    html = client.get(reverse("cases:queue")).content.decode()
    assert f'value="{case.reference}@{case.version}"' in html
    assert reverse("cases:bulk_reassign") in html
    client.force_login(agent)
    assert reverse("cases:bulk_reassign") not in client.get(reverse("cases:queue")).content.decode()


@pytest.mark.parametrize("how_many", [3, 12])
def test_queue_query_budget_does_not_grow_with_the_rows(
    client, supervisor, open_case, make_customer, django_assert_max_num_queries, how_many, small_pages
):
    for i in range(how_many):
        open_case(customer=make_customer(), product="credit-card" if i % 2 else None)
        if i % 3 == 0:
            open_case(assignee=supervisor)
    client.force_login(supervisor)
    # 1 session, 2 user, 3 assignee choices of the filter form, 4 permissions (one UNION), 5 the
    # page's ids (size + 1) and 6 their rows with customer/department/assignee/product joined,
    # 7 product and 8 department choices, 9 and 10 the assignee and department choices of the
    # reassign form. No count: the page loads that separately.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:queue"), {"sort": "due", "vulnerable": "", "q": ""})
    assert response.status_code == 200


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_a_count_that_takes_too_long_is_given_up_not_waited_for(supervisor, open_case):
    from safeguard.cases import selectors

    open_case()
    cases = selectors.visible_cases(supervisor)
    assert selectors.count_capped(cases, 10, timeout_ms=5000) == 1
    # Each row takes a second to check; the database cancels the count after 10 ms.
    slow = cases.alias(slept=RawSQL("pg_sleep(1)::text", [])).filter(slept="")
    assert selectors.count_capped(slow, 10, timeout_ms=10) is None
    assert Case.objects.count() == 1  # the transaction is still usable: the savepoint took the error
