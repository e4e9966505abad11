"""Small helpers shared by the report gatherers: names in the active language, the populations
counted, and scrubbing free text."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language

from safeguard.cases.models import Case, CaseType, Status
from safeguard.core.masking import mask_middle
from safeguard.quality.reports.periods import ReportPeriod


def is_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def name_of(obj: Any, default: str = "") -> str:
    """``name_zh`` in a Chinese report when there is one, else ``name``."""
    if obj is None:
        return default
    name_zh = getattr(obj, "name_zh", None)
    if is_chinese() and name_zh:
        return str(name_zh)
    return str(obj.name)


def institution() -> str:
    zh = is_chinese()
    name_zh = settings.SAFEGUARD_REPORTS_INSTITUTION_ZH
    return str(name_zh if zh and name_zh else settings.SAFEGUARD_REPORTS_INSTITUTION)


def complaints_received(period: ReportPeriod) -> QuerySet[Case]:
    """Complaints received in the period; duplicates merged into another case are not counted
    again (the case they were merged into is)."""
    start, end = period.bounds()
    return Case.objects.filter(type=CaseType.COMPLAINT, received_at__gte=start, received_at__lt=end).exclude(
        status=Status.MERGED
    )


def complaints_closed(period: ReportPeriod) -> QuerySet[Case]:
    """Complaints whose final response (the decision) was given in the period."""
    start, end = period.bounds()
    return Case.objects.filter(type=CaseType.COMPLAINT, resolved_at__gte=start, resolved_at__lt=end).exclude(
        status=Status.MERGED
    )


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d[\d -]{5,}[\dXx]")


def scrub(text: str, limit: int = 200) -> str:
    """Free text a person wrote, fit for a report: e-mail addresses and long digit runs (phone,
    ID and account numbers) masked, whitespace folded, cut to ``limit`` characters."""
    text = _EMAIL.sub(lambda m: mask_middle(m.group(0), 1, 0), text)
    text = _DIGITS.sub(lambda m: mask_middle(re.sub(r"\D", "", m.group(0)), 2, 2), text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
