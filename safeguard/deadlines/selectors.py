"""Reads of deadline policies and calendars, shaped as the pure values ``rules`` works on."""

from __future__ import annotations

from django.db.models import QuerySet

from safeguard.deadlines.errors import UnknownPolicy
from safeguard.deadlines.models import Calendar, CalendarDay, CalendarYear, DeadlinePolicy, PolicyExtension
from safeguard.deadlines.rules import CalendarData, ExtensionRule, MilestoneRule, PolicySpec


def active_policies() -> QuerySet[DeadlinePolicy]:
    """Policies that can be given to new cases, with their calendar, by code."""
    return DeadlinePolicy.objects.filter(is_active=True).select_related("calendar").order_by("code")


def calendar_data(calendar: Calendar) -> CalendarData:
    """The calendar's covered years and all its exceptions (two queries)."""
    years = frozenset(CalendarYear.objects.filter(calendar=calendar).values_list("year", flat=True))
    exceptions = dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "is_working_day"))
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
    milestones = tuple(
        MilestoneRule(
            milestone=m.milestone,
            unit=m.unit,
            amount=m.amount,
            case_types=frozenset(m.case_types or ()),
            rolls_to_working_day=m.rolls_to_working_day,
        )
        for m in policy.milestones.order_by("id")
    )
    extensions = {e.name: _extension_rule(e) for e in policy.extensions.order_by("amount", "name")}
    calendar = calendar_data(policy.calendar)
    return PolicySpec(
        code=policy.code,
        zone=calendar.zone,
        calendar=calendar,
        milestones=milestones,
        extensions=extensions,
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
