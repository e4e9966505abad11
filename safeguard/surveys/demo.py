"""Demo survey data, added when ``load_demo`` sends ``demo_loaded`` (connected in ``apps``).

* The demo (``bulk=False``, ``load``): every decided demo case is invited through
  ``services.invite`` a day after its decision, as the letters outbox would (consent and the
  frequency cap apply, so some invitations are skipped), and about 40 % of the invitations sent
  are answered through ``services.answer``, each at its own moment in the past. A relationship
  sample goes to half of the customers nobody has surveyed yet, and about 40 % of them answer.
  Scores follow the outcome (an upheld complaint scores higher than a refused one); about a
  third of the answers carry a comment in the customer's language.
* The benchmark (``bulk=True``, ``bulk_responses``): invitations and answers are written
  straight into their tables, 5,000 rows per INSERT. It skips the rules and the audit log, like
  the cases' bulk loader: these answers were never "given" by anyone.

Random choices come from generators seeded with the demo's seed: the same seed over the same
cases gives the same surveys.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from safeguard.cases.models import Case, Outcome, Resolution, Status
from safeguard.customers.models import Customer
from safeguard.surveys import services, tokens
from safeguard.surveys.models import SCALES, Purpose, SurveyInvitation, SurveyKind, SurveyResponse

ANSWER_SHARE = 0.4
RELATIONSHIP_SHARE = 0.5
COMMENT_SHARE = 0.35
BATCH = 5000
_DECIDED = (Status.RESOLVED, Status.CLOSED)

# Weights of the CSAT scores 1..5 by outcome: customers are happier when we put things right.
CSAT_WEIGHTS: dict[str, list[int]] = {
    Outcome.UPHELD: [3, 5, 12, 38, 42],
    Outcome.PARTIALLY_UPHELD: [6, 10, 24, 38, 22],
    Outcome.NOT_UPHELD: [22, 24, 26, 18, 10],
}
# Weights of the NPS scores 0..10: about 35 % promoters, 35 % passives, 30 % detractors.
NPS_WEIGHTS = [3, 2, 2, 3, 4, 6, 10, 16, 19, 19, 16]

COMMENTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "good": [
            "Quick and clear answer, thank you.",
            "The handler kept me informed at every step.",
            "The refund arrived sooner than I expected.",
            "Polite staff and a fair outcome.",
        ],
        "bad": [
            "It took far too long and I had to chase you twice.",
            "I still do not understand why the fee was charged.",
            "Nobody called me back when promised.",
            "The letter was full of jargon.",
        ],
    },
    "zh-hans": {
        "good": [
            "处理很及时，客服态度很好，谢谢！",
            "经办人员每一步都及时告知进展。",
            "退款比预期到账更快，满意。",
            "解释清楚，处理结果公平。",
        ],
        "bad": [
            "处理时间太长，我催了两次才有回复。",
            "还是没弄明白为什么会扣这笔费用。",
            "说好回电话，结果没人联系我。",
            "答复函专业术语太多，看不懂。",
        ],
    },
}


def on_demo_loaded(sender: Any, *, seed: int, bulk: bool, say: Callable[[str], None], **kwargs: Any) -> None:
    """The ``demo_loaded`` receiver."""
    if bulk:
        decided = Case.objects.filter(status__in=_DECIDED).count()
        result = bulk_responses(round(decided * ANSWER_SHARE), seed, answer_share=ANSWER_SHARE, say=say)
        say(
            f"Surveys: {result.invitations} invitations and {result.responses} responses "
            f"written in bulk in {result.seconds} s."
        )
        return
    summary = load(seed=seed)
    say(
        f"Surveys: {summary.invited} invitations after a case ({summary.skipped} skipped), "
        f"{summary.answered} answered; relationship survey to {summary.relationship_invited} customers, "
        f"{summary.relationship_answered} answered."
    )


# --- scores and comments ------------------------------------------------------------------------


def _clamp(value: float, kind: str) -> int:
    low, high = SCALES[kind]
    return max(low, min(high, round(value)))


def scores_for(rng: random.Random, kinds: Sequence[str], outcome: str | None) -> dict[str, int]:
    """Plausible, correlated scores: CSAT from the outcome, effort and NPS following it."""
    if outcome is None:  # a relationship survey: start from a likelihood to recommend
        nps = rng.choices(range(11), weights=NPS_WEIGHTS)[0]
        csat = _clamp(nps / 2 + rng.gauss(0, 0.7), SurveyKind.CSAT)
    else:
        csat = rng.choices(range(1, 6), weights=CSAT_WEIGHTS.get(outcome, CSAT_WEIGHTS[Outcome.PARTIALLY_UPHELD]))[0]
        nps = _clamp(csat * 2 + rng.gauss(0, 1.3), SurveyKind.NPS)
    # Effort: 1 is the least; a satisfied customer seldom had to work hard.
    effort = _clamp(8.4 - csat * 1.4 + rng.gauss(0, 0.9), SurveyKind.EFFORT)
    every: dict[str, int] = {SurveyKind.CSAT: csat, SurveyKind.NPS: nps, SurveyKind.EFFORT: effort}
    return {kind: every[kind] for kind in kinds if kind in every}


def comment_for(rng: random.Random, language: str, scores: dict[str, int]) -> str:
    if rng.random() >= COMMENT_SHARE:
        return ""
    csat = scores.get(SurveyKind.CSAT)
    happy = csat >= 4 if csat is not None else scores.get(SurveyKind.NPS, 0) >= 9
    sad = csat <= 2 if csat is not None else scores.get(SurveyKind.NPS, 10) <= 6
    if not happy and not sad:
        return ""
    return rng.choice(COMMENTS.get(language, COMMENTS["en"])["good" if happy else "bad"])


# --- the demo, through the services ---------------------------------------------------------------


@dataclass
class DemoSummary:
    invited: int = 0
    skipped: int = 0
    answered: int = 0
    relationship_invited: int = 0
    relationship_answered: int = 0


def _answer(invitation: SurveyInvitation, scores: dict[str, int], comment: str, at: datetime) -> None:
    services.answer(
        token=tokens.make(invitation),
        csat=scores.get(SurveyKind.CSAT),
        nps=scores.get(SurveyKind.NPS),
        effort=scores.get(SurveyKind.EFFORT),
        comment=comment,
        now=at,
    )


def load(*, seed: int, now: datetime | None = None) -> DemoSummary:
    """Invite and answer as described in the module docstring; returns the counts."""
    from safeguard.cases.demo import clock  # the demo's clock, so audit entries carry the past times

    rng = random.Random(f"surveys-{seed}")
    now = now or timezone.now()
    summary = DemoSummary()
    delay = timedelta(hours=getattr(settings, "SAFEGUARD_SURVEY_INVITATION_HOURS", 24))
    decided = (
        Resolution.objects.filter(case__status__in=_DECIDED, decided_at__lte=now - delay)
        .select_related("case")
        .order_by("decided_at", "pk")
    )
    for resolution in decided:
        at = resolution.decided_at + delay
        with clock(at):
            invitation = services.invite(case=resolution.case, now=at)
            if invitation is None:
                summary.skipped += 1
                continue
            services.mark_sent(invitation=invitation, channel=invitation.channel or "email", now=at)
        summary.invited += 1
        if rng.random() >= ANSWER_SHARE:
            continue
        answered_at = min(at + timedelta(hours=rng.uniform(0.5, 96)), now)
        scores = scores_for(rng, invitation.kinds, resolution.outcome)
        with clock(answered_at):
            _answer(invitation, scores, comment_for(rng, invitation.language, scores), answered_at)
        summary.answered += 1
    sampled_at = now - timedelta(days=6)
    with clock(sampled_at):
        sample = services.sample_relationship(
            now=sampled_at, fraction=RELATIONSHIP_SHARE, seed=seed, send=False, by="demo"
        )
    for invitation in SurveyInvitation.objects.filter(pk__in=sample.invitation_ids).order_by("pk"):
        with clock(sampled_at):
            services.mark_sent(invitation=invitation, channel=invitation.channel or "email", now=sampled_at)
        summary.relationship_invited += 1
        if rng.random() >= ANSWER_SHARE:
            continue
        answered_at = min(sampled_at + timedelta(hours=rng.uniform(1, 120)), now)
        scores = scores_for(rng, invitation.kinds, None)
        with clock(answered_at):
            _answer(invitation, scores, comment_for(rng, invitation.language, scores), answered_at)
        summary.relationship_answered += 1
    return summary


# --- the benchmark, in bulk -----------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    invitations: int
    responses: int
    seconds: float


_FIELDS = (
    "pk",
    "customer_id",
    "customer__preferred_language",
    "product_id",
    "department_id",
    "assignee_id",
    "channel",
    "received_at",
    "resolution__decided_at",
    "resolution__decided_by_id",
    "resolution__outcome",
)


def bulk_responses(
    count: int,
    seed: int = 2026,
    *,
    answer_share: float = 1.0,
    batch: int = BATCH,
    now: datetime | None = None,
    say: Callable[[str], None] | None = None,
) -> BulkResult:
    """Write ``count`` survey responses fast, with their invitations (``count / answer_share``
    of them, so the response rate is ``answer_share``), ``batch`` rows per INSERT.

    Post-case surveys go to decided cases that have none yet, picked at random; when there are
    not enough, the rest are relationship surveys of random customers. Each batch is one
    transaction. No rules, no audit entries: benchmark and demo data only.
    """
    if count < 0 or not 0 < answer_share <= 1 or batch < 1:
        raise ValueError("count >= 0, 0 < answer_share <= 1 and batch >= 1")
    started = time.perf_counter()
    rng = random.Random(f"surveys-bulk-{seed}")
    now = now or timezone.now()
    wanted = round(count / answer_share)
    invited = SurveyInvitation.objects.filter(case=OuterRef("pk"), purpose=Purpose.CASE)
    candidates = list(
        Case.objects.filter(status__in=_DECIDED).filter(~Exists(invited)).order_by("pk").values_list("pk", flat=True)
    )
    picked = sorted(rng.sample(candidates, min(wanted, len(candidates))))
    # Which of the ``wanted`` invitations are answered: exactly ``count`` of them.
    answered = set(rng.sample(range(wanted), count)) if count <= wanted else set(range(wanted))
    kinds, relationship = services.case_kinds(), services.relationship_kinds()
    position = invitations = responses = 0
    for start in range(0, len(picked), batch):
        ids = picked[start : start + batch]
        rows = list(Case.objects.filter(pk__in=ids).order_by("pk").values_list(*_FIELDS))
        made = _write_batch(rng, rows, kinds, answered, position, now)
        position += len(rows)
        invitations += len(rows)
        responses += made
        if say is not None and (start // batch) % 10 == 9:
            say(f"surveys: {invitations} invitations, {responses} responses")
    if position < wanted:
        customers = list(Customer.objects.order_by("pk").values_list("pk", "preferred_language"))
        while customers and position < wanted:
            size = min(batch, wanted - position)
            rows = [(None, *rng.choice(customers), None, None, None, "", None, None, None, None) for _ in range(size)]
            made = _write_batch(rng, rows, relationship, answered, position, now)
            position += size
            invitations += size
            responses += made
    return BulkResult(invitations=invitations, responses=responses, seconds=round(time.perf_counter() - started, 1))


def _write_batch(
    rng: random.Random,
    rows: list[tuple[Any, ...]],
    kinds: list[str],
    answered: set[int],
    position: int,
    now: datetime,
) -> int:
    """One transaction: the invitations of ``rows`` (a case's fields, or a customer's with the
    case fields None), then the responses of those whose position is in ``answered``."""
    invitations: list[SurveyInvitation] = []
    answers: list[tuple[int, dict[str, int], str, datetime] | None] = []
    purpose = Purpose.CASE if rows and rows[0][0] is not None else Purpose.RELATIONSHIP
    for offset, row in enumerate(rows):
        _pk, customer_id, preferred, _product, _dept, _assignee, _channel, received, decided, _by, outcome = row
        base = decided or (received + timedelta(days=10) if received else now - timedelta(days=rng.uniform(1, 180)))
        sent = min(base + timedelta(hours=24), now)
        language = services.survey_language(preferred or "")
        reply = None
        if position + offset in answered:
            scores = scores_for(rng, kinds, outcome if purpose == Purpose.CASE else None)
            answered_at = min(sent + timedelta(hours=rng.uniform(0.5, 96)), now)
            reply = (offset, scores, comment_for(rng, language, scores), answered_at)
        answers.append(reply)
        invitations.append(
            SurveyInvitation(
                customer_id=customer_id,
                case_id=row[0],
                purpose=purpose,
                kinds=kinds,
                nonce=f"{rng.getrandbits(96):024x}",
                language=language,
                channel="email",
                status=SurveyInvitation.Status.ANSWERED if reply else SurveyInvitation.Status.SENT,
                created_at=sent,
                sent_at=sent,
                expires_at=sent + timedelta(days=settings.SAFEGUARD_SURVEY_TOKEN_DAYS),
                answered_at=reply[3] if reply else None,
            )
        )
    with transaction.atomic():
        SurveyInvitation.objects.bulk_create(invitations, batch_size=len(invitations) or 1)
        made = [
            SurveyResponse(
                invitation_id=invitations[offset].pk,
                customer_id=rows[offset][1],
                case_id=rows[offset][0],
                purpose=purpose,
                answered_at=answered_at,
                csat=scores.get(SurveyKind.CSAT),
                nps=scores.get(SurveyKind.NPS),
                effort=scores.get(SurveyKind.EFFORT),
                comment=comment,
                product_id=rows[offset][3],
                department_id=rows[offset][4],
                handler_id=rows[offset][5] or rows[offset][9],
                channel=rows[offset][6] or "",
            )
            for reply in answers
            if reply is not None
            for offset, scores, comment, answered_at in [reply]
        ]
        SurveyResponse.objects.bulk_create(made, batch_size=len(made) or 1)
    return len(made)
