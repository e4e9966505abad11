from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeguard.accounts.models import Department
from safeguard.customers.models import Customer
from safeguard.deadlines.models import DeadlinePolicy, Milestone


class CaseType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    FEEDBACK = "feedback", _("Feedback")
    INQUIRY = "inquiry", _("Inquiry")
    COMPLIMENT = "compliment", _("Compliment")


# The prefix of each type's reference: CMP-2026-000123.
REFERENCE_PREFIX = {
    CaseType.COMPLAINT: "CMP",
    CaseType.FEEDBACK: "FBK",
    CaseType.INQUIRY: "INQ",
    CaseType.COMPLIMENT: "CPL",
}


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    BRANCH = "branch", pgettext_lazy("channel", "Branch")
    API = "api", _("App / API")
    SOCIAL = "social", _("Social media")
    REGULATOR = "regulator", _("Regulator referral")


class ComplainantRole(models.TextChoices):
    SELF = "self", _("The customer")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    AUTHORISED_AGENT = "authorised_agent", _("Authorised agent")
    HEIR = "heir", _("Heir")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REFERRED = "referred", _("Referred to ombudsman or regulator")
    # A duplicate of another case, merged into it: both timelines are kept, linked by a CaseLink.
    MERGED = "merged", _("Merged into another case")


OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.AWAITING_CUSTOMER)
# The condition of the partial indexes that serve the queue's filters on open cases.
_OPEN_CASE = models.Q(status__in=[str(s) for s in OPEN_STATUSES])


class Product(models.Model):
    """A product or business line (the default list maps to CFPB products and JR/T 0169-2018)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A complaint category or cause, optionally tied to one product."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120, blank=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="categories", verbose_name=_("product")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RootCause(models.Model):
    """The maintained list of root causes a resolution must pick from."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ReferenceSequence(models.Model):
    """The last number used for each (prefix, year); advanced in the creating transaction so
    references have no gaps (a rolled-back case gives its number back) and no duplicates."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Case(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    type = models.CharField(_("type"), max_length=12, choices=CaseType.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    # Indexed by case_customer_received_idx (customer first), which also serves the foreign key.
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="cases", verbose_name=_("customer"), db_index=False
    )
    complainant_role = models.CharField(
        _("complainant"), max_length=24, choices=ComplainantRole.choices, default=ComplainantRole.SELF
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("product")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    # What the customer asks for, in their words (the portal's "what would you like us to do?").
    desired_outcome = models.TextField(_("what the customer wants"), blank=True)
    # When the institution received it: may be earlier than created_at (a back-dated phone log).
    received_at = models.DateTimeField(_("received"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    policy = models.ForeignKey(
        DeadlinePolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("deadline policy")
    )
    extension = models.CharField(_("extension"), max_length=40, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("department")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # Optimistic locking: every write checks and bumps it, so concurrent edits never overwrite.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The earliest unmet milestone, kept by services so the queue can sort on one indexed column.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    is_breached = models.BooleanField(_("breached"), default=False)
    # The source's own reference: a regulator's referral number, a social-media post id, a CFPB
    # complaint id. With ``external_source`` (which system gave it) it makes imports and webhooks
    # idempotent: one case per (source, reference).
    external_reference = models.CharField(_("external reference"), max_length=120, blank=True)
    external_source = models.CharField(_("external source"), max_length=40, blank=True)
    # The answer date a referring regulator set, when it set one (shown beside our own deadlines).
    external_due_at = models.DateTimeField(_("deadline set by the referrer"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("acknowledge_case", _("Can acknowledge a case")),
            ("work_case", _("Can investigate, message and resolve a case")),
            ("assign_case", _("Can assign cases")),
            ("approve_redress", _("Can approve redress above the limit")),
            ("extend_deadline", _("Can extend a deadline")),
            ("approve_special_extension", _("Can approve an extension that needs senior approval")),
            ("refer_case", _("Can refer a case to an ombudsman or regulator")),
            ("reopen_case", _("Can reopen a case")),
            ("close_case", _("Can close a case")),
        ]
        indexes = [
            # queue: open cases by nearest deadline, optionally one department
            models.Index(fields=["status", "next_due_at"], name="case_status_due_idx"),
            models.Index(fields=["department", "status", "next_due_at"], name="case_dept_status_due_idx"),
            # "my cases" sorted by deadline
            models.Index(fields=["assignee", "next_due_at"], name="case_assignee_due_idx"),
            # breached list and the breach-scan task
            models.Index(fields=["is_breached", "next_due_at"], name="case_breached_due_idx"),
            # quality KPIs: outcomes by resolution time; a customer's earlier cases (repeat complaints)
            models.Index(fields=["resolved_at"], name="case_resolved_idx"),
            models.Index(
                fields=["customer", "received_at"], include=["type", "status"], name="case_customer_received_idx"
            ),
            # reporting by receipt date
            models.Index(fields=["received_at"], name="case_received_idx"),
            # the queue's default order for any statuses: nearest deadline, open cases first (the
            # others have none), then reference; a page is a short walk along this index
            models.Index(fields=["next_due_at", "reference"], name="case_due_ref_idx"),
            # the queue's channel, type and product filters on open cases, each in deadline order;
            # partial, so they hold only the open cases (migration 0005 also adds the trigram
            # indexes for the queue's search on PostgreSQL)
            models.Index(fields=["channel", "next_due_at"], name="case_open_channel_due_idx", condition=_OPEN_CASE),
            models.Index(fields=["type", "next_due_at"], name="case_open_type_due_idx", condition=_OPEN_CASE),
            models.Index(fields=["product", "next_due_at"], name="case_open_product_due_idx", condition=_OPEN_CASE),
            # measured at 1M cases (bench/): type+channel+department, "assigned to me" and
            # vulnerable+breached walked 66k-135k index rows without these; now tens
            models.Index(fields=["department", "next_due_at"], name="case_open_dept_due_idx", condition=_OPEN_CASE),
            models.Index(fields=["assignee", "next_due_at"], name="case_open_assignee_due_idx", condition=_OPEN_CASE),
            models.Index(
                fields=["next_due_at"],
                name="case_open_breached_due_idx",
                condition=_OPEN_CASE & models.Q(is_breached=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="case_version_positive"),
            models.UniqueConstraint(
                fields=["external_source", "external_reference"],
                condition=~models.Q(external_source=""),
                name="case_external_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseMilestone(models.Model):
    """One deadline of one case, computed from its policy; ``met_at`` is when it was met."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="milestones", verbose_name=_("case"))
    milestone = models.CharField(_("milestone"), max_length=20, choices=Milestone.choices)
    due_at = models.DateTimeField(_("due"))
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    due_soon_at = models.DateTimeField(_("due-soon warning sent"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)

    class Meta:
        verbose_name = _("case milestone")
        verbose_name_plural = _("case milestones")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["case", "milestone"], name="case_milestone_unique")]
        indexes = [
            # the deadline scan: unmet milestones by due time
            models.Index(fields=["met_at", "due_at"], name="milestone_unmet_due_idx"),
            # quality KPIs: milestones of a kind falling due in a period
            models.Index(
                fields=["milestone", "due_at"], include=["met_at", "breached_at", "case"], name="milestone_kind_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.milestone} {self.due_at:%Y-%m-%d %H:%M}"


class ClockPause(models.Model):
    """The regulatory clock stopped, e.g. waiting for documents from the customer where the policy allows it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pauses", verbose_name=_("case"))
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_at:%Y-%m-%d}"


class Extension(models.Model):
    """A deadline extension granted on a case: why, who approved, when the customer was told."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("case"))
    name = models.CharField(_("extension"), max_length=40)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    notice_sent_at = models.DateTimeField(_("customer notified"), null=True, blank=True)
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.name}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("From the customer")
        OUTBOUND = "out", _("To the customer")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages", verbose_name=_("case"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The e-mail Message-ID (ours for letters sent, the sender's for mail in): replies thread by it.
    external_id = models.CharField(_("message ID"), max_length=255, blank=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.direction} {self.created_at:%Y-%m-%d %H:%M}"


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        MESSAGE_IN = "message_in", _("Message from the customer")
        MESSAGE_OUT = "message_out", _("Message to the customer")
        NOTE = "note", _("Internal note")
        ASSIGNED = "assigned", _("Assigned")
        TRANSITION = "transition", _("Status changed")
        DEADLINE_PAUSED = "deadline_paused", _("Deadline paused")
        DEADLINE_RESUMED = "deadline_resumed", _("Deadline resumed")
        DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
        DUE_SOON = "due_soon", _("Deadline due soon")
        BREACHED = "breached", _("Deadline breached")
        ESCALATED = "escalated", _("Escalated")
        ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
        LETTER_SENT = "letter_sent", _("Letter sent")
        POSSIBLE_DUPLICATE = "possible_duplicate", _("Possible duplicate flagged")
        MERGED = "merged", _("Merged")
        RESOLVED = "resolved", _("Resolution recorded")
        REDRESS_RECORDED = "redress_recorded", _("Redress recorded")
        REDRESS_APPROVED = "redress_approved", _("Redress approved")
        REDRESS_REJECTED = "redress_rejected", _("Redress rejected")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # "system", a username, or "customer" for portal and e-mail actions.
    actor_label = models.CharField(_("actor"), max_length=150)
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("message")
    )
    note = models.TextField(_("note"), blank=True)
    # Structured detail: {"from": "received", "to": "acknowledged"}, {"milestone": ..., "due_at": ...}.
    data = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [
            # the case timeline
            models.Index(fields=["case", "at"], name="case_event_timeline_idx"),
            # quality KPIs: the reopen rate (only reopen transitions are indexed)
            models.Index(
                fields=["case"],
                condition=models.Q(kind="transition", data__action="reopen"),
                name="case_event_reopen_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTIALLY_UPHELD = "partially_upheld", _("Partially upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")


class Resolution(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="resolution", verbose_name=_("case"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    root_cause = models.ForeignKey(RootCause, on_delete=models.PROTECT, related_name="+", verbose_name=_("root cause"))
    decision_basis = models.TextField(_("decision basis"))
    reasons = models.TextField(_("reasons"))
    remedies = models.TextField(_("remedies open to the customer"))
    apology_given = models.BooleanField(_("apology given"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class Redress(models.Model):
    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        COMPENSATION = "compensation", _("Compensation")
        FEE_WAIVER = "fee_waiver", _("Fee waiver")
        INTEREST_ADJUSTMENT = "interest_adjustment", _("Interest adjustment")
        GOODWILL = "goodwill", _("Goodwill payment")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="redress", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("approved or rejected"), null=True, blank=True)

    class Meta:
        verbose_name = _("redress")
        verbose_name_plural = _("redress")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="redress_amount_not_negative"),
        ]
        indexes = [
            # the supervisor's approval queue
            models.Index(fields=["state", "recorded_at"], name="redress_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.currency} {self.amount}"


class Attachment(models.Model):
    """A file on a case. The bytes live in the ``attachments`` storage (outside the web root) under
    a random name; ``filename`` is only what the sender called it and is never used as a path."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        CUSTOMER = "customer", _("Customer")
        EMAIL = "email", _("E-mail")
        API = "api", _("App / API")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case"))
    message = models.ForeignKey(
        Message,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("message"),
    )
    filename = models.CharField(_("file name"), max_length=255)
    # Detected from the bytes, never taken from the name or the sender's header.
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.filename}"


class ResponseTemplate(models.Model):
    """A reusable reply in one language; the composer offers those in the customer's language first."""

    code = models.SlugField(_("code"), max_length=60)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    # Offered for these only when set.
    case_type = models.CharField(_("case type"), max_length=12, choices=CaseType.choices, blank=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["code", "language"]
        constraints = [
            models.UniqueConstraint(fields=["code", "language"], name="response_template_code_language_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class CaseLink(models.Model):
    """A relation between two cases: a possible duplicate (flagged at intake, never merged
    automatically) or a merge (the duplicate was merged into the other; both timelines stay)."""

    class Kind(models.TextChoices):
        POSSIBLE_DUPLICATE = "possible_duplicate", _("Possible duplicate of")
        MERGED_INTO = "merged_into", _("Merged into")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links", verbose_name=_("case"))
    other = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("other case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # How alike the two descriptions are (0..1) when intake flagged it; null for a manual link.
    score = models.FloatField(_("similarity"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        constraints = [
            models.UniqueConstraint(fields=["case", "other", "kind"], name="case_link_unique"),
            models.CheckConstraint(condition=~models.Q(case=models.F("other")), name="case_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.other_id}"
