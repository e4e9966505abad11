from datetime import datetime, timedelta

import pytest

from safeguard.cases.rules import deadline_state
from safeguard.cases.tests.support import NOW


@pytest.mark.parametrize(
    ("due_in", "is_breached", "expected"),
    [
        (timedelta(days=3), False, "on_track"),
        (timedelta(hours=24, seconds=1), False, "on_track"),
        (timedelta(hours=24), False, "due_soon"),
        (timedelta(minutes=1), False, "due_soon"),
        # Due this very moment: the scan marks it breached (due_at <= now), so the badge agrees.
        (timedelta(0), False, "breached"),
        (timedelta(seconds=-1), False, "breached"),
        # A case that already breached one deadline keeps the red badge after an extension.
        (timedelta(days=10), True, "breached"),
    ],
)
def test_badge_state_follows_the_time_left(due_in: timedelta, is_breached: bool, expected: str) -> None:
    now: datetime = NOW
    assert deadline_state(now + due_in, now=now, hours=24, is_breached=is_breached) == expected
