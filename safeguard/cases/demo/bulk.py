"""A large demo data set, written fast: up to a few million cases for the benchmark (``bench/``).

``load`` runs after ``demo.load`` has made the staff and the department tree. It reuses the
demo's texts, departments and product routing, but instead of driving every case through the
services (hours at 1,000,000 cases) it computes each case's whole history in Python and writes
the rows in batches: PostgreSQL ``COPY`` (constraint triggers off for the load, so the checks
do not queue up ten million deferred events), plain multi-row inserts elsewhere.

The rows obey the same invariants the services keep (``tests/test_demo_bulk.py`` checks them):

* references are gapless per (prefix, year of receipt), numbered in order of receipt, and the
  ``ReferenceSequence`` counters are moved past them, so cases opened later get the next number;
* milestones come from the case's policy merged with the service standard, exactly as
  ``open_case`` computes them (``services._base.policy_milestones``);
* ``next_due_at`` is the earliest unmet milestone of an open case and null once it is not open;
  a milestone is breached when it was met late or was still unmet at its due time while the
  case was open, and ``is_breached`` says whether any was (a breach is history);
* every case belongs to a department of the demo tree, so someone can see it.

What it leaves out: audit entries (the hash chain stays as ``demo.load`` left it; these cases
were never "done" by anyone), attachments, pauses and extensions.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from safeguard.accounts.models import Department, User
from safeguard.accounts.roles import Role
from safeguard.cases import rules
from safeguard.cases.demo import (
    AGENT_FOR,
    DECISION,
    PRODUCT_DEPARTMENT,
    _first_reply,
    _referral,
    _withdraw_reason,
    is_loaded,
    texts,
)
from safeguard.cases.models import (
    OPEN_STATUSES,
    REFERENCE_PREFIX,
    Case,
    CaseEvent,
    CaseMilestone,
    CaseType,
    Channel,
    Message,
    Outcome,
    Product,
    Redress,
    ReferenceSequence,
    Resolution,
    RootCause,
    Severity,
    Status,
)

# The same merge of regulatory policy and service standard that ``open_case`` uses.
from safeguard.cases.services._base import policy_milestones
from safeguard.core import masking
from safeguard.customers import crypto
from safeguard.customers.models import Customer, Vulnerability
from safeguard.customers.rules import national_id_check_digit
from safeguard.deadlines.errors import CalendarYearMissing
from safeguard.deadlines.selectors import DeadlineRules, deadline_rules

Kind = CaseEvent.Kind
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Extra handlers per department, so a million cases are not all worked by four people.
HANDLERS = {
    "card-centre": 6,
    "retail-banking": 10,
    "consumer-protection": 3,
    "wealth-management": 4,
    "branch-beijing": 3,
    "branch-shanghai": 3,
    "branch-london": 2,
    "branch-new-york": 2,
}
# (channel, weight): phone and portal dominate, a regulator referral is rare.
CHANNELS = [
    (Channel.PHONE, 30),
    (Channel.PORTAL, 24),
    (Channel.BRANCH, 15),
    (Channel.EMAIL, 14),
    (Channel.API, 13),
    (Channel.SOCIAL, 3),
    (Channel.REGULATOR, 1),
]
# (case type, weight): the scenarios are drawn within the type.
TYPES = [(CaseType.COMPLAINT, 70), (CaseType.INQUIRY, 16), (CaseType.FEEDBACK, 10), (CaseType.COMPLIMENT, 4)]
QUICK_TYPES = (CaseType.FEEDBACK, CaseType.INQUIRY, CaseType.COMPLIMENT)
CUSTOMER_PREFIX = "BULK"


@dataclass
class BulkSummary:
    customers: int = 0
    handlers: int = 0
    cases: int = 0
    milestones: int = 0
    events: int = 0
    messages: int = 0
    resolutions: int = 0
    redress: int = 0
    breached: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    seconds: float = 0.0


# --- writing rows -------------------------------------------------------------------------


class _Writer:
    """Appends rows (tuples in ``fields`` order) to a model's table: COPY on PostgreSQL, else
    ``executemany`` with each value prepared by its field. Ids are given by the caller."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def write(self, model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        meta = model._meta
        columns = [_concrete(meta.get_field(name)) for name in fields]
        # Columns added to the model later that this generator does not know: their defaults
        # ("" for text), so a new NOT NULL column does not break the load.
        given = {f.attname for f in columns}
        missing = [f for f in meta.concrete_fields if f.attname not in given and not f.primary_key and not f.null]
        if missing:
            defaults = tuple(f.get_default() for f in missing)
            columns += missing
            rows = [row + defaults for row in rows]
        qn = connection.ops.quote_name
        names = ", ".join(qn(str(f.column)) for f in columns)
        table = qn(meta.db_table)
        json_at = [i for i, f in enumerate(columns) if isinstance(f, models.JSONField)]
        with connection.cursor() as cur:
            if self.postgres:
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        if json_at:
                            row = tuple(json.dumps(v) if i in json_at else v for i, v in enumerate(row))
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                prepared = [
                    tuple(f.get_db_prep_save(v, connection) for f, v in zip(columns, row, strict=True)) for row in rows
                ]
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _concrete(found: Any) -> models.Field[Any, Any]:
    if not isinstance(found, models.Field) or not found.column:
        raise TypeError(f"{found!r} is not a concrete column")
    return found


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# The columns each batch writes, in the order of the row tuples below.
CUSTOMER_FIELDS = _columns(
    """
    id customer_no name_enc name_masked national_id_enc national_id_masked national_id_index phone_enc
    phone_masked phone_index email_enc email_masked email_index address_enc address_masked
    account_numbers_enc account_numbers_masked segment kyc_level risk_rating vulnerabilities
    preferred_channel preferred_language has_contact_consent consent_updated_at created_at updated_at
    """
)
CASE_FIELDS = _columns(
    """
    id reference type channel customer_id complainant_role product_id category_id severity subject
    description desired_outcome received_at created_at updated_at policy_id extension department_id
    assignee_id status version next_due_at is_breached external_reference acknowledged_at resolved_at
    closed_at
    """
)
MILESTONE_FIELDS = ("case_id", "milestone", "due_at", "met_at", "due_soon_at", "breached_at")
EVENT_FIELDS = ("case_id", "kind", "at", "actor_id", "actor_label", "message_id", "note", "data")
MESSAGE_FIELDS = ("id", "case_id", "direction", "channel", "subject", "body", "author_id", "created_at")
RESOLUTION_FIELDS = _columns(
    """
    case_id outcome root_cause_id decision_basis reasons remedies apology_given decided_by_id decided_at
    """
)
REDRESS_FIELDS = _columns(
    """
    case_id kind amount currency state note recorded_by_id recorded_at decided_by_id decided_at
    """
)


# --- the generator ------------------------------------------------------------------------


def load(
    *,
    cases: int,
    seed: int = 2026,
    customers: int | None = None,
    now: datetime | None = None,
    days: int = 730,
    batch: int = 20_000,
    progress: Callable[[str], None] | None = None,
) -> BulkSummary:
    """Add ``cases`` cases received over the last ``days`` days (and ``customers`` customers,
    default one per five cases) to a database where ``demo.load`` has run. One transaction."""
    if not is_loaded():
        raise RuntimeError("load the demo staff and departments first (demo.load)")
    started = time.monotonic()
    say = progress or (lambda _line: None)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _skip_constraint_triggers()
        generator = _Generator(random.Random(seed), now or timezone.now(), days)
        summary = generator.summary
        generator.make_handlers()
        count = customers if customers is not None else max(cases // 5, 10)
        generator.make_customers(count, batch=batch, say=say)
        generator.make_cases(cases, batch=batch, say=say)
        generator.finish()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for model in (Customer, Case, CaseMilestone, CaseEvent, Message, Resolution, Redress):
                cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    summary.seconds = round(time.monotonic() - started, 1)
    return summary


def _skip_constraint_triggers() -> None:
    """Foreign keys are deferred on PostgreSQL: ten million rows would queue ten million checks
    for the commit. The rows are consistent by construction (and tested), so a superuser turns
    the triggers off for this transaction only; any other role just pays for the checks."""
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        if row and row[0]:
            cur.execute("SET LOCAL session_replication_role = replica")


@dataclass
class _Plan:
    """One case's row and the rows that hang off it, before ids are known for the events."""

    row: list[Any]
    milestones: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    message: tuple[Any, ...] | None = None
    resolution: tuple[Any, ...] | None = None
    redress: tuple[Any, ...] | None = None


class _Generator:
    def __init__(self, rng: random.Random, now: datetime, days: int) -> None:
        self.rng = rng
        self.now = now.astimezone(UTC)
        self.days = days
        self.writer = _Writer()
        self.summary = BulkSummary()
        self.departments = {d.code: d for d in Department.objects.all()}
        self.products = dict(Product.objects.values_list("code", "id"))
        self.root_causes = list(RootCause.objects.filter(is_active=True).values_list("id", flat=True))
        self.policies: DeadlineRules = deadline_rules()
        self.staff = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
        self.supervisor = self.staff["demo-supervisor"]
        self.handlers: dict[str, list[User]] = {}
        self.customer_pool: list[tuple[int, str]] = []  # (id, language)
        self.scenarios = {
            (case_type, language): [s for s in texts.SCENARIOS if s[1] == case_type and s[2] == language]
            for case_type, _w in TYPES
            for language in ("zh-hans", "en")
        }
        self.channels = [c for c, _w in CHANNELS]
        self.channel_weights = list(accumulate(w for _c, w in CHANNELS))
        self.types = [t for t, _w in TYPES]
        self.type_weights = list(accumulate(w for _t, w in TYPES))
        self.sequences: dict[tuple[str, int], int] = {
            (prefix, year): last
            for prefix, year, last in ReferenceSequence.objects.values_list("prefix", "year", "last_number")
        }

    # --- staff -----------------------------------------------------------------------------

    def make_handlers(self) -> None:
        """The demo agents plus ``HANDLERS`` more per department (no usable password)."""
        agents = Group.objects.get(name=str(Role.AGENT))
        rng = self.rng
        for code, count in HANDLERS.items():
            department = self.departments[code]
            people = [u for u in self.staff.values() if _works_in(u, code)]
            for n in range(1, count + 1):
                username = f"bulk-{code}-{n:02d}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    chinese = not code.startswith("branch-l") and not code.startswith("branch-n")
                    user = User(
                        username=username,
                        first_name=rng.choice(texts.CHINESE_GIVEN) if chinese else rng.choice(texts.ENGLISH_FIRST),
                        last_name=rng.choice(texts.CHINESE_SURNAMES) if chinese else rng.choice(texts.ENGLISH_LAST),
                        email=f"{username}@bank.example",
                        preferred_language="zh-hans" if chinese else "en",
                    )
                    user.set_unusable_password()
                    user.save()
                    user.groups.add(agents)
                    user.departments.add(department)
                    self.summary.handlers += 1
                people.append(user)
            self.handlers[code] = people

    # --- customers -------------------------------------------------------------------------

    def make_customers(self, count: int, *, batch: int, say: Callable[[str], None]) -> None:
        rng = self.rng
        next_id = self.writer.next_id(Customer)
        taken = Customer.objects.filter(customer_no__startswith=CUSTOMER_PREFIX).count()
        rows: list[tuple[Any, ...]] = []
        for n in range(count):
            number = taken + n + 1
            chinese = rng.random() < 0.8
            year = rng.randint(1940, 2004)
            if chinese:
                name = rng.choice(texts.CHINESE_SURNAMES) + rng.choice(texts.CHINESE_GIVEN)
                email = f"user{number:07d}@mail.example.cn"
            else:
                first, last = rng.choice(texts.ENGLISH_FIRST), rng.choice(texts.ENGLISH_LAST)
                name = f"{first} {last}"
                email = f"{first.lower()}.{last.lower()}{number}@mail.example.com"
            body = f"110105{year:04d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
            national_id = body + national_id_check_digit(body)
            phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
            address = f"{rng.choice(texts.CITIES)}{rng.randint(1, 999)}号"
            account = f"6222{rng.randint(10**11, 10**12 - 1)}"
            vulnerabilities: list[str] = []
            if year < 1955:
                vulnerabilities.append(Vulnerability.ELDERLY)
            if rng.random() < 0.06:
                vulnerabilities.append(
                    rng.choice([Vulnerability.FINANCIAL_HARDSHIP, Vulnerability.BEREAVEMENT, Vulnerability.DISABILITY])
                )
            if not chinese and rng.random() < 0.3:
                vulnerabilities.append(Vulnerability.LANGUAGE_NEED)
            created = self.now - timedelta(days=self.days + rng.uniform(1, 1500))
            language = "zh-hans" if chinese else "en"
            rows.append(
                (
                    next_id,
                    f"{CUSTOMER_PREFIX}{number:07d}",
                    crypto.encrypt(name, field="name"),
                    masking.mask_name(name),
                    crypto.encrypt(national_id, field="national_id"),
                    masking.mask_national_id(national_id),
                    crypto.blind_index(national_id, field="national_id"),
                    crypto.encrypt(phone, field="phone"),
                    masking.mask_phone(phone),
                    crypto.blind_index(phone, field="phone"),
                    crypto.encrypt(email, field="email"),
                    masking.mask_email(email),
                    crypto.blind_index(email, field="email"),
                    crypto.encrypt(address, field="address"),
                    masking.mask_address(address),
                    crypto.encrypt(json.dumps([account]), field="account_numbers"),
                    [masking.mask_account(account)],
                    rng.choice(["retail", "retail", "retail", "private", "small_business"]),
                    rng.choice(["basic", "enhanced"]),
                    rng.choice(["low", "low", "medium", "high"]),
                    [str(v) for v in vulnerabilities],
                    rng.choice(["email", "phone", "sms", "portal"]),
                    language,
                    True,
                    created,
                    created,
                    created,
                )
            )
            self.customer_pool.append((next_id, language))
            next_id += 1
            if len(rows) >= batch:
                self.writer.write(Customer, CUSTOMER_FIELDS, rows)
                rows = []
                say(f"customers: {n + 1}/{count}")
        self.writer.write(Customer, CUSTOMER_FIELDS, rows)
        self.summary.customers = count

    # --- cases -------------------------------------------------------------------------------

    def make_cases(self, count: int, *, batch: int, say: Callable[[str], None]) -> None:
        rng = self.rng
        span = self.days * 86400.0
        # Receipt times, oldest first (references are numbered in order of receipt); fewer at weekends.
        seconds: list[float] = []
        while len(seconds) < count:
            s = rng.random() * span
            moment = self.now - timedelta(seconds=s)
            if moment.weekday() >= 5 and rng.random() < 0.4:
                continue
            seconds.append(s)
        seconds.sort(reverse=True)
        case_id = self.writer.next_id(Case)
        message_id = self.writer.next_id(Message)
        plans: list[_Plan] = []
        for n, s in enumerate(seconds):
            received = self.now - timedelta(seconds=s)
            plan = self._plan(case_id, message_id, received)
            if plan is None:
                self.summary.skipped += 1
                continue
            plans.append(plan)
            case_id += 1
            if plan.message is not None:
                message_id += 1
            if len(plans) >= batch:
                self._write(plans)
                plans = []
                say(f"cases: {n + 1}/{count}")
        self._write(plans)

    def _write(self, plans: list[_Plan]) -> None:
        w, s = self.writer, self.summary
        w.write(Case, CASE_FIELDS, [tuple(p.row) for p in plans])
        messages = [p.message for p in plans if p.message is not None]
        w.write(Message, MESSAGE_FIELDS, messages)
        milestones = [m for p in plans for m in p.milestones]
        w.write(CaseMilestone, MILESTONE_FIELDS, milestones)
        events = [e for p in plans for e in p.events]
        w.write(CaseEvent, EVENT_FIELDS, events)
        resolutions = [p.resolution for p in plans if p.resolution is not None]
        w.write(Resolution, RESOLUTION_FIELDS, resolutions)
        redress = [p.redress for p in plans if p.redress is not None]
        w.write(Redress, REDRESS_FIELDS, redress)
        s.cases += len(plans)
        s.milestones += len(milestones)
        s.events += len(events)
        s.messages += len(messages)
        s.resolutions += len(resolutions)
        s.redress += len(redress)
        status_at = CASE_FIELDS.index("status")
        breached_at = CASE_FIELDS.index("is_breached")
        for p in plans:
            s.by_status[p.row[status_at]] = s.by_status.get(p.row[status_at], 0) + 1
            s.breached += bool(p.row[breached_at])

    def _pick_customer(self) -> tuple[int, str]:
        # Skewed: a few customers complain often, most once or twice.
        pool = self.customer_pool
        return pool[int(len(pool) * self.rng.random() ** 1.6)]

    def _route(self, language: str, product: str, channel: str) -> tuple[str, str]:
        """(policy code, department code), as the demo routes them."""
        rng = self.rng
        if language == "en":
            branch = "branch-london" if rng.random() < 0.67 else "branch-new-york"
            if branch == "branch-new-york":
                return "us-cfpb", branch
            return ("uk-psd2" if product in ("payment", "e-banking") else "uk-fca-disp"), branch
        if channel == Channel.BRANCH and rng.random() < 0.6:
            return "cn-nfra", rng.choice(["branch-beijing", "branch-shanghai"])
        return "cn-nfra", PRODUCT_DEPARTMENT[product]

    def _plan(self, case_id: int, message_id: int, received: datetime) -> _Plan | None:
        rng, now = self.rng, self.now
        customer_id, language = self._pick_customer()
        drawn = rng.choices(self.types, cum_weights=self.type_weights)[0]
        scenarios = self.scenarios[(drawn, language)] or self.scenarios[(CaseType.COMPLAINT, language)]
        product, case_type, _lang, subject, description = rng.choice(scenarios)
        channel = rng.choices(self.channels, cum_weights=self.channel_weights)[0]
        policy_code, department_code = self._route(language, product, channel)
        policy = self.policies.active(policy_code) or self.policies.policy(settings.SAFEGUARD_DEFAULT_POLICY)
        try:
            due = policy_milestones(self.policies, policy.id, received_at=received, case_type=case_type)
        except CalendarYearMissing:
            return None  # as open_case refuses it; the demo loader skips such cases too
        prefix = REFERENCE_PREFIX[CaseType(case_type)]
        year = rules.reference_year(received, settings.TIME_ZONE)
        number = self.sequences.get((prefix, year), 0) + 1
        self.sequences[(prefix, year)] = number
        reference = rules.reference(prefix, year, number)
        agent = rng.choice(self.handlers[department_code])
        if department_code not in HANDLERS:  # consumer-protection etc. without a pool
            agent = self.staff[AGENT_FOR.get(department_code, "demo-agent")]
        supervisor = self.supervisor
        severity = (
            Severity.HIGH
            if any(w in description for w in ("骗", "盗刷", "unauthorised", "78岁", "72"))
            else rng.choice([Severity.LOW, Severity.MEDIUM, Severity.MEDIUM])
        )
        if rng.random() < 0.3:  # the same story in different words and amounts, for search
            description = (
                f"{description} 涉及金额{rng.randint(100, 90000)}元。"
                if language == "zh-hans"
                else f"{description} The amount involved is {rng.randint(100, 90000)}."
            )

        # The case's history, each step clipped by now.
        age = now - received
        assigned_at = received + HOUR * rng.uniform(0.2, 3)
        reply_at = received + HOUR * (rng.uniform(1, 20) if rng.random() < 0.9 else rng.uniform(24, 60))
        reply_at = max(reply_at, assigned_at + timedelta(minutes=10))
        if case_type in QUICK_TYPES:
            work = DAY * rng.uniform(0.5, 1.8)
        else:
            work = DAY * (rng.uniform(2, 13) if rng.random() < 0.95 else rng.uniform(15, 40))
        resolved_at = max(received + work, reply_at + HOUR)
        fate = rng.random()
        withdraws = fate < 0.03
        left_open = 0.03 <= fate < 0.033 and age > timedelta(days=20)
        awaits = rng.random() < 0.1

        status = Status.ACKNOWLEDGED
        version = 1
        assignee: User | None = None
        closed_at: datetime | None = None
        resolved: datetime | None = None
        met: dict[str, datetime | None] = {rules.ACKNOWLEDGE: received}
        # How the timeline names the opener: a handler logs phone and branch contacts.
        opener = agent if channel in (Channel.PHONE, Channel.BRANCH) else None
        opened_label = (
            opener.username if opener else ("customer" if channel in (Channel.PORTAL, Channel.API) else "system")
        )
        events: list[tuple[Any, ...]] = []

        def event(kind: str, at: datetime, by: User | None, data: dict[str, Any], note: str = "", **extra: Any) -> None:
            label = extra.get("label") or (by.username if by else "system")
            events.append((case_id, kind, at, by.pk if by else None, label, extra.get("message_id"), note, data))

        def transition(at: datetime, source: str, target: str, by: User, action: str, note: str = "") -> None:
            event(Kind.TRANSITION, at, by, {"from": source, "to": target, "action": action}, note)

        milestones_iso = {name: rules.iso(at) for name, at in due.items()}
        created = {"reference": reference, "type": case_type, "channel": channel, "received_at": rules.iso(received)}
        event(
            Kind.CREATED,
            received,
            opener,
            {**created, "policy": policy.spec.code, "milestones": milestones_iso},
            label=opened_label,
        )
        event(
            Kind.ACKNOWLEDGED,
            received,
            None,
            {"automatic": True, "acknowledged_at": rules.iso(received)},
            "Acknowledged on receipt, as the deadline policy requires.",
        )

        message = resolution = redress = None
        if assigned_at <= now:
            assignee = agent
            version += 1
            event(Kind.ASSIGNED, assigned_at, supervisor, {"from": None, "to": agent.username})
        if assignee is not None and reply_at <= now:
            transition(reply_at, Status.ACKNOWLEDGED, Status.INVESTIGATING, agent, "investigate")
            status = Status.INVESTIGATING
            body = _first_reply(language, reference)
            message = (message_id, case_id, "out", Channel.EMAIL, "", body, agent.pk, reply_at)
            event(Kind.MESSAGE_OUT, reply_at, agent, {"channel": "email"}, message_id=message_id)
            met[rules.FIRST_RESPONSE] = reply_at
            version += 2
        if status == Status.INVESTIGATING and withdraws:
            at = min(reply_at + HOUR * rng.uniform(1, 48), now)
            note = _withdraw_reason(language)
            transition(at, status, Status.WITHDRAWN, agent, "withdraw", note)
            status, closed_at = Status.WITHDRAWN, at
            version += 1
        elif status == Status.INVESTIGATING and not left_open and resolved_at <= now:
            resolved = resolved_at
            outcome = (
                rng.choice([Outcome.UPHELD, Outcome.PARTIALLY_UPHELD, Outcome.NOT_UPHELD])
                if case_type == CaseType.COMPLAINT
                else Outcome.NOT_UPHELD
            )
            basis, reasons, remedies = DECISION["en" if language == "en" else "zh-hans"]
            root_cause = rng.choice(self.root_causes)
            transition(resolved, status, Status.RESOLVED, agent, "resolve")
            status = Status.RESOLVED
            met[rules.FIRST_RESPONSE] = met.get(rules.FIRST_RESPONSE) or resolved
            met[rules.FINAL_RESPONSE] = resolved
            apology = outcome != Outcome.NOT_UPHELD
            resolution = (case_id, outcome, root_cause, basis, reasons, remedies, apology, agent.pk, resolved)
            decision = {"outcome": outcome, "root_cause": root_cause, "apology_given": outcome != Outcome.NOT_UPHELD}
            event(Kind.RESOLVED, resolved, agent, {**decision, "redress": []}, reasons)
            version += 1
            if outcome != Outcome.NOT_UPHELD and rng.random() < 0.4:
                currency = {"uk-fca-disp": "GBP", "uk-psd2": "GBP", "us-cfpb": "USD"}.get(policy_code, "CNY")
                amount = Decimal(rng.randint(50, 2000))
                kind = rng.choice(list(Redress.Kind.values))
                approved = Redress.State.APPROVED
                redress = (case_id, kind, amount, currency, approved, "", agent.pk, resolved, None, resolved)
                detail = {"kind": kind, "amount": str(amount), "currency": currency, "state": Redress.State.APPROVED}
                event(Kind.REDRESS_RECORDED, resolved, agent, detail)
            after = rng.random()
            if after < 0.015:
                at = resolved + DAY * rng.uniform(1, 3)
                if at <= now:
                    note = _referral(language)
                    transition(at, status, Status.REFERRED, supervisor, "refer", note)
                    status, closed_at = Status.REFERRED, at
                    version += 1
            elif after < 0.95:
                at = resolved + DAY * rng.uniform(3, 5)
                if at <= now:
                    transition(at, status, Status.CLOSED, agent, "close")
                    status, closed_at = Status.CLOSED, at
                    version += 1
        elif status == Status.INVESTIGATING and awaits:
            at = reply_at + HOUR * rng.uniform(4, 30)
            if at <= now:
                transition(at, status, Status.AWAITING_CUSTOMER, agent, "await_customer")
                status = Status.AWAITING_CUSTOMER
                version += 1

        # Deadlines: met, due soon and breached as the scan would have marked them.
        is_open = status in OPEN_STATUSES
        open_until = now if is_open else (resolved or closed_at or now)
        milestones, next_due = _deadlines(case_id, due, met, received=received, open_until=open_until, now=now)
        breached_any = any(m[5] is not None for m in milestones)
        for m in milestones:
            if m[5] is not None:
                event(Kind.BREACHED, m[5], None, {"milestone": m[1], "due_at": rules.iso(m[2])})
        if not is_open:
            next_due = None
        if breached_any:
            version += 1
        last = max(e[2] for e in events)
        row = [
            case_id,
            reference,
            case_type,
            channel,
            customer_id,
            "self",
            self.products.get(product),
            None,
            severity,
            subject,
            description,
            "",
            received,
            received + timedelta(minutes=rng.uniform(0, 5)) if opener else received,
            last,
            policy.id,
            "",
            self.departments[department_code].pk,
            assignee.pk if assignee else None,
            status,
            version,
            next_due,
            breached_any,
            f"NFRA-{received:%Y%m%d}-{case_id:07d}" if channel == Channel.REGULATOR else "",
            received,
            resolved,
            closed_at,
        ]
        return _Plan(row, milestones, events, message, resolution, redress)

    def finish(self) -> None:
        """Move the reference counters past the new numbers and the id sequences past the new ids."""
        for (prefix, year), last in self.sequences.items():
            ReferenceSequence.objects.update_or_create(prefix=prefix, year=year, defaults={"last_number": last})
        statements = connection.ops.sequence_reset_sql(
            no_style(), [Customer, Case, CaseMilestone, CaseEvent, Message, Resolution, Redress]
        )
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def _deadlines(
    case_id: int,
    due: dict[str, datetime],
    met: dict[str, datetime | None],
    *,
    received: datetime,
    open_until: datetime,
    now: datetime,
) -> tuple[list[tuple[Any, ...]], datetime | None]:
    """The milestone rows of one case and its earliest unmet deadline. A milestone is breached
    when it was met late, or was still unmet at its due time while the case was open (until
    ``open_until``); it was "due soon" a day before it fell due, if still unmet then."""
    rows = []
    for name, due_at in sorted(due.items(), key=lambda item: item[1]):
        met_at = met.get(name)
        if met_at is not None and met_at > open_until:
            met_at = None
        breached = (met_at is not None and met_at > due_at) or (met_at is None and due_at <= open_until)
        warn_at = max(due_at - DAY, received)
        warned = due_at > received and warn_at <= min(open_until, now) and (met_at is None or met_at > warn_at)
        rows.append((case_id, name, due_at, met_at, warn_at if warned else None, due_at if breached else None))
    unmet = [row[2] for row in rows if row[3] is None]
    return rows, min(unmet) if unmet else None


def _works_in(user: User, code: str) -> bool:
    return user.username.startswith("demo-agent") and any(d.code == code for d in user.departments.all())
