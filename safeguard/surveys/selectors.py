"""Reads of the surveys app: the survey page, the case page, and the quality dashboard.

Periods are half-open, ``[start, end)``, with aware datetimes, as everywhere in Safeguard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.crypto import constant_time_compare

from safeguard.cases.models import Case
from safeguard.core.timeutil import require_aware
from safeguard.surveys import tokens
from safeguard.surveys.models import Purpose, SurveyInvitation, SurveyResponse

# What the survey page can say about a link.
OPEN = "open"
INVALID = "invalid"
EXPIRED = "expired"
ANSWERED = "answered"


def invitation_for_token(token: str) -> SurveyInvitation | None:
    """The invitation a link names; None for a token we did not sign, a wrong nonce, or an
    invitation that was never sent (skipped)."""
    ref = tokens.read(token)
    if ref is None:
        return None
    invitation = SurveyInvitation.objects.select_related("case").filter(pk=ref.invitation_id).first()
    if (
        invitation is None
        or not constant_time_compare(invitation.nonce, ref.nonce)
        or invitation.status == SurveyInvitation.Status.SKIPPED
    ):
        return None
    return invitation


def link_state(invitation: SurveyInvitation | None, *, now: datetime) -> str:
    """``open``, ``answered`` (single use), ``expired`` or ``invalid``, in that order of precedence
    after ``invalid``: an answered survey says so even after its link expired."""
    if invitation is None:
        return INVALID
    if invitation.answered_at is not None:
        return ANSWERED
    if invitation.expires_at <= now:
        return EXPIRED
    return OPEN


def case_invitation(case: Case) -> SurveyInvitation | None:
    """The post-case invitation of ``case`` (skipped ones too), or None."""
    return SurveyInvitation.objects.filter(case=case, purpose=Purpose.CASE).first()


def skip_reason(case: Case) -> str:
    """Why ``case``'s customer was not surveyed about it ('' when they were, or not yet asked)."""
    invitation = case_invitation(case)
    return invitation.skip_reason if invitation is not None else ""


@dataclass(frozen=True)
class CaseSurvey:
    invitation: SurveyInvitation | None
    response: SurveyResponse | None


def case_survey(case: Case) -> CaseSurvey:
    """The post-case invitation and its answer, for the case page (two indexed queries at most)."""
    invitation = case_invitation(case)
    response = None
    if invitation is not None and invitation.answered_at is not None:
        response = SurveyResponse.objects.filter(invitation=invitation).first()
    return CaseSurvey(invitation=invitation, response=response)


def responses_in(start: datetime, end: datetime) -> QuerySet[SurveyResponse]:
    """Responses answered in ``[start, end)`` (the answered_at index)."""
    require_aware(start, "start")
    require_aware(end, "end")
    return SurveyResponse.objects.filter(answered_at__gte=start, answered_at__lt=end)


@dataclass(frozen=True)
class ResponseRate:
    sent: int
    answered: int

    @property
    def rate(self) -> float | None:
        """Answered / sent; None ("no data") when nothing was sent, never 0 % or a division by zero."""
        return self.answered / self.sent if self.sent else None


def response_rate(start: datetime, end: datetime) -> dict[str, ResponseRate]:
    """Per purpose (``case``, ``relationship``) and ``all``: invitations sent in ``[start, end)``
    and how many of them have been answered (whenever the answer came). One query."""
    require_aware(start, "start")
    require_aware(end, "end")
    rows = (
        SurveyInvitation.objects.filter(sent_at__gte=start, sent_at__lt=end)
        .values("purpose")
        .annotate(sent=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False)))
        .order_by()
    )
    found = {row["purpose"]: ResponseRate(sent=row["sent"], answered=row["answered"]) for row in rows}
    rates = {purpose: found.get(purpose, ResponseRate(0, 0)) for purpose in Purpose.values}
    rates["all"] = ResponseRate(
        sent=sum(r.sent for r in found.values()), answered=sum(r.answered for r in found.values())
    )
    return rates
