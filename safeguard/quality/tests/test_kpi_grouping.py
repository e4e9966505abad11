"""Grouping by product, channel, department, branch, handler, month and week (in the institution's time
zone), the labels in both languages, drill-down to the cases of one group, and the user's scope."""

from datetime import datetime

import pytest
from django.utils import translation

from safeguard.accounts.models import Department
from safeguard.core.errors import InvalidInput
from safeguard.quality import kpis
from safeguard.quality.tests.kpi_support import (  # noqa: F401
    MAY,
    SHANGHAI,
    by_group,
    d,
    frozen,
    may,
    milestone,
    open_,
    shape,
    survey,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def spread(make_customer, departments, make_user):
    c = make_customer()
    teller = Department.objects.create(
        code="branch-sh-retail", name="Shanghai retail counter", kind="department", parent=departments["branch_sh"]
    )
    handler = make_user("agent", departments_=("branch_sh",), username="assigned_handler")
    cases = {
        "cards_phone": open_(c, may(4), department=departments["cards"], channel="phone"),
        "cards_portal": open_(c, may(12), department=departments["cards"], channel="portal", product="deposit"),
        "branch": open_(c, may(18), department=departments["branch_sh"], channel="branch", product="deposit"),
        "teller": open_(c, may(25), department=teller, channel="branch", product=None),
        "unrouted": open_(c, may(26), department=None, channel="email"),
        # in cards, but assigned to a branch handler: the handler sees it
        "assigned": shape(open_(c, may(27), department=departments["cards"], channel="phone"), assignee=handler),
        # the month boundary in Shanghai: 30 April 23:30 and 1 May 00:30 local are both 30 April in UTC
        "april_night": open_(c, datetime(2026, 4, 30, 23, 30, tzinfo=SHANGHAI), department=departments["cards"]),
        "may_night": open_(c, datetime(2026, 5, 1, 0, 30, tzinfo=SHANGHAI), department=departments["cards"]),
    }
    return {"cases": cases, "teller": teller, "handler": handler}


def test_group_by_product_channel_and_department(spread, departments):
    products = by_group(kpis.compute("complaints-received", period=MAY, group_by="product"))
    assert products == {"credit-card": (d(4), d(4), None), "deposit": (d(2), d(2), None), "-": (d(1), d(1), None)}
    channels = by_group(kpis.compute("complaints-received", period=MAY, group_by="channel"))
    assert {k: v[0] for k, v in channels.items()} == {"branch": 2, "email": 1, "phone": 3, "portal": 1}
    by_department = by_group(kpis.compute("complaints-received", period=MAY, group_by="department"))
    assert {k: v[0] for k, v in by_department.items()} == {
        str(departments["cards"].pk): 4,
        str(departments["branch_sh"].pk): 1,
        str(spread["teller"].pk): 1,
        "-": 1,
    }


def test_group_by_branch_folds_departments_into_the_branch_above_them(spread, departments):
    branches = by_group(kpis.compute("complaints-received", period=MAY, group_by="branch"))
    assert {k: v[0] for k, v in branches.items()} == {str(departments["branch_sh"].pk): 2, "-": 5}
    behind = kpis.cases_behind(
        "complaints-received", period=MAY, group_by="branch", group=str(departments["branch_sh"].pk)
    )
    assert set(behind) == {spread["cases"]["branch"], spread["cases"]["teller"]}


def test_group_by_month_and_week_uses_the_institutions_time_zone(spread):
    period = kpis.Period.parse("2026-04-01..2026-05-31")
    months = by_group(kpis.compute("complaints-received", period=period, group_by="month"))
    assert {k: v[0] for k, v in months.items()} == {"2026-04": 1, "2026-05": 7}
    weeks = by_group(kpis.compute("complaints-received", period=period, group_by="week"))
    # Thursday 30 April and Friday 1 May are in ISO week 18; 4 May starts week 19.
    assert {k: v[0] for k, v in weeks.items()} == {
        "2026-W18": 2,
        "2026-W19": 1,
        "2026-W20": 1,
        "2026-W21": 1,
        "2026-W22": 3,
    }
    april = kpis.cases_behind("complaints-received", period=period, group_by="month", group="2026-04")
    assert list(april) == [spread["cases"]["april_night"]]


def test_milestone_kpis_group_through_their_case(spread, departments):
    for name in ("cards_phone", "branch"):
        milestone(spread["cases"][name], "first_response", met_at=may(28))  # late for both
    figures = by_group(kpis.compute("first-response-24h", period=MAY, group_by="department"))
    assert figures[str(departments["cards"].pk)][1:] == (d(0), d(1))
    assert figures[str(departments["branch_sh"].pk)][1:] == (d(0), d(1))


def test_group_by_handler_is_the_cases_assignee_and_the_survey_answers_handler(spread, make_customer):
    handler = spread["handler"]
    handler.first_name, handler.last_name = "Mei", "Lin"
    handler.save()
    figures = by_group(kpis.compute("complaints-received", period=MAY, group_by="handler"))
    assert {k: v[0] for k, v in figures.items()} == {str(handler.pk): 1, "-": 6}
    labels = {f.group: f.label for f in kpis.compute("complaints-received", period=MAY, group_by="handler")}
    assert labels == {str(handler.pk): "Mei Lin", "-": "Unassigned"}
    # Survey scores by handler: the handler copied onto the answer when it was given.
    customer = make_customer()
    survey(spread["cases"]["assigned"], customer, answered=may(29), csat=5)
    survey(spread["cases"]["cards_phone"], customer, answered=may(29), csat=2)
    csat = by_group(kpis.compute("csat-mean", period=MAY, group_by="handler"))
    assert csat == {str(handler.pk): (d(5), d(5), d(1)), "-": (d(2), d(2), d(1))}
    behind = kpis.cases_behind("complaints-received", period=MAY, group_by="handler", group=str(handler.pk))
    assert list(behind) == [spread["cases"]["assigned"]]
    unassigned = kpis.cases_behind("complaints-received", period=MAY, group_by="handler", group="-")
    assert unassigned.count() == 6


def test_labels_are_in_the_active_language(spread, departments):
    with translation.override("zh-hans"):
        products = {f.group: f.label for f in kpis.compute("complaints-received", period=MAY, group_by="product")}
        branch = {f.group: f.label for f in kpis.compute("complaints-received", period=MAY, group_by="branch")}
    assert products["credit-card"] == "信用卡" and products["deposit"] == "存款与账户"
    assert branch[str(departments["branch_sh"].pk)] == "上海分行"
    with translation.override("en"):
        products = {f.group: f.label for f in kpis.compute("complaints-received", period=MAY, group_by="product")}
        total_label = total(kpis.compute("complaints-received", period=MAY)).label
    assert products["credit-card"] == "Credit cards" and products["-"] == "Not set"
    assert total_label == "All"


def test_groups_without_data_are_left_out(spread):
    figures = kpis.compute("upheld-rate", period=MAY, group_by="product")
    assert figures == []
    assert total(kpis.compute("upheld-rate", period=MAY)).value is None


def test_a_user_counts_only_the_cases_they_may_see(spread, agent, other_agent, supervisor):
    assert total(kpis.compute("complaints-received", period=MAY, user=supervisor)).value == 8 - 1  # April's out
    # cards: cards_phone, cards_portal, may_night, assigned (in cards)
    assert total(kpis.compute("complaints-received", period=MAY, user=agent)).value == 4
    # the branch and the counter below it
    assert total(kpis.compute("complaints-received", period=MAY, user=other_agent)).value == 2
    handler = spread["handler"]
    # the branch, the counter below it, and the cards case assigned to them
    assert total(kpis.compute("complaints-received", period=MAY, user=handler)).value == 3
    behind = kpis.cases_behind("complaints-received", period=MAY, user=other_agent)
    assert set(behind) == {spread["cases"]["branch"], spread["cases"]["teller"]}


def test_a_user_who_may_see_no_cases_gets_no_data(spread, nobody):
    assert total(kpis.compute("complaints-received", period=MAY, user=nobody)).value == 0
    assert total(kpis.compute("first-response-24h", period=MAY, user=nobody)).value is None
    assert not kpis.cases_behind("complaints-received", period=MAY, user=nobody).exists()


def test_drill_down_to_an_unknown_group_is_empty_not_an_error(spread):
    unknown = [("month", "2026-13"), ("week", "nonsense"), ("department", "abc"), ("product", "zzz"), ("handler", "x")]
    for group_by, group in unknown:
        behind = kpis.cases_behind("complaints-received", period=MAY, group_by=group_by, group=group)  # type: ignore[arg-type]
        assert not behind.exists()


def test_an_unknown_grouping_or_kpi_is_refused(spread):
    with pytest.raises(InvalidInput):
        kpis.compute("complaints-received", period=MAY, group_by="colour")  # type: ignore[arg-type]
    with pytest.raises(kpis.UnknownKpi):
        kpis.compute("no-such-kpi", period=MAY)
