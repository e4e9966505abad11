"""Triage endpoint under /api/v1: what triage said about a case.

``GET /cases/{reference}/triage``: the latest prediction made by the version that was active
(it is the one that could act on the case), and the latest of each shadow version, flagged
``shadow``. The case comes through ``cases.selectors.case_for`` (a case the caller may not see is
404, like a missing one); predictions need ``triage.view_prediction`` (403). Errors are problem
documents (``api.main``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from safeguard.accounts.models import User
from safeguard.api.problems import Problem
from safeguard.cases.selectors import case_for
from safeguard.triage import selectors
from safeguard.triage.models import Prediction

router = Router(tags=["triage"])

ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem}


class FeatureOut(Schema):
    feature: str
    weight: float


class ResultOut(Schema):
    label: str = Field(description="The predicted code (case type, product, category or department code)")
    confidence: float = Field(description="0 to 1")
    abstained: bool = Field(description="Below the confidence threshold: triage left the decision to a person")
    top: list[tuple[str, float]] = Field(description="The best labels with their scores")
    features: list[FeatureOut] = Field(description="The explanation: features that pushed towards the label")


class SignalOut(Schema):
    kind: str
    severity: str
    words: list[str] = Field(description="The words in the case's text that triggered the signal")


class RouteOut(Schema):
    source: str = Field(description="rule, model or none")
    department: str | None
    group: str | None
    rule: int | None
    rule_name: str | None


class PredictionOut(Schema):
    model_version: int
    model_version_name: str
    shadow: bool = Field(description="A shadow version's prediction: stored, never acted on")
    created_at: datetime
    results: dict[str, ResultOut] = Field(description="Per target: type, product, category, department")
    signals: list[SignalOut]
    route: RouteOut
    applied: dict[str, str] = Field(description="The case fields triage set, with the values it set")
    suggested_type: str | None = Field(description="A type suggested to a person instead of being applied")
    suggested_templates: list[int] = Field(description="Ids of the most relevant response templates")


class TriageOut(Schema):
    reference: str
    prediction: PredictionOut | None = Field(description="The latest prediction of the active model; null if none")
    shadow: list[PredictionOut]


def _result(data: dict[str, Any]) -> ResultOut:
    explanation = data.get("explanation") or {}
    return ResultOut(
        label=str(data.get("label", "")),
        confidence=float(data.get("confidence", 0)),
        abstained=bool(data.get("abstained")),
        top=[(str(label), float(score)) for label, score in data.get("top") or []],
        features=[FeatureOut(feature=str(f), weight=float(w)) for f, w in explanation.get("features") or []],
    )


def _prediction(p: Prediction) -> PredictionOut:
    route = p.route or {}
    return PredictionOut(
        model_version=p.model_version_id,
        model_version_name=p.model_version.name,
        shadow=p.shadow,
        created_at=p.created_at,
        results={target: _result(data) for target, data in p.results.items()},
        signals=[
            SignalOut(
                kind=str(s.get("kind", "")), severity=str(s.get("severity", "")), words=list(s.get("words") or [])
            )
            for s in p.signals
        ],
        route=RouteOut(
            source=str(route.get("source", "none")),
            department=route.get("department"),
            group=route.get("group"),
            rule=route.get("rule"),
            rule_name=route.get("rule_name"),
        ),
        applied={str(k): str(v) for k, v in (p.applied or {}).items()},
        suggested_type=p.suggestions.get("type"),
        suggested_templates=[int(pk) for pk in p.suggestions.get("templates") or []],
    )


@router.get(
    "/cases/{reference}/triage", response={200: TriageOut, **ERRORS}, summary="What triage predicted for a case"
)
def case_triage(request: HttpRequest, reference: str) -> TriageOut:
    user = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    assert isinstance(user, User)
    case = case_for(user, reference)
    found = selectors.case_predictions_for(user, case)
    return TriageOut(
        reference=case.reference,
        prediction=_prediction(found.active) if found.active else None,
        shadow=[_prediction(p) for p in found.shadows],
    )
