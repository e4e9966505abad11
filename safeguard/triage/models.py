"""Triage's records: model versions with their metrics, one prediction per case and model, the
handlers' corrections (the labels of the next training), and the routing rules that override the
model.

CONTRACT (the integration, the ML engine and the pages are written against it):

* ``ModelVersion``: a trained bundle of classifiers, one per *target* (``Target``: the case type,
  the product, the category, the department). ``file`` holds the engine's serialised model
  (``ml.TriageModel.save``) in the ``triage`` storage; ``sha256`` its digest. ``metrics`` per
  target: ``{"accuracy", "macro_f1", "coverage", "accuracy_on_covered", "n_train", "n_test",
  "labels": [...], "per_class": {label: {"precision", "recall", "f1", "support"}},
  "confusion": [[...]]}`` (rows: true label, columns: predicted, in ``labels`` order).
  ``status``: ``shadow`` (predicts and stores, never acts), ``active`` (at most one: predicts and
  acts), ``retired``. A new version is ``shadow`` until promoted by an explicit action.
* ``Prediction``: what one version said about one case. ``results`` per target:
  ``{"label", "confidence", "abstained", "top": [[label, score], ...], "explanation":
  {"features": [[feature, weight], ...], "neighbours": [text snippets or example ids]}}``;
  ``signals``: ``[{"kind", "words": [...], "severity"}]`` (``signals.Signal.as_dict``);
  ``route``: ``{"department": code|None, "group": name|None, "rule": id|None, "source":
  "rule"|"model"|"none"}``; ``applied``: the case fields triage set (``{"product": code, ...}``);
  ``suggestions``: ``{"templates": [ids]}``.
* ``Correction``: a handler changed a field triage predicted (or confirmed it); the label for
  ``triage_train``.
* ``RoutingRule``: conditions on the predictions and on the case (``conditions``: a dict, every
  key must hold: ``type``, ``product``, ``category``, ``channel``, ``signal`` (a signal kind
  present), ``min_confidence``, ``language``) and what it routes to (``department``,
  ``group``); rules run in ``order`` and the first that matches wins over the model.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department
from safeguard.cases.models import Case


class Target(models.TextChoices):
    TYPE = "type", _("Case type")
    PRODUCT = "product", _("Product")
    CATEGORY = "category", _("Category")
    DEPARTMENT = "department", _("Department")


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        SHADOW = "shadow", _("Shadow (predicts, does not act)")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    class Source(models.TextChoices):
        SHIPPED = "shipped", _("Shipped examples")
        CASES = "cases", _("The institution's closed cases")

    name = models.CharField(_("name"), max_length=80)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SHADOW)
    source = models.CharField(_("trained on"), max_length=10, choices=Source.choices)
    engine = models.CharField(_("engine"), max_length=80, help_text=_("The engine and its settings."))
    file = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    targets = models.JSONField(_("targets"), default=list)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    n_examples = models.PositiveIntegerField(_("training examples"), default=0)
    train_seconds = models.FloatField(_("training seconds"), default=0)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promoted by"),
    )

    class Meta:
        verbose_name = _("triage model version")
        verbose_name_plural = _("triage model versions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="triage_one_active_model"
            ),
        ]
        permissions = [
            ("train_model", _("Can train triage models")),
            ("promote_model", _("Can promote a triage model version")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class Prediction(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="triage_predictions", verbose_name=_("case"))
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="predictions", verbose_name=_("model version")
    )
    shadow = models.BooleanField(_("shadow"), default=False)
    results = models.JSONField(_("results"), default=dict)
    signals = models.JSONField(_("signals"), default=list, blank=True)
    route = models.JSONField(_("route"), default=dict, blank=True)
    applied = models.JSONField(_("applied"), default=dict, blank=True)
    suggestions = models.JSONField(_("suggestions"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("triage prediction")
        verbose_name_plural = _("triage predictions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "model_version"], name="triage_one_prediction_per_model"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} / {self.model_version_id}"


class Correction(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="triage_corrections", verbose_name=_("case"))
    prediction = models.ForeignKey(
        Prediction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("prediction"),
    )
    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    predicted = models.CharField(_("predicted"), max_length=80, blank=True)
    corrected = models.CharField(_("corrected to"), max_length=80)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("triage correction")
        verbose_name_plural = _("triage corrections")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.target}: {self.predicted} -> {self.corrected}"


class RoutingRule(models.Model):
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("handler group")
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class TrainingClaim(models.Model):
    """A claim on a one-off training job (the default model of a fresh install): the worker whose
    INSERT succeeds trains; the others wait for its version. A claim older than
    ``services.versions.CLAIM_STALE_AFTER`` is presumed abandoned (a crashed worker) and may be taken
    over."""

    key = models.CharField(_("job"), max_length=40, unique=True)
    claimed_at = models.DateTimeField(_("claimed"))

    class Meta:
        verbose_name = _("training claim")
        verbose_name_plural = _("training claims")

    def __str__(self) -> str:
        return self.key
