"""Possible duplicates (``intake.dedupe``): flagged and linked at intake, never merged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from safeguard.audit.models import AuditEntry
from safeguard.cases import services as cases
from safeguard.cases.models import Case, CaseEvent, CaseLink, Status
from safeguard.cases.tests.support import NOW, stage
from safeguard.intake import dedupe
from safeguard.intake.services import submit

pytestmark = pytest.mark.django_db

FEE_ZH = "信用卡年费被重复扣收，请退还。"
FEE_ZH_AGAIN = "我的信用卡年费被重复扣了，请尽快退还"
FEE_EN = "My credit card annual fee was charged twice, please refund it."
FEE_EN_AGAIN = "The annual fee on my credit card was charged twice. Please refund."
LOGIN_ZH = "手机银行无法登录，提示系统错误。"
LOGIN_EN = "I cannot log in to the mobile banking app since yesterday."


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def portal(description: str, **overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "by": None,
        "channel": "portal",
        "type": "complaint",
        "name": "王芳",
        "phone": "13912345678",
        "description": description,
    }
    fields.update(overrides)
    return submit(**fields)


def links(case: Case) -> list[tuple[str, str, float | None]]:
    return [
        (link.other.reference, link.kind, link.score)
        for link in CaseLink.objects.filter(case=case).select_related("other").order_by("id")
    ]


# --- similarity ---------------------------------------------------------------------------------


def score(a: str, b: str) -> float:
    return dedupe.similarity(dedupe.shingles(a), dedupe.shingles(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (FEE_ZH, FEE_ZH_AGAIN),
        (FEE_EN, FEE_EN_AGAIN),
        ("My credit card annual fee was charged twice", "my CREDIT card annual fee was charged twice!!"),
        # Full-width letters and digits are the same text (NFKC).
        ("ＡＴＭ吞卡，卡号尾号１２３４，请尽快处理", "ATM吞卡,卡号尾号1234,请尽快处理"),
    ],
)
def test_the_same_complaint_in_other_words_is_alike(a, b):
    assert score(a, b) >= 0.6


@pytest.mark.parametrize(("a", "b"), [(FEE_ZH, LOGIN_ZH), (FEE_EN, LOGIN_EN), (FEE_ZH, FEE_EN)])
def test_different_complaints_are_not_alike(a, b):
    assert score(a, b) < 0.3


def test_the_same_text_scores_one_and_nothing_in_common_scores_zero():
    assert score(FEE_ZH, FEE_ZH) == pytest.approx(1.0)
    assert score(FEE_ZH, "") == 0.0
    assert score("", "") == 0.0


def test_chinese_is_compared_by_character_pairs_and_other_scripts_by_trigrams():
    assert dedupe.shingles("年费扣收") == {"年费": 1, "费扣": 1, "扣收": 1}
    assert dedupe.shingles("Fee, fee!") == {" fe": 2, "fee": 2, "ee ": 2, "e f": 1}


def test_only_the_start_of_a_long_text_is_compared():
    long = "年费" * 100_000
    assert sum(dedupe.shingles(long).values()) == dedupe.MAX_CHARS - 1


# --- flagging at intake ---------------------------------------------------------------------------


def test_the_same_customer_with_similar_text_is_flagged_and_linked_never_merged():
    first = portal(FEE_ZH)
    second = portal(FEE_ZH_AGAIN)
    assert second.customer_id == first.customer_id
    link = CaseLink.objects.get()
    assert (link.case, link.other, link.kind, link.created_by) == (second, first, "possible_duplicate", None)
    assert link.score is not None and 0.6 <= link.score <= 1
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE)
    assert (event.case, event.actor_label, event.data) == (
        second,
        "system",
        {"reference": first.reference, "score": link.score},
    )
    assert AuditEntry.objects.filter(action="case.possible_duplicate").count() == 1
    # Never merged: both go on as they were.
    assert [c.status for c in Case.objects.order_by("id")] == [first.status, first.status]
    assert first.status != Status.MERGED
    # The case submit returns carries the current version (the flag bumped it).
    assert second.version == Case.objects.get(pk=second.pk).version


def test_english_duplicates_are_flagged_too():
    first = portal(FEE_EN, name="Li Na", phone="", email="li.na@example.com")
    second = portal(FEE_EN_AGAIN, name="Li Na", phone="", email="Li.Na@example.com")
    assert links(second) == [(first.reference, "possible_duplicate", CaseLink.objects.get().score)]


def test_different_text_of_the_same_customer_is_not_flagged():
    portal(FEE_ZH)
    portal(LOGIN_ZH)
    assert not CaseLink.objects.exists()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.POSSIBLE_DUPLICATE).exists()


def test_another_customer_with_the_same_text_is_not_flagged():
    portal(FEE_ZH)
    portal(FEE_ZH, name="李四", phone="13800000000")
    assert Case.objects.count() == 2
    assert not CaseLink.objects.exists()


def test_the_same_customer_through_two_channels_is_flagged_once_the_profile_matched(agent, departments):
    on_portal = portal(FEE_ZH, email="wang.fang@example.com", phone="")
    by_phone = submit(
        by=agent,
        channel="phone",
        type="complaint",
        name="王芳",
        email="Wang.Fang@example.com",
        description=FEE_ZH_AGAIN,
        department=departments["cards"],
    )
    assert links(by_phone) == [(on_portal.reference, "possible_duplicate", CaseLink.objects.get().score)]


def test_a_channel_that_knows_the_customer_is_compared_too(customer):
    first = portal(FEE_ZH, customer=customer)
    second = portal(FEE_ZH_AGAIN, channel="email", customer=customer)
    assert [r for r, _k, _s in links(second)] == [first.reference]


def test_only_cases_within_the_window_are_compared(frozen_time, settings):
    settings.SAFEGUARD_DUPLICATE_WINDOW_DAYS = 30
    old = portal(FEE_ZH)
    frozen_time.shift(timedelta(days=31))
    portal(FEE_ZH_AGAIN)
    assert not CaseLink.objects.exists()
    frozen_time.shift(timedelta(days=29))
    latest = portal(FEE_ZH)
    assert old.reference not in [r for r, _k, _s in links(latest)]
    assert len(links(latest)) == 1


def test_a_back_dated_call_is_compared_with_the_case_sent_after_it(agent, departments):
    sent_later = portal(FEE_ZH)
    call = submit(
        by=agent,
        channel="phone",
        type="complaint",
        name="王芳",
        phone="13912345678",
        description=FEE_ZH_AGAIN,
        received_at=NOW - timedelta(hours=2),
        department=departments["cards"],
    )
    assert [r for r, _k, _s in links(call)] == [sent_later.reference]


def test_the_similarity_threshold_is_a_setting(settings):
    settings.SAFEGUARD_DUPLICATE_SIMILARITY = 0.99
    portal(FEE_ZH)
    portal(FEE_ZH_AGAIN)
    assert not CaseLink.objects.exists()
    settings.SAFEGUARD_DUPLICATE_SIMILARITY = 0.5
    portal(FEE_ZH_AGAIN.replace("尽快", ""))
    assert CaseLink.objects.count() == 2  # to both earlier ones


def test_a_merged_case_is_not_a_candidate():
    first = portal(FEE_ZH)
    stage(first, Status.MERGED)
    portal(FEE_ZH)
    assert not CaseLink.objects.exists()


def test_at_most_the_best_three_are_linked():
    earlier = [portal(FEE_ZH) for _ in range(5)]
    newest = portal(FEE_ZH)
    assert len(links(newest)) == dedupe.MAX_LINKS
    # Equal scores: the most recent first.
    assert [r for r, _k, _s in links(newest)] == [c.reference for c in earlier[::-1][: dedupe.MAX_LINKS]]


def test_only_the_customers_latest_cases_are_compared(frozen_time):
    oldest = portal(FEE_ZH)
    for n in range(dedupe.CANDIDATES):
        frozen_time.shift(timedelta(minutes=1))
        portal(f"第{n}次来电：账户{n}号无法转账。")
    frozen_time.shift(timedelta(minutes=1))
    newest = portal(FEE_ZH_AGAIN)
    assert oldest.reference not in [r for r, _k, _s in links(newest)]


def test_a_short_text_says_too_little_to_be_flagged():
    portal("请回电")
    portal("请回电")
    assert not CaseLink.objects.exists()


def test_a_bug_in_the_comparison_never_refuses_the_complaint(monkeypatch, caplog):
    portal(FEE_ZH)

    def broken(*args: Any, **kwargs: Any) -> float:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(dedupe, "similarity", broken)
    second = portal(FEE_ZH_AGAIN)
    assert Case.objects.filter(pk=second.pk).exists()
    assert not CaseLink.objects.exists()
    assert "duplicate check failed" in caplog.text


def test_a_new_customer_is_not_compared(monkeypatch):
    calls: list[Case] = []

    def candidates(case: Case) -> list[Any]:
        calls.append(case)
        return []

    monkeypatch.setattr(dedupe, "candidates", candidates)
    portal(FEE_ZH)
    assert calls == []  # a profile created by this contact has no earlier cases
    portal(FEE_ZH)
    assert len(calls) == 1


def test_flagging_the_same_pair_again_writes_nothing():
    first = portal(FEE_ZH)
    second = portal(FEE_ZH_AGAIN)
    before = (CaseEvent.objects.count(), AuditEntry.objects.count(), Case.objects.get(pk=second.pk).version)
    again = cases.link_possible_duplicate(case=second, other=first, score=0.9)
    assert again == CaseLink.objects.get()
    assert (CaseEvent.objects.count(), AuditEntry.objects.count(), Case.objects.get(pk=second.pk).version) == before
