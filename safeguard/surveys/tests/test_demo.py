"""Demo survey data: the ``demo_loaded`` receiver through the services, and the bulk writer."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from safeguard.audit.selectors import verify_chain
from safeguard.cases.demo.signals import demo_loaded
from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW
from safeguard.surveys import demo
from safeguard.surveys.models import SCALES, Purpose, SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=10)


@pytest.fixture
def decided(decided_case, make_customer):
    """Thirty decided cases of thirty customers, half of them Chinese-speaking; five more customers."""
    cases = [decided_case(language="zh-hans" if n % 2 else "en") for n in range(30)]
    for _ in range(5):
        make_customer()
    return cases


def answers() -> list[tuple[int | None, str, int | None, int | None, int | None, str]]:
    return sorted(
        SurveyResponse.objects.values_list("case_id", "purpose", "csat", "nps", "effort", "comment"),
        key=lambda row: (row[0] or 0, row[1], row[2] or 0, row[3] or 0),
    )


def test_the_receiver_invites_decided_cases_and_answers_about_forty_percent(decided):
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo.timezone, "now", lambda: LATER)
        demo_loaded.send(sender=None, seed=5, bulk=False, say=lines.append)
    case_invitations = SurveyInvitation.objects.filter(purpose=Purpose.CASE)
    assert case_invitations.count() == 30
    assert set(case_invitations.values_list("status", flat=True)) <= {"sent", "answered"}
    case_answers = SurveyResponse.objects.filter(purpose=Purpose.CASE)
    assert 5 <= case_answers.count() <= 20  # ~40 % of 30
    for row in case_answers:
        assert row.csat is not None and row.effort is not None and row.nps is None
        assert SCALES["csat"][0] <= row.csat <= SCALES["csat"][1]
        assert row.department_id is not None and row.handler_id is not None and row.channel
        assert row.answered_at <= LATER
    # The five customers nobody surveyed: about half get the relationship survey (NPS).
    relationship = SurveyInvitation.objects.filter(purpose=Purpose.RELATIONSHIP)
    assert relationship.count() == 3  # half of 5, rounded up
    assert all(r.nps is not None for r in SurveyResponse.objects.filter(purpose=Purpose.RELATIONSHIP))
    assert lines and lines[0].startswith("Surveys: 30 invitations after a case (0 skipped)")
    assert verify_chain()[1] is None


def test_the_same_seed_gives_the_same_answers(decided):
    def run(seed: int) -> list[tuple]:
        with transaction.atomic():
            demo.load(seed=seed, now=LATER)
            found = answers()
            transaction.set_rollback(True)
        return found

    first, again, other = run(11), run(11), run(12)
    assert first == again
    assert first != other
    assert not SurveyResponse.objects.exists()


def test_comments_come_in_the_customers_language(decided):
    demo.load(seed=3, now=LATER)
    comments = list(SurveyResponse.objects.exclude(comment="").select_related("invitation"))
    assert comments
    for row in comments:
        assert (
            row.comment
            in demo.COMMENTS[row.invitation.language]["good"] + demo.COMMENTS[row.invitation.language]["bad"]
        )


def test_scores_follow_the_outcome():
    import random

    rng = random.Random(1)
    upheld = [demo.scores_for(rng, ["csat"], "upheld")["csat"] for _ in range(400)]
    refused = [demo.scores_for(rng, ["csat"], "not_upheld")["csat"] for _ in range(400)]
    assert sum(upheld) / 400 > sum(refused) / 400 + 1
    happy = [demo.scores_for(rng, ["csat", "effort"], "upheld") for _ in range(400)]
    assert sum(s["effort"] for s in happy if s["csat"] == 5) / max(1, sum(s["csat"] == 5 for s in happy)) < 3
    assert sum(s["effort"] for s in happy if s["csat"] == 1) / max(1, sum(s["csat"] == 1 for s in happy)) > 5
    nps = [demo.scores_for(rng, ["nps", "effort"], None) for _ in range(400)]
    assert all(0 <= s["nps"] <= 10 and 1 <= s["effort"] <= 7 for s in nps)


def test_bulk_responses_write_answers_with_their_invitations_in_batches(decided):
    result = demo.bulk_responses(6, seed=2, answer_share=0.4, batch=4, now=LATER)
    assert (result.invitations, result.responses) == (15, 6)
    assert SurveyInvitation.objects.filter(purpose=Purpose.CASE).count() == 15
    assert SurveyInvitation.objects.filter(status="answered").count() == 6
    for row in SurveyResponse.objects.select_related("case", "invitation"):
        assert row.case is not None
        assert (row.product_id, row.department_id, row.channel) == (
            row.case.product_id,
            row.case.department_id,
            row.case.channel,
        )
        assert row.invitation.case_id == row.case_id and row.invitation.answered_at == row.answered_at
        assert row.csat is not None and row.effort is not None
    # Again: only cases without a survey are used; when they run out, relationship surveys fill in.
    more = demo.bulk_responses(20, seed=2, batch=7, now=LATER)
    assert (more.invitations, more.responses) == (20, 20)
    assert SurveyInvitation.objects.filter(purpose=Purpose.CASE).count() == 30
    assert SurveyResponse.objects.filter(purpose=Purpose.RELATIONSHIP, nps__isnull=False).count() == 5


def test_bulk_responses_are_deterministic(decided):
    def run() -> list[tuple]:
        with transaction.atomic():
            demo.bulk_responses(10, seed=9, now=LATER)
            found = answers()
            transaction.set_rollback(True)
        return found

    assert run() == run()


def test_the_bulk_receiver_answers_forty_percent_of_decided_cases(decided):
    lines: list[str] = []
    demo_loaded.send(sender=None, seed=1, bulk=True, say=lines.append)
    assert SurveyResponse.objects.count() == 12  # 40 % of 30
    assert SurveyInvitation.objects.count() == 30
    assert any("written in bulk" in line for line in lines)


def test_load_demo_adds_the_surveys(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("load_demo", "--cases", "40", "--seed", "4", stdout=out, stderr=StringIO())
    assert "Surveys:" in out.getvalue()
    decided = Case.objects.filter(status__in=["resolved", "closed"]).count()
    assert decided > 0
    assert SurveyInvitation.objects.filter(purpose=Purpose.CASE).exists()
    assert SurveyResponse.objects.exists()
    assert verify_chain()[1] is None
