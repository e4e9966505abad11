"""Pure rules: merging milestones, the next deadline, the reopen window, the redress limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from safeguard.cases import rules

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_the_regulatory_final_response_wins_even_when_the_standard_is_shorter():
    standard = {
        "acknowledge": T0,
        "first_response": T0 + timedelta(hours=24),
        "final_response": T0 + timedelta(hours=48),
    }
    regulatory = {"final_response": T0 + timedelta(days=15)}
    merged = rules.merge_milestones(standard, regulatory)
    assert merged == {**standard, "final_response": T0 + timedelta(days=15)}


def test_the_earlier_first_response_applies():
    merged = rules.merge_milestones(
        {"first_response": T0 + timedelta(hours=24)}, {"first_response": T0 + timedelta(days=15)}
    )
    assert merged["first_response"] == T0 + timedelta(hours=24)


def test_without_a_regulatory_final_response_the_standard_one_applies():
    merged = rules.merge_milestones({"final_response": T0 + timedelta(hours=48)}, {})
    assert merged["final_response"] == T0 + timedelta(hours=48)


@given(st.lists(st.tuples(st.integers(0, 1000), st.booleans()), max_size=6))
def test_next_due_is_the_earliest_unmet(rows):
    pairs = [(T0 + timedelta(hours=h), T0 if met else None) for h, met in rows]
    unmet = [due for due, met in pairs if met is None]
    assert rules.next_due(pairs) == (min(unmet) if unmet else None)


def test_the_reopen_window_includes_its_last_moment():
    assert rules.reopen_window_open(T0, now=T0 + timedelta(days=30), days=30)
    assert not rules.reopen_window_open(T0, now=T0 + timedelta(days=30, seconds=1), days=30)
    assert not rules.reopen_window_open(None, now=T0, days=30)


def test_redress_needs_approval_only_above_the_limit():
    assert not rules.redress_needs_approval(Decimal("5000.00"), Decimal("5000"))
    assert rules.redress_needs_approval(Decimal("5000.01"), Decimal("5000"))


def test_event_times_are_written_in_utc():
    shanghai_evening = datetime(2026, 3, 2, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert rules.iso(shanghai_evening) == "2026-03-02T10:00:00+00:00"
