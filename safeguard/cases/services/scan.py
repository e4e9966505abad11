"""The periodic deadline scan: due-soon warnings, breaches, escalation to supervisors."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeguard.accounts.models import Department, User
from safeguard.audit import services as audit
from safeguard.cases import events, rules
from safeguard.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseMilestone, ClockPause

logger = logging.getLogger(__name__)

# Supervisors are the people who assign and escalate.
SUPERVISOR_PERM = ("cases", "assign_case")


def _supervisors() -> tuple[list[User], dict[int, int | None]]:
    """Active supervisors (with their departments prefetched) and the department tree as {id: parent}."""
    app_label, codename = SUPERVISOR_PERM
    holds = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label) | Q(
        user_permissions__codename=codename, user_permissions__content_type__app_label=app_label
    )
    people = list(
        User.objects.filter(holds, is_active=True).distinct().order_by("username").prefetch_related("departments")
    )
    tree: dict[int, int | None] = dict(Department.objects.values_list("id", "parent_id"))
    return people, tree


def _chain(department_id: int | None, tree: dict[int, int | None]) -> set[int]:
    ids: set[int] = set()
    current = department_id
    while current is not None and current not in ids:
        ids.add(current)
        current = tree.get(current)
    return ids


def _supervisors_of(department_id: int | None, people: list[User], tree: dict[int, int | None]) -> list[User]:
    """Supervisors who are members of the department or of one above it; every supervisor when
    the case has no department yet (someone must notice it)."""
    if department_id is None:
        return people
    chain = _chain(department_id, tree)
    return [p for p in people if any(d.pk in chain for d in p.departments.all())]


def _scannable() -> Q:
    paused = ClockPause.objects.filter(case_id=OuterRef("case_id"), ended_at__isnull=True)
    return Q(met_at__isnull=True, breached_at__isnull=True, case__status__in=OPEN_STATUSES) & ~Q(Exists(paused))


def scan_deadlines(now: datetime | None = None) -> int:
    """Mark milestones due soon (within ``SAFEGUARD_DUE_SOON_HOURS``) and breached, each once; flag
    breached cases and escalate them to their department's supervisors. Returns how many marks it made.

    Idempotent: a second run at the same time finds nothing to do. Paused clocks and cases that
    are no longer open are skipped. A fixed number of queries per run plus one audit entry per
    newly breached case; the e-mails go out after the transaction commits.
    """
    now = now or timezone.now()
    with transaction.atomic():
        marked, mails = _mark(now)
    _send(mails)
    return marked


def _mark(now: datetime) -> tuple[int, dict[int, tuple[User, list[str]]]]:
    soon_until = now + timedelta(hours=settings.SAFEGUARD_DUE_SOON_HOURS)
    base = CaseMilestone.objects.select_for_update(of=("self",)).filter(_scannable())
    soon = list(
        base.filter(due_soon_at__isnull=True, due_at__gt=now, due_at__lte=soon_until).values_list(
            "id", "case_id", "milestone", "due_at"
        )
    )
    breached = list(base.filter(due_at__lte=now).values_list("id", "case_id", "milestone", "due_at"))

    new_events = []
    if soon:
        CaseMilestone.objects.filter(id__in=[row[0] for row in soon]).update(due_soon_at=now)
        new_events += [
            events.build(case_id, events.Kind.DUE_SOON, at=now, data={"milestone": name, "due_at": rules.iso(due)})
            for _id, case_id, name, due in soon
        ]
    mails: dict[int, tuple[User, list[str]]] = {}
    if breached:
        CaseMilestone.objects.filter(id__in=[row[0] for row in breached]).update(breached_at=now)
        by_case: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for _id, case_id, name, due in breached:
            by_case[case_id].append((name, due))
        cases = list(Case.objects.filter(id__in=by_case).values_list("id", "reference", "department_id"))
        # Flag the cases (a breach is history: it stays set), and bump the version as every write
        # does, so a page opened before the breach is stale.
        Case.objects.filter(id__in=by_case).update(is_breached=True, version=F("version") + 1, updated_at=now)
        people, tree = _supervisors()
        for case_id, reference, department_id in cases:
            names = sorted(name for name, _due in by_case[case_id])
            new_events += [
                events.build(case_id, events.Kind.BREACHED, at=now, data={"milestone": name, "due_at": rules.iso(due)})
                for name, due in by_case[case_id]
            ]
            notified = _supervisors_of(department_id, people, tree)
            usernames = [p.get_username() for p in notified]
            new_events.append(
                events.build(
                    case_id,
                    events.Kind.ESCALATED,
                    at=now,
                    data={"supervisors": usernames, "milestones": names},
                    note=(
                        _("Escalated to %(supervisors)s.") % {"supervisors": ", ".join(usernames)}
                        if usernames
                        else _("No supervisor found for the department of this case.")
                    ),
                )
            )
            audit.log(
                None,
                "case.breach",
                object_type=Case._meta.label_lower,
                object_id=str(case_id),
                object_repr=reference,
                changes={"reference": reference, "milestones": names, "escalated_to": usernames},
            )
            for person in notified:
                if person.email:
                    mails.setdefault(person.pk, (person, []))[1].append(reference)
    CaseEvent.objects.bulk_create(new_events)
    return len(soon) + len(breached), mails


def _send(mails: dict[int, tuple[User, list[str]]]) -> None:
    """One e-mail per supervisor listing their newly breached cases, in their language. A mail
    failure is logged, not raised: the breach is already on each case's timeline."""
    if not mails:
        return
    messages = []
    for person, references in mails.values():
        with translation.override(person.preferred_language):
            count = len(references)
            subject = ngettext("Deadline breached on %(count)d case", "Deadline breached on %(count)d cases", count) % {
                "count": count
            }
            body = _(
                "A deadline has passed on these cases, which are now escalated to you:\n\n%(references)s\n\n"
                "Please make sure each one is handled today."
            ) % {"references": "\n".join(references)}
        messages.append(EmailMessage(subject=subject, body=body, to=[person.email]))
    try:
        mailers.default.send_messages(messages)
    except Exception:  # the scan's marks are committed; do not fail the task over mail
        logger.exception("could not send %d escalation e-mail(s)", len(messages))
