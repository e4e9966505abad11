"""Triage of one case: predict with the active version (and every shadow version), detect risk
signals, route, suggest answers, and apply what is safe to apply.

What the active version may change, in one transaction with its timeline events and audit
entries (shadow versions only store what they would have done):

* product, category and department, **only where the case has none**: a person's or intake's
  choice is never overwritten. A target below ``SAFEGUARD_TRIAGE_THRESHOLD`` abstains and
  changes nothing. The department comes from the first matching routing rule, else the model.
* the case type is never changed: a complaint the customer filed as feedback or an inquiry is
  stored as a suggestion (``suggestions["type"]``) that a person accepts on the case page.
* severity is only ever raised, to the most severe signal's level: self-harm or crisis language
  makes the case critical and escalates it at once (a timeline event and an e-mail to the
  supervisors of its department, in their language); fraud, vulnerability and threats to go to
  the regulator, the media or the courts make it high.

Idempotent per (case, version): a version that already predicted the case is skipped (and the
unique constraint stops a concurrent duplicate). ``triage_case`` never raises: a failure is
logged (without the case's text) and the case stays untriaged for a person to classify.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department
from safeguard.audit import services as audit
from safeguard.cases import events
from safeguard.cases.models import Case, CaseType, Category, Product, Severity
from safeguard.triage import selectors
from safeguard.triage import signals as risk
from safeguard.triage.models import ModelVersion, Prediction, Target
from safeguard.triage.services import routing, store, suggest, versions
from safeguard.triage.services.text import case_text, language_of, with_first_message

logger = logging.getLogger(__name__)

# What triage_case returns (the task's result).
DONE = "done"
ALREADY = "already_triaged"
NO_MODEL = "no_model"
MISSING = "missing"
FAILED = "failed"

_SEVERITY_RANK: dict[str, int] = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}
# A customer's earlier case received this recently makes a new one a repeat complaint.
REPEAT_WINDOW = timedelta(days=90)
# The types a model's "complaint" is suggested over (never applied by itself).
_SUGGEST_COMPLAINT_OVER = (CaseType.FEEDBACK, CaseType.INQUIRY)
_FIELD_TARGETS = (Target.PRODUCT, Target.CATEGORY, Target.DEPARTMENT)


def triage_case(case_id: int) -> str:
    """Triage a case by id (the task and the case_opened receiver call this). Never raises."""
    try:
        return _triage(case_id)
    except Exception:
        logger.exception("triage of case %s failed; it stays untriaged", case_id)
        return FAILED


def _load(case_id: int) -> Case | None:
    return (
        with_first_message(Case.objects.select_related("customer", "product", "category", "department"))
        .filter(pk=case_id)
        .first()
    )


def _triage(case_id: int) -> str:
    case = _load(case_id)
    if case is None:
        return MISSING
    active = selectors.active_version()
    if active is None and not ModelVersion.objects.exists():
        active = versions.ensure_default_model()
    candidates = ([active] if active is not None else []) + selectors.shadow_versions()
    if not candidates:
        return NO_MODEL
    done = selectors.triaged_versions(case_id)
    todo = [v for v in candidates if v.pk not in done]
    if not todo:
        return ALREADY
    text = case_text(case)
    language = language_of(text, default=case.customer.preferred_language)
    found = _signals(case, text, language)
    outcome = ALREADY
    for version in todo:
        acts = active is not None and version.pk == active.pk
        try:
            made = _run(case, version, text=text, language=language, found=found, acts=acts)
        except Exception:
            # A shadow version's failure is its own; the active one's leaves the case untriaged.
            logger.exception("triage of case %s with model version %s failed", case_id, version.pk)
            if acts:
                outcome = FAILED
            continue
        if made and outcome != FAILED:
            outcome = DONE
    return outcome


# --- signals ----------------------------------------------------------------------------------


def _signals(case: Case, text: str, language: str) -> list[dict[str, Any]]:
    """The text's signals, plus a repeat complaint when the customer's history shows one."""
    found = [s.as_dict() for s in risk.detect(text, language=language)]
    if not any(s["kind"] == risk.SignalKind.REPEAT for s in found):
        earlier = (
            Case.objects.filter(
                customer_id=case.customer_id,
                type=CaseType.COMPLAINT,
                received_at__lt=case.received_at,
                received_at__gte=case.received_at - REPEAT_WINDOW,
            )
            .exclude(pk=case.pk)
            .count()
        )
        if earlier:
            found.append(
                {
                    "kind": str(risk.SignalKind.REPEAT),
                    "words": [],
                    "severity": risk.SEVERITY[risk.SignalKind.REPEAT],
                    "earlier_cases": earlier,
                }
            )
    return found


# --- one version --------------------------------------------------------------------------------


def _result(guess: Any, threshold: float) -> dict[str, Any]:
    confidence = round(float(guess.confidence), 4)
    return {
        "label": str(guess.label),
        "confidence": confidence,
        "abstained": confidence < threshold,
        "top": [[str(label), round(float(score), 4)] for label, score in guess.top],
        "explanation": {
            "features": [[str(name), round(float(weight), 4)] for name, weight in guess.features],
            "neighbours": [],
        },
    }


def _predict(version: ModelVersion, text: str) -> dict[str, dict[str, Any]]:
    bundle = store.load(version)
    threshold = float(settings.SAFEGUARD_TRIAGE_THRESHOLD)
    return {target: _result(model.predict([text])[0], threshold) for target, model in bundle.models.items()}


def _confident(results: dict[str, dict[str, Any]], target: str) -> str | None:
    found = results.get(target)
    return found["label"] if found and not found["abstained"] else None


@dataclass
class _Case:
    """The values the case has (a person's or intake's), by target code."""

    type: str
    product: str | None
    category: str | None
    department: str | None


def _facts(
    case: _Case, results: dict[str, dict[str, Any]], channel: str, language: str, found: list[dict[str, Any]]
) -> routing.Facts:
    values: dict[str, tuple[str | None, float]] = {}
    for key in routing.PREDICTED_KEYS:
        own = getattr(case, key)
        if own:
            values[key] = (own, 1.0)
        else:
            label = _confident(results, key)
            values[key] = (label, float(results[key]["confidence"])) if label else (None, 0.0)
    return routing.Facts(values=values, channel=channel, language=language, signals=frozenset(s["kind"] for s in found))


def _route(facts: routing.Facts, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    model_department = _confident(results, Target.DEPARTMENT)
    rule = routing.first_match(selectors.active_rules(), facts)
    if rule is not None:
        return {
            "department": rule.department.code if rule.department else model_department,
            "group": rule.group.name if rule.group else None,
            "rule": rule.pk,
            "rule_name": rule.name,
            "source": "rule",
        }
    if model_department:
        return {"department": model_department, "group": None, "rule": None, "source": "model"}
    return {"department": None, "group": None, "rule": None, "source": "none"}


def _run(
    snapshot: Case, version: ModelVersion, *, text: str, language: str, found: list[dict[str, Any]], acts: bool
) -> bool:
    """Predict and store (and, for the active version, apply); False when already done."""
    # Outside the transaction, so no lock is held while the model and the similarity run.
    results = _predict(version, text)
    suggestions: dict[str, Any] = {
        "templates": suggest.suggested_templates(
            text,
            text_language=language,
            reply_language=snapshot.customer.preferred_language,
            case_type=snapshot.type,
            product_id=snapshot.product_id or _product_id(_confident(results, Target.PRODUCT)),
        )
    }
    case_id = snapshot.pk
    with transaction.atomic():
        rows = Case.objects.select_related("customer", "product", "category", "department")
        # Only the active version writes to the case, so only it locks the row.
        case = (rows.select_for_update(of=("self",)) if acts else rows).get(pk=case_id)
        if Prediction.objects.filter(case_id=case_id, model_version=version).exists():
            return False
        own = _Case(
            type=case.type,
            product=case.product.code if case.product else None,
            category=case.category.code if case.category else None,
            department=case.department.code if case.department else None,
        )
        route = _route(_facts(own, results, case.channel, language, found), results)
        if _confident(results, Target.TYPE) == CaseType.COMPLAINT and case.type in _SUGGEST_COMPLAINT_OVER:
            suggestions["type"] = str(CaseType.COMPLAINT)
        changes = _changes(case, results, route, found) if acts else {}
        try:
            with transaction.atomic():
                prediction = Prediction.objects.create(
                    case_id=case_id,
                    model_version=version,
                    shadow=not acts,
                    results=results,
                    signals=found,
                    route=route,
                    applied={name: change.code for name, change in changes.items()},
                    suggestions=suggestions,
                    created_at=timezone.now(),
                )
        except IntegrityError:  # another worker stored this (case, version) first
            return False
        audit.log(
            None,
            "triage.predict",
            prediction,
            changes={
                "reference": case.reference,
                "model_version": version.pk,
                "shadow": not acts,
                "labels": {t: r["label"] for t, r in results.items()},
                "abstained": sorted(t for t, r in results.items() if r["abstained"]),
                "signals": [s["kind"] for s in found],
                "route": route["source"],
            },
        )
        if changes:
            _apply(case, version, changes, route, found)
    return True


def _product_id(code: str | None) -> int | None:
    if not code:
        return None
    return Product.objects.filter(code=code, is_active=True).values_list("pk", flat=True).first()


# --- applying -------------------------------------------------------------------------------------


@dataclass
class _Change:
    field: str
    before: Any
    after: Any
    code: str
    shown: str


def _changes(
    case: Case, results: dict[str, dict[str, Any]], route: dict[str, Any], found: list[dict[str, Any]]
) -> dict[str, _Change]:
    """What the active version may set on the (locked) case: empty fields and a higher severity."""
    changes: dict[str, _Change] = {}
    product = case.product
    label = _confident(results, Target.PRODUCT)
    if case.product_id is None and label:
        new_product = Product.objects.filter(code=label, is_active=True).first()
        if new_product is not None:
            changes["product"] = _Change("product", None, new_product, new_product.code, str(new_product))
            product = new_product
    label = _confident(results, Target.CATEGORY)
    if case.category_id is None and label:
        category = Category.objects.filter(code=label, is_active=True).first()
        if category is not None and (product is None or category.product_id in (None, product.pk)):
            changes["category"] = _Change("category", None, category, category.code, str(category))
    if case.department_id is None and route.get("department"):
        department = Department.objects.filter(code=route["department"], is_active=True).first()
        if department is not None:
            changes["department"] = _Change("department", None, department, department.code, str(department))
    levels = [s["severity"] for s in found if s.get("severity") in _SEVERITY_RANK]
    if levels:
        highest = max(levels, key=lambda level: _SEVERITY_RANK[level])
        if _SEVERITY_RANK[highest] > _SEVERITY_RANK.get(case.severity, 0):
            changes["severity"] = _Change("severity", case.severity, highest, highest, str(Severity(highest).label))
    return changes


def _apply(
    case: Case, version: ModelVersion, changes: dict[str, _Change], route: dict[str, Any], found: list[dict[str, Any]]
) -> None:
    now = timezone.now()
    values = {c.field: c.after for c in changes.values()}
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        version=F("version") + 1, updated_at=now, **values
    )
    if updated != 1:  # the row is locked; this cannot happen unless a caller forgot to lock
        raise RuntimeError("the case changed while triage held its lock")
    for name, value in values.items():
        setattr(case, name, value)
    case.version += 1
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("%(field)s set to %(value)s") % {"field": selectors.field_label(c.field), "value": c.shown}
            for c in changes.values()
            if c.field != "department"
        ]
        if lines:
            events.record(
                case,
                events.Kind.NOTE,
                by=None,
                at=now,
                note=_("Triage (model %(version)s): %(changes)s.")
                % {"version": version.name, "changes": "; ".join(lines)},
                data={"triage": True, "model_version": version.pk, "applied": {n: c.code for n, c in changes.items()}},
            )
        if "department" in changes:
            department = changes["department"]
            assignee = case.assignee.get_username() if case.assignee else None
            events.record(
                case,
                events.Kind.ASSIGNED,
                by=None,
                at=now,
                note=(
                    _("Routed by triage: rule “%(rule)s”.") % {"rule": route.get("rule_name", "")}
                    if route["source"] == "rule"
                    else _("Routed by triage: the model's prediction.")
                ),
                data={
                    "from": {"department": None, "assignee": assignee},
                    "to": {"department": department.code, "assignee": assignee},
                    "triage": True,
                    "model_version": version.pk,
                    "rule": route.get("rule"),
                },
            )
    audit.log(
        None,
        "triage.apply",
        case,
        changes={
            "reference": case.reference,
            "model_version": version.pk,
            **{c.field: [c.before.code if hasattr(c.before, "code") else c.before, c.code] for c in changes.values()},
        },
    )
    if any(s["kind"] == risk.SignalKind.SELF_HARM for s in found):
        _escalate(case, version)


def _escalate(case: Case, version: ModelVersion) -> None:
    """Self-harm or crisis language: a timeline event now, e-mails once the transaction commits."""
    people = selectors.supervisors_for(case.department_id)
    usernames = [p.get_username() for p in people]
    with translation.override(settings.LANGUAGE_CODE):
        note = (
            _("Crisis or self-harm language detected by triage: escalated to %(supervisors)s.")
            % {"supervisors": ", ".join(usernames)}
            if usernames
            else _("Crisis or self-harm language detected by triage, but no supervisor was found to escalate to.")
        )
    events.record(
        case,
        events.Kind.ESCALATED,
        by=None,
        note=note,
        data={"signal": str(risk.SignalKind.SELF_HARM), "supervisors": usernames, "model_version": version.pk},
    )
    audit.log(
        None,
        "triage.escalate",
        case,
        changes={"reference": case.reference, "signal": str(risk.SignalKind.SELF_HARM), "escalated_to": usernames},
    )
    recipients = [(p.email, p.preferred_language) for p in people if p.email]
    reference = case.reference
    if recipients:
        transaction.on_commit(lambda: _send_crisis_mail(reference, recipients))


def _send_crisis_mail(reference: str, recipients: list[tuple[str, str]]) -> None:
    """One e-mail per supervisor, in their language. It names the case, never what the customer
    wrote. A mail failure is logged, not raised: the escalation is on the case's timeline."""
    url = settings.SAFEGUARD_PUBLIC_URL + reverse("cases:detail", args=[reference])
    messages = []
    for email, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("Urgent: crisis language in case %(reference)s") % {"reference": reference}
            body = _(
                "Triage found self-harm or crisis language in case %(reference)s, which is now critical and "
                "escalated to you.\n\n%(url)s\n\nPlease make sure the customer is contacted today, following "
                "the procedure for customers in vulnerable circumstances."
            ) % {"reference": reference, "url": url}
        messages.append(EmailMessage(subject=subject, body=body, to=[email]))
    try:
        mailers.default.send_messages(messages)
    except Exception:
        logger.exception("could not send %d crisis escalation e-mail(s) for %s", len(messages), reference)
