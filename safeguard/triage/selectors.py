"""Reading triage's records: the model versions, a case's predictions, who is told of a crisis.

Access: model versions need ``triage.view_modelversion``; a case's predictions need
``triage.view_prediction`` *and* the case itself, which callers get through
``cases.selectors.case_for`` (the one access choke point for cases).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.cases.access import Actor, permission_denied
from safeguard.cases.models import Case
from safeguard.core.errors import NotFound
from safeguard.triage.models import ModelVersion, Prediction, RoutingRule

VIEW_PREDICTION_PERM = "triage.view_prediction"
VIEW_VERSION_PERM = "triage.view_modelversion"
TRAIN_PERM = "triage.train_model"
PROMOTE_PERM = "triage.promote_model"
CORRECT_PERM = "triage.add_correction"
# Supervisors are the people who assign and escalate (as in the deadline scan's escalation).
SUPERVISOR_PERM = ("cases", "assign_case")


def _holds(user: Actor, perm: str) -> bool:
    return isinstance(user, User) and user.is_active and user.has_perm(perm)


def can_view_predictions(user: Actor) -> bool:
    return _holds(user, VIEW_PREDICTION_PERM)


def can_view_versions(user: Actor) -> bool:
    return _holds(user, VIEW_VERSION_PERM)


# --- model versions ---------------------------------------------------------------------------


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def shadow_versions() -> list[ModelVersion]:
    return list(ModelVersion.objects.filter(status=ModelVersion.Status.SHADOW).order_by("created_at", "pk"))


def versions_for(user: Actor) -> QuerySet[ModelVersion]:
    """Every version, newest first; refuses a user without ``triage.view_modelversion``."""
    if not can_view_versions(user):
        raise permission_denied(VIEW_VERSION_PERM)
    return ModelVersion.objects.select_related("created_by", "promoted_by").order_by("-created_at", "-pk")


def version_for(user: Actor, pk: int) -> ModelVersion:
    try:
        return versions_for(user).get(pk=pk)
    except ModelVersion.DoesNotExist:
        raise NotFound(_("No triage model version with this number.")) from None


def active_rules() -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(is_active=True).select_related("department", "group").order_by("order", "pk")
    )


# --- a case's predictions ---------------------------------------------------------------------


@dataclass
class CasePredictions:
    """What triage said about one case: the latest prediction that could act (made by the version
    that was active then), and the latest of each shadow version (which never act)."""

    active: Prediction | None
    shadows: list[Prediction] = field(default_factory=list)


def case_predictions(case: Case) -> CasePredictions:
    rows = list(Prediction.objects.filter(case=case).select_related("model_version").order_by("-created_at", "-pk"))
    active = next((p for p in rows if not p.shadow), None)
    seen: set[int] = set()
    shadows = []
    for p in rows:
        if p.shadow and p.model_version_id not in seen:
            seen.add(p.model_version_id)
            shadows.append(p)
    return CasePredictions(active=active, shadows=shadows)


def case_predictions_for(user: Actor, case: Case) -> CasePredictions:
    """A case's predictions for ``user``, who must hold ``triage.view_prediction``. The caller got
    ``case`` through ``cases.selectors.case_for(user, ...)``, so the user may see it."""
    if not can_view_predictions(user):
        raise permission_denied(VIEW_PREDICTION_PERM)
    return case_predictions(case)


def triaged_versions(case_id: int) -> set[int]:
    """The versions that already predicted this case (triage is idempotent per case and version)."""
    return set(Prediction.objects.filter(case_id=case_id).values_list("model_version_id", flat=True))


# --- whom to tell -----------------------------------------------------------------------------


def supervisors_for(department_id: int | None) -> list[User]:
    """Active supervisors who are members of the department or of one above it (head office sees
    its branches); every supervisor when the case has no department yet, so someone notices."""
    app_label, codename = SUPERVISOR_PERM
    holds = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label) | Q(
        user_permissions__codename=codename, user_permissions__content_type__app_label=app_label
    )
    people = list(
        User.objects.filter(holds, is_active=True).distinct().order_by("username").prefetch_related("departments")
    )
    if department_id is None:
        return people
    tree: dict[int, int | None] = dict(Department.objects.values_list("id", "parent_id"))
    chain: set[int] = set()
    current: int | None = department_id
    while current is not None and current not in chain:
        chain.add(current)
        current = tree.get(current)
    return [p for p in people if any(d.pk in chain for d in p.departments.all())]


# --- labels as people read them -----------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    name: str
    is_active: bool


def label_catalog(target: str, language: str) -> dict[str, Label]:
    """Code -> display name (in ``language``) and whether it may be chosen now, for each label of
    ``target``; one query (none for the case type)."""
    from safeguard.cases.models import CaseType, Category, Product

    chinese = language.startswith("zh")
    if target == "type":
        return {str(value): Label(str(label), True) for value, label in CaseType.choices}
    model: type[Product] | type[Category] | type[Department]
    if target == "product":
        model = Product
    elif target == "category":
        model = Category
    elif target == "department":
        model = Department
    else:
        return {}
    rows = model.objects.order_by("code").values_list("code", "name", "name_zh", "is_active")
    return {code: Label(name_zh if chinese and name_zh else name, active) for code, name, name_zh, active in rows}


def label_names(target: str, language: str) -> dict[str, str]:
    """Code -> display name of each label of ``target`` in ``language`` (a code that is not in
    this install's taxonomy any more shows as itself where callers fall back to the code)."""
    return {code: label.name for code, label in label_catalog(target, language).items()}


def field_label(name: str) -> str:
    """A case field's name as people read it ("product", "severity"), in the active language."""
    field = Case._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))
