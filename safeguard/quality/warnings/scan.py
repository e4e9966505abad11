"""The daily early-warning scan: ``scan(day, now=...)``.

The scan *for* ``day`` judges the complete days before it: the last day observed is ``day − 1``
(so the hourly task, which scans today, always sees whole days). It runs once per day whatever the
number of workers: it first claims the day's ``WarningRun`` with an INSERT under the unique day;
whoever loses does nothing. A run whose worker died (claimed over ``stale_after`` ago and never
finished) may be taken over. Alerts are idempotent by their own unique constraint as well.

It raises

* a *spike* alert for each series whose CUSUM alarms (``detectors.detect``) in a new episode
  (``detectors.is_new_episode`` against the series' last alert), with the episode's cases (at most
  ``max_cases`` linked) and a suggested owner: the branch itself for a branch series, else the
  department most of the cases belong to, else the series' usual department over the window;
* a *new theme* alert for each new cluster of complaint texts (``themes.new_themes``): the last
  ``recent_days`` days against the ``baseline_days`` before them. Cases already in a theme alert
  of the last ``recent_days + baseline_days`` days count as baseline, so a theme is raised once.

Then it mails the compliance officers one list of the new alerts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from safeguard.audit import services as audit
from safeguard.quality.models import Alert, WarningRun
from safeguard.quality.services.alerts import AlertDraft, notify, raise_alert
from safeguard.quality.warnings import detectors, series, themes
from safeguard.quality.warnings.detectors import DetectorParams
from safeguard.quality.warnings.themes import ThemeParams

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanConfig:
    detector: DetectorParams = field(default_factory=DetectorParams)
    themes: ThemeParams = field(default_factory=ThemeParams)
    # Cases linked to one alert (the oldest of the episode first); the detail records the total.
    max_cases: int = 1000
    # A theme search needs at least this many baseline texts (a new installation has none).
    min_baseline_texts: int = 30
    stale_after: timedelta = timedelta(hours=1)
    spikes: bool = True
    new_themes: bool = True

    @classmethod
    def from_settings(cls) -> ScanConfig:
        """The defaults, with the ``SAFEGUARD_WARNING_*`` settings applied."""
        detector = DetectorParams(
            threshold=settings.SAFEGUARD_WARNING_THRESHOLD, min_count=settings.SAFEGUARD_WARNING_MIN_COUNT
        )
        theme = ThemeParams(
            recent_days=settings.SAFEGUARD_WARNING_THEME_DAYS, min_size=settings.SAFEGUARD_WARNING_THEME_MIN_SIZE
        )
        return cls(
            detector=detector,
            themes=theme,
            max_cases=settings.SAFEGUARD_WARNING_MAX_CASES,
            new_themes=settings.SAFEGUARD_WARNING_THEMES,
        )


def claim(day: date, *, now: datetime, stale_after: timedelta = timedelta(hours=1)) -> WarningRun | None:
    """The day's run if this caller won it; None if another has it (or had it, and finished)."""
    try:
        with transaction.atomic():
            return WarningRun.objects.create(day=day, started_at=now)
    except IntegrityError:
        pass
    # Compare-and-set on started_at: of two workers taking over a dead run, one updates the row.
    taken = WarningRun.objects.filter(day=day, finished_at__isnull=True, started_at__lt=now - stale_after).update(
        started_at=now
    )
    return WarningRun.objects.get(day=day) if taken else None


def scan(day: date, *, now: datetime, config: ScanConfig | None = None) -> WarningRun | None:
    """Scan for ``day`` (see the module docstring); None when this day's scan is not ours to run."""
    config = config or ScanConfig.from_settings()
    run = claim(day, now=now, stale_after=config.stale_after)
    if run is None:
        return None
    tree = series.BranchTree.load()
    drafts: list[AlertDraft] = []
    if config.spikes:
        drafts.extend(spike_drafts(day, config=config, tree=tree))
    if config.new_themes:
        drafts.extend(theme_drafts(day, config=config))
    raised = []
    for draft in drafts:
        alert, is_new = raise_alert(draft=draft, now=now)
        if is_new:
            raised.append(alert)
    with transaction.atomic():
        WarningRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), alerts=len(raised))
        audit.log(
            None,
            "warning_run.finish",
            run,
            changes={"day": day, "alerts": len(raised), "candidates": len(drafts)},
        )
    run.refresh_from_db()
    notify(raised)
    return run


def _previous_ends(kind: str, dimension: str, keys: list[str]) -> dict[str, date]:
    rows = (
        Alert.objects.filter(kind=kind, dimension=dimension, series_key__in=keys)
        .values("series_key")
        .annotate(end=Max("window_end"))
        .values_list("series_key", "end")
    )
    return dict(rows)


def spike_drafts(day: date, *, config: ScanConfig, tree: series.BranchTree) -> Iterator[AlertDraft]:
    """The spike alerts for ``day``: one query per dimension, one more per alarm."""
    params = config.detector
    last = day - timedelta(days=1)
    first = last - timedelta(days=params.window_days - 1)
    start = series.history_start()
    if start is None:
        return
    history_days = (last - start).days + 1
    if history_days < params.monitor_days + params.warmup_days:
        return
    for dimension in series.SPIKE_DIMENSIONS:
        counts = series.daily_counts(dimension, first=first, last=last, tree=tree)
        if not counts.keys:
            continue
        result = detectors.detect(
            counts.counts, first_weekday=first.weekday(), history_days=history_days, params=params
        )
        rows = np.flatnonzero(result.alarm).tolist()
        if not rows:
            continue
        keys = [counts.keys[r] for r in rows]
        previous = _previous_ends(Alert.Kind.SPIKE, dimension, keys)
        names = series.labels(dimension, keys)
        monitored_first = last - timedelta(days=params.monitor_days - 1)
        for row, key in zip(rows, keys, strict=True):
            episode_first = monitored_first + timedelta(days=int(result.episode_start[row]))
            before = previous.get(key)
            if not detectors.is_new_episode(episode_first.toordinal(), before.toordinal() if before else None):
                continue
            yield _spike_draft(
                day=day,
                dimension=dimension,
                key=key,
                labels=names[key],
                row=row,
                result=result,
                observed_daily=counts.counts[row, -params.monitor_days :].tolist(),
                episode_first=episode_first,
                monitored_first=monitored_first,
                window_first=first,
                config=config,
                tree=tree,
            )


def _spike_draft(
    *,
    day: date,
    dimension: str,
    key: str,
    labels: series.Labels,
    row: int,
    result: detectors.Detection,
    observed_daily: list[int],
    episode_first: date,
    monitored_first: date,
    window_first: date,
    config: ScanConfig,
    tree: series.BranchTree,
) -> AlertDraft:
    params = config.detector
    last = day - timedelta(days=1)
    cases = series.cases_of(dimension, key, first=episode_first, last=last, tree=tree)
    case_ids = list(cases.values_list("pk", flat=True)[: config.max_cases])
    if dimension == series.Dimension.BRANCH:
        owner: int | None = int(key)
    else:
        owner = series.busiest_department(cases) or series.busiest_department(
            series.cases_of(dimension, key, first=window_first, last=last, tree=tree)
        )
    daily = [
        {
            "day": monitored_first + timedelta(days=i),
            "observed": int(observed_daily[i]),
            "expected": round(float(result.expected_daily[row, i]), 3),
            "cusum": round(float(result.cusum[row, i]), 3),
        }
        for i in range(params.monitor_days)
    ]
    return AlertDraft(
        kind=Alert.Kind.SPIKE,
        dimension=dimension,
        series_key=key,
        series_label=labels.en,
        method=detectors.METHOD,
        detected_on=day,
        window_start=episode_first,
        window_end=last,
        observed=float(result.observed[row]),
        expected=float(result.expected[row]),
        statistic=float(result.statistic[row]),
        detail={
            "label_zh": labels.zh,
            "days": daily,
            "baseline": {
                "from": window_first,
                "to": monitored_first - timedelta(days=1),
                "days": result.baseline_days,
                "weekly_level": round(float(result.weekly_level[row]), 3),
            },
            "shift": round(float(result.shift[row]), 4),
            "dispersion": round(float(result.dispersion[row]), 4),
            "threshold": params.threshold,
            "params": params.as_dict(),
            "cases_total": cases.count(),
            "cases_linked": len(case_ids),
        },
        case_ids=case_ids,
        suggested_owner_id=owner,
    )


def theme_drafts(day: date, *, config: ScanConfig) -> list[AlertDraft]:
    """The new-theme alerts for ``day``."""
    params = config.themes
    last = day - timedelta(days=1)
    recent_first = day - timedelta(days=params.recent_days)
    base_last = recent_first - timedelta(days=1)
    base_first = base_last - timedelta(days=params.baseline_days - 1)
    start = series.history_start()
    if start is None or start > base_first + timedelta(days=params.baseline_days // 2):
        return []
    known = set(
        Alert.cases.through.objects.filter(
            alert__kind=Alert.Kind.NEW_THEME,
            alert__detected_on__gte=day - timedelta(days=params.recent_days + params.baseline_days),
            alert__detected_on__lt=day,
        ).values_list("case_id", flat=True)
    )
    recent = series.theme_texts(
        first=recent_first, last=last, cap=params.max_recent, seed=day.toordinal(), exclude=known
    )
    known_texts = series.texts_of(known, cap=params.max_baseline // 2)
    baseline = known_texts + [
        text
        for _pk, text in series.theme_texts(
            first=base_first, last=base_last, cap=params.max_baseline - len(known_texts), seed=day.toordinal()
        )
    ]
    if len(baseline) < config.min_baseline_texts:
        return []
    found = themes.new_themes(recent, baseline, params)
    drafts = []
    scale = params.recent_days / params.baseline_days
    for theme in found:
        cases = series.complaints().filter(pk__in=theme.ids)
        label = theme.label or "—"
        digest = hashlib.sha256(",".join(map(str, theme.ids)).encode()).hexdigest()[:16]
        expected = theme.baseline_near * scale
        drafts.append(
            AlertDraft(
                kind=Alert.Kind.NEW_THEME,
                dimension=Alert.Dimension.TEXT,
                series_key=f"theme-{digest}",
                series_label=label,
                method=themes.METHOD,
                detected_on=day,
                window_start=recent_first,
                window_end=last,
                observed=float(len(theme.ids)),
                expected=expected,
                ratio=len(theme.ids) / max(expected, 1.0),
                statistic=1.0 - theme.nearest_baseline,
                detail={
                    "label_zh": label,
                    "terms": list(theme.terms),
                    "cohesion": theme.cohesion,
                    "nearest_baseline": theme.nearest_baseline,
                    "baseline_near": theme.baseline_near,
                    "baseline": {"from": base_first, "to": base_last, "texts": len(baseline)},
                    "recent_texts": len(recent),
                    "params": params.as_dict(),
                },
                case_ids=list(theme.ids)[: config.max_cases],
                suggested_owner_id=series.busiest_department(cases),
            )
        )
    return drafts
