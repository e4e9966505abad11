"""set_consent: records the answer and when it was given, audited."""

from __future__ import annotations

import pytest
import time_machine

from safeguard.audit.models import AuditEntry
from safeguard.core.errors import InvalidInput
from safeguard.customers.services import set_consent

pytestmark = pytest.mark.django_db


def test_withdrawing_consent_records_the_time_and_an_audit_entry(known, agent):
    with time_machine.travel("2026-03-01 09:30:00+08:00", tick=False):
        updated = set_consent(customer=known, by=agent, has_contact_consent=False)
    assert updated.has_contact_consent is False
    assert updated.consent_updated_at is not None
    assert updated.consent_updated_at.isoformat() == "2026-03-01T01:30:00+00:00"
    entry = AuditEntry.objects.get(action="customer.consent")
    assert entry.actor == agent
    assert entry.changes == {"has_contact_consent": {"before": True, "after": False}}


def test_re_confirming_the_same_answer_is_recorded_too(known, agent):
    set_consent(customer=known, by=agent, has_contact_consent=True)
    assert AuditEntry.objects.filter(action="customer.consent").count() == 1


@pytest.mark.parametrize("value", ["false", 0, None])
def test_consent_must_be_a_boolean(known, agent, value):
    with pytest.raises(InvalidInput):
        set_consent(customer=known, by=agent, has_contact_consent=value)
    known.refresh_from_db()
    assert known.has_contact_consent is True
    assert not AuditEntry.objects.filter(action="customer.consent").exists()
