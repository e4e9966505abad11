"""The home page's "due soon" count uses the same window as the badge and the deadline scan."""

from datetime import timedelta

import pytest

from safeguard.cases import selectors
from safeguard.cases.models import Case
from safeguard.cases.rules import deadline_state
from safeguard.cases.tests.support import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("due_in", "counted"),
    [
        (timedelta(hours=24), True),  # the last moment of the window is in it
        (timedelta(minutes=1), True),
        (timedelta(hours=24, seconds=1), False),
        (timedelta(0), False),  # due now: the scan breaches it, it is no longer "due soon"
    ],
)
def test_due_soon_counts_what_the_badge_calls_due_soon(agent, case, due_in, counted):
    Case.objects.filter(pk=case.pk).update(next_due_at=NOW + due_in)

    workload = selectors.workload(agent, now=NOW, due_soon_hours=24)

    assert workload.due_soon == (1 if counted else 0)
    assert (deadline_state(NOW + due_in, now=NOW, hours=24) == "due_soon") is counted
