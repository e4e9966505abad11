from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Calendar(models.Model):
    """A business calendar. Monday to Friday are working days unless a ``CalendarDay`` says otherwise.

    A calendar only answers for years listed in ``CalendarYear``; any other year is an error.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    zone = models.CharField(_("time zone"), max_length=64)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {"zone": gettext("“%(zone)s” is not an IANA time zone such as Asia/Shanghai.") % {"zone": self.zone}}
            ) from None


class CalendarYear(models.Model):
    """Marks a year as covered: its holidays and adjusted working days are all loaded."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="years", verbose_name=_("calendar"))
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["calendar", "year"]
        constraints = [models.UniqueConstraint(fields=["calendar", "year"], name="calendar_year_unique")]

    def __str__(self) -> str:
        return f"{self.calendar.code} {self.year}"


class CalendarDay(models.Model):
    """An exception to the weekday rule: a holiday on a weekday, or an adjusted working weekend day (调休)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.calendar.code} {self.date}"


class Unit(models.TextChoices):
    ELAPSED_HOURS = "elapsed_hours", _("Elapsed hours")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")
    BUSINESS_DAYS = "business_days", _("Business days")


class Milestone(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement")
    FIRST_RESPONSE = "first_response", _("First response")
    FINAL_RESPONSE = "final_response", _("Final response")


class DeadlinePolicy(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120, blank=True)
    # Cites the rule the policy implements, e.g. "DISP 1.6.2R".
    description = models.TextField(_("description and legal basis"))
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="policies", verbose_name=_("calendar")
    )
    allows_pause = models.BooleanField(_("clock may be paused"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PolicyMilestone(models.Model):
    policy = models.ForeignKey(
        DeadlinePolicy, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("policy")
    )
    milestone = models.CharField(_("milestone"), max_length=20, choices=Milestone.choices)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    # 0 with elapsed hours means "at receipt" (automatic acknowledgement).
    amount = models.PositiveIntegerField(_("amount"))
    # Case types this milestone applies to (empty: every type), e.g. ["feedback"].
    case_types = models.JSONField(_("case types"), default=list, blank=True)
    rolls_to_working_day = models.BooleanField(_("moves to the next working day"), default=False)

    class Meta:
        verbose_name = _("policy milestone")
        verbose_name_plural = _("policy milestones")
        ordering = ["policy", "id"]

    def __str__(self) -> str:
        return f"{self.policy.code}: {self.milestone}"

    def clean(self) -> None:
        if not isinstance(self.case_types, list) or not all(isinstance(t, str) and t for t in self.case_types):
            raise ValidationError({"case_types": gettext('Case types must be a list of names, e.g. ["feedback"].')})
        if self.rolls_to_working_day and self.unit != Unit.CALENDAR_DAYS:
            raise ValidationError(
                {"rolls_to_working_day": gettext("Only a period in calendar days can move to the next working day.")}
            )


class PolicyExtension(models.Model):
    """A named extension: the final response moves to ``amount`` units after receipt in total."""

    policy = models.ForeignKey(
        DeadlinePolicy, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("policy")
    )
    name = models.SlugField(_("name"), max_length=40)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    amount = models.PositiveIntegerField(_("amount"))
    needs_senior_approval = models.BooleanField(_("needs senior approval"), default=False)
    needs_customer_notice = models.BooleanField(_("needs a notice to the customer"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("policy extension")
        verbose_name_plural = _("policy extensions")
        ordering = ["policy", "amount"]
        constraints = [models.UniqueConstraint(fields=["policy", "name"], name="policy_extension_unique")]

    def __str__(self) -> str:
        return f"{self.policy.code}: {self.name}"


class RulesVersion(models.Model):
    """One row whose ``token`` changes whenever any calendar or policy row changes.

    Database triggers (migration 0005) give it a fresh random token on every insert, update,
    delete or truncate of the calendar and policy tables, whatever makes the change: the admin,
    ``load_calendars``, a data migration or a raw query. ``selectors.deadline_rules`` keeps the
    specs it loaded per process, keyed by this token, so a change made by any process is seen by
    every other one at its next operation. A token never repeats (it is random, not a counter),
    so a rolled-back change cannot make a stale cache look current.
    """

    token = models.CharField(_("token"), max_length=64)

    class Meta:
        verbose_name = _("deadline rules version")
        verbose_name_plural = _("deadline rules versions")

    def __str__(self) -> str:
        return self.token
