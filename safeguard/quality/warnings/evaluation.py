"""Detection quality on synthetic streams (``manage.py warning_eval``). Pure: numpy only, no database.

Each stream is a year (``days``) of daily complaint counts with a weekly rhythm (quiet weekends) at
one base rate. Three kinds of stream, ``series`` of each per base rate:

* ``poisson`` — Poisson counts around the weekly rhythm, nothing else: every alert is false;
* ``overdispersed`` — the same with a gamma-distributed day effect (coefficient of variation
  ``overdispersion``, i.e. negative-binomial counts) and a ±15% annual swing, closer to real data:
  every alert is false;
* ``spike`` — Poisson as the first, with the rate multiplied by ``ratio`` for ``spike_days`` days
  from a known start (one ``ratio`` per stream, each ratio equally often).

The scan is replayed day by day with the production detector (``detectors.detect`` on the trailing
window, every stream of the run in one call as the scan does per dimension) and the production
de-duplication (``detectors.is_new_episode``): one alert per episode. A spike counts as detected
when an alert is raised on a day from its first day to ``grace_days`` after its last; the delay is
that day minus the first spike day (0: the first day's count was enough, and the alert was in the
inbox the next morning). False alarms are alerts on the streams with no spike, per series-year of
days on which the detector made a decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safeguard.quality.warnings.detectors import DEFAULT_PARAMS, METHOD, DetectorParams, detect, is_new_episode

# Monday .. Sunday, relative: a branch network's week (quiet Saturday, quieter Sunday).
WEEKLY_RHYTHM = (1.25, 1.15, 1.1, 1.1, 1.05, 0.5, 0.35)


@dataclass(frozen=True)
class EvalConfig:
    series: int = 100
    days: int = 365
    seed: int = 2
    base_rates: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
    ratios: tuple[float, ...] = (1.5, 2.0, 3.0, 5.0)
    spike_days: int = 7
    grace_days: int = 2
    overdispersion: float = 0.2
    params: DetectorParams = field(default=DEFAULT_PARAMS)


@dataclass
class _Streams:
    counts: NDArray[np.int64]
    kind: list[str]
    base: NDArray[np.float64]
    ratio: NDArray[np.float64]
    start: NDArray[np.int64]


def _rhythm(days: int) -> NDArray[np.float64]:
    rhythm = np.asarray(WEEKLY_RHYTHM) / np.mean(WEEKLY_RHYTHM)
    return np.asarray(rhythm[np.arange(days) % 7], dtype=np.float64)  # day 0 is a Monday


def make_streams(config: EvalConfig) -> _Streams:
    rng = np.random.default_rng(config.seed)
    days, window = config.days, config.params.window_days
    if days < window + config.spike_days + config.grace_days + 7:
        raise ValueError(f"days must be at least {window + config.spike_days + config.grace_days + 7}")
    rhythm = _rhythm(days)
    rows: list[NDArray[np.int64]] = []
    kinds: list[str] = []
    bases: list[float] = []
    ratios: list[float] = []
    starts: list[int] = []
    t = np.arange(days)
    for base in config.base_rates:
        for _ in range(config.series):
            rows.append(rng.poisson(base * rhythm))
            kinds.append("poisson")
            bases.append(base)
            ratios.append(1.0)
            starts.append(-1)
        for _ in range(config.series):
            phase = rng.uniform(0, 2 * np.pi)
            annual = 1 + 0.15 * np.sin(2 * np.pi * t / 365 + phase)
            shape = 1 / config.overdispersion**2
            day_effect = rng.gamma(shape, 1 / shape, size=days)
            rows.append(rng.poisson(base * rhythm * annual * day_effect))
            kinds.append("overdispersed")
            bases.append(base)
            ratios.append(1.0)
            starts.append(-1)
        for i in range(config.series * len(config.ratios)):
            ratio = config.ratios[i % len(config.ratios)]
            # In the steady state: after a full window, and early enough to be seen to the end.
            start = int(rng.integers(window, days - config.spike_days - config.grace_days))
            rate = base * rhythm
            rate[start : start + config.spike_days] *= ratio
            rows.append(rng.poisson(rate))
            kinds.append("spike")
            bases.append(base)
            ratios.append(ratio)
            starts.append(start)
    return _Streams(
        counts=np.asarray(rows, dtype=np.int64),
        kind=kinds,
        base=np.asarray(bases),
        ratio=np.asarray(ratios),
        start=np.asarray(starts, dtype=np.int64),
    )


def replay(counts: NDArray[np.int64], params: DetectorParams) -> tuple[list[list[int]], int]:
    """The days on which the daily scan would raise an alert, per stream, and the number of days
    on which it made a decision (the same for every stream: they share a history)."""
    streams, days = counts.shape
    window = params.window_days
    raised: list[list[int]] = [[] for _ in range(streams)]
    last_end: list[int | None] = [None] * streams
    decided_days = 0
    for day in range(days):
        first = max(0, day - window + 1)
        result = detect(counts[:, first : day + 1], first_weekday=first % 7, history_days=day + 1, params=params)
        if not result.decided.any():
            continue
        decided_days += 1
        for row in np.flatnonzero(result.alarm):
            episode_start = day - params.monitor_days + 1 + int(result.episode_start[row])
            if is_new_episode(episode_start, last_end[row]):
                raised[row].append(day)
                last_end[row] = day
    return raised, decided_days


def _summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "mean": None, "median": None, "p90": None}
    array = np.asarray(values, dtype=np.float64)
    return {
        "n": len(values),
        "mean": round(float(array.mean()), 2),
        "median": round(float(np.median(array)), 2),
        "p90": round(float(np.percentile(array, 90)), 2),
    }


def _key(value: float) -> str:
    return f"{value:g}"


def evaluate(config: EvalConfig) -> dict[str, Any]:
    """Run the evaluation; the result is JSON-ready (see the module docstring)."""
    streams = make_streams(config)
    raised, decided_days = replay(streams.counts, config.params)
    years = decided_days / 365

    false_alarms: dict[str, Any] = {}
    for kind in ("poisson", "overdispersed"):
        rows = [i for i, k in enumerate(streams.kind) if k == kind]
        by_base = {
            _key(base): round(sum(len(raised[i]) for i in rows if streams.base[i] == base) / (config.series * years), 3)
            for base in config.base_rates
        }
        false_alarms[kind] = {
            "overall": round(sum(len(raised[i]) for i in rows) / (len(rows) * years), 3),
            "by_base_rate": by_base,
        }

    detected: dict[tuple[float, float], list[int]] = {}
    missed: dict[tuple[float, float], int] = {}
    for i, kind in enumerate(streams.kind):
        if kind != "spike":
            continue
        key = (float(streams.base[i]), float(streams.ratio[i]))
        start = int(streams.start[i])
        last = start + config.spike_days - 1 + config.grace_days
        hits = [day for day in raised[i] if start <= day <= last]
        if hits:
            detected.setdefault(key, []).append(hits[0] - start)
        else:
            missed[key] = missed.get(key, 0) + 1

    def recall_of(pairs: list[tuple[float, float]]) -> float | None:
        hit = sum(len(detected.get(p, [])) for p in pairs)
        total = hit + sum(missed.get(p, 0) for p in pairs)
        return round(hit / total, 3) if total else None

    pairs = [(b, r) for b in config.base_rates for r in config.ratios]
    delays = [d for p in pairs for d in detected.get(p, [])]
    return {
        "method": METHOD,
        "params": config.params.as_dict(),
        "config": {
            "series_per_kind_and_base_rate": config.series,
            "days": config.days,
            "seed": config.seed,
            "base_rates_per_day": list(config.base_rates),
            "spike_ratios": list(config.ratios),
            "spike_days": config.spike_days,
            "grace_days": config.grace_days,
            "weekly_rhythm_mon_to_sun": list(WEEKLY_RHYTHM),
            "overdispersion_cv": config.overdispersion,
            "decided_days_per_series": decided_days,
        },
        "false_alarms_per_series_year": false_alarms,
        "recall": {
            "overall": recall_of(pairs),
            "by_ratio": {_key(r): recall_of([(b, r) for b in config.base_rates]) for r in config.ratios},
            "by_base_rate": {_key(b): {_key(r): recall_of([(b, r)]) for r in config.ratios} for b in config.base_rates},
        },
        "detection_delay_days": {
            **_summary([float(d) for d in delays]),
            "by_ratio": {
                _key(r): _summary([float(d) for b in config.base_rates for d in detected.get((b, r), [])])
                for r in config.ratios
            },
            "by_base_rate": {
                _key(b): _summary([float(d) for r in config.ratios for d in detected.get((b, r), [])])
                for b in config.base_rates
            },
        },
    }
