"""``{% case_survey case %}``: the customer's survey answer on the case page.

The cases app may not import surveys, so its template loads this library by name
(``{% load survey_tags %}``). The tag shows nothing to a user without
``surveys.view_surveyresponse``; the case page has already checked that the user may see the case.
"""

from __future__ import annotations

from typing import Any

from django import template

from safeguard.cases.models import Case
from safeguard.surveys import selectors
from safeguard.surveys.models import SCALES, SurveyKind
from safeguard.surveys.services import SKIP_REASONS

register = template.Library()


@register.inclusion_tag("surveys/_case_survey.html", takes_context=True)
def case_survey(context: template.Context, case: Case) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("surveys.view_surveyresponse"):
        return {"show": False}
    found = selectors.case_survey(case)
    scores = []
    if found.response is not None:
        for kind in found.invitation.kinds if found.invitation else []:
            value = getattr(found.response, kind, None)
            if kind in SCALES and value is not None:
                scores.append({"label": SurveyKind(kind).label, "value": value, "high": SCALES[kind][1]})
    reason = found.invitation.skip_reason if found.invitation is not None else ""
    return {
        "show": True,
        "invitation": found.invitation,
        "response": found.response,
        "scores": scores,
        "skip_reason": SKIP_REASONS.get(reason, reason),
    }
