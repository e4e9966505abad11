"""The queue's filters, search and sort, through the page (the URL is the state); bad values are
form errors, never a 500."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import NOW, stage

pytestmark = pytest.mark.django_db


def due_in(case, hours, *, breached=False):
    Case.objects.filter(pk=case.pk).update(next_due_at=NOW + timedelta(hours=hours), is_breached=breached)
    case.refresh_from_db()
    return case


@pytest.fixture
def queue(client, supervisor):
    """GET the queue as the supervisor (who sees every department); the references in page order."""
    client.force_login(supervisor)

    def get(**params):
        response = client.get(reverse("cases:queue"), params)
        assert response.status_code == 200, response.content.decode()[-2000:]
        return re.findall(r'<tr data-reference="([^"]+)"', response.content.decode())

    return get


def test_status_filter_takes_several_statuses(queue, open_case):
    received, investigating, closed = open_case(), open_case(), open_case()
    stage(investigating, Status.INVESTIGATING)
    stage(closed, Status.CLOSED)
    assert set(queue()) == {received.reference, investigating.reference}
    assert set(queue(status=["investigating", "closed"])) == {investigating.reference, closed.reference}


def test_type_and_channel(queue, open_case):
    complaint = open_case(type="complaint", channel="phone")
    feedback = open_case(type="feedback", channel="portal")
    assert queue(type="feedback") == [feedback.reference]
    assert queue(channel="phone") == [complaint.reference]
    assert queue(type="complaint", channel="portal") == []


def test_product_and_department_by_code(queue, open_case, departments):
    cards = open_case(product="credit-card")
    branch = open_case(product="deposit", department=departments["branch_sh"])
    assert queue(product="credit-card") == [cards.reference]
    assert queue(department="branch-sh") == [branch.reference]


def test_breached_yes_and_no(queue, open_case):
    breached = due_in(open_case(), -5, breached=True)
    on_track = due_in(open_case(), 50)
    assert queue(breached="yes") == [breached.reference]
    assert queue(breached="no") == [on_track.reference]


def test_due_before_a_date_counts_that_whole_day_in_the_institutions_zone(queue, open_case):
    # NOW is Monday 2026-03-02 10:00 in Shanghai.
    tuesday_late = due_in(open_case(), 37)  # Tuesday 23:00 Shanghai (15:00 UTC)
    wednesday_early = due_in(open_case(), 39)  # Wednesday 01:00 Shanghai (Tuesday 17:00 UTC)
    assert queue(due_before="2026-03-03") == [tuesday_late.reference]
    assert queue(due_before="2026-03-04") == [tuesday_late.reference, wednesday_early.reference]


def test_due_before_a_date_and_time_is_strict(queue, open_case):
    noon = due_in(open_case(), 2)  # Monday 12:00 Shanghai
    assert queue(due_before="2026-03-02 12:00") == []
    assert queue(due_before="2026-03-02T12:01") == [noon.reference]


def test_assignee_me_unassigned_and_a_named_handler(queue, open_case, supervisor, agent):
    mine = open_case(assignee=supervisor)
    agents = open_case(assignee=agent)
    nobodys = open_case()
    assert queue(assignee="me") == [mine.reference]
    assert queue(assignee=str(agent.pk)) == [agents.reference]
    assert queue(assignee="unassigned") == [nobodys.reference]


def test_vulnerable_customers_only(queue, open_case, make_customer):
    open_case()
    flagged = open_case(customer=make_customer(vulnerabilities=["bereavement"]))
    assert queue(vulnerable="yes") == [flagged.reference]


def test_search_matches_description_and_subject_whatever_the_case(queue, open_case):
    fee = open_case(description="Annual FEE charged twice on my card.")
    fraud = open_case(description="不认识的交易", subject="盗刷")
    open_case(description="Branch staff were rude.")
    assert queue(q="annual fee") == [fee.reference]
    assert queue(q="盗刷") == [fraud.reference]
    assert queue(q="100%") == []  # LIKE wildcards are taken literally


def test_search_matches_part_of_a_reference(queue, open_case):
    first, second = open_case(), open_case()
    assert queue(q=second.reference[-6:].lower()) == [second.reference]
    assert first.reference != second.reference


def test_a_whole_reference_finds_that_case_whatever_the_filters_say(queue, open_case):
    closed = stage(open_case(), Status.CLOSED)
    assert queue(q=closed.reference.lower(), type="feedback") == [closed.reference]


def test_a_whole_reference_finds_only_cases_the_user_may_see(client, other_agent, open_case):
    case = open_case()
    client.force_login(other_agent)
    response = client.get(reverse("cases:queue"), {"q": case.reference})
    assert f'data-reference="{case.reference}"' not in response.content.decode()
    assert "0 cases match" in response.content.decode()


def test_sorts_by_received_newest_or_oldest(queue, open_case):
    old = open_case(received_at=NOW - timedelta(days=3))
    new = open_case(received_at=NOW - timedelta(hours=1))
    middle = open_case(received_at=NOW - timedelta(days=1))
    assert queue(sort="newest") == [new.reference, middle.reference, old.reference]
    assert queue(sort="oldest") == [old.reference, middle.reference, new.reference]


def test_filters_combine(queue, open_case, agent, make_customer):
    hit = open_case(channel="email", customer=make_customer(vulnerabilities=["elderly"]), assignee=agent)
    hit = due_in(hit, -3, breached=True)
    due_in(open_case(channel="email", assignee=agent), -3, breached=True)  # not vulnerable
    assert queue(channel="email", breached="yes", vulnerable="yes", assignee=str(agent.pk)) == [hit.reference]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "Status"),
        ({"type": "rumour"}, "Type"),
        ({"channel": "pigeon"}, "Channel"),
        ({"product": "no-such-product"}, "Product"),
        ({"department": "nowhere"}, "Department"),
        ({"breached": "maybe"}, "Breached"),
        ({"due_before": "next tuesday"}, "Due before"),
        ({"due_before": "2026-02-30"}, "Due before"),
        ({"due_before": "9999-12-31"}, "Due before"),
        ({"assignee": "someone"}, "Assignee"),
        ({"assignee": "99999999999999999999999"}, "Assignee"),
        ({"assignee": "424242"}, "Assignee"),
        ({"vulnerable": "perhaps"}, "Customer"),
        ({"sort": "random"}, "Sort by"),
        ({"page": "0"}, "Page"),
        ({"page": "two"}, "Page"),
        ({"page": "100000"}, "Page"),
        ({"q": "fee\x00"}, "Search"),
        ({"q": "x" * 201}, "Search"),
    ],
)
def test_a_bad_value_is_a_form_error_not_a_server_error(client, agent, open_case, params, field):
    case = open_case()
    client.force_login(agent)
    response = client.get(reverse("cases:queue"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid" in html
    assert f"{field}</a>:" in html
    assert case.reference not in html


def test_htmx_gets_the_errors_in_the_results_with_a_200_so_they_are_swapped_in(client, agent):
    client.force_login(agent)
    response = client.get(reverse("cases:queue"), {"due_before": "soon"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
