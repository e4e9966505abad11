"""The survey comments panel: the latest comments of the period, with their scores and a link to
the case, personal data masked, only what the viewer's scope allows."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from datetime import datetime

import pytest
from django.urls import reverse

from safeguard.quality.tests.dashboard_support import (  # noqa: F401
    FEBRUARY_QUERY,
    SHANGHAI,
    answer,
    february,
    frozen,
    grant,
    scoped_viewer,
    soup,
    spread,
)
from safeguard.quality.views.dashboard.comments import COMMENT_CHARS, scrub

pytestmark = pytest.mark.django_db


def _comments(client):
    return soup(client.get(reverse("quality:dashboard"), FEBRUARY_QUERY)).select("ul.survey-comments li")


def test_the_latest_comments_of_the_period_with_score_and_case(client, supervisor, spread):
    cards = spread["cards"]
    answer(cards[0], at=february(6), comment="处理很及时，谢谢。", csat=5)
    answer(cards[1], at=february(12), comment="Waited too long.", csat=2)
    answer(cards[2], at=datetime(2026, 1, 30, 10, tzinfo=SHANGHAI), comment="January comment")
    answer(spread["branch"][0], at=february(7), comment="")  # no comment: not listed
    client.force_login(supervisor)
    items = _comments(client)
    assert [i.select_one("blockquote").get_text() for i in items] == ["Waited too long.", "处理很及时，谢谢。"]
    assert "Satisfaction 2/5" in items[0].get_text()
    assert items[0].select_one("a")["href"] == reverse("cases:detail", args=[cards[1].reference])


def test_personal_data_in_a_comment_is_masked_and_long_comments_are_cut(client, supervisor, spread):
    text = "请回电 13812345678 或写信到 zhang.wei@example.com，卡号 6222 0202 0000 1234。" + "很" * 400
    answer(spread["cards"][0], at=february(6), comment=text)
    client.force_login(supervisor)
    shown = _comments(client)[0].select_one("blockquote").get_text()
    assert "13812345678" not in shown and "zhang.wei@example.com" not in shown and "6222 0202" not in shown
    assert "z****@example.com" in shown and "1234" in shown
    assert len(shown) <= COMMENT_CHARS and shown.endswith("…")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 13812345678", "call *******5678"),
        ("id 110101199003071234", "id **************1234"),
        ("2026-02-01 was fine", "2026-02-01 was fine"),  # a date is not personal data
        ("room 301", "room 301"),
        ("me@example.org", "****@example.org"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_a_scoped_viewer_sees_only_comments_on_their_cases(client, scoped_viewer, supervisor, spread, customer):
    answer(spread["cards"][0], at=february(6), comment="cards comment")
    answer(spread["branch"][0], at=february(7), comment="branch comment")
    answer(None, at=february(8), comment="relationship comment", customer=customer)
    client.force_login(scoped_viewer)
    assert [i.select_one("blockquote").get_text() for i in _comments(client)] == ["cards comment"]
    client.force_login(supervisor)
    shown = [i.select_one("blockquote").get_text() for i in _comments(client)]
    assert shown == ["relationship comment", "branch comment", "cards comment"]
    assert "Relationship survey" in _comments(client)[0].get_text()


def test_no_panel_without_the_permission_to_read_survey_responses(client, make_user, spread):
    watcher = grant(make_user(None, username="watcher"), "quality.view_dashboard", "cases.view_case")
    answer(spread["cards"][0], at=february(6), comment="cards comment")
    client.force_login(watcher)
    html = client.get(reverse("quality:dashboard"), FEBRUARY_QUERY).content.decode()
    assert "cards comment" not in html and "Latest survey comments" not in html
