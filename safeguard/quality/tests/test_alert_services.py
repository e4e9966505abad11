"""What compliance officers do with an alert, and raising one: each audited, illegal moves refused."""

# The fixtures come from warning_support (imported by name, so test arguments redefine them).

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.core.errors import InvalidInput, PermissionDenied
from safeguard.quality.models import Alert
from safeguard.quality.services import alerts as services
from safeguard.quality.services.alerts import AlertClosed, AlertDraft, IllegalAlertTransition
from safeguard.quality.tests.warning_support import NOW, TODAY, YESTERDAY, frozen, make_alert  # noqa: F401

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=2)


def _entries(alert, action):
    return list(AuditEntry.objects.filter(action=action, object_type="quality.alert", object_id=str(alert.pk)))


def _snapshot(alert):
    row = Alert.objects.get(pk=alert.pk)
    return (
        row.status,
        row.note,
        row.corrective_action,
        row.acknowledged_by_id,
        row.closed_by_id,
        AuditEntry.objects.count(),
    )


def test_acknowledging_an_open_alert_records_who_and_when(compliance):
    alert = make_alert()

    services.acknowledge(alert=alert, by=compliance, now=LATER, note="Looking into it with cards.")

    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.acknowledged_at) == (compliance, LATER)
    [entry] = _entries(alert, "alert.acknowledge")
    assert entry.actor == compliance
    assert entry.changes == {"status": {"from": "open", "to": "acknowledged"}, "note": "Looking into it with cards."}


def test_acknowledging_twice_is_refused_and_writes_nothing(compliance):
    alert = make_alert()
    services.acknowledge(alert=alert, by=compliance, now=LATER)
    before = _snapshot(alert)

    with pytest.raises(IllegalAlertTransition) as refused:
        services.acknowledge(alert=alert, by=compliance, now=LATER)

    assert refused.value.code == "illegal_alert_transition"
    assert _snapshot(alert) == before


@pytest.mark.parametrize("start", [Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
def test_closing_needs_a_note_and_records_it(compliance, start):
    alert = make_alert(status=start)

    services.close(alert=alert, by=compliance, now=LATER, note="Fee system fixed on 14 June; refunds made.")

    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED
    assert (alert.closed_by, alert.closed_at) == (compliance, LATER)
    assert alert.note == "Fee system fixed on 14 June; refunds made."
    [entry] = _entries(alert, "alert.close")
    assert entry.changes["status"] == {"from": str(start), "to": "closed"}


def test_closing_without_a_note_is_refused(compliance):
    alert = make_alert()
    before = _snapshot(alert)

    with pytest.raises(InvalidInput) as refused:
        services.close(alert=alert, by=compliance, now=LATER, note="   ")

    assert refused.value.extra == {"field": "note"}
    assert _snapshot(alert) == before


@pytest.mark.parametrize(
    "action",
    [
        lambda alert, user: services.acknowledge(alert=alert, by=user, now=LATER),
        lambda alert, user: services.close(alert=alert, by=user, now=LATER, note="again"),
        lambda alert, user: services.link_corrective_action(alert=alert, by=user, reference="CA-2026-7"),
    ],
    ids=["acknowledge", "close", "corrective_action"],
)
def test_a_closed_alert_is_final(compliance, action):
    alert = make_alert()
    services.close(alert=alert, by=compliance, now=LATER, note="Not a real rise: a bulk import.")
    before = _snapshot(alert)

    with pytest.raises(AlertClosed) as refused:
        action(alert, compliance)

    assert refused.value.code == "alert_closed"
    assert refused.value.status == 409
    assert _snapshot(alert) == before


def test_a_corrective_action_is_linked_and_may_be_changed_until_closed(compliance):
    alert = make_alert()

    services.link_corrective_action(alert=alert, by=compliance, reference="  CA-2026-0007 ")
    services.link_corrective_action(alert=alert, by=compliance, reference="CA-2026-0008")

    alert.refresh_from_db()
    assert alert.corrective_action == "CA-2026-0008"
    assert alert.status == Alert.Status.OPEN
    changes = [e.changes["corrective_action"] for e in _entries(alert, "alert.corrective_action")]
    assert changes == [{"from": "", "to": "CA-2026-0007"}, {"from": "CA-2026-0007", "to": "CA-2026-0008"}]


@pytest.mark.parametrize("reference", ["", "   ", "x" * 201])
def test_an_empty_or_too_long_reference_is_refused(compliance, reference):
    alert = make_alert()
    before = _snapshot(alert)

    with pytest.raises(InvalidInput):
        services.link_corrective_action(alert=alert, by=compliance, reference=reference)

    assert _snapshot(alert) == before


@pytest.mark.parametrize("persona", ["supervisor", "auditor", "agent", "administrator", "nobody"])
def test_only_holders_of_handle_alert_may_act(request, persona):
    user = request.getfixturevalue(persona)
    alert = make_alert()
    before = _snapshot(alert)

    for act in (
        lambda: services.acknowledge(alert=alert, by=user, now=LATER),
        lambda: services.close(alert=alert, by=user, now=LATER, note="closing"),
        lambda: services.link_corrective_action(alert=alert, by=user, reference="CA-1"),
    ):
        with pytest.raises(PermissionDenied):
            act()

    assert _snapshot(alert) == before


def test_an_inactive_compliance_officer_may_not_act(compliance):
    compliance.is_active = False
    compliance.save()
    with pytest.raises(PermissionDenied):
        services.acknowledge(alert=make_alert(), by=compliance, now=LATER)


def _draft(**overrides):
    values: dict[str, Any] = {
        "kind": Alert.Kind.SPIKE,
        "dimension": Alert.Dimension.CHANNEL,
        "series_key": "email",
        "series_label": "E-mail",
        "method": "poisson-cusum",
        "detected_on": TODAY,
        "window_start": YESTERDAY,
        "window_end": YESTERDAY,
        "observed": 12.0,
        "expected": 3.0,
        "statistic": 9.5,
        "detail": {"label_zh": "电子邮件", "baseline": {"from": YESTERDAY}},
    }
    values.update(overrides)
    return AlertDraft(**values)


def test_raising_is_idempotent_by_series_and_day():
    first, created = services.raise_alert(draft=_draft(), now=NOW)
    again, created_again = services.raise_alert(draft=_draft(observed=99.0), now=NOW)

    assert created and not created_again
    assert again.pk == first.pk
    assert Alert.objects.count() == 1
    assert again.observed == 12
    assert AuditEntry.objects.filter(action="alert.raise").count() == 1
    # Another day, or another series, is another alert.
    services.raise_alert(draft=_draft(detected_on=TODAY + timedelta(days=1)), now=NOW)
    services.raise_alert(draft=_draft(series_key="phone"), now=NOW)
    assert Alert.objects.count() == 3


def test_a_raised_alert_keeps_its_figures_and_detail(customer):
    alert, _ = services.raise_alert(draft=_draft(observed=7.0, expected=0.0), now=NOW)

    assert (alert.observed, alert.expected, alert.ratio) == (Decimal(7), Decimal(0), Decimal(7))
    assert alert.detail == {"label_zh": "电子邮件", "baseline": {"from": str(YESTERDAY)}}
    assert alert.status == Alert.Status.OPEN
    assert alert.created_at == NOW
