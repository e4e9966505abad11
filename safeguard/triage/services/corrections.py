"""Corrections: a handler says what a case's product, category, department or type really is.

Each one is a ``Correction`` (the label ``triage_train`` learns from, winning over the case's
field), and, for product and category, the change to the case itself, made here in one audited,
version-checked update (cases has no reclassification service). A department correction moves
the case through ``cases.services.assign`` (its permission and rules apply; the case leaves its
handler, for the new department to pick up). A type correction is recorded and noted on the
timeline but does not change the case's type: the type decides the reference and the regulatory
deadlines, which only cases may recompute.

Accepting a prediction is a correction to the predicted value (a confirmation).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.audit import services as audit
from safeguard.cases import events
from safeguard.cases import services as cases
from safeguard.cases.access import ensure_can, permission_denied
from safeguard.cases.errors import CaseNotOpen, StaleCase
from safeguard.cases.models import OPEN_STATUSES, Case, CaseType, Category, Product
from safeguard.core.errors import InvalidInput
from safeguard.triage import selectors
from safeguard.triage.models import Correction, Prediction, Target

WORK_PERM = "cases.work_case"


class NothingToAccept(InvalidInput):
    code = "nothing_to_accept"


def _check_value(target: str, value: str) -> Product | Category | Department | str:
    """The object (or type) a code names, refusing an unknown one."""
    value = (value or "").strip()
    found: Product | Category | Department | str | None
    if target == Target.TYPE:
        found = value if value in CaseType.values else None
    elif target == Target.PRODUCT:
        found = Product.objects.filter(code=value, is_active=True).first()
    elif target == Target.CATEGORY:
        found = Category.objects.filter(code=value, is_active=True).first()
    elif target == Target.DEPARTMENT:
        found = Department.objects.filter(code=value, is_active=True).first()
    else:
        raise InvalidInput(_("Unknown triage target “%(target)s”.") % {"target": target}, field="target")
    if found is None:
        raise InvalidInput(
            _("“%(value)s” is not a valid %(target)s.") % {"value": value, "target": Target(target).label},
            field="value",
        )
    return found


def _predicted(prediction: Prediction | None, target: str) -> str:
    if prediction is None:
        return ""
    if target == Target.TYPE and prediction.suggestions.get("type"):
        return str(prediction.suggestions["type"])
    return str((prediction.results.get(target) or {}).get("label", ""))


@transaction.atomic
def correct(*, case: Case, by: User, target: str, value: str, version: int) -> Correction:
    """Record that ``target`` of ``case`` is ``value`` (and set it where the case allows)."""
    user = ensure_can(by, WORK_PERM, case)
    if not user.has_perm(selectors.CORRECT_PERM):
        raise permission_denied(selectors.CORRECT_PERM)
    if target not in Target.values:
        raise InvalidInput(_("Unknown triage target “%(target)s”.") % {"target": target}, field="target")
    chosen = _check_value(target, value)
    prediction = selectors.case_predictions(case).active
    changed = False
    if target == Target.DEPARTMENT:
        assert isinstance(chosen, Department)
        if case.department_id != chosen.pk:
            cases.assign(case=case, by=user, version=version, department=chosen, assignee=None)
            changed = True
    elif target in (Target.PRODUCT, Target.CATEGORY):
        changed = _set_field(case, user, target, chosen, version)
    else:
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.version != version:
            raise StaleCase(expected=version, current=locked.version)
    code = chosen if isinstance(chosen, str) else chosen.code
    predicted = _predicted(prediction, target)
    correction = Correction.objects.create(
        case=case,
        prediction=prediction,
        target=target,
        predicted=predicted[:80],
        corrected=code,
        by=user,
        at=timezone.now(),
    )
    if target == Target.TYPE:
        events.record(
            case,
            events.Kind.NOTE,
            by=user,
            note=_("Type confirmed for triage: this case is a %(type)s (the case's type is unchanged).")
            % {"type": CaseType(code).label},
            data={"triage": True, "correction": correction.pk, "type": code},
        )
    audit.log(
        user,
        "triage.correct",
        correction,
        changes={
            "reference": case.reference,
            "target": target,
            "predicted": predicted,
            "corrected": code,
            "confirmed": predicted == code,
            "case_changed": changed,
        },
    )
    return correction


def _set_field(case: Case, by: User, target: str, chosen: object, version: int) -> bool:
    locked = Case.objects.select_for_update(of=("self",)).select_related("product", "category").get(pk=case.pk)
    if locked.version != version:
        raise StaleCase(expected=version, current=locked.version)
    if locked.status not in OPEN_STATUSES:
        raise CaseNotOpen(_("Only an open case can be reclassified."))
    current = getattr(locked, target)
    if current == chosen:
        return False
    if (
        isinstance(chosen, Category)
        and locked.product_id is not None
        and chosen.product_id not in (None, locked.product_id)
    ):
        raise InvalidInput(
            _("The category “%(category)s” does not belong to the product “%(product)s”.")
            % {"category": chosen.code, "product": locked.product.code if locked.product else ""},
            field="value",
        )
    if (
        isinstance(chosen, Product)
        and locked.category is not None
        and locked.category.product_id not in (None, chosen.pk)
    ):
        raise InvalidInput(
            _("The case's category “%(category)s” belongs to another product; correct the category first.")
            % {"category": locked.category.code},
            field="value",
        )
    now = timezone.now()
    updated = Case.objects.filter(pk=locked.pk, version=locked.version).update(
        version=F("version") + 1, updated_at=now, **{target: chosen}
    )
    if updated != 1:
        raise StaleCase(expected=version)
    locked.version += 1
    before = current.code if current is not None else None
    after = getattr(chosen, "code", "")
    events.record(
        locked,
        events.Kind.NOTE,
        by=by,
        at=now,
        note=_("%(field)s changed from %(before)s to %(after)s (a correction of triage).")
        % {"field": selectors.field_label(target), "before": current or "—", "after": chosen},
        data={"triage": True, "field": target, "from": before, "to": after},
    )
    audit.log(by, "case.reclassify", locked, changes={"reference": locked.reference, target: [before, after]})
    return True


def accept(*, case: Case, by: User, target: str, version: int) -> Correction:
    """Confirm the latest active prediction of ``target`` (or the suggested type)."""
    if target not in Target.values:
        raise InvalidInput(_("Unknown triage target “%(target)s”.") % {"target": target}, field="target")
    predicted = _predicted(selectors.case_predictions(case).active, target)
    if not predicted:
        raise NothingToAccept(_("Triage has no prediction of this to accept."), field="target")
    return correct(case=case, by=by, target=target, value=predicted, version=version)


@transaction.atomic
def record_reassignment(*, case_id: int, department: str, by_id: int) -> Correction | None:
    """A case triage classified was moved to ``department`` by a person (``cases.services.assign``,
    outside the triage panel): record it as a correction of the active prediction. None when
    triage never classified the case, or when this department is already recorded for it (the
    panel's own correction made the move)."""
    prediction = Prediction.objects.filter(case_id=case_id, shadow=False).order_by("-created_at", "-pk").first()
    if prediction is None:
        return None
    if Correction.objects.filter(case_id=case_id, target=Target.DEPARTMENT, corrected=department).exists():
        return None
    by = User.objects.get(pk=by_id)
    predicted = _predicted(prediction, Target.DEPARTMENT) or str((prediction.route or {}).get("department") or "")
    correction = Correction.objects.create(
        case_id=case_id,
        prediction=prediction,
        target=Target.DEPARTMENT,
        predicted=predicted[:80],
        corrected=department,
        by=by,
        at=timezone.now(),
    )
    audit.log(
        by,
        "triage.correct",
        correction,
        changes={
            "case": case_id,
            "target": Target.DEPARTMENT,
            "predicted": predicted,
            "corrected": department,
            "confirmed": predicted == department,
            "source": "reassignment",
        },
    )
    return correction
