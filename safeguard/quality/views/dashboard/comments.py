"""The survey comments panel: the latest comments of the period on cases the viewer may see,
with their scores, personal data in the text masked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases.selectors import visible_cases
from safeguard.core.masking import mask_email, mask_middle
from safeguard.quality import kpis
from safeguard.quality.views.dashboard.access import VIEW_RESPONSES_PERM, sees_everything
from safeguard.surveys.models import SurveyResponse

# The survey comments panel: the latest this many, each cut to this many characters.
COMMENTS = 10
COMMENT_CHARS = 280


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone, national ID and account numbers: seven or more digits, perhaps with spaces or dashes.
_DIGITS = re.compile(r"\d[\d -]{5,}[\dXx]")


_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _mask_digits(found: re.Match[str]) -> str:
    text = found.group(0)
    if _DATE.fullmatch(text):
        return text  # a date is not personal data
    return mask_middle(re.sub(r"[ -]", "", text), 0, 4)


def scrub(text: str) -> str:
    """Free text a customer wrote, with e-mail addresses and long numbers (phone, ID, account)
    masked: the panel shows what customers said, not how to reach them."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    return _DIGITS.sub(_mask_digits, text)


@dataclass(frozen=True)
class Comment:
    response: SurveyResponse
    text: str
    scores: list[str]


def comments(user: User, period: kpis.Period) -> list[Comment]:
    """The latest comments answered in ``period`` on cases ``user`` may see (and, for those who
    see every department, from relationship surveys too)."""
    if not user.has_perm(VIEW_RESPONSES_PERM):
        return []
    start, end = period.bounds()
    responses = SurveyResponse.objects.filter(answered_at__gte=start, answered_at__lt=end).exclude(comment="")
    if not sees_everything(user):
        responses = responses.filter(case__in=visible_cases(user))
    result = []
    for response in responses.select_related("case").order_by("-answered_at", "-pk")[:COMMENTS]:
        scores = []
        if response.csat is not None:
            scores.append(_("Satisfaction %(score)s/5") % {"score": response.csat})
        if response.nps is not None:
            scores.append(_("Recommend %(score)s/10") % {"score": response.nps})
        if response.effort is not None:
            scores.append(_("Effort %(score)s/7") % {"score": response.effort})
        text = Truncator(scrub(response.comment)).chars(COMMENT_CHARS)
        result.append(Comment(response, text, scores))
    return result
