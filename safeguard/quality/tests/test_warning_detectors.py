"""The control method on its own: pure numpy over daily counts (no database)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.quality.warnings.detectors import DEFAULT_PARAMS, DetectorParams, detect, is_new_episode

WINDOW = DEFAULT_PARAMS.window_days  # 8 weeks of baseline + 14 monitored days
MONITORED = DEFAULT_PARAMS.monitor_days
RHYTHM = np.array([1.25, 1.15, 1.1, 1.1, 1.05, 0.5, 0.35])


def seasonal_rate(base: float, days: int = WINDOW) -> np.ndarray:
    """The expected count of each day, the first being a Monday."""
    return base * (RHYTHM / RHYTHM.mean())[np.arange(days) % 7]


def test_an_injected_spike_alarms_with_its_size_and_start():
    rng = np.random.default_rng(7)
    rate = seasonal_rate(10.0)
    rate[-4:] *= 3  # the last four days at three times the usual
    result = detect(rng.poisson(rate)[None, :], first_weekday=0)
    assert result.decided[0]
    assert result.alarm[0]
    assert result.ratio[0] > 2
    assert result.observed[0] > result.expected[0] + 50
    # The episode (days since the CUSUM was last at zero) starts at or just before the spike.
    assert MONITORED - 6 <= result.episode_start[0] <= MONITORED - 4


def test_a_flat_poisson_series_does_not_alarm():
    rng = np.random.default_rng(11)
    counts = rng.poisson(seasonal_rate(10.0), size=(50, WINDOW))
    result = detect(counts, first_weekday=0)
    assert result.decided.all()
    assert not result.alarm.any()


def _weekdays_only() -> np.ndarray:
    """No noise at all: 60 complaints each weekday, none at weekends; the last day is a Friday."""
    week = np.array([60, 60, 60, 60, 60, 0, 0])
    return np.tile(week, WINDOW // 7 + 2)[5 : WINDOW + 5]  # starts on a Saturday, ends on a Friday


def test_weekday_seasonality_alone_does_not_alarm():
    result = detect(_weekdays_only()[None, :], first_weekday=5)
    assert result.decided[0]
    assert not result.alarm[0]
    assert result.statistic[0] == 0
    # Weekdays are expected to be busy, weekends quiet.
    assert result.expected_daily[0, -1] > 10 * result.expected_daily[0, -6]


def test_the_weekday_series_would_alarm_if_weekdays_were_not_modelled():
    # The same counts for a plain Poisson CUSUM against a flat week (weekday shares forced to 1/7,
    # no dispersion to absorb the misfit): the test above does not pass by accident.
    flat = DetectorParams(weekday_prior=1e12, max_dispersion=1.0)
    result = detect(_weekdays_only()[None, :], first_weekday=5, prior_shares=np.full(7, 1 / 7), params=flat)
    assert result.alarm[0]


def test_a_series_going_from_zero_to_two_does_not_alarm():
    counts = np.zeros((1, WINDOW), dtype=int)
    counts[0, -1] = 2
    result = detect(counts, first_weekday=0)
    assert result.decided[0]
    assert not result.alarm[0]


def test_a_series_going_from_zero_to_eight_in_two_days_alarms():
    counts = np.zeros((1, WINDOW), dtype=int)
    counts[0, -2:] = 4
    result = detect(counts, first_weekday=0)
    assert result.alarm[0]
    assert result.observed[0] == 8


def test_nothing_is_decided_during_the_warm_up():
    counts = np.ones((3, WINDOW), dtype=int) * 5
    counts[:, -1] = 100
    too_short = detect(counts, first_weekday=0, history_days=MONITORED + DEFAULT_PARAMS.warmup_days - 1)
    assert not too_short.decided.any()
    assert not too_short.alarm.any()
    enough = detect(counts, first_weekday=0, history_days=MONITORED + DEFAULT_PARAMS.warmup_days)
    assert enough.decided.all()
    assert enough.alarm.all()


def test_a_spike_in_the_baseline_does_not_raise_the_level_much():
    rng = np.random.default_rng(3)
    clean = rng.poisson(seasonal_rate(10.0))
    spiked = clean.copy()
    spiked[7:14] *= 5  # one week of the baseline at five times the usual
    levels = detect(np.vstack([clean, spiked]), first_weekday=0).weekly_level
    assert levels[1] < levels[0] * 1.15


def test_overdispersed_series_get_a_dispersion_above_one():
    rng = np.random.default_rng(5)
    rate = seasonal_rate(50.0) * rng.gamma(25, 1 / 25, size=WINDOW)  # 20% day-to-day noise
    poisson = rng.poisson(seasonal_rate(50.0))
    result = detect(np.vstack([rng.poisson(rate), poisson]), first_weekday=0)
    assert result.dispersion[0] > 1.3
    assert result.dispersion[1] < 1.3


def test_series_are_judged_independently():
    rng = np.random.default_rng(9)
    quiet = rng.poisson(seasonal_rate(5.0))
    loud = quiet.copy()
    loud[-3:] += 20
    result = detect(np.vstack([quiet, loud, quiet]), first_weekday=0)
    assert result.alarm.tolist() == [False, True, False]


def test_only_the_trailing_window_is_read():
    rng = np.random.default_rng(2)
    counts = rng.poisson(seasonal_rate(10.0, WINDOW + 30))
    longer = detect(counts[None, :], first_weekday=0)
    trimmed = detect(counts[None, 30:], first_weekday=30 % 7)
    assert longer.statistic[0] == trimmed.statistic[0]
    assert longer.expected[0] == trimmed.expected[0]


def test_counts_must_be_two_dimensional():
    with pytest.raises(ValueError, match="2-D"):
        detect(np.array([1, 2, 3]), first_weekday=0)


@settings(max_examples=60, deadline=None)
@given(
    baseline=st.lists(st.integers(0, 40), min_size=WINDOW - MONITORED, max_size=WINDOW - MONITORED),
    recent=st.lists(st.integers(0, 1), min_size=MONITORED, max_size=MONITORED),
)
def test_fewer_complaints_than_the_minimum_never_alarm(baseline, recent):
    params = DetectorParams(min_count=5)
    recent = recent[:]
    while sum(recent) >= params.min_count:  # at most four in the monitored days
        recent[recent.index(1)] = 0
    result = detect(np.array([baseline + recent]), first_weekday=0, params=params)
    assert not result.alarm[0]


def test_an_alarm_in_an_episode_already_alerted_is_not_new():
    assert is_new_episode(10, None)
    assert is_new_episode(11, 10)
    assert not is_new_episode(10, 10)
    assert not is_new_episode(5, 10)
