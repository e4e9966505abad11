"""Opening a case: validation, the gapless reference, milestones, automatic acknowledgement."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
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
from safeguard.cases.services.assignment import check_assignee
from safeguard.cases.signals import case_opened
from safeguard.core.errors import InvalidInput
from safeguard.customers.models import Customer
from safeguard.deadlines.models import DeadlinePolicy
from safeguard.deadlines.selectors import DeadlineRules, PolicyEntry, deadline_rules

# A client clock a little ahead of ours is not an error; a complaint "received" later than that is.
CLOCK_SKEW = timedelta(minutes=2)

# Channels where the customer opens the case themselves (portal, app); the audit log names them.
SELF_SERVICE_CHANNELS = (Channel.PORTAL, Channel.API)


def next_reference(prefix: str, year: int) -> str:
    """Advance the (prefix, year) counter with one atomic upsert and return the new reference.

    Runs inside the creating transaction: the counter row stays locked until it commits, so
    concurrent creations queue on it (no duplicates), and a rolled-back creation rolls the
    counter back too (no gaps). ``ON CONFLICT ... RETURNING`` works on PostgreSQL and SQLite ≥ 3.35.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("references must be allocated inside the creating transaction")
    qn = connection.ops.quote_name
    table = qn(ReferenceSequence._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({qn('prefix')}, {qn('year')}, {qn('last_number')}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({qn('prefix')}, {qn('year')}) "
        f"DO UPDATE SET {qn('last_number')} = {table}.{qn('last_number')} + 1 "
        f"RETURNING {qn('last_number')}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [prefix, year])
        (number,) = cur.fetchone()
    return rules.reference(prefix, year, int(number))


def _policy(policies: DeadlineRules, policy: DeadlinePolicy | str | None) -> PolicyEntry:
    if policy is None:
        policy = settings.SAFEGUARD_DEFAULT_POLICY
    if isinstance(policy, str):
        found = policies.active(policy)
        if found is None:
            raise InvalidInput(
                _("There is no active deadline policy “%(policy)s”.") % {"policy": policy}, field="policy"
            )
        return found
    entry = policies.policy(policy)
    if not entry.is_active:
        raise InvalidInput(_("The deadline policy “%(policy)s” is not active.") % {"policy": entry.spec.code})
    return entry


def _product(product: Product | str | None) -> Product | None:
    if product is None or isinstance(product, Product):
        return product
    found = Product.objects.filter(code=product, is_active=True).first()
    if found is None:
        raise InvalidInput(_("There is no active product “%(code)s”.") % {"code": product}, field="product")
    return found


def _category(category: Category | str | None, product: Product | None) -> Category | None:
    if category is not None and not isinstance(category, Category):
        found = Category.objects.filter(code=category, is_active=True).first()
        if found is None:
            raise InvalidInput(_("There is no active category “%(code)s”.") % {"code": category}, field="category")
        category = found
    if category is not None and product is not None and category.product_id not in (None, product.pk):
        raise InvalidInput(
            _("The category “%(category)s” does not belong to the product “%(product)s”.")
            % {"category": category.code, "product": product.code},
            field="category",
        )
    return category


def _received_at(received_at: datetime | None, now: datetime) -> datetime:
    if received_at is None:
        return now
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise InvalidReceivedAt(_("The time of receipt must include a time zone."), field="received_at")
    if received_at > now + CLOCK_SKEW:
        raise InvalidReceivedAt(_("The time of receipt cannot be in the future."), field="received_at")
    return received_at


@transaction.atomic
def open_case(
    *,
    by: User | None,
    customer: Customer,
    type: str,
    channel: str,
    description: str,
    received_at: datetime | None = None,
    subject: str = "",
    product: Product | str | None = None,
    category: Category | str | None = None,
    severity: str = Severity.MEDIUM,
    complainant_role: str = ComplainantRole.SELF,
    policy: DeadlinePolicy | str | None = None,
    department: Department | None = None,
    assignee: User | None = None,
    external_reference: str = "",
    external_source: str = "",
    external_due_at: datetime | None = None,
    desired_outcome: str = "",
) -> Case:
    """Record a case the moment it arrives; see the package docstring for milestones."""
    if by is not None:
        ensure_can(by, "cases.add_case")
    now = _base.now()
    require = _base.require_choice
    require(type, CaseType.values, "type")
    require(channel, Channel.values, "channel")
    require(severity, Severity.values, "severity")
    require(complainant_role, ComplainantRole.values, "complainant_role")
    description = _base.require_text(description, "description")
    received = _received_at(received_at, now)
    policies = deadline_rules()
    the_policy = _policy(policies, policy)
    the_product = _product(product)
    the_category = _category(category, the_product)
    if assignee is not None:
        check_assignee(assignee, department, by=by)

    # Compute before writing anything: a missing calendar year refuses the whole creation.
    due = _base.policy_milestones(policies, the_policy.id, received_at=received, case_type=type)
    auto_acknowledged = rules.ACKNOWLEDGE in due and due[rules.ACKNOWLEDGE] <= received
    met = {rules.ACKNOWLEDGE: received} if auto_acknowledged else {}

    prefix = REFERENCE_PREFIX[CaseType(type)]
    case = Case.objects.create(
        reference=next_reference(prefix, rules.reference_year(received, settings.TIME_ZONE)),
        type=type,
        channel=channel,
        customer=customer,
        complainant_role=complainant_role,
        product=the_product,
        category=the_category,
        severity=severity,
        subject=subject.strip(),
        description=description,
        desired_outcome=desired_outcome.strip(),
        received_at=received,
        policy_id=the_policy.id,
        department=department,
        assignee=assignee,
        status=Status.ACKNOWLEDGED if auto_acknowledged else Status.RECEIVED,
        acknowledged_at=received if auto_acknowledged else None,
        next_due_at=rules.next_due((due_at, met.get(name)) for name, due_at in due.items()),
        external_reference=external_reference.strip(),
        external_source=external_source.strip(),
        external_due_at=external_due_at,
    )
    CaseMilestone.objects.bulk_create(
        CaseMilestone(case=case, milestone=name, due_at=due_at, met_at=met.get(name))
        for name, due_at in sorted(due.items(), key=lambda item: item[1])
    )

    customer_opened = by is None and channel in SELF_SERVICE_CHANNELS
    label = events.CUSTOMER if customer_opened else events.SYSTEM
    timeline = [
        events.new(
            case,
            events.Kind.CREATED,
            by=by,
            label=label if by is None else None,
            at=now,
            data={
                "reference": case.reference,
                "type": type,
                "channel": channel,
                "received_at": rules.iso(received),
                "policy": the_policy.spec.code,
                "milestones": {name: rules.iso(due_at) for name, due_at in due.items()},
            },
        )
    ]
    if auto_acknowledged:
        timeline.append(
            events.new(
                case,
                events.Kind.ACKNOWLEDGED,
                by=None,
                at=now,
                note=_("Acknowledged on receipt, as the deadline policy requires."),
                data={"automatic": True, "acknowledged_at": rules.iso(received)},
            )
        )
    CaseEvent.objects.bulk_create(timeline)
    _base.audit_log(
        by if by is not None else (f"customer:{case.reference}" if customer_opened else None),
        "case.open",
        case,
        {
            "type": type,
            "channel": channel,
            "status": case.status,
            "received_at": rules.iso(received),
            "policy": the_policy.spec.code,
            "department": department.code if department else None,
            "assignee": assignee.get_username() if assignee else None,
        },
    )
    case_id = case.pk
    transaction.on_commit(lambda: case_opened.send(sender=Case, case_id=case_id, source="open_case"))
    return case
