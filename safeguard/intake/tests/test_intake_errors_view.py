"""The intake errors list (``/intake/errors/``) and its Retry button, for each role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW
from safeguard.intake.models import InboundItem
from safeguard.intake.tasks import STUCK_AFTER
from safeguard.intake.tests.inbound_support import BROKEN, body, register, stored
from safeguard.intake.views import errors

Status = InboundItem.Status
LIST = reverse("intake:intake_errors")
SECRET = "张伟 13812345678 我的卡号6222020200001234被盗刷"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def channel(monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch)


def retry_url(item: InboundItem) -> str:
    return reverse("intake:intake_error_retry", args=[item.pk])


def notices(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def failed() -> InboundItem:
    return stored(
        body(description=SECRET),
        status=Status.FAILED,
        error="OperationalError: server closed the connection (at base.py:12)",
        attempts=2,
        received_at=NOW - timedelta(minutes=30),
        headers={"sender_masked": "z***@example.com", "Message-ID": "<m1@x>"},
    )


# --- who sees the list ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "supervisor", "auditor", "administrator"])
def test_staff_with_the_permission_see_the_items_without_their_content(client, request, failed, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-item="{failed.pk}"' in page
    assert "OperationalError: server closed the connection" in page
    assert "z***@example.com" in page
    assert failed.payload_sha256[:16] in page
    assert "test:inbox" in page
    # Never the payload: not decrypted, not encrypted, no part of it.
    for secret in ("张伟", "13812345678", "6222020200001234", failed.payload_enc[:40]):
        assert secret not in page


@pytest.mark.parametrize("persona", ["compliance", "nobody"])
def test_staff_without_the_permission_get_403(client, request, failed, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, failed):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_nav_links_the_list_for_those_who_may_see_it(client, agent, compliance):
    client.force_login(agent)
    assert f'href="{LIST}"' in client.get(reverse("home")).content.decode()
    client.force_login(compliance)
    assert f'href="{LIST}"' not in client.get(reverse("home")).content.decode()


# --- what the list shows ------------------------------------------------------------------------


def test_the_list_shows_failed_and_stuck_items_newest_first(client, agent, failed):
    stuck = stored(received_at=NOW - STUCK_AFTER - timedelta(minutes=1))
    just_arrived = stored(received_at=NOW - timedelta(seconds=10))
    newer_failure = stored(status=Status.FAILED, error="boom", received_at=NOW - timedelta(minutes=5))
    finished = [stored(status=s, received_at=NOW - timedelta(minutes=1)) for s in (Status.PROCESSED, Status.IGNORED)]
    rejected = stored(status=Status.REJECTED, error="invalid_input: no text", received_at=NOW - timedelta(minutes=1))
    client.force_login(agent)
    page = client.get(LIST).content.decode()
    where = [page.find(f'data-item="{item.pk}"') for item in (stuck, newer_failure, failed)]
    assert -1 not in where and where == sorted(where)  # 3, 5 and 30 minutes old
    for hidden in (just_arrived, *finished, rejected):
        assert f'data-item="{hidden.pk}"' not in page


def test_the_rejected_items_are_listed_on_request(client, agent, failed):
    rejected = stored(status=Status.REJECTED, error="invalid_input: no text")
    client.force_login(agent)
    page = client.get(LIST, {"show": "rejected"}).content.decode()
    assert f'data-item="{rejected.pk}"' in page
    assert f'data-item="{failed.pk}"' not in page
    assert "invalid_input: no text" in page


def test_an_empty_list_says_so(client, agent):
    client.force_login(agent)
    page = client.get(LIST).content.decode()
    assert "Nothing is waiting" in page


def test_the_list_is_paged_without_counting(client, agent, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(errors, "PAGE_SIZE", 3)
    items = [stored(status=Status.FAILED, error=f"e{n}", received_at=NOW - timedelta(minutes=n)) for n in range(4)]
    client.force_login(agent)
    # session + user, permissions (groups, user), one page of items (size + 1 rows), no COUNT(*)
    with django_assert_max_num_queries(6) as captured:
        first = client.get(LIST).content.decode()
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    assert [f'data-item="{i.pk}"' in first for i in items] == [True, True, True, False]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(LIST, {"page": "2"}).content.decode()
    assert [f'data-item="{i.pk}"' in second for i in items] == [False, False, False, True]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    for bad in ("0", "-1", "x"):
        assert f'data-item="{items[0].pk}"' in client.get(LIST, {"page": bad}).content.decode()


# --- retry ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "supervisor", "administrator"])
def test_staff_who_may_retry_get_the_button_and_a_retry_opens_the_case(client, request, failed, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert f'action="{retry_url(failed)}"' in client.get(LIST).content.decode()
    response = client.post(retry_url(failed), {"show": "attention", "page": "1"})
    assert (response.status_code, response["Location"]) == (302, LIST)
    item = InboundItem.objects.get(pk=failed.pk)
    case = Case.objects.get()
    assert (item.status, item.case, item.attempts) == (Status.PROCESSED, case, 3)
    assert notices(response) == [("success", f"The item was processed: it is on case {case.reference}.")]
    assert AuditEntry.objects.get(action="intake.retry").actor == user


def test_the_auditor_reads_the_list_but_may_not_retry(client, auditor, failed):
    client.force_login(auditor)
    page = client.get(LIST).content.decode()
    assert f'data-item="{failed.pk}"' in page
    assert retry_url(failed) not in page and ">Retry" not in page
    assert client.post(retry_url(failed)).status_code == 403
    item = InboundItem.objects.get(pk=failed.pk)
    assert (item.status, item.attempts) == (Status.FAILED, 2)
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="intake.retry").exists()


@pytest.mark.parametrize("persona", ["compliance", "nobody"])
def test_staff_without_the_permission_may_not_retry(client, request, failed, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(retry_url(failed)).status_code == 403
    assert InboundItem.objects.get(pk=failed.pk).attempts == 2


def test_a_retry_that_fails_again_says_why_and_keeps_the_item(client, agent, failed):
    BROKEN["on"] = True
    client.force_login(agent)
    response = client.post(retry_url(failed), {"show": "rejected", "page": "2"})
    assert response["Location"] == f"{LIST}?show=rejected&page=2"
    item = InboundItem.objects.get(pk=failed.pk)
    assert (item.status, item.attempts) == (Status.FAILED, 3)
    assert not Case.objects.exists()
    [(level, text)] = notices(response)
    assert level == "error" and text.startswith("The item failed again: Crash: worker killed")


def test_a_retry_that_is_rejected_or_ignored_says_so(client, agent):
    invalid = stored(body(invalid=True), status=Status.FAILED)
    auto = stored(body(auto_reply=True), status=Status.FAILED)
    client.force_login(agent)
    assert notices(client.post(retry_url(invalid))) == [
        ("warning", "The item was rejected: invalid_input: The description is missing.")
    ]
    client.get(LIST)  # shows (and so clears) the notice
    assert notices(client.post(retry_url(auto))) == [("info", "The item was ignored: Auto-Submitted: auto-replied")]


def test_a_finished_item_is_not_retried(client, agent):
    done = stored(status=Status.PROCESSED)
    client.force_login(agent)
    response = client.post(retry_url(done))
    assert response.status_code == 302
    assert notices(response) == [("error", "Only a failed, rejected or unprocessed item can be retried.")]
    assert InboundItem.objects.get(pk=done.pk).attempts == 0


def test_retry_answers_404_for_an_unknown_item_and_405_for_get(client, agent, failed):
    client.force_login(agent)
    assert client.post(reverse("intake:intake_error_retry", args=[failed.pk + 1000])).status_code == 404
    assert client.get(retry_url(failed)).status_code == 405
