"""Possible duplicates: the same customer telling us the same thing again.

When a case is opened (``services.submit``, whatever the channel), its text is compared with the
same customer's other cases received within ``SAFEGUARD_DUPLICATE_WINDOW_DAYS`` of it. Each one at
least ``SAFEGUARD_DUPLICATE_SIMILARITY`` alike (the best ``MAX_LINKS``) is linked as a possible
duplicate (``cases.services.link_possible_duplicate``: a ``CaseLink`` from the new case to the
one already there, with the score, and an event on the new case). Nothing is merged: a handler decides.
The customer is matched by profile, so the same person writing through the portal and by e-mail
is compared too, once both contacts led to the same profile.

Similarity is the cosine of the two texts' character shingles after normalisation (NFKC,
case-folded, punctuation dropped): pairs of characters for Chinese, Japanese and Korean, where a
word is one or two characters, and trigrams over the words for other scripts, so word order and
small edits matter little. Pure Python with bounded cost: at most ``MAX_CHARS`` of each text and
at most ``CANDIDATES`` earlier cases, one query.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from safeguard.cases import services as cases
from safeguard.cases.models import Case, CaseLink, Status

log = logging.getLogger(__name__)

# The customer's most recent cases that are compared; older ones in the window are not.
CANDIDATES = 20
# Links made for one new case, the most alike first.
MAX_LINKS = 3
# Only the start of a long text is compared (cost stays bounded; duplicates differ early anyway).
MAX_CHARS = 2000
# A text with fewer shingles than this (a word or two) says too little to compare.
MIN_SHINGLES = 3

# Han (with extension A and compatibility ideographs), kana, Hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True)
class Match:
    case_id: int
    reference: str
    score: float


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")[: MAX_CHARS * 2].casefold()[:MAX_CHARS]


def shingles(text: str) -> Counter[str]:
    """The text's shingles with their counts: CJK character pairs, trigrams over other words."""
    found: Counter[str] = Counter()
    words: list[str] = []

    def flush_words() -> None:
        if words:
            joined = f" {' '.join(words)} "
            found.update(joined[i : i + 3] for i in range(len(joined) - 2))
            words.clear()

    for token in _TOKEN.findall(normalise(text)):
        if _IS_CJK.match(token):
            flush_words()
            if len(token) == 1:
                found[token] += 1
            else:
                found.update(token[i : i + 2] for i in range(len(token) - 1))
        else:
            words.append(token)
    flush_words()
    return found


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """Cosine similarity of two shingle counts: 1 for the same text, 0 for nothing in common."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b[key] for key, count in a.items() if key in b)
    if not dot:
        return 0.0
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return min(1.0, dot / norm)


def text_of(subject: str, description: str) -> str:
    return f"{subject}\n{description}" if subject else description


def candidates(case: Case) -> list[tuple[int, str, str, str]]:
    """``(pk, reference, subject, description)`` of the customer's other cases received within the
    window of ``case`` (either side: a back-dated phone log is compared with the portal case sent
    after the call), newest first, at most ``CANDIDATES``. Merged cases are left out: the case they
    were merged into stands for them. One query, on the customer's cases."""
    window = timedelta(days=int(settings.SAFEGUARD_DUPLICATE_WINDOW_DAYS))
    return list(
        Case.objects.filter(
            customer_id=case.customer_id,
            received_at__gte=case.received_at - window,
            received_at__lte=case.received_at + window,
        )
        .exclude(pk=case.pk)
        .exclude(status=Status.MERGED)
        .order_by("-received_at", "-id")
        .values_list("pk", "reference", "subject", "description")[:CANDIDATES]
    )


def rank(case: Case, earlier: list[tuple[int, str, str, str]]) -> list[Match]:
    """Those of ``earlier`` at least ``SAFEGUARD_DUPLICATE_SIMILARITY`` alike to ``case``, the most
    alike first, at most ``MAX_LINKS``."""
    mine = shingles(text_of(case.subject, case.description))
    if sum(mine.values()) < MIN_SHINGLES:
        return []
    threshold = float(settings.SAFEGUARD_DUPLICATE_SIMILARITY)
    matches = []
    for pk, reference, subject, description in earlier:
        score = similarity(mine, shingles(text_of(subject, description)))
        if score >= threshold:
            matches.append(Match(pk, reference, round(score, 3)))
    matches.sort(key=lambda m: (-m.score, -m.case_id))
    return matches[:MAX_LINKS]


def possible_duplicates(case: Case) -> list[Match]:
    return rank(case, candidates(case))


def flag_possible_duplicates(case: Case) -> list[CaseLink]:
    """Link ``case`` to its possible duplicates (a system action, inside the opening transaction).

    The comparing is best effort: a bug in it is logged and the case is opened unflagged, because
    a complaint must never be refused over a duplicate check. The query and the links are not:
    a database failure fails the whole transaction, like any other write."""
    earlier = candidates(case)
    if not earlier:
        return []
    try:
        matches = rank(case, earlier)
    except Exception:
        log.exception("duplicate check failed for case %s", case.pk)
        return []
    others = Case.objects.in_bulk([m.case_id for m in matches]) if matches else {}
    return [cases.link_possible_duplicate(case=case, other=others[m.case_id], score=m.score, by=None) for m in matches]
