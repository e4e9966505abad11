"""The text triage reads for a case, and its language."""

from __future__ import annotations

import re

from django.db.models import OuterRef, QuerySet, Subquery

from safeguard.cases.models import Case, Message

ENGLISH = "en"
CHINESE = "zh-hans"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# One Chinese character carries about as much as four or five Latin letters.
_LETTERS_PER_HANZI = 4


def compose(subject: str, description: str, first_message: str = "") -> str:
    """Subject, description and the customer's first message (when it says something else)."""
    parts = [subject.strip(), description.strip()]
    extra = first_message.strip()
    if extra and extra != parts[1] and extra not in parts[1]:
        parts.append(extra)
    return "\n".join(p for p in parts if p)


def first_message_body() -> Subquery:
    """A subquery: the body of the case's first message from the customer."""
    first = Message.objects.filter(case_id=OuterRef("pk"), direction=Message.Direction.INBOUND).order_by(
        "created_at", "id"
    )
    return Subquery(first.values("body")[:1])


def with_first_message(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.annotate(first_message=first_message_body())


def case_text(case: Case) -> str:
    first = getattr(case, "first_message", None)
    if first is None:
        first = (
            Message.objects.filter(case=case, direction=Message.Direction.INBOUND)
            .order_by("created_at", "id")
            .values_list("body", flat=True)
            .first()
        )
    return compose(case.subject, case.description, first or "")


def language_of(text: str, default: str = ENGLISH) -> str:
    """``zh-hans`` when Chinese carries at least as much of the text as Latin letters, else ``en``."""
    hanzi = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if not hanzi and not latin:
        return default
    return CHINESE if hanzi * _LETTERS_PER_HANZI >= latin else ENGLISH
