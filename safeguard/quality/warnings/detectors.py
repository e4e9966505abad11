"""The statistical control method for daily complaint counts: a Poisson CUSUM against a seasonal
baseline. Pure numpy: no ORM, no clock; the scan and ``warning_eval`` call the same function.

Why this method
---------------
Complaint counts are small integers with a strong weekly rhythm (branches close at weekends, phone
lines are quieter), and most series (one product, one branch) see a handful a week. A Shewhart
chart on raw counts fires every Monday, and a normal-theory EWMA is wrong at two cases a week. The
Poisson CUSUM (Lucas 1985) accumulates the log-likelihood ratio of "the rate went up by a factor
``k``" against "the rate is as expected", day by day, so it

* takes a time-varying expectation: each day is compared with *its* weekday's expected count;
* is exact for small counts (no normal approximation), and
* detects a big jump on the first day and a modest sustained rise within days.

Model, for one series and the day ``T`` being judged (all in the institution's zone)
------------------------------------------------------------------------------------
The window is ``baseline_weeks`` whole weeks of baseline followed by ``monitor_days`` monitored
days ending at ``T``.

1. *Level*: the trimmed mean of the baseline's weekly totals (the highest and lowest week are
   dropped once there are four or more), so one past spike or one holiday week in the baseline
   does not move it.
2. *Weekday shares*: the share of the baseline's cases on each weekday, shrunk toward a pooled
   profile with ``weekday_prior`` = ``n`` pseudo-cases: ``(c_w + n·p_w) / (C + n)``. The pooled profile is
   the sum of every series in the call (all products, say: about the institution's own rhythm),
   itself shrunk toward 1/7. A busy series keeps its own rhythm; a sparse one borrows it.
3. *Expected count* on day ``t``: ``level × share[weekday(t)]``, never below ``floor``.
4. *Dispersion*: real counts vary more than Poisson, and more so the busier the series. The
   negative-binomial dispersion ``a`` (variance = mu + a·mu²) is estimated from the baseline by a
   weighted method of moments with winsorised deviations (a past spike weighs little), and each
   CUSUM step is divided by that day's variance ratio ``phi_t = 1 + a·mu_t`` (at most
   ``max_dispersion``): the quasi-likelihood ratio. A Poisson series gets ``a`` ≈ 0 and is untouched.
5. *Shift to detect* ``k``: ``1 + shift_sds·sqrt(phi/m)`` for the mean expected count ``m`` and
   mean variance ratio ``phi`` of the monitored days, kept within [``min_shift``, ``max_shift``]: a
   doubling matters for a series of ten a day, but at two hundred a day a 30% rise is already many
   standard deviations and many customers; at two a week only a tripling can be told from chance.
6. *CUSUM* over the monitored days, from 0: ``S_t = max(0, S_{t-1} + (x_t·ln k − (k−1)·mu_t)/phi_t)``.
   The *episode* is the run of days since ``S`` was last 0.
7. *Alarm* on ``T`` when ``S_T > threshold`` and the episode holds at least ``min_count`` cases and
   at least ``min_excess`` more than expected. The minimum-count rule is what keeps a series that
   went from 0 to 2 quiet, whatever its tiny expectation says.

No decision is made (``decided`` False) before ``warmup_days`` of baseline exist (a new
installation, or a database holding less history than the window).

Parameters were tuned with ``manage.py warning_eval`` (seed 1) and reported on another seed; see
docs/quality.md for the figures and the trade-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

METHOD = "poisson-cusum"


@dataclass(frozen=True)
class DetectorParams:
    baseline_weeks: int = 8
    monitor_days: int = 14
    warmup_days: int = 28
    threshold: float = 7.0
    shift_sds: float = 2.5
    min_shift: float = 1.3
    max_shift: float = 3.0
    min_count: int = 5
    min_excess: float = 3.0
    weekday_prior: float = 20.0
    floor: float = 0.05
    max_dispersion: float = 10.0

    @property
    def window_days(self) -> int:
        """How many days of counts the detector reads: the baseline weeks and the monitored days."""
        return self.baseline_weeks * 7 + self.monitor_days

    def as_dict(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


DEFAULT_PARAMS = DetectorParams()


@dataclass(frozen=True)
class Detection:
    """The verdict on the last day of the window for each series (row) of the call.

    ``episode_start`` is a column index into the monitored days (0 = the first monitored day);
    ``observed`` and ``expected`` are the episode's totals; ``expected_daily`` is the expectation
    of each monitored day and ``cusum`` the statistic after each monitored day; ``dispersion`` is
    the mean variance ratio (``phi``) of the monitored days and ``shift`` the ``k`` looked for.
    """

    decided: Bools
    alarm: Bools
    statistic: Floats
    shift: Floats
    dispersion: Floats
    weekly_level: Floats
    episode_start: Ints
    observed: Floats
    expected: Floats
    expected_daily: Floats
    cusum: Floats
    baseline_days: int = 0
    params: DetectorParams = field(default=DEFAULT_PARAMS)

    @property
    def ratio(self) -> Floats:
        """Observed over expected in the episode (the size of the change)."""
        return np.asarray(self.observed / np.maximum(self.expected, 1e-9), dtype=np.float64)


def weekday_shares(weekday_counts: Floats, prior: Floats, strength: float) -> Floats:
    """Each row's share of cases per weekday, shrunk toward ``prior`` with ``strength`` pseudo-cases."""
    totals = weekday_counts.sum(axis=1, keepdims=True)
    return np.asarray((weekday_counts + strength * prior) / (totals + strength), dtype=np.float64)


def trimmed_mean(values: Floats) -> Floats:
    """Mean of each row without its highest and lowest value (once a row has four or more)."""
    if values.shape[1] >= 4:
        ordered = np.sort(values, axis=1)[:, 1:-1]
        return np.asarray(ordered.mean(axis=1), dtype=np.float64)
    return np.asarray(values.mean(axis=1), dtype=np.float64)


def dispersion(observed: Floats, expected: Floats) -> Floats:
    """Each row's negative-binomial dispersion ``a`` (variance = mu + a·mu²), by the weighted method
    of moments sum((x − mu)² − mu) / sum(mu²), with each deviation winsorised at three standard
    deviations of the current estimate (three rounds from a = 0), at least 0."""
    alpha = np.zeros(observed.shape[0])
    weight = (expected**2).sum(axis=1)
    for _ in range(3):
        bound = 3.0 * np.sqrt(expected + alpha[:, None] * expected**2)
        deviation = np.clip(observed - expected, -bound, bound)
        alpha = np.maximum(((deviation**2 - expected).sum(axis=1)) / np.maximum(weight, 1e-9), 0.0)
    return np.asarray(alpha, dtype=np.float64)


def _undecided(rows: int, params: DetectorParams) -> Detection:
    zeros = np.zeros(rows)
    monitored = np.zeros((rows, params.monitor_days))
    return Detection(
        decided=np.zeros(rows, dtype=bool),
        alarm=np.zeros(rows, dtype=bool),
        statistic=zeros,
        shift=zeros,
        dispersion=zeros,
        weekly_level=zeros,
        episode_start=np.zeros(rows, dtype=np.int64),
        observed=zeros,
        expected=zeros,
        expected_daily=monitored,
        cusum=monitored,
        params=params,
    )


def detect(
    counts: NDArray[np.integer] | NDArray[np.floating] | list[list[int]],
    *,
    first_weekday: int,
    history_days: int | None = None,
    prior_shares: Floats | None = None,
    params: DetectorParams = DEFAULT_PARAMS,
) -> Detection:
    """Judge the last day of ``counts`` for each row (series); see the module docstring.

    ``counts`` has one row per series and one column per day, oldest first; only the last
    ``params.window_days`` columns are read. ``first_weekday`` is the weekday (Monday = 0) of the
    first column. ``history_days`` says how many of the last columns lie within the data's history
    (the rest are before the first complaint was ever recorded and are not baseline); default all.
    ``prior_shares`` (seven numbers summing to one) replaces the pooled weekday profile.
    """
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("counts must be a 2-D array: one row per series, one column per day")
    rows, width = x.shape
    window = params.window_days
    if width > window:
        first_weekday = (first_weekday + width - window) % 7
        x = x[:, width - window :]
        width = window
    monitored = params.monitor_days
    history = width if history_days is None else min(history_days, width)
    baseline_days = min(params.baseline_weeks * 7, ((history - monitored) // 7) * 7)
    if rows == 0 or baseline_days < params.warmup_days:
        return _undecided(rows, params)

    base_start = width - monitored - baseline_days
    base = x[:, base_start : width - monitored]
    recent = x[:, width - monitored :]
    base_weekday = (first_weekday + base_start + np.arange(baseline_days)) % 7
    recent_weekday = (first_weekday + width - monitored + np.arange(monitored)) % 7

    weekly = base.reshape(rows, baseline_days // 7, 7).sum(axis=2)
    level = trimmed_mean(weekly)
    by_weekday = np.stack([base[:, base_weekday == w].sum(axis=1) for w in range(7)], axis=1)
    uniform = np.full(7, 1 / 7)
    if prior_shares is None:
        pooled = weekday_shares(by_weekday.sum(axis=0, keepdims=True), uniform, params.weekday_prior)[0]
    else:
        pooled = np.asarray(prior_shares, dtype=np.float64)
    shares = weekday_shares(by_weekday, pooled, params.weekday_prior)

    mu_base = np.maximum(level[:, None] * shares[:, base_weekday], params.floor)
    mu = np.maximum(level[:, None] * shares[:, recent_weekday], params.floor)
    alpha = dispersion(base, mu_base)
    phi_daily = np.clip(1 + alpha[:, None] * mu, 1.0, params.max_dispersion)
    phi = phi_daily.mean(axis=1)
    shift = np.clip(1 + params.shift_sds * np.sqrt(phi / mu.mean(axis=1)), params.min_shift, params.max_shift)
    log_shift = np.log(shift)

    statistic = np.zeros(rows)
    start = np.zeros(rows, dtype=np.int64)
    path = np.zeros((rows, monitored))
    for day in range(monitored):
        step = (recent[:, day] * log_shift - (shift - 1) * mu[:, day]) / phi_daily[:, day]
        statistic = statistic + step
        back_to_zero = statistic <= 0
        statistic = np.where(back_to_zero, 0.0, statistic)
        start = np.where(back_to_zero, day + 1, start)
        path[:, day] = statistic
    in_episode = np.arange(monitored)[None, :] >= start[:, None]
    observed = (recent * in_episode).sum(axis=1)
    expected = (mu * in_episode).sum(axis=1)
    alarm = (statistic > params.threshold) & (observed >= params.min_count) & (observed - expected >= params.min_excess)
    return Detection(
        decided=np.ones(rows, dtype=bool),
        alarm=alarm,
        statistic=statistic,
        shift=shift,
        dispersion=phi,
        weekly_level=level,
        episode_start=start,
        observed=observed,
        expected=expected,
        expected_daily=mu,
        cusum=path,
        baseline_days=baseline_days,
        params=params,
    )


def is_new_episode(episode_start: int, previous_end: int | None) -> bool:
    """Whether an alarm whose episode began on day ``episode_start`` is a new one, given the last
    day (``window_end``) of the series' previous alert: an episode that began on or before it is
    the same rise, already alerted. Days are any consistent day numbers (ordinals)."""
    return previous_end is None or episode_start > previous_end
