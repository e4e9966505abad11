"""Calculators over satisfaction surveys: the responses answered in the period (grouped by the
product, department and channel copied onto each response, so no join to cases) and the
invitations sent in the period (grouped through their case)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from safeguard.quality.calculators.base import Calculator, Cohort, Query, both, ratio
from safeguard.surveys.models import SurveyInvitation, SurveyResponse

RESPONSES = Cohort(
    SurveyResponse,
    date="answered_at",
    case="case__",
    dims={"product": "product", "channel": "channel", "department": "department", "handler": "handler"},
)
INVITATIONS = Cohort(SurveyInvitation, date="sent_at", case="case__")


class SurveyMean(Calculator):
    """The mean of ``params["field"]`` (csat 1–5, nps 0–10, effort 1–7) over the responses
    answered in the period that gave that score."""

    scale = Decimal(1)

    def __init__(self) -> None:
        super().__init__(RESPONSES)

    def _field(self, q: Query) -> str:
        field = q.param("field", "csat")
        if field not in ("csat", "nps", "effort"):
            raise ValueError(f"unknown survey score {field!r}")
        return str(field)

    def counted(self, q: Query) -> Q:
        return Q(**{f"{self._field(q)}__isnull": False})

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        return {"num": Sum(self._field(q), filter=where), "den": Count("pk", filter=where)}


class SurveyShare(SurveyMean):
    """% of the responses with a ``params["field"]`` score of at least ``params["min"]`` (and at
    most ``params["max"]``): "satisfied" is a CSAT of 4 or 5."""

    scale = Decimal(100)

    def numerator_filter(self, q: Query) -> Q | None:
        field = self._field(q)
        found = Q(**{f"{field}__gte": int(q.param("min", 4))})
        if q.param("max") is not None:
            found &= Q(**{f"{field}__lte": int(q.param("max"))})
        return found

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        return Calculator.aggregates(self, q, where)


class Nps(Calculator):
    """Net promoter score: % promoters (9–10) minus % detractors (0–6), from -100 to 100."""

    def __init__(self) -> None:
        super().__init__(RESPONSES)

    def counted(self, q: Query) -> Q:
        return Q(nps__isnull=False)

    def numerator_filter(self, q: Query) -> Q | None:
        # Drill-down: the promoters.
        return Q(nps__gte=9)

    def aggregates(self, q: Query, where: Q | None = None) -> dict[str, Any]:
        promoters = Count("pk", filter=both(where, Q(nps__gte=9)))
        return {"num": promoters - Count("pk", filter=both(where, Q(nps__lte=6))), "den": Count("pk", filter=where)}


class SurveyResponseRate(Calculator):
    """% of the survey invitations sent in the period that were answered (by now)."""

    def __init__(self) -> None:
        super().__init__(INVITATIONS)

    def counted(self, q: Query) -> Q:
        statuses = [SurveyInvitation.Status.SENT, SurveyInvitation.Status.ANSWERED]
        purpose = q.param("purpose")
        return Q(status__in=statuses) & (Q(purpose=purpose) if purpose else Q())

    def numerator_filter(self, q: Query) -> Q | None:
        return Q(status=SurveyInvitation.Status.ANSWERED)

    def value(self, numerator: Decimal | None, denominator: Decimal | None, q: Query) -> Decimal | None:
        return ratio(numerator, denominator)


CALCULATORS: dict[str, Calculator] = {
    "survey_mean": SurveyMean(),
    "survey_share": SurveyShare(),
    "nps": Nps(),
    "survey_response_rate": SurveyResponseRate(),
}
