"""``Idempotency-Key`` for endpoints that create things (draft-ietf-httpapi-idempotency-key-header).

A client that did not hear the answer retries with the same key; it gets the first answer
again instead of a second case. The rules:

* the key is scoped to the user and the endpoint, and remembered for
  ``settings.SAFEGUARD_IDEMPOTENCY_HOURS``;
* a retry with the same body gets the stored status and body, with ``Idempotent-Replayed: true``;
* the same key with a different body is refused (422 ``idempotency_key_reused``);
* the record is written in the same transaction as what the request created, so a retry
  finds both or neither;
* two requests racing with one key make one object. The unique constraint on
  (user, endpoint, key) is the guarantee: only one record can commit, and the loser's whole
  transaction (its case, its customer, its audit entries) rolls back, after which it answers
  with the winner's record. To spare the loser the work (and spurious conflicts on the way,
  such as the same new customer number), requests with one key also queue on a transaction-
  scoped lock first: PostgreSQL's advisory lock; SQLite's IMMEDIATE transactions already
  serialise writers.

Only successful answers are stored: a refused request wrote nothing, so a retry runs again.

Usage in an endpoint::

    return idempotency.respond(
        request, user=user, endpoint="cases.create", key=key, payload=body.model_dump(mode="json"),
        action=lambda: (201, CaseOut.from_case(services.open_case(...)).model_dump(mode="json")),
    )
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.api.models import IdempotencyRecord
from safeguard.core.errors import DomainError, InvalidInput

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200

JsonBody = dict[str, Any]
Action = Callable[[], tuple[int, JsonBody]]


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: JsonBody
    replayed: bool


def fingerprint(payload: Any) -> str:
    """A hash of the request's meaning: key order and whitespace do not matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidIdempotencyKey(
            _("The Idempotency-Key must be 1 to %(max)d printable ASCII characters.") % {"max": MAX_KEY_LENGTH},
            header=HEADER,
        )
    return key


def _window_start() -> Any:
    return timezone.now() - timedelta(hours=settings.SAFEGUARD_IDEMPOTENCY_HOURS)


def _record(*, user: User, endpoint: str, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, endpoint=endpoint, key=key).first()


def _is_current(record: IdempotencyRecord) -> bool:
    return record.created_at >= _window_start()


def _replay(record: IdempotencyRecord, request_hash: str) -> Outcome:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used with a different request. Use a new key for a new request."),
            header=HEADER,
        )
    return Outcome(status=record.status_code, body=record.response, replayed=True)


def _queue_on(*, user: User, endpoint: str, key: str) -> None:
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"{user.pk}\x00{endpoint}\x00{key}".encode()).digest()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def run(*, user: User, endpoint: str, key: str | None, payload: Any, action: Action) -> Outcome:
    """Run ``action`` at most once per (user, endpoint, key) within the window."""
    if key is None:
        with transaction.atomic():
            status, body = action()
        return Outcome(status=status, body=body, replayed=False)
    key = check_key(key)
    request_hash = fingerprint(payload)
    try:
        with transaction.atomic():
            # Queue first, then look: a request with this key that just committed is visible.
            _queue_on(user=user, endpoint=endpoint, key=key)
            record = _record(user=user, endpoint=endpoint, key=key)
            if record is not None and _is_current(record):
                return _replay(record, request_hash)
            if record is not None:  # an expired record of the same key gives way to the new request
                record.delete()
            status, body = action()
            IdempotencyRecord.objects.create(
                user=user,
                endpoint=endpoint,
                key=key,
                request_hash=request_hash,
                status_code=status,
                response=body,
                created_at=timezone.now(),
            )
    except (IntegrityError, DomainError):
        # Lost the race: another request with this key committed first and this one hit its
        # record (or something it created). Everything this one did is rolled back; answer with
        # what the winner stored. With no winner, the error stands.
        record = _record(user=user, endpoint=endpoint, key=key)
        if record is None or not _is_current(record):
            raise
        return _replay(record, request_hash)
    return Outcome(status=status, body=body, replayed=False)


def respond(
    request: HttpRequest, *, user: User, endpoint: str, key: str | None, payload: Any, action: Action
) -> JsonResponse:
    """``run`` and render the outcome as the HTTP answer (replays carry ``Idempotent-Replayed: true``)."""
    outcome = run(user=user, endpoint=endpoint, key=key, payload=payload, action=action)
    response = JsonResponse(outcome.body, status=outcome.status, json_dumps_params={"ensure_ascii": False})
    if outcome.replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def purge_expired() -> int:
    """Delete records past the window; returns how many. For a periodic task."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=_window_start()).delete()
    return deleted
