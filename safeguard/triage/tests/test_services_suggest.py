"""Suggested answers: response templates ranked by TF-IDF cosine similarity, language-aware."""

from __future__ import annotations

import pytest

from safeguard.cases.models import ResponseTemplate
from safeguard.triage.services.suggest import suggested_templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates() -> dict[tuple[str, str], ResponseTemplate]:
    ResponseTemplate.objects.all().delete()
    rows = [
        (
            "fraud",
            "en",
            "Unauthorised transactions",
            "We have blocked your card and are investigating the unauthorised transactions.",
        ),
        ("fraud", "zh-hans", "未授权交易", "我们已冻结您的卡片，正在调查未授权交易。"),
        (
            "fees",
            "en",
            "Fees refunded",
            "We have reviewed the fee charged to your credit card and refunded the annual fee.",
        ),
        ("fees", "zh-hans", "费用退还", "我们已核实您信用卡被收取的年费，并已退还。"),
        ("branch", "en", "Branch opening hours", "Our branch opening hours are changing next month."),
        (
            "inquiry-only",
            "en",
            "Account question",
            "Thank you for your question about your account.",
        ),
    ]
    made = {}
    for code, language, title, body in rows:
        made[(code, language)] = ResponseTemplate.objects.create(
            code=code, language=language, title=title, body=body, case_type="inquiry" if code == "inquiry-only" else ""
        )
    return made


def _suggest(
    text: str, *, text_language: str = "en", reply_language: str = "en", case_type: str = "complaint"
) -> list[int]:
    return suggested_templates(
        text, text_language=text_language, reply_language=reply_language, case_type=case_type, product_id=None
    )


def test_the_most_similar_templates_come_first(templates):
    found = _suggest("My credit card annual fee was charged twice, please refund the fee")
    assert found[0] == templates[("fees", "en")].pk
    assert len(found) <= 3


def test_templates_are_compared_in_the_customer_s_words_and_offered_in_their_language(templates):
    found = _suggest("信用卡年费被重复扣收，请退还", text_language="zh-hans", reply_language="en")
    assert found[0] == templates[("fees", "en")].pk, "compared in Chinese, offered in English"
    found = _suggest("Someone made unauthorised transactions with my card", reply_language="zh-hans")
    assert found[0] == templates[("fraud", "zh-hans")].pk


def test_templates_for_another_type_or_inactive_ones_are_not_offered(templates):
    templates[("fraud", "en")].is_active = False
    templates[("fraud", "en")].save()
    found = _suggest("Thank you for your question about your account unauthorised transactions")
    assert templates[("inquiry-only", "en")].pk not in found
    assert templates[("fraud", "en")].pk not in found


def test_nothing_alike_suggests_nothing(templates):
    assert _suggest("zzzz qqqq") == []
    assert _suggest("   ") == []
