"""Triage pages (namespace ``triage``): the model versions and their metrics, promotion, and the
case panel's accept / correct actions.

* ``/triage/models/`` and ``/triage/models/<id>/`` need ``triage.view_modelversion``; the promote
  button (a POST) needs ``triage.promote_model``.
* ``/triage/cases/<reference>/accept`` and ``.../correct`` are the case page's triage panel
  (``templatetags/triage_tags``): the case comes through ``cases.selectors.case_for`` (404 for a
  case the user may not see), the service checks ``triage.add_correction`` and
  ``cases.work_case``. Success redirects to the case page with a notice; a refusal is the error
  page with its status (``DomainErrorMiddleware``): 422 bad input, 403, 404, 409 stale case.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard.accounts.models import User
from safeguard.cases.selectors import case_for
from safeguard.core.errors import InvalidInput
from safeguard.triage import selectors, services
from safeguard.triage.forms import AcceptForm, CorrectForm
from safeguard.triage.models import ModelVersion, Target


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _figure(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _percent(value: Any) -> float | None:
    figure = _figure(value)
    return round(figure * 100, 1) if figure is not None else None


@login_required
@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for version in selectors.versions_for(request.user):
        figures = []
        for target in version.targets:
            scores = version.metrics.get(target) or {}
            figures.append(
                {
                    "target": Target(target).label if target in Target.values else target,
                    "accuracy": _figure(scores.get("accuracy")),
                    "macro_f1": _figure(scores.get("macro_f1")),
                    "coverage": _figure(scores.get("coverage")),
                    "n_test": scores.get("n_test"),
                }
            )
        rows.append({"version": version, "figures": figures})
    return render(request, "triage/models.html", {"rows": rows})


def _target_tables(version: ModelVersion) -> list[dict[str, Any]]:
    language = translation.get_language() or "en"
    tables = []
    for target in version.targets:
        scores = version.metrics.get(target) or {}
        names = selectors.label_names(target, language)
        per_class = scores.get("per_class") or {}
        labels = [str(label) for label in (scores.get("labels") or list(per_class))]
        classes = [
            {
                "code": label,
                "name": names.get(label, label),
                "precision": _figure((per_class.get(label) or {}).get("precision")),
                "recall": _figure((per_class.get(label) or {}).get("recall")),
                "f1": _figure((per_class.get(label) or {}).get("f1")),
                "support": (per_class.get(label) or {}).get("support"),
            }
            for label in labels
        ]
        matrix = scores.get("confusion") or []
        confusion = [
            {
                "name": names.get(label, label),
                "cells": [{"count": count, "diagonal": i == j} for j, count in enumerate(row)],
            }
            for i, (label, row) in enumerate(zip(labels, matrix, strict=False))
        ]
        tables.append(
            {
                "target": target,
                "label": Target(target).label if target in Target.values else target,
                "accuracy": _figure(scores.get("accuracy")),
                "macro_f1": _figure(scores.get("macro_f1")),
                "coverage_percent": _percent(scores.get("coverage")),
                "threshold_percent": _percent(scores.get("threshold", settings.SAFEGUARD_TRIAGE_THRESHOLD)),
                "accuracy_on_covered": _figure(scores.get("accuracy_on_covered")),
                "n_train": scores.get("n_train"),
                "n_test": scores.get("n_test"),
                "classes": classes,
                "columns": [names.get(label, label) for label in labels],
                "confusion": confusion if len(confusion) == len(labels) else [],
            }
        )
    return tables


@login_required
@require_GET
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_for(user, pk)
    context = {
        "version": version,
        "tables": _target_tables(version),
        "can_promote": user.has_perm(selectors.PROMOTE_PERM) and version.status != ModelVersion.Status.ACTIVE,
        "active": selectors.active_version(),
    }
    return render(request, "triage/model.html", context)


@login_required
@require_POST
def model_promote(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_for(user, pk)
    services.promote(version=version, by=user)
    messages.success(request, _("%(name)s is now the active triage model.") % {"name": version.name})
    return HttpResponseRedirect(reverse("triage:model", args=[version.pk]))


def _form_error(form: AcceptForm | CorrectForm) -> InvalidInput:
    problems = "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())
    return InvalidInput(_("The correction was not saved: %(problems)s") % {"problems": problems})


def _back(reference: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:detail", args=[reference]) + "#triage")


@login_required
@require_POST
def case_accept(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_for(user, reference)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    target = form.cleaned_data["target"]
    services.accept(case=case, by=user, target=target, version=form.cleaned_data["version"])
    messages.success(
        request, _("Confirmed: %(target)s. Triage learns from your confirmation.") % {"target": Target(target).label}
    )
    return _back(case.reference)


@login_required
@require_POST
def case_correct(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    case = case_for(user, reference)
    form = CorrectForm(request.POST)
    if not form.is_valid():
        raise _form_error(form)
    data = form.cleaned_data
    services.correct(case=case, by=user, target=data["target"], value=data["value"], version=data["version"])
    messages.success(
        request,
        _("Corrected: %(target)s. Triage learns from your correction.") % {"target": Target(data["target"]).label},
    )
    return _back(case.reference)
