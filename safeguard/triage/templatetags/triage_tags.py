"""``{% case_triage case %}``: triage's panel on the case page.

The cases app may not import triage, so its template loads this library by name
(``{% load triage_tags %}``). The panel shows nothing to a user without
``triage.view_prediction``; the case page has already checked that the user may see the case.
It shows each target's prediction with its confidence (or that triage abstained), the
explanation, the risk signals with their trigger words highlighted, the route, the fields triage
set, suggested answers and the model version; and offers "accept" / "correct" to handlers.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils import translation

from safeguard.accounts.models import User
from safeguard.cases.models import OPEN_STATUSES, Case, CaseType, ResponseTemplate, Severity
from safeguard.triage import selectors
from safeguard.triage import signals as risk
from safeguard.triage.models import Prediction, Target
from safeguard.triage.services.corrections import WORK_PERM
from safeguard.triage.services.text import case_text

register = template.Library()

# Characters of context shown on each side of a signal's first trigger word.
EXCERPT_RADIUS = 60
FEATURES_SHOWN = 5


def highlight(text: str, words: list[str], radius: int = EXCERPT_RADIUS) -> list[dict[str, Any]]:
    """An excerpt of ``text`` around the first trigger word, as segments ``{"text", "mark"}``
    (the template marks them; every segment is escaped like any other text)."""
    spans = []
    for word in words:
        start = text.find(word) if word else -1
        while start >= 0:
            spans.append((start, start + len(word)))
            start = text.find(word, start + len(word))
    if not spans:
        return []
    spans.sort()
    first_start, first_end = spans[0]
    lo, hi = max(0, first_start - radius), min(len(text), first_end + radius)
    segments: list[dict[str, Any]] = []
    if lo > 0:
        segments.append({"text": "…", "mark": False})
    cursor = lo
    for start, end in spans:
        if start < cursor or end > hi:
            continue
        if start > cursor:
            segments.append({"text": text[cursor:start], "mark": False})
        segments.append({"text": text[start:end], "mark": True})
        cursor = end
    if cursor < hi:
        segments.append({"text": text[cursor:hi], "mark": False})
    if hi < len(text):
        segments.append({"text": "…", "mark": False})
    return segments


def _percent(value: Any) -> int:
    return round(float(value or 0) * 100)


def _applied(field: str, code: str, names: dict[str, dict[str, str]]) -> dict[str, str]:
    """A field triage set, as ``{"label", "value"}`` in the reader's language."""
    if field in Target.values:
        return {"label": str(Target(field).label), "value": names[field].get(code, code)}
    if field == "severity" and code in Severity.values:
        return {"label": selectors.field_label(field).capitalize(), "value": str(Severity(code).label)}
    return {"label": field, "value": code}


def _choices(catalog: dict[str, selectors.Label]) -> list[tuple[str, str]]:
    return [(code, label.name) for code, label in catalog.items() if label.is_active]


def _current(case: Case, target: str) -> str:
    if target == Target.TYPE:
        return case.type
    value = getattr(case, target)
    return value.code if value is not None else ""


def _rows(
    case: Case, prediction: Prediction, catalogs: dict[str, dict[str, selectors.Label]], can_correct: bool
) -> list[dict[str, Any]]:
    rows = []
    for target in Target.values:
        names = {code: label.name for code, label in catalogs[target].items()}
        result = prediction.results.get(target) or None
        current = _current(case, target)
        row: dict[str, Any] = {
            "target": target,
            "label": Target(target).label,
            "current": names.get(current, current),
            "predicted": None,
        }
        if result:
            label = str(result.get("label", ""))
            row["predicted"] = {
                "code": label,
                "name": names.get(label, label),
                "percent": _percent(result.get("confidence")),
                "abstained": bool(result.get("abstained")),
                "alternatives": [
                    {"name": names.get(str(other), str(other)), "percent": _percent(score)}
                    for other, score in (result.get("top") or [])[1:3]
                ],
                "features": [
                    {"feature": str(f), "weight": float(w)}
                    for f, w in ((result.get("explanation") or {}).get("features") or [])[:FEATURES_SHOWN]
                ],
                "applied": target in (prediction.applied or {}),
                "matches_case": label == current,
            }
        if can_correct:
            row["choices"] = _choices(catalogs[target])
        rows.append(row)
    return rows


def _signals(prediction: Prediction, text: str) -> list[dict[str, Any]]:
    shown = []
    for found in prediction.signals:
        kind = str(found.get("kind", ""))
        try:
            name = str(risk.SignalKind(kind).label)
        except ValueError:
            name = kind
        words = [str(w) for w in found.get("words") or []]
        shown.append(
            {
                "kind": kind,
                "name": name,
                "severity": str(found.get("severity", "")),
                "words": words,
                "excerpt": highlight(text, words),
                "earlier_cases": found.get("earlier_cases"),
            }
        )
    return shown


def _templates(prediction: Prediction) -> list[ResponseTemplate]:
    ids = [int(pk) for pk in (prediction.suggestions.get("templates") or []) if str(pk).isdigit()]
    found = ResponseTemplate.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@register.inclusion_tag("triage/_case_panel.html", takes_context=True)
def case_triage(context: template.Context, case: Case) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not selectors.can_view_predictions(user):
        return {"show": False}
    assert isinstance(user, User)
    found = selectors.case_predictions(case)
    prediction = found.active
    if prediction is None and not found.shadows:
        return {"show": True, "case": case, "prediction": None}
    language = translation.get_language() or settings.LANGUAGE_CODE
    catalogs = {target: selectors.label_catalog(target, language) for target in Target.values}
    names = {target: {code: label.name for code, label in catalog.items()} for target, catalog in catalogs.items()}
    can_correct = user.has_perm(selectors.CORRECT_PERM) and user.has_perm(WORK_PERM) and case.status in OPEN_STATUSES
    data: dict[str, Any] = {
        "show": True,
        "case": case,
        "prediction": prediction,
        "can_correct": can_correct and prediction is not None,
        "can_view_versions": selectors.can_view_versions(user),
        "threshold_percent": _percent(settings.SAFEGUARD_TRIAGE_THRESHOLD),
        "shadows": [
            {
                "version": p.model_version,
                "results": [
                    {
                        "label": Target(t).label if t in Target.values else t,
                        "name": names.get(t, {}).get(str(r.get("label")), str(r.get("label"))),
                        "percent": _percent(r.get("confidence")),
                        "abstained": bool(r.get("abstained")),
                    }
                    for t, r in p.results.items()
                ],
            }
            for p in found.shadows
        ],
    }
    if prediction is None:
        return data
    route = prediction.route or {}
    department = route.get("department")
    suggested_type = prediction.suggestions.get("type")
    data.update(
        {
            "rows": _rows(case, prediction, catalogs, data["can_correct"]),
            "signals": _signals(prediction, case_text(case)) if prediction.signals else [],
            "route": {
                "source": route.get("source", "none"),
                "rule_name": route.get("rule_name") or "",
                "department": names[Target.DEPARTMENT].get(department, department) if department else "",
                "group": route.get("group") or "",
            },
            "applied": [_applied(field, str(code), names) for field, code in (prediction.applied or {}).items()],
            "templates": _templates(prediction),
            "suggested_type": CaseType(suggested_type).label
            if suggested_type in CaseType.values and suggested_type != case.type
            else None,
        }
    )
    return data
