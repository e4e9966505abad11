"""Signed webhooks: the signature is the credential, a replay is never processed twice, and each
source's reference opens one case.

The endpoint tests are transactional: ``inbound.receive`` commits the raw item on its own, as it
must in production, and refuses to run inside a test's wrapping transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, Channel
from safeguard.customers import crypto
from safeguard.intake import inbound, webhooks
from safeguard.intake.models import InboundItem, WebhookSource
from safeguard.intake.tests.api_support import NOW, assert_problem

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SOCIAL = "weibo-monitor"
REGULATOR = "nfra-referrals"
NOW_TS = int(NOW.timestamp())


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def social(db: Any) -> tuple[WebhookSource, str]:
    return webhooks.create_source(code=SOCIAL, name="Weibo monitor", kind="social", by=None)


@pytest.fixture
def regulator(db: Any) -> tuple[WebhookSource, str]:
    return webhooks.create_source(
        code=REGULATOR, name="NFRA referrals", kind="regulator", by=None, tolerance_seconds=60
    )


def post_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_reference": "post-4471",
        "type": "complaint",
        "customer": {"name": "李雷", "phone": "13800138000", "email": "li.lei@example.com"},
        "description": "信用卡被盗刷，客服电话一直打不通。",
        "url": "https://weibo.example/post/4471",
    }
    body.update(overrides)
    return body


def referral_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "complaint",
        "customer": {"name": "韩梅梅", "phone": "13900139000"},
        "description": "理财产品销售时未充分揭示风险。",
        "regulator_reference": "NFRA-2026-00077",
        "regulator_deadline": "2026-03-20T00:00:00+08:00",
    }
    body.update(overrides)
    return body


def deliver(
    code: str,
    secret: str,
    body: Any,
    *,
    timestamp: int = NOW_TS,
    delivery: str | None = "d-0001",
    raw: bytes | None = None,
    signature: str | None = None,
    omit: tuple[str, ...] = (),
) -> Any:
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    headers = {
        webhooks.TIMESTAMP_HEADER: str(timestamp),
        webhooks.SIGNATURE_HEADER: signature if signature is not None else webhooks.sign(secret, timestamp, data),
    }
    if delivery is not None:
        headers[webhooks.DELIVERY_HEADER] = delivery
    for name in omit:
        headers.pop(name)
    return Client(enforce_csrf_checks=True).post(
        f"/api/v1/webhooks/{code}", data, content_type="application/json", headers=headers
    )


# --- accepted -----------------------------------------------------------------------------------


@transactional
def test_a_signed_post_is_stored_and_opens_a_case_with_the_sources_reference(social):
    _source, secret = social
    response = deliver(SOCIAL, secret, post_body())
    assert response.status_code == 202, response.content
    answer = response.json()
    item = InboundItem.objects.get()
    case = Case.objects.get()
    assert answer == {"item": item.pk, "status": "processed", "case": case.reference, "error": None, "replayed": False}
    assert (item.status, item.case, item.source, item.channel) == ("processed", case, "webhook:weibo-monitor", "social")
    assert item.external_id == "d-0001"
    assert item.headers["delivery"] == "d-0001" and item.headers["timestamp"] == str(NOW_TS)
    assert inbound.payload(item) == json.dumps(post_body(), ensure_ascii=False).encode()
    assert (case.channel, case.external_source, case.external_reference) == (Channel.SOCIAL, SOCIAL, "post-4471")
    assert case.description.startswith("信用卡被盗刷") and "https://weibo.example/post/4471" in case.description
    assert case.external_due_at is None


@transactional
def test_a_regulator_referral_keeps_the_regulators_reference_and_deadline(regulator):
    _source, secret = regulator
    response = deliver(REGULATOR, secret, referral_body())
    assert response.status_code == 202, response.content
    case = Case.objects.get()
    assert case.channel == Channel.REGULATOR
    assert (case.external_source, case.external_reference) == (REGULATOR, "NFRA-2026-00077")
    assert case.external_due_at == datetime(2026, 3, 19, 16, 0, tzinfo=UTC)
    assert response.json()["case"] == case.reference


# --- refused ------------------------------------------------------------------------------------


@transactional
def test_a_wrong_signature_is_401_and_stores_nothing(social):
    _source, secret = social
    response = deliver(SOCIAL, "whsec_not-the-secret", post_body())
    assert_problem(response, 401, "invalid_signature")
    tampered = deliver(
        SOCIAL, secret, None, raw=b'{"tampered": true}', signature=webhooks.sign(secret, NOW_TS, b'{"original": 1}')
    )
    assert_problem(tampered, 401, "invalid_signature")
    assert not InboundItem.objects.exists() and not Case.objects.exists()


@transactional
@pytest.mark.parametrize("header", [webhooks.TIMESTAMP_HEADER, webhooks.SIGNATURE_HEADER])
def test_a_missing_header_is_401(social, header):
    _source, secret = social
    assert_problem(deliver(SOCIAL, secret, post_body(), omit=(header,)), 401, "invalid_signature")
    assert not InboundItem.objects.exists()


@transactional
@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_a_timestamp_outside_the_window_is_401_even_when_signed(social, skew):
    _source, secret = social
    problem = assert_problem(deliver(SOCIAL, secret, post_body(), timestamp=NOW_TS + skew), 401, "stale_timestamp")
    assert problem["tolerance_seconds"] == 300
    assert not InboundItem.objects.exists()


@transactional
def test_the_window_is_the_sources_own(regulator):
    _source, secret = regulator  # 60 seconds
    assert_problem(deliver(REGULATOR, secret, referral_body(), timestamp=NOW_TS - 61), 401, "stale_timestamp")
    assert deliver(REGULATOR, secret, referral_body(), timestamp=NOW_TS - 60).status_code == 202


@transactional
def test_an_unknown_or_inactive_source_gets_the_same_answer_as_a_bad_signature(social):
    source, secret = social
    unknown = deliver("no-such-source", secret, post_body())
    WebhookSource.objects.filter(pk=source.pk).update(is_active=False)
    inactive = deliver(SOCIAL, secret, post_body())
    for response in (unknown, inactive):
        problem = assert_problem(response, 401, "invalid_signature")
        assert problem["detail"] == assert_problem(deliver(SOCIAL, "wrong", post_body()), 401)["detail"]
    assert not InboundItem.objects.exists()


@transactional
def test_a_body_over_the_limit_is_413_and_stores_nothing(social, settings):
    _source, secret = social
    settings.SAFEGUARD_WEBHOOK_MAX_BYTES = 200
    response = deliver(SOCIAL, secret, post_body(description="长" * 200))
    assert_problem(response, 413, "request_too_large")
    assert not InboundItem.objects.exists()


@transactional
def test_the_old_secret_stops_working_when_rotated(social):
    source, secret = social
    new_secret = webhooks.rotate_secret(source=source, by=None)
    assert new_secret != secret
    assert_problem(deliver(SOCIAL, secret, post_body()), 401, "invalid_signature")
    assert deliver(SOCIAL, new_secret, post_body()).status_code == 202


# --- replays ------------------------------------------------------------------------------------


@transactional
def test_a_replayed_delivery_is_answered_with_the_first_result_and_not_processed_again(social, frozen_time):
    _source, secret = social
    first = deliver(SOCIAL, secret, post_body())
    frozen_time.shift(timedelta(seconds=30))
    # The same delivery id, even re-signed with a fresh timestamp (a sender's retry).
    again = deliver(SOCIAL, secret, post_body(), timestamp=NOW_TS + 30)
    assert again.status_code == 200, again.content
    assert again.json() == {**first.json(), "replayed": True}
    assert InboundItem.objects.count() == 1 and Case.objects.count() == 1
    assert InboundItem.objects.get().attempts == 1


@transactional
def test_without_a_delivery_id_the_signature_recognises_a_replay(social):
    _source, secret = social
    first = deliver(SOCIAL, secret, post_body(), delivery=None)
    again = deliver(SOCIAL, secret, post_body(), delivery=None)
    assert (first.status_code, again.status_code) == (202, 200)
    item = InboundItem.objects.get()
    assert item.external_id == webhooks.sign(secret, NOW_TS, json.dumps(post_body(), ensure_ascii=False).encode())
    assert Case.objects.count() == 1


@transactional
def test_a_new_delivery_of_the_same_reference_returns_the_case_already_opened(social):
    _source, secret = social
    first = deliver(SOCIAL, secret, post_body(), delivery="d-0001")
    second = deliver(SOCIAL, secret, post_body(description="再发一次"), delivery="d-0002")
    assert first.status_code == second.status_code == 202
    assert second.json()["case"] == first.json()["case"]
    assert Case.objects.count() == 1
    assert list(InboundItem.objects.values_list("status", flat=True)) == ["processed", "processed"]


# --- invalid bodies ------------------------------------------------------------------------------


@transactional
@pytest.mark.parametrize(
    ("body", "raw", "reason"),
    [
        (post_body(customer={"phone": "13800138000"}), None, "customer.name"),
        (post_body(external_reference="", regulator_reference=""), None, "external_reference"),
        (post_body(regulator_deadline="next friday"), None, "regulator_deadline"),
        (None, b"not json at all", "JSON"),
    ],
)
def test_an_invalid_body_is_kept_rejected_with_the_reason(social, body, raw, reason):
    _source, secret = social
    response = deliver(SOCIAL, secret, body, raw=raw)
    assert response.status_code == 202, response.content
    item = InboundItem.objects.get()
    assert item.status == InboundItem.Status.REJECTED and reason in item.error
    assert response.json()["status"] == "rejected" and reason in response.json()["error"]
    assert response.json()["case"] is None
    assert not Case.objects.exists()


@transactional
def test_a_bad_delivery_id_is_422(social):
    _source, secret = social
    assert_problem(deliver(SOCIAL, secret, post_body(), delivery="x" * 201), 422, "invalid_delivery_id")
    assert not InboundItem.objects.exists()


# --- processing without HTTP ---------------------------------------------------------------------


def _stored(code: str, body: Any, external_id: str) -> InboundItem:
    data = json.dumps(body, ensure_ascii=False).encode()
    return InboundItem.objects.create(
        channel="social",
        source=f"webhook:{code}",
        external_id=external_id,
        payload_enc=crypto.encrypt_bytes(data, field=inbound.PAYLOAD_FIELD),
        payload_size=len(data),
        payload_sha256="0" * 64,
        received_at=NOW,
    )


@pytest.mark.django_db
def test_a_case_opened_meanwhile_by_another_delivery_is_returned(social, monkeypatch):
    # Two deliveries of one reference processed at once: the loser's insert hits the unique
    # constraint and it returns the winner's case.
    winner = inbound.process(_stored(SOCIAL, post_body(), "d-1").pk)
    monkeypatch.setattr(webhooks, "_existing", _first_misses(webhooks._existing))
    loser = inbound.process(_stored(SOCIAL, post_body(), "d-2").pk)
    assert loser.status == InboundItem.Status.PROCESSED
    assert loser.case == winner.case and Case.objects.count() == 1


def _first_misses(real: Any) -> Any:
    calls: list[int] = []

    def existing(code: str, reference: str) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else real(code, reference)

    return existing


@pytest.mark.django_db
def test_an_integrity_error_not_from_the_reference_still_fails_the_item(social, monkeypatch):
    def broken(**kwargs: Any) -> Any:
        raise IntegrityError("something else")

    monkeypatch.setattr(webhooks, "submit", broken)
    item = inbound.process(_stored(SOCIAL, post_body(), "d-1").pk)
    assert item.status == InboundItem.Status.FAILED and "IntegrityError" in item.error


@pytest.mark.django_db
def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    # The documented example (docs/api.md), so senders can check their implementation.
    assert webhooks.sign("whsec_example", 1772416800, b'{"a":1}') == (
        "sha256=" + __import__("hmac").new(b"whsec_example", b'1772416800.{"a":1}', "sha256").hexdigest()
    )


# --- secrets and the commands --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted_and_never_audited(social):
    source, secret = social
    source.refresh_from_db()
    assert secret not in source.secret_enc and webhooks.secret_of(source) == secret
    entry = AuditEntry.objects.get(action="webhook_source.create")
    assert secret not in json.dumps(entry.changes)


@pytest.mark.django_db
def test_the_commands_print_only_the_secret(db):
    out, err = StringIO(), StringIO()
    call_command("create_webhook_source", "xhs-monitor", "--name", "小红书", "--kind", "social", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    source = WebhookSource.objects.get(code="xhs-monitor")
    assert webhooks.secret_of(source) == secret and secret.startswith("whsec_")
    assert secret not in err.getvalue()
    out = StringIO()
    call_command("rotate_webhook_secret", "xhs-monitor", stdout=out, stderr=StringIO())
    source.refresh_from_db()
    assert webhooks.secret_of(source) == out.getvalue().strip() != secret
    assert AuditEntry.objects.filter(action="webhook_source.rotate_secret").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["weibo-monitor", "--name", "x", "--kind", "social"], "exists already"),
        (["Not A Slug!", "--name", "x", "--kind", "social"], "code"),
        (["fresh", "--name", "x", "--kind", "social", "--tolerance", "0"], "tolerance"),
    ],
)
def test_create_refuses_clearly(social, args, message):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("create_webhook_source", *args, stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_rotate_refuses_an_unknown_source(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no webhook source"):
        call_command("rotate_webhook_secret", "nope", stdout=StringIO(), stderr=StringIO())


# --- the admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_never_shows_the_secret(admin_client, social):
    from django.urls import reverse

    source, secret = social
    pages = [
        admin_client.get(reverse("admin:intake_webhooksource_changelist")),
        admin_client.get(reverse("admin:intake_webhooksource_change", args=[source.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert SOCIAL in text and secret not in text and source.secret_enc not in text
    assert admin_client.get(reverse("admin:intake_webhooksource_add")).status_code == 403


@pytest.mark.django_db
def test_the_admin_changes_the_settings_audited_and_keeps_the_secret(admin_client, social):
    from django.urls import reverse

    source, secret = social
    url = reverse("admin:intake_webhooksource_change", args=[source.pk])
    form = {"name": "Weibo monitor", "kind": "social", "tolerance_seconds": "120", "is_active": ""}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    source.refresh_from_db()
    assert (source.tolerance_seconds, source.is_active) == (120, False)
    assert webhooks.secret_of(source) == secret
    entry = AuditEntry.objects.get(action="webhooksource.change")
    assert entry.changes["tolerance_seconds"] == {"from": 300, "to": 120}
