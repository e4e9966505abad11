"""The database side of early warning: daily complaint counts per series, the texts for the theme
search, and the cases behind a change.

A *series* is the daily count of complaints (cases of type complaint, by ``received_at`` as a date
in the institution's zone, ``settings.TIME_ZONE``) in one *dimension*: the whole institution
(``all``), one product, one category, one branch or one channel.

A case's *branch* is its department when that is a branch (``Department.Kind.BRANCH``), else the
nearest branch above it in the tree (a branch's own teams count for the branch). Cases of head-office
departments, and cases with no department, belong to no branch series; they still count in the
other dimensions.

One ``GROUP BY`` query per dimension over the window (on PostgreSQL it reads the window's rows
through ``case_received_idx``): ``(key, local date, count)`` rows, at most keys × days of them.
Products and categories are grouped on their ids and keyed by their codes (one small query).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import translation
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department
from safeguard.cases.models import Case, CaseType, Category, Channel, Product
from safeguard.quality.models import Alert

Dimension = Alert.Dimension
SPIKE_DIMENSIONS = (Dimension.ALL, Dimension.PRODUCT, Dimension.CATEGORY, Dimension.BRANCH, Dimension.CHANNEL)
ALL_KEY = "all"

# The column each dimension groups on (the branch groups on the department, then maps it).
_GROUP_FIELD: dict[str, str] = {
    Dimension.PRODUCT: "product_id",
    Dimension.CATEGORY: "category_id",
    Dimension.BRANCH: "department_id",
    Dimension.CHANNEL: "channel",
}


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the institution's zone (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone())


def complaints() -> QuerySet[Case]:
    return Case.objects.filter(type=CaseType.COMPLAINT)


def received_between(first: date, last: date) -> Q:
    """Received on a day from ``first`` to ``last`` (inclusive) in the institution's zone."""
    return Q(received_at__gte=day_start(first), received_at__lt=day_start(last + timedelta(days=1)))


@dataclass(frozen=True)
class Series:
    """The daily counts of every series of one dimension: ``counts[i]`` is ``keys[i]``'s, one
    column per day from ``first`` to ``last``."""

    dimension: str
    keys: list[str]
    counts: np.ndarray[Any, np.dtype[np.int64]]
    first: date
    last: date


class BranchTree:
    """Which branch each department belongs to (itself, or its nearest branch ancestor)."""

    def __init__(self, rows: Iterable[tuple[int, int | None, str]]) -> None:
        self.parent: dict[int, int | None] = {}
        self.kind: dict[int, str] = {}
        for pk, parent, kind in rows:
            self.parent[pk] = parent
            self.kind[pk] = kind

    @classmethod
    def load(cls) -> BranchTree:
        return cls(Department.objects.values_list("id", "parent_id", "kind"))

    def branch_of(self, department_id: int | None) -> int | None:
        seen: set[int] = set()
        current = department_id
        while current is not None and current not in seen:
            if self.kind.get(current) == Department.Kind.BRANCH:
                return current
            seen.add(current)
            current = self.parent.get(current)
        return None

    def departments_of(self, branch_id: int) -> list[int]:
        """The departments whose branch is ``branch_id`` (the branch itself and its own teams)."""
        return [pk for pk in self.parent if self.branch_of(pk) == branch_id]


def daily_counts(dimension: str, *, first: date, last: date, tree: BranchTree | None = None) -> Series:
    """One GROUP BY over complaints received from ``first`` to ``last``; every key with at least
    one complaint in the window gets a row (days without complaints are 0)."""
    days = (last - first).days + 1
    rows = complaints().filter(received_between(first, last)).annotate(day=TruncDate("received_at", tzinfo=zone()))
    by_key: dict[str, np.ndarray[Any, np.dtype[np.int64]]] = {}
    if dimension == Dimension.ALL:
        grouped: Iterable[tuple[Any, date, int]] = (
            (ALL_KEY, row["day"], row["n"]) for row in rows.values("day").annotate(n=Count("pk")).order_by()
        )
    else:
        field = _GROUP_FIELD[dimension]
        grouped = (
            (row[field], row["day"], row["n"])
            for row in rows.exclude(**{f"{field}__isnull": True})
            .values(field, "day")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if dimension == Dimension.BRANCH:
            branches = tree or BranchTree.load()
            grouped = ((branches.branch_of(pk), day, n) for pk, day, n in list(grouped))
        elif dimension in (Dimension.PRODUCT, Dimension.CATEGORY):
            # Grouped on the id (no join, a narrower sort); the series is keyed by the stable code.
            model = Product if dimension == Dimension.PRODUCT else Category
            codes = dict(model.objects.values_list("id", "code"))
            grouped = ((codes.get(pk), day, n) for pk, day, n in list(grouped))
    for key, day, n in grouped:
        if key is None or key == "":
            continue
        column = (day - first).days
        if 0 <= column < days:
            row = by_key.setdefault(str(key), np.zeros(days, dtype=np.int64))
            row[column] += n
    keys = sorted(by_key)
    counts = np.asarray([by_key[k] for k in keys], dtype=np.int64).reshape(len(keys), days)
    return Series(dimension=str(dimension), keys=keys, counts=counts, first=first, last=last)


def history_start() -> date | None:
    """The local date of the first complaint ever recorded (the data's history starts there)."""
    first = complaints().aggregate(first=Min("received_at"))["first"]
    return first.astimezone(zone()).date() if first is not None else None


def cases_of(dimension: str, key: str, *, first: date, last: date, tree: BranchTree | None = None) -> QuerySet[Case]:
    """The complaints of one series received from ``first`` to ``last``, oldest first."""
    cases = complaints().filter(received_between(first, last))
    if dimension == Dimension.PRODUCT:
        cases = cases.filter(product__code=key)
    elif dimension == Dimension.CATEGORY:
        cases = cases.filter(category__code=key)
    elif dimension == Dimension.CHANNEL:
        cases = cases.filter(channel=key)
    elif dimension == Dimension.BRANCH:
        cases = cases.filter(department_id__in=(tree or BranchTree.load()).departments_of(int(key)))
    return cases.order_by("received_at", "pk")


def busiest_department(cases: QuerySet[Case]) -> int | None:
    """The department most of ``cases`` belong to (ties: the lowest id), or None."""
    counts = Counter(
        dict(
            cases.exclude(department__isnull=True)
            .order_by()
            .values("department_id")
            .annotate(n=Count("pk"))
            .values_list("department_id", "n")
        )
    )
    if not counts:
        return None
    return min(counts, key=lambda pk: (-counts[pk], pk))


@dataclass(frozen=True)
class Labels:
    """A series' name in English and in Chinese (the alert keeps both)."""

    en: str
    zh: str


def labels(dimension: str, keys: Iterable[str]) -> dict[str, Labels]:
    """The display names of the series ``keys`` of one dimension (one query at most)."""
    keys = list(keys)
    if dimension == Dimension.ALL:
        return {k: _both(lambda: _("All complaints")) for k in keys}
    if dimension == Dimension.CHANNEL:
        return {k: _both(lambda k=k: str(Channel(k).label) if k in Channel.values else k) for k in keys}
    if dimension == Dimension.PRODUCT:
        products = Product.objects.filter(code__in=keys).values_list("code", "name", "name_zh")
        return _named(keys, {code: (name, zh) for code, name, zh in products})
    if dimension == Dimension.CATEGORY:
        categories = Category.objects.filter(code__in=keys).values_list("code", "name", "name_zh")
        return _named(keys, {code: (name, zh) for code, name, zh in categories})
    if dimension == Dimension.BRANCH:
        branches = Department.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name", "name_zh")
        return _named(keys, {str(pk): (name, zh) for pk, name, zh in branches})
    return {k: Labels(k, k) for k in keys}


def _both(text: Any) -> Labels:
    with translation.override("en"):
        en = str(text())
    with translation.override("zh-hans"):
        zh = str(text())
    return Labels(en, zh)


def _named(keys: list[str], names: dict[str, tuple[str, str]]) -> dict[str, Labels]:
    result = {}
    for key in keys:
        name, zh = names.get(key, (key, ""))
        result[key] = Labels(name, zh or name)
    return result


def theme_texts(*, first: date, last: date, cap: int, seed: int, exclude: Iterable[int] = ()) -> list[tuple[int, str]]:
    """Up to ``cap`` complaints received from ``first`` to ``last`` as (id, subject and
    description); when there are more, a sample drawn with ``seed`` (the same day gives the same
    sample). ``exclude`` ids are left out."""
    ids = list(complaints().filter(received_between(first, last)).order_by("pk").values_list("pk", flat=True))
    skipped = set(exclude)
    ids = [pk for pk in ids if pk not in skipped]
    if len(ids) > cap:
        picked = np.random.default_rng(seed).choice(len(ids), size=cap, replace=False)
        ids = sorted(ids[i] for i in picked)
    texts: list[tuple[int, str]] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = Case.objects.filter(pk__in=chunk).order_by("pk").values_list("pk", "subject", "description")
        texts.extend((pk, f"{subject}\n{description}".strip()) for pk, subject, description in rows)
    return texts


def texts_of(ids: Iterable[int], cap: int) -> list[str]:
    """The texts of the given cases (at most ``cap``): known themes join the baseline."""
    chosen = sorted(set(ids))[-cap:]
    rows = Case.objects.filter(pk__in=chosen).values_list("subject", "description")
    return [f"{subject}\n{description}".strip() for subject, description in rows]
