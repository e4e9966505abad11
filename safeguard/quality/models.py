"""Service quality: the KPI catalogue, the institution's commitments (targets), their periodic
evaluations, early-warning alerts, the regulatory code lists and the reports produced.

The catalogue is data: each ``Kpi`` row names, in both languages, what it measures and which
registered calculator (``quality.kpis.CALCULATORS[calculator]``) computes it over a period and a
grouping, with ``params`` for that calculator. Administrators edit names, definitions, targets
and activation; new calculators are code.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department
from safeguard.cases.models import Case, Category, Product, RootCause


def reports_storage() -> Storage:
    return storages["reports"]


class Unit(models.TextChoices):
    PERCENT = "percent", _("Percent")
    HOURS = "hours", _("Hours")
    DAYS = "days", _("Days")
    COUNT = "count", _("Count")
    MONEY = "money", _("Money")
    SCORE = "score", _("Score")
    RATE = "rate", _("Per 10,000 customers")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Kpi(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    definition = models.TextField(_("definition"))
    definition_zh = models.TextField(_("Chinese definition"))
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    calculator = models.CharField(_("calculator"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["order", "code"]
        permissions = [
            ("view_dashboard", _("Can see the service-quality dashboard and KPIs")),
            ("export_kpis", _("Can export KPI figures and the cases behind them")),
        ]

    def __str__(self) -> str:
        return self.name


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Target(models.Model):
    """A commitment: ``kpi`` at least (or at most, by the KPI's direction) ``threshold`` each
    ``frequency`` period; or, when a baseline period is set, a relative change against it
    (``threshold`` is then the change in percent, e.g. -20 for "down 20%")."""

    class Comparison(models.TextChoices):
        ABSOLUTE = "absolute", _("Against the threshold")
        RELATIVE = "relative", _("Change against a baseline period, in percent")

    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="targets", verbose_name=_("KPI"))
    name = models.CharField(_("commitment"), max_length=200)
    name_zh = models.CharField(_("Chinese wording"), max_length=200, blank=True)
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.ABSOLUTE
    )
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4)
    baseline_from = models.DateField(_("baseline from"), null=True, blank=True)
    baseline_to = models.DateField(_("baseline to"), null=True, blank=True)
    frequency = models.CharField(_("evaluated"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    owner = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="quality_targets", verbose_name=_("owner department")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["kpi__order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(comparison="absolute")
                | models.Q(baseline_from__isnull=False, baseline_to__isnull=False),
                name="target_relative_has_baseline",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """A target evaluated over one closed period (written by the periodic evaluation; kept, so the
    reports show what was known then)."""

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("target"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=4, null=True, blank=True)
    # None: no data in the period (never counted as met or missed).
    met = models.BooleanField(_("met"), null=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(fields=["target", "period_start", "period_end"], name="measurement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.period_start}–{self.period_end}"


class Alert(models.Model):
    """An early warning: a series (e.g. product=credit-card) whose daily complaint count left
    its control limits, or a new theme of complaint text not seen in the baseline."""

    class Kind(models.TextChoices):
        SPIKE = "spike", _("Unusual number of complaints")
        NEW_THEME = "new_theme", _("New theme")

    class Dimension(models.TextChoices):
        ALL = "all", _("All cases")
        PRODUCT = "product", _("Product")
        CATEGORY = "category", _("Category")
        BRANCH = "branch", _("Branch")
        CHANNEL = "channel", _("Channel")
        TEXT = "text", _("Complaint text")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    # The series' key within the dimension (a product code, a department id, a channel, a theme id).
    series_key = models.CharField(_("series"), max_length=120)
    series_label = models.CharField(_("series name"), max_length=200)
    method = models.CharField(_("method"), max_length=40)
    detected_on = models.DateField(_("detected on"))
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("to"))
    observed = models.DecimalField(_("observed"), max_digits=14, decimal_places=4)
    expected = models.DecimalField(_("expected"), max_digits=14, decimal_places=4)
    # The size of the change: observed / expected (so 2.5 = two and a half times the usual).
    ratio = models.DecimalField(_("change"), max_digits=14, decimal_places=4)
    statistic = models.DecimalField(_("statistic"), max_digits=14, decimal_places=4)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    cases = models.ManyToManyField(Case, related_name="+", verbose_name=_("cases behind it"), blank=True)
    suggested_owner = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested owner"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("raised"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Set when the corrective action is recorded (the improvement work will own that record).
    corrective_action = models.CharField(_("corrective action"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-detected_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "dimension", "series_key", "detected_on"], name="alert_once_per_series_day"
            ),
        ]
        permissions = [
            ("handle_alert", _("Can acknowledge and close early-warning alerts")),
        ]

    def __str__(self) -> str:
        return f"{self.series_label} ({self.detected_on})"


class WarningRun(models.Model):
    """One early-warning scan per day, whatever the number of workers: the row is claimed with an
    INSERT under the unique day before scanning."""

    day = models.DateField(_("day"), unique=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    alerts = models.PositiveIntegerField(_("alerts raised"), default=0)

    def __str__(self) -> str:
        return str(self.day)


class RegulatoryCode(models.Model):
    """A code from a regulator's list, e.g. JR/T 0169-2018's business channel, business category
    and complaint cause. Loaded from a fixture (``loaddata jrt0169``)."""

    class Scheme(models.TextChoices):
        JRT0169 = "jrt0169", _("JR/T 0169-2018")
        DISP = "disp", _("FCA DISP 1 Annex 1")

    class Dimension(models.TextChoices):
        CHANNEL = "channel", _("Business channel")
        CATEGORY = "category", _("Business category")
        CAUSE = "cause", _("Complaint cause")
        PRODUCT_GROUP = "product_group", _("Product group")

    scheme = models.CharField(_("scheme"), max_length=12, choices=Scheme.choices)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("regulatory code")
        verbose_name_plural = _("regulatory codes")
        ordering = ["scheme", "dimension", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "dimension", "code"], name="regulatory_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RegulatoryMapping(models.Model):
    """Which regulatory code a Safeguard value counts under: exactly one of product, category,
    root cause or channel is set. Unmapped values are reported as "other" and listed."""

    code = models.ForeignKey(RegulatoryCode, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("code"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    root_cause = models.ForeignKey(RootCause, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("regulatory mapping")
        verbose_name_plural = _("regulatory mappings")

    def __str__(self) -> str:
        return str(self.code)


class Report(models.Model):
    """A report produced (from the dashboard or ``quality_report``): kept with its file so the
    institution can show what it sent."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly service-quality report")
        QUARTERLY = "quarterly", _("Quarterly service-quality report")
        JRT0169 = "jrt0169", _("JR/T 0169-2018 complaint statistics")
        DISP = "disp", _("DISP 1 Annex 1 complaints return")
        TRANSPARENCY = "transparency", _("Public transparency summary")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=10)  # 2026-10, 2026-Q3, 2026-H1
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    file = models.FileField(_("file"), upload_to="%Y/%m/", storage=reports_storage)
    sha256 = models.CharField(max_length=64)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    generated_at = models.DateTimeField(_("generated"))

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-generated_at"]
        permissions = [("generate_report", _("Can generate service-quality and regulatory reports"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"
