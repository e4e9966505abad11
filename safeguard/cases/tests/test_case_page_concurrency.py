"""Concurrent edits on the case page: a save from a stale page is refused with a clear notice
(409), nothing is written, and what the user typed is kept in the form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from safeguard.cases import services
from safeguard.cases.errors import StaleCase
from safeguard.cases.models import Case, CaseEvent, Message, RootCause, Status
from safeguard.cases.tests.support import counts, stage

pytestmark = pytest.mark.django_db

NOTICE = "This case changed since you opened it"


def _url(case, name):
    return reverse(f"cases:{name}", args=[case.reference])


def _stale_notice(html: str) -> str:
    found = re.search(r'<div class="stale-notice" role="alert">.*?</div>', html, re.S)
    assert found, "no stale notice"
    return found.group(0)


def test_a_reply_from_a_stale_page_is_refused_and_the_text_is_kept(client, agent, case):
    seen = case.version
    services.add_message(case=case, by=None, direction="in", body="Any news?")  # someone else's change
    before = counts(case)
    client.force_login(agent)

    response = client.post(
        _url(case, "reply"),
        {"reply-version": seen, "reply-subject": "您的投诉", "reply-body": "我们已经退还了年费。"},
    )

    assert response.status_code == 409
    html = response.content.decode()
    notice = _stale_notice(html)
    assert NOTICE in notice and f'href="{_url(case, "detail")}"' in notice  # a link to reload
    assert re.search(r'<textarea name="reply-body"[^>]*>\s*我们已经退还了年费。</textarea>', html)
    assert 'value="您的投诉"' in html
    assert "Any news?" in html  # the page shows the change the user missed
    assert "Nothing was saved: please correct" not in html  # no input error, only the conflict
    assert counts(case) == before
    assert not Message.objects.filter(direction="out").exists()
    # the kept form now carries the current version: sending it again goes through
    current = Case.objects.get(pk=case.pk).version
    assert f'name="reply-version" value="{current}"' in html
    again = client.post(_url(case, "reply"), {"reply-version": current, "reply-body": "我们已经退还了年费。"})
    assert again.status_code == 302
    assert Message.objects.filter(direction="out").count() == 1


def test_two_handlers_moving_the_same_case_the_second_gets_the_conflict_notice(client, agent, make_user, case):
    colleague = make_user("agent")
    seen = case.version
    services.transition(case=case, to=Status.INVESTIGATING, by=colleague, version=seen)  # the first one saves
    before = counts(case)
    client.force_login(agent)

    response = client.post(_url(case, "move"), {"move-version": seen, "move-to": "investigating"})

    assert response.status_code == 409
    assert NOTICE in _stale_notice(response.content.decode())
    assert 'data-status="investigating"' in response.content.decode()
    assert counts(case) == before


def test_a_stale_resolution_keeps_the_decision_and_the_redress_lines(client, agent, case):
    stage(case, Status.INVESTIGATING)
    seen = case.version
    services.add_note(case=case, by=agent, body="meanwhile")
    client.force_login(agent)
    data = {
        "resolve-version": seen,
        "resolve-outcome": "upheld",
        "resolve-root_cause": RootCause.objects.get(code="process-delay").pk,
        "resolve-decision_basis": "Card terms 4.2",
        "resolve-reasons": "年费重复扣收。",
        "resolve-remedies": "您可以申请调解。",
        "redress-TOTAL_FORMS": "3",
        "redress-INITIAL_FORMS": "0",
        "redress-0-kind": "refund",
        "redress-0-amount": "480.00",
        "redress-0-currency": "CNY",
    }
    response = client.post(_url(case, "resolve"), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert NOTICE in _stale_notice(html)
    assert "年费重复扣收。" in html and 'value="480.00"' in html
    assert Case.objects.get(pk=case.pk).status == Status.INVESTIGATING


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("note", {"note-body": "my note"}),
        ("pause", {"pause-reason": "waiting for papers"}),
        ("extend", {"extend-name": "complex", "extend-reason": "records"}),
        ("withdraw", {"withdraw-reason": "customer called"}),
        ("take", {}),
    ],
)
def test_every_form_refuses_a_stale_version(client, agent, case, name, data):
    seen = case.version
    services.add_message(case=case, by=None, direction="in", body="changed")
    before = counts(case)
    client.force_login(agent)
    response = client.post(_url(case, name), {f"{name}-version": seen, **data})
    assert response.status_code == 409
    html = response.content.decode()
    assert NOTICE in _stale_notice(html)
    for value in data.values():
        assert value in html
    assert counts(case) == before


def test_a_race_caught_by_the_service_shows_the_same_notice(client, agent, case, monkeypatch):
    # The page's version matched when the request came in, but another save won the row lock.
    def lost_the_race(**kwargs):
        raise StaleCase(expected=case.version, current=case.version + 1)

    monkeypatch.setattr(services, "add_note", lost_the_race)
    client.force_login(agent)
    response = client.post(_url(case, "note"), {"note-version": case.version, "note-body": "kept text"})
    assert response.status_code == 409
    html = response.content.decode()
    assert NOTICE in _stale_notice(html)
    assert "kept text" in html
    assert not CaseEvent.objects.filter(case=case, kind="note").exists()
