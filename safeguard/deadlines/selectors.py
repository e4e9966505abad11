"""Reads of deadline policies and calendars, shaped as the pure values ``rules`` works on.

Two ways in:

* ``deadline_rules()`` for services, once per operation: every policy's spec as of the current
  rules version, from a per-process cache checked against ``RulesVersion`` (one query) and
  reloaded (five more) when any calendar or policy row changed anywhere. The cache is only a
  copy: correctness never depends on it, since every operation compares the token the database
  holds now (see ``models.RulesVersion``).
* ``policy_spec(policy)`` loads one policy straight from the tables (four or five queries), for
  one-off callers such as the ``deadline`` command.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from safeguard.deadlines.errors import UnknownPolicy
from safeguard.deadlines.models import (
    Calendar,
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    PolicyExtension,
    PolicyMilestone,
    RulesVersion,
)
from safeguard.deadlines.rules import CalendarData, ExtensionRule, MilestoneRule, PolicySpec


def active_policies() -> QuerySet[DeadlinePolicy]:
    """Policies that can be given to new cases, with their calendar, by code."""
    return DeadlinePolicy.objects.filter(is_active=True).select_related("calendar").order_by("code")


def calendar_data(calendar: Calendar) -> CalendarData:
    """The calendar's covered years and all its exceptions (two queries)."""
    years = frozenset(CalendarYear.objects.filter(calendar=calendar).order_by().values_list("year", flat=True))
    exceptions = dict(CalendarDay.objects.filter(calendar=calendar).order_by().values_list("date", "is_working_day"))
    return CalendarData(zone=calendar.zone, years=years, exceptions=exceptions, code=calendar.code)


def policy_spec(policy: DeadlinePolicy | str) -> PolicySpec:
    """The policy (by instance or code, active or not) with its milestones, extensions and calendar.

    Queries: the policy with its calendar (only when given a code, or an instance without its
    calendar loaded), its milestones, its extensions, the calendar's years, the calendar's days.
    """
    if isinstance(policy, str):
        code = policy
        found = DeadlinePolicy.objects.select_related("calendar").filter(code=code).first()
        if found is None:
            raise UnknownPolicy(policy=code)
        policy = found
    return _spec(
        policy,
        policy.milestones.order_by("id"),
        policy.extensions.order_by("amount", "name"),
        calendar_data(policy.calendar),
    )


def _spec(
    policy: DeadlinePolicy,
    milestones: Iterable[PolicyMilestone],
    extensions: Iterable[PolicyExtension],
    calendar: CalendarData,
) -> PolicySpec:
    return PolicySpec(
        code=policy.code,
        zone=calendar.zone,
        calendar=calendar,
        milestones=tuple(
            MilestoneRule(
                milestone=m.milestone,
                unit=m.unit,
                amount=m.amount,
                case_types=frozenset(m.case_types or ()),
                rolls_to_working_day=m.rolls_to_working_day,
            )
            for m in milestones
        ),
        extensions={e.name: _extension_rule(e) for e in extensions},
        allows_pause=policy.allows_pause,
    )


def _extension_rule(extension: PolicyExtension) -> ExtensionRule:
    return ExtensionRule(
        name=extension.name,
        unit=extension.unit,
        amount=extension.amount,
        needs_senior_approval=extension.needs_senior_approval,
        needs_customer_notice=extension.needs_customer_notice,
    )


# --- every policy at once, cached per rules version ------------------------------------------


@dataclass(frozen=True)
class PolicyEntry:
    """A stored policy as services need it: its id (for foreign keys), whether new cases may get
    it, and its spec."""

    id: int
    is_active: bool
    spec: PolicySpec


@dataclass(frozen=True)
class DeadlineRules:
    """Every policy, active or not, as of one rules version (``None``: not cacheable)."""

    version: str | None
    by_code: Mapping[str, PolicyEntry]
    by_id: Mapping[int, PolicyEntry]

    def policy(self, policy: DeadlinePolicy | int | str) -> PolicyEntry:
        """The policy by instance, id or code; ``UnknownPolicy`` when there is none."""
        if isinstance(policy, str):
            found = self.by_code.get(policy)
        else:
            found = self.by_id.get(policy if isinstance(policy, int) else policy.pk)
        if found is None:
            raise UnknownPolicy(policy=str(policy))
        return found

    def spec(self, policy: DeadlinePolicy | int | str) -> PolicySpec:
        return self.policy(policy).spec

    def active(self, code: str) -> PolicyEntry | None:
        """The active policy with this code, or None."""
        found = self.by_code.get(code)
        return found if found is not None and found.is_active else None


_loaded: DeadlineRules | None = None


def rules_version() -> str | None:
    """The current ``RulesVersion`` token (one query); None only while the table is being emptied."""
    return RulesVersion.objects.values_list("token", flat=True).first()


def deadline_rules() -> DeadlineRules:
    """Every policy's spec as of now: one query when this process already holds the current
    version, six when it must load them (policies with calendars, milestones, extensions,
    calendar years, calendar days). Call once per operation and pass the result on."""
    global _loaded  # one per-process copy, checked against the database on every call
    version = rules_version()
    loaded = _loaded
    if loaded is not None and version is not None and loaded.version == version:
        return loaded
    rules = _load(version)
    if version is not None:
        _loaded = rules
    return rules


def _load(version: str | None) -> DeadlineRules:
    policies = list(
        DeadlinePolicy.objects.select_related("calendar")
        .prefetch_related(
            Prefetch("milestones", queryset=PolicyMilestone.objects.order_by("id")),
            Prefetch("extensions", queryset=PolicyExtension.objects.order_by("amount", "name")),
        )
        .order_by("code")
    )
    calendar_ids = {p.calendar_id for p in policies}
    years: dict[int, set[int]] = defaultdict(set)
    for calendar_id, year in (
        CalendarYear.objects.filter(calendar_id__in=calendar_ids).order_by().values_list("calendar_id", "year")
    ):
        years[calendar_id].add(year)
    exceptions: dict[int, dict[date, bool]] = defaultdict(dict)
    for calendar_id, day, working in (
        CalendarDay.objects.filter(calendar_id__in=calendar_ids)
        .order_by()
        .values_list("calendar_id", "date", "is_working_day")
    ):
        exceptions[calendar_id][day] = working
    calendars = {
        p.calendar_id: CalendarData(
            zone=p.calendar.zone,
            years=frozenset(years[p.calendar_id]),
            exceptions=exceptions[p.calendar_id],
            code=p.calendar.code,
        )
        for p in policies
    }
    entries = [
        PolicyEntry(
            id=p.pk,
            is_active=p.is_active,
            spec=_spec(p, p.milestones.all(), p.extensions.all(), calendars[p.calendar_id]),
        )
        for p in policies
    ]
    return DeadlineRules(
        version=version,
        by_code={e.spec.code: e for e in entries},
        by_id={e.id: e for e in entries},
    )
