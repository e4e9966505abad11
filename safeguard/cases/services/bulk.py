"""Opening many cases at once (bulk import): the cases ``open_case`` would open, a batch at a time.

``open_case`` costs about ten queries and a dozen model instances per case; an import of a
regulator's file or of another system's history needs thousands of cases a second. So
``open_cases_bulk`` keeps every invariant of ``open_case`` but writes each kind of row once per
batch, as plain tuples (no model instances: building one costs more than writing its row):

* the deadline rules are read once and the milestones computed in Python (the same merge of the
  case's policy and the service standard, ``_base.policy_milestones``), cached per (policy, type,
  time of receipt), since an import has many cases received at the same moment;
* references are allocated with one upsert per (prefix, year) that advances the counter by the
  number of cases in the batch, inside the batch's transaction: gapless and unique, like
  ``next_reference``;
* ids come from the table's sequence (PostgreSQL: ``nextval`` over ``generate_series``) or, on
  SQLite, after the largest one used (the transaction holds SQLite's write lock);
* new customers (``NewCustomer``: PII encrypted, masked and indexed as ``customers.services``
  stores it), cases, milestones and timeline events are written with ``COPY`` on PostgreSQL and
  one ``executemany`` each elsewhere;
* each case gets the milestones, status, ``acknowledged_at`` and ``next_due_at`` that
  ``open_case`` gives it, but its timeline starts with one CREATED event that tells the whole
  arrival (imported from where, acknowledged at receipt, closed on import) in its note and data,
  where ``open_case`` writes a separate ACKNOWLEDGED event: a third of the rows of an import;
* one audit entry per batch, ``case.import``, lists every reference it created and every customer
  number it added, so each change stays traceable to the batch and the actor.

A historical case may arrive already finished (``NewCase.closed_at``): it is stored ``closed``
with that ``closed_at`` (``resolved_at`` stays empty: the source did not say when it was answered);
its deadlines are kept as computed and never scanned (the scan skips cases that are not open).
Nothing here sends a letter.

Returns ``Opened`` tuples, not ``Case`` instances (building 1,000 model instances costs about as
much as writing them); callers that need a case load it by id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.audit import services as audit
from safeguard.cases import events, rules
from safeguard.cases.access import ensure_can
from safeguard.cases.errors import InvalidReceivedAt
from safeguard.cases.models import (
    REFERENCE_PREFIX,
    Case,
    CaseEvent,
    CaseMilestone,
    CaseType,
    Category,
    Channel,
    ComplainantRole,
    Product,
    ReferenceSequence,
    Severity,
    Status,
)
from safeguard.cases.services import _base
from safeguard.cases.services.opening import CLOCK_SKEW, _policy
from safeguard.core.errors import DomainError, InvalidInput
from safeguard.customers.models import ContactChannel, Customer, Vulnerability
from safeguard.customers.services import clean_pii, stored_pii
from safeguard.deadlines.selectors import DeadlineRules, deadline_rules

IMPORT_ACTION = "case.import"


@dataclass
class NewCustomer:
    """A customer profile created with the batch. Several rows may share one instance (it is
    created once); ``pk`` is set once it is written and cleared again if the batch rolls back."""

    customer_no: str
    name: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = "zh-hans"
    preferred_channel: str = ContactChannel.EMAIL
    has_contact_consent: bool = True
    vulnerabilities: Sequence[str] = ()
    pk: int | None = None


@dataclass
class NewCase:
    """One case to open with ``open_cases_bulk``; the fields mean what ``open_case``'s arguments mean.

    ``customer`` is an existing profile or a ``NewCustomer``. ``closed_at`` records a case that was
    already finished at its source. ``notes`` become internal notes on the timeline; ``data`` is
    kept in the CREATED event (what the source said that has no column of its own).
    """

    customer: Customer | NewCustomer
    type: str
    channel: str
    description: str
    received_at: datetime
    subject: str = ""
    product: Product | None = None
    category: Category | None = None
    severity: str = Severity.MEDIUM
    complainant_role: str = ComplainantRole.SELF
    policy: str | None = None
    department: Department | None = None
    desired_outcome: str = ""
    external_source: str = ""
    external_reference: str = ""
    external_due_at: datetime | None = None
    closed_at: datetime | None = None
    close_note: str = ""
    notes: Sequence[str] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


class Opened(NamedTuple):
    """A case ``open_cases_bulk`` wrote (not a model instance: see the module docstring)."""

    id: int
    reference: str
    status: str
    customer_id: int


@dataclass(frozen=True)
class _Schedule:
    """What every case of one policy, type and moment of receipt shares, with its moments already
    in the form the database takes (computed once, then reused: see ``_schedules``)."""

    policy_id: int
    policy_code: str
    received: Any
    milestones: tuple[tuple[str, Any, Any], ...]  # (milestone, due, met), by due time
    milestones_iso: dict[str, str]
    acknowledged: Any  # the time of receipt when receipt acknowledges the case, else None
    next_due: Any  # while the case is open
    prefix: str
    year: int
    received_iso: str


@dataclass
class _Plan:
    row: NewCase
    description: str
    schedule: _Schedule


def open_cases_bulk(*, by: User | None, rows: Sequence[NewCase], source: str = "") -> list[Opened]:
    """Open ``rows`` as cases in one transaction; returns them in the order given.

    ``by`` is the staff user importing (needs ``cases.add_case``) or None for the system.
    ``source`` names the batch in the audit entry (e.g. ``"cfpb:complaints.csv"``). A row that is
    not valid refuses the whole batch with its ``DomainError`` (``extra["row"]`` is its index);
    nothing is written then, and the ``NewCustomer`` instances are left without a ``pk``.
    """
    if by is not None:
        ensure_can(by, "cases.add_case")
    if not rows:
        return []
    customers = _new_customers(rows)
    try:
        with transaction.atomic():
            return _open(by, rows, customers, source)
    except BaseException:
        forget(customers)
        raise


def forget(customers: Iterable[NewCustomer]) -> None:
    """Clear the ids of new customers whose transaction rolled back (a dry run, a refused batch)."""
    for customer in customers:
        customer.pk = None


def _new_customers(rows: Sequence[NewCase]) -> list[NewCustomer]:
    seen: dict[int, NewCustomer] = {}
    for row in rows:
        if isinstance(row.customer, NewCustomer) and row.customer.pk is None:
            seen.setdefault(id(row.customer), row.customer)
    return list(seen.values())


def _open(by: User | None, rows: Sequence[NewCase], customers: list[NewCustomer], source: str) -> list[Opened]:
    now = _base.now()
    moment = _moment_adapter()
    planner = _Planner(deadline_rules(), now, moment)
    plans: list[_Plan] = []
    for index, row in enumerate(rows):
        try:
            if isinstance(row.customer, NewCustomer) and row.customer.pk is None:
                _check_customer(row.customer)
            plans.append(planner.plan(row))
        except DomainError as exc:
            exc.extra.setdefault("row", index)
            raise

    at = moment(now)
    writer = _Writer(at)
    if customers:
        for customer, pk in zip(customers, writer.ids(Customer, len(customers)), strict=True):
            customer.pk = pk
        writer.write(Customer, CUSTOMER_COLUMNS, [_customer_row(c, at) for c in customers])

    references = _allocate(plans)
    case_ids = writer.ids(Case, len(plans))
    actor_id = by.pk if by is not None else None
    label = events.actor_label(by)
    acknowledged_note = _("Acknowledged on receipt, as the deadline policy requires.")
    closed_note = _("Closed on import: the case was already finished at its source.")
    extra = {"imported": True, **({"source": source} if source else {})}
    tails: dict[tuple[int, str], str] = {}
    closings: dict[datetime, tuple[Any, str]] = {}
    notes: dict[tuple[bool, str | None], str] = {}
    imported_note = _("Imported from %(source)s.") % {"source": source} if source else _("Imported in bulk.")

    case_rows: list[tuple[Any, ...]] = []
    milestone_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    opened: list[Opened] = []
    for plan, reference, case_id in zip(plans, references, case_ids, strict=True):
        row, schedule = plan.row, plan.schedule
        ack = schedule.acknowledged
        status = _ACKNOWLEDGED if ack is not None else _RECEIVED
        next_due = schedule.next_due
        customer_id = row.customer.pk
        assert customer_id is not None
        for name, due, met in schedule.milestones:
            milestone_rows.append((case_id, name, due, met))
        closed = None
        if row.closed_at is not None:
            closed = closings.get(row.closed_at)
            if closed is None:
                closed = closings[row.closed_at] = (moment(row.closed_at), rules.iso(row.closed_at))
            status, next_due = _CLOSED, None
        # One CREATED event tells the whole arrival: acknowledged at receipt (as open_case does,
        # where it writes a second event) and, for a finished case, closed on import. Its JSON is
        # spliced from a part encoded once per schedule and a small per-row part: encoding it
        # whole, or writing three events, costs more than the case itself.
        tail = tails.get((id(schedule), status))
        if tail is None:
            tail = tails[(id(schedule), status)] = _ENCODER.encode(
                {
                    "received_at": schedule.received_iso,
                    "policy": schedule.policy_code,
                    "milestones": schedule.milestones_iso,
                    "status": status,
                    **({"acknowledged_at": schedule.received_iso} if ack is not None else {}),
                    **extra,
                }
            )[1:]
        own = {k: v for k, v in row.data.items() if k not in _CREATED_KEYS} if row.data else {}
        own.update(reference=reference, type=row.type, channel=row.channel)
        if closed is not None:
            own["closed_at"] = closed[1]
        note_key = (ack is not None, row.close_note if closed is not None else None)
        note = notes.get(note_key)
        if note is None:
            parts = [imported_note]
            if ack is not None:
                parts.append(acknowledged_note)
            if closed is not None:
                parts.append(row.close_note or closed_note)
            note = notes[note_key] = " ".join(parts)
        event_rows.append((case_id, _CREATED, at, actor_id, label, note, f"{_ENCODER.encode(own)[:-1]}, {tail}"))
        for text in row.notes:
            event_rows.append((case_id, _NOTE, at, actor_id, label, text, "{}"))
        case_rows.append(
            (
                case_id,
                reference,
                row.type,
                row.channel,
                customer_id,
                row.complainant_role,
                row.product.pk if row.product else None,
                row.category.pk if row.category else None,
                row.severity,
                row.subject.strip()[:200],
                plan.description,
                row.desired_outcome.strip(),
                schedule.received,
                at,
                at,
                schedule.policy_id,
                row.department.pk if row.department else None,
                status,
                next_due,
                row.external_reference.strip(),
                row.external_source.strip(),
                moment(row.external_due_at) if row.external_due_at else None,
                ack,
                closed[0] if closed is not None else None,
            )
        )
        opened.append(Opened(case_id, reference, status, customer_id))
    writer.write(Case, CASE_COLUMNS, case_rows)
    writer.write(CaseMilestone, MILESTONE_COLUMNS, milestone_rows)
    writer.write(CaseEvent, EVENT_COLUMNS, event_rows)

    audit.log(
        by,
        IMPORT_ACTION,
        None,
        object_type=Case._meta.label_lower,
        object_repr=f"{opened[0].reference} … {opened[-1].reference}" if len(opened) > 1 else opened[0].reference,
        changes={
            "source": source,
            "count": len(opened),
            "closed": sum(1 for case in opened if case.status == _CLOSED),
            "references": [case.reference for case in opened],
            "customers_created": [customer.customer_no for customer in customers],
        },
    )
    return opened


_RECEIVED, _ACKNOWLEDGED, _CLOSED = str(Status.RECEIVED), str(Status.ACKNOWLEDGED), str(Status.CLOSED)
_CREATED, _NOTE = str(CaseEvent.Kind.CREATED), str(CaseEvent.Kind.NOTE)
_CREATED_KEYS = frozenset(
    {
        "reference",
        "type",
        "channel",
        "received_at",
        "policy",
        "milestones",
        "status",
        "acknowledged_at",
        "closed_at",
        "imported",
        "source",
    }
)

CUSTOMER_COLUMNS = [
    "id",
    "customer_no",
    "name_enc",
    "name_masked",
    "phone_enc",
    "phone_masked",
    "phone_index",
    "email_enc",
    "email_masked",
    "email_index",
    "vulnerabilities",
    "preferred_channel",
    "preferred_language",
    "has_contact_consent",
    "consent_updated_at",
    "created_at",
    "updated_at",
]
CASE_COLUMNS = [
    "id",
    "reference",
    "type",
    "channel",
    "customer_id",
    "complainant_role",
    "product_id",
    "category_id",
    "severity",
    "subject",
    "description",
    "desired_outcome",
    "received_at",
    "created_at",
    "updated_at",
    "policy_id",
    "department_id",
    "status",
    "next_due_at",
    "external_reference",
    "external_source",
    "external_due_at",
    "acknowledged_at",
    "closed_at",
]
MILESTONE_COLUMNS = ["case_id", "milestone", "due_at", "met_at"]
EVENT_COLUMNS = ["case_id", "kind", "at", "actor_id", "actor_label", "note", "data"]
_VULNERABILITIES = frozenset(Vulnerability.values)
_CONTACT_CHANNELS = frozenset(ContactChannel.values)


def _check_customer(customer: NewCustomer) -> None:
    """Canonical PII and known profile values, as ``customers.services.create_customer`` checks."""
    for name in ("name", "phone", "email"):
        value = getattr(customer, name)
        if value:
            setattr(customer, name, clean_pii(name, value))
    if customer.preferred_language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(_("Unknown language “%(value)s”.") % {"value": customer.preferred_language})
    if customer.preferred_channel not in _CONTACT_CHANNELS:
        raise InvalidInput(_("Unknown contact channel “%(value)s”.") % {"value": customer.preferred_channel})
    unknown = [v for v in customer.vulnerabilities if v not in _VULNERABILITIES]
    if unknown:
        raise InvalidInput(_("Unknown vulnerability “%(value)s”.") % {"value": unknown[0]})


def _customer_row(customer: NewCustomer, at: Any) -> tuple[Any, ...]:
    stored: list[str] = []
    for name in ("name", "phone", "email"):
        encrypted, masked, index = stored_pii(name, getattr(customer, name))
        stored += [encrypted, masked] if name == "name" else [encrypted, masked, index]
    return (
        customer.pk,
        customer.customer_no,
        *stored,
        _json(list(customer.vulnerabilities)),
        customer.preferred_channel,
        customer.preferred_language,
        customer.has_contact_consent,
        at,
        at,
        at,
    )


_TYPES = frozenset(CaseType.values)
_CHANNELS = frozenset(Channel.values)
_SEVERITIES = frozenset(Severity.values)
_ROLES = frozenset(ComplainantRole.values)
_PREFIX = {str(k): v for k, v in REFERENCE_PREFIX.items()}
# The schedules computed under the current deadline rules, kept across batches (an import has a
# few thousand distinct moments of receipt). Replaced whenever ``deadline_rules()`` gives a new
# object (a policy or calendar changed) or a setting it depends on differs.
_schedules: tuple[DeadlineRules, tuple[str, ...], dict[tuple[str | None, str, datetime], _Schedule]] | None = None
_MAX_SCHEDULES = 100_000


def _moment_adapter() -> Callable[[datetime], Any]:
    """How a moment is written: psycopg takes aware datetimes (COPY), SQLite Django's text form."""
    if connection.vendor == "postgresql":
        return _same
    return connection.ops.adapt_datetimefield_value


def _same(value: datetime) -> datetime:
    return value


class _Planner:
    """Validates rows (no queries) and finds their schedules."""

    def __init__(self, policies: DeadlineRules, now: datetime, moment: Callable[[datetime], Any]) -> None:
        global _schedules
        self.policies = policies
        self.latest = now + CLOCK_SKEW
        self.moment = moment
        identity = (settings.SAFEGUARD_DEFAULT_POLICY, settings.TIME_ZONE, connection.vendor)
        if (
            _schedules is None
            or _schedules[0] is not policies
            or _schedules[1] != identity
            or len(_schedules[2]) > _MAX_SCHEDULES
        ):
            _schedules = (policies, identity, {})
        self.schedules = _schedules[2]

    def plan(self, row: NewCase) -> _Plan:
        if row.type not in _TYPES:
            _base.require_choice(row.type, CaseType.values, "type")
        if row.channel not in _CHANNELS:
            _base.require_choice(row.channel, Channel.values, "channel")
        if row.severity not in _SEVERITIES:
            _base.require_choice(row.severity, Severity.values, "severity")
        if row.complainant_role not in _ROLES:
            _base.require_choice(row.complainant_role, ComplainantRole.values, "complainant_role")
        description = _base.require_text(row.description, "description")
        received = row.received_at
        if received.tzinfo is None or received.utcoffset() is None:
            raise InvalidReceivedAt(_("The time of receipt must include a time zone."), field="received_at")
        if received > self.latest:
            raise InvalidReceivedAt(_("The time of receipt cannot be in the future."), field="received_at")
        if row.closed_at is not None and not received <= row.closed_at <= self.latest:
            raise InvalidInput(_("A case cannot be closed before it was received or in the future."), field="closed_at")
        category, product = row.category, row.product
        if category is not None and product is not None and category.product_id not in (None, product.pk):
            raise InvalidInput(
                _("The category “%(category)s” does not belong to the product “%(product)s”.")
                % {"category": category.code, "product": product.code},
                field="category",
            )
        key = (row.policy, row.type, received)
        schedule = self.schedules.get(key)
        if schedule is None:
            schedule = self.schedules[key] = self._schedule(row.policy, row.type, received)
        return _Plan(row=row, description=description, schedule=schedule)

    def _schedule(self, policy: str | None, case_type: str, received: datetime) -> _Schedule:
        entry = _policy(self.policies, policy if policy is not None else settings.SAFEGUARD_DEFAULT_POLICY)
        # Raises CalendarYearMissing when a deadline needs a year the calendar does not cover.
        due = _base.policy_milestones(self.policies, entry.id, received_at=received, case_type=case_type)
        auto = rules.ACKNOWLEDGE in due and due[rules.ACKNOWLEDGE] <= received
        met = {rules.ACKNOWLEDGE: received} if auto else {}
        next_due = rules.next_due((due_at, met.get(name)) for name, due_at in due.items())
        moment = self.moment
        return _Schedule(
            policy_id=entry.id,
            policy_code=entry.spec.code,
            received=moment(received),
            milestones=tuple(
                (name, moment(due_at), moment(received) if name in met else None)
                for name, due_at in sorted(due.items(), key=lambda item: item[1])
            ),
            milestones_iso={name: rules.iso(due_at) for name, due_at in due.items()},
            acknowledged=moment(received) if auto else None,
            next_due=moment(next_due) if next_due is not None else None,
            prefix=_PREFIX[case_type],
            year=rules.reference_year(received, settings.TIME_ZONE),
            received_iso=rules.iso(received),
        )


def _allocate(plans: list[_Plan]) -> list[str]:
    """A reference for each plan, in order: one counter upsert per (prefix, year) in the batch."""
    if not connection.in_atomic_block:
        raise RuntimeError("references must be allocated inside the creating transaction")
    wanted: dict[tuple[str, int], int] = defaultdict(int)
    for plan in plans:
        wanted[(plan.schedule.prefix, plan.schedule.year)] += 1
    qn = connection.ops.quote_name
    table = qn(ReferenceSequence._meta.db_table)
    last = qn("last_number")
    sql = (
        f"INSERT INTO {table} ({qn('prefix')}, {qn('year')}, {last}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({qn('prefix')}, {qn('year')}) DO UPDATE SET {last} = {table}.{last} + excluded.{last} "
        f"RETURNING {last}"
    )
    following: dict[tuple[str, int], int] = {}
    with connection.cursor() as cur:
        for (prefix, year), count in sorted(wanted.items()):
            cur.execute(sql, [prefix, year, count])
            (number,) = cur.fetchone()
            following[(prefix, year)] = int(number) - count + 1
    references = []
    for plan in plans:
        key = (plan.schedule.prefix, plan.schedule.year)
        number = following[key]
        following[key] = number + 1
        references.append(rules.reference(key[0], key[1], number))
    return references


class _Writer:
    """Appends rows (tuples in ``columns`` order, attnames; moments adapted with
    ``_moment_adapter``, JSON encoded with ``_json``) to a model's table: ``COPY`` on PostgreSQL,
    ``executemany`` elsewhere. Columns the model gains later and
    the caller does not name get their default, so a new NOT NULL column does not break imports."""

    def __init__(self, at: Any) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.at = at

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` fresh primary keys for ``model``, reserved for this transaction."""
        table = model._meta.db_table
        with connection.cursor() as cur:
            if self.postgres:
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, model._meta.pk.column, count],
                )
                return [int(pk) for (pk,) in cur.fetchall()]
            # SQLite: the transaction holds the database's write lock (BEGIN IMMEDIATE), so no one
            # else takes ids meanwhile; AUTOINCREMENT's counter may be past the largest id.
            qn = connection.ops.quote_name
            cur.execute(f"SELECT MAX({qn(str(model._meta.pk.column))}) FROM {qn(table)}")  # noqa: S608
            (largest,) = cur.fetchone()
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cur.fetchone()
        start = max(int(largest or 0), int(found[0]) if found else 0) + 1
        return list(range(start, start + count))

    def write(self, model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        meta = model._meta
        fields = [meta.get_field(name) for name in columns]
        concrete = [f for f in fields if isinstance(f, models.Field)]
        given = {f.attname for f in concrete}
        missing = [f for f in meta.concrete_fields if f.attname not in given and not f.primary_key]
        defaults = tuple(self._default(f) for f in missing)
        all_fields = concrete + missing
        qn = connection.ops.quote_name
        names = ", ".join(qn(str(f.column)) for f in all_fields)
        table = qn(meta.db_table)
        prepared: Sequence[Sequence[Any]] = [row + defaults for row in rows] if defaults else rows
        with connection.wrap_database_errors, connection.cursor() as cur:
            if self.postgres:
                with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for values in prepared:
                        copy.write_row(values)
            else:
                # The driver's own cursor: Django's wrapper would copy every row to rewrite the
                # placeholders, which the statement below already writes in SQLite's style.
                marks = ", ".join(["?"] * len(all_fields))
                cur.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608

    def _default(self, f: models.Field[Any, Any]) -> Any:
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            return self.at
        value = f.get_default()
        return _json(value) if isinstance(f, models.JSONField) and value is not None else value


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value: Any) -> str:
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return _ENCODER.encode(value)
