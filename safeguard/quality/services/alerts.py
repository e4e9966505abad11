"""Early-warning alerts: raising them (the scan), and what compliance officers do with them.

Every write is one transaction with its audit entry. The life of an alert::

    open ──acknowledge──▶ acknowledged ──close──▶ closed
      └─────────────────close──────────────────▶

A corrective action (a free-text reference until the improvement work owns that record) may be
linked, or changed, while the alert is open or acknowledged. A closed alert is final: every
action on it is refused with ``AlertClosed``; acknowledging twice is ``IllegalAlertTransition``.
Acting needs ``quality.handle_alert`` (compliance officers); raising is the system's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeguard.accounts.models import Department, User
from safeguard.accounts.roles import Role
from safeguard.audit import services as audit
from safeguard.core.errors import Conflict, InvalidInput, PermissionDenied
from safeguard.quality.models import Alert

logger = logging.getLogger(__name__)

VIEW_PERM = "quality.view_alert"
HANDLE_PERM = "quality.handle_alert"
# The Alert columns hold 14 digits with 4 decimals.
_LARGEST = Decimal("9999999999.9999")
CORRECTIVE_ACTION_MAX = Alert._meta.get_field("corrective_action").max_length or 200


class IllegalAlertTransition(Conflict):
    """The alert's status does not allow this action (e.g. acknowledging it twice)."""

    code = "illegal_alert_transition"


class AlertClosed(IllegalAlertTransition):
    """A closed alert is final."""

    code = "alert_closed"


@dataclass(frozen=True)
class AlertDraft:
    """What the scan found, before it is an ``Alert`` row."""

    kind: str
    dimension: str
    series_key: str
    series_label: str
    method: str
    detected_on: date
    window_start: date
    window_end: date
    observed: float
    expected: float
    statistic: float
    detail: Mapping[str, Any] = field(default_factory=dict)
    case_ids: Sequence[int] = ()
    suggested_owner_id: int | None = None
    # Observed over expected unless given (a new theme divides by at least one).
    ratio: float | None = None

    @property
    def change(self) -> float:
        if self.ratio is not None:
            return self.ratio
        return self.observed / self.expected if self.expected > 0 else self.observed


def _decimal(value: float) -> Decimal:
    number = Decimal(str(round(float(value), 4))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return max(min(number, _LARGEST), -_LARGEST)


def _ensure(user: object, perm: str) -> User:
    if not isinstance(user, User) or not user.is_active or not user.has_perm(perm):
        raise PermissionDenied(
            _("You do not have permission to do this (%(permission)s).") % {"permission": perm}, permission=perm
        )
    return user


def raise_alert(*, draft: AlertDraft, now: datetime) -> tuple[Alert, bool]:
    """Store the alert unless the same one (kind, dimension, series, day) exists: returns it and
    whether it is new. Safe to call twice or from two workers at once (the unique constraint
    decides; the loser gets the stored row)."""
    lookup = {
        "kind": draft.kind,
        "dimension": draft.dimension,
        "series_key": draft.series_key[:120],
        "detected_on": draft.detected_on,
    }
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                **lookup,
                series_label=draft.series_label[:200],
                method=draft.method[:40],
                window_start=draft.window_start,
                window_end=draft.window_end,
                observed=_decimal(draft.observed),
                expected=_decimal(draft.expected),
                ratio=_decimal(draft.change),
                statistic=_decimal(draft.statistic),
                # Dates and decimals as strings: the JSON column takes only JSON types.
                detail=json.loads(json.dumps(dict(draft.detail), cls=DjangoJSONEncoder)),
                suggested_owner_id=draft.suggested_owner_id,
                created_at=now,
            )
            if draft.case_ids:
                through = Alert.cases.through
                through.objects.bulk_create(
                    [through(alert_id=alert.pk, case_id=case_id) for case_id in sorted(set(draft.case_ids))]
                )
            audit.log(
                None,
                "alert.raise",
                alert,
                changes={
                    "kind": draft.kind,
                    "dimension": draft.dimension,
                    "series": draft.series_key,
                    "method": draft.method,
                    "window": [draft.window_start, draft.window_end],
                    "observed": alert.observed,
                    "expected": alert.expected,
                    "ratio": alert.ratio,
                    "cases": len(set(draft.case_ids)),
                },
            )
    except IntegrityError:
        existing = Alert.objects.filter(**lookup).first()
        if existing is None:  # not the unique constraint after all
            raise
        return existing, False
    return alert, True


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _refuse_if_closed(alert: Alert) -> None:
    if alert.status == Alert.Status.CLOSED:
        raise AlertClosed(_("This alert is closed; it cannot be changed."), status=alert.status)


@transaction.atomic
def acknowledge(*, alert: Alert, by: object, now: datetime, note: str = "") -> Alert:
    """Someone has seen the alert and is looking into it (open → acknowledged)."""
    user = _ensure(by, HANDLE_PERM)
    alert = _locked(alert)
    _refuse_if_closed(alert)
    if alert.status != Alert.Status.OPEN:
        raise IllegalAlertTransition(_("This alert is already acknowledged."), status=alert.status)
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_by = user
    alert.acknowledged_at = now
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    changes: dict[str, Any] = {"status": {"from": Alert.Status.OPEN, "to": alert.status}}
    if note.strip():
        changes["note"] = note.strip()
    audit.log(user, "alert.acknowledge", alert, changes=changes)
    return alert


@transaction.atomic
def close(*, alert: Alert, by: object, now: datetime, note: str) -> Alert:
    """Close the alert with a note saying what was found or done (open or acknowledged → closed)."""
    user = _ensure(by, HANDLE_PERM)
    text = (note or "").strip()
    if not text:
        raise InvalidInput(_("Say why the alert is closed: what was found or done."), field="note")
    alert = _locked(alert)
    _refuse_if_closed(alert)
    source = alert.status
    alert.status = Alert.Status.CLOSED
    alert.closed_by = user
    alert.closed_at = now
    alert.note = text
    alert.save(update_fields=["status", "closed_by", "closed_at", "note"])
    audit.log(user, "alert.close", alert, changes={"status": {"from": source, "to": alert.status}, "note": text})
    return alert


@transaction.atomic
def link_corrective_action(*, alert: Alert, by: object, reference: str) -> Alert:
    """Record (or change) the corrective action taken on the alert: a reference to it."""
    user = _ensure(by, HANDLE_PERM)
    text = " ".join((reference or "").split())
    if not text:
        raise InvalidInput(_("Give the corrective action's reference."), field="reference")
    if len(text) > CORRECTIVE_ACTION_MAX:
        raise InvalidInput(
            _("The reference is too long (at most %(limit)d characters).") % {"limit": CORRECTIVE_ACTION_MAX},
            field="reference",
        )
    alert = _locked(alert)
    _refuse_if_closed(alert)
    before = alert.corrective_action
    alert.corrective_action = text
    alert.save(update_fields=["corrective_action"])
    audit.log(user, "alert.corrective_action", alert, changes={"corrective_action": {"from": before, "to": text}})
    return alert


# --- e-mail to the compliance officers -----------------------------------------------------


def compliance_officers() -> list[User]:
    """Active members of the compliance officers' group who have an e-mail address."""
    return list(
        User.objects.filter(groups__name=Role.COMPLIANCE, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def alert_url(alert: Alert) -> str:
    return settings.SAFEGUARD_PUBLIC_URL + reverse("quality:alert_detail", args=[alert.pk])


def display_label(alert: Alert, language: str | None = None) -> str:
    """The series' name in ``language`` (default: the active one)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language.startswith("zh"):
        return str(alert.detail.get("label_zh") or alert.series_label)
    return alert.series_label


def notify(alerts: Iterable[Alert]) -> int:
    """One e-mail per compliance officer listing the new alerts, in the officer's language (else
    ``LANGUAGE_CODE``). Returns how many were sent. A mail failure is logged, not raised: the
    alerts are in the inbox either way."""
    alerts = list(alerts)
    if not alerts:
        return 0
    owners = Department.objects.in_bulk([a.suggested_owner_id for a in alerts if a.suggested_owner_id])
    for a in alerts:
        if a.suggested_owner_id:
            a.suggested_owner = owners[a.suggested_owner_id]
    case_counts = {a.pk: a.cases.count() for a in alerts}
    messages = []
    for person in compliance_officers():
        with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
            language = translation.get_language() or settings.LANGUAGE_CODE
            subject = ngettext(
                "Early warning: %(count)d new alert", "Early warning: %(count)d new alerts", len(alerts)
            ) % {"count": len(alerts)}
            rows = [
                {
                    "alert": a,
                    "label": display_label(a, language),
                    "owner": a.suggested_owner.display_name(language) if a.suggested_owner else "",
                    "url": alert_url(a),
                    "cases": case_counts[a.pk],
                }
                for a in alerts
            ]
            body = render_to_string(
                "quality/alerts/email.txt",
                {"rows": rows, "inbox_url": settings.SAFEGUARD_PUBLIC_URL + reverse("quality:alerts")},
            )
        messages.append(EmailMessage(subject=subject, body=body, to=[person.email]))
    if not messages:
        return 0
    try:
        return mailers.default.send_messages(messages) or 0
    except Exception:  # the alerts are stored; do not fail the scan over mail
        logger.exception("could not send %d early-warning e-mail(s)", len(messages))
        return 0
