from datetime import timedelta

import pytest
from django.urls import reverse

from safeguard.cases import services
from safeguard.cases.models import Case

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_agent_sees_workload_and_the_cases_due_next_with_masked_customers(client, agent, open_case, customer):
    mine = open_case()
    mine = services.assign(case=mine, by=agent, version=mine.version, assignee=agent)
    overdue = open_case(received_at=mine.received_at - timedelta(days=40))
    Case.objects.filter(pk=overdue.pk).update(is_breached=True)
    client.force_login(agent)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    workload = response.context["workload"]
    assert (workload.mine_open, workload.visible_open, workload.breached) == (1, 2, 1)
    html = response.content.decode()
    assert mine.reference in html and overdue.reference in html
    assert "overdue" in html and "left" in html
    assert customer.name_masked in html
    assert "张伟" not in html  # the fixture customer's plaintext name never reaches the page


def test_agent_of_another_department_does_not_see_these_cases(client, other_agent, open_case):
    case = open_case()
    client.force_login(other_agent)
    response = client.get(reverse("home"))
    assert response.context["workload"].visible_open == 0
    assert case.reference not in response.content.decode()


def test_a_user_without_a_role_is_told_to_ask_for_one(client, nobody, open_case):
    open_case()
    client.force_login(nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "no access to cases" in response.content.decode()


def test_home_page_query_budget(client, supervisor, open_case, django_assert_max_num_queries):
    for _ in range(5):
        open_case()
    client.force_login(supervisor)
    # 1 session, 2 user, 3 permissions (user's own and through roles, one UNION), 4 workload
    # aggregate, 5 due-next list with customer/department/assignee/... joined in. Independent of the rows.
    with django_assert_max_num_queries(5):
        client.get(reverse("home"))
