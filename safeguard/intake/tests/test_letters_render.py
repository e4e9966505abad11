"""What each letter says, in English and Simplified Chinese, under each family of deadline policy.

The clock is frozen at Monday 2 March 2026 10:00 in Shanghai (02:00 in London, 21:00 on Sunday
1 March in New York).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from safeguard.accounts.models import Department, User
from safeguard.cases import services
from safeguard.cases.models import Case, Redress
from safeguard.cases.tests.support import NOW, SHANGHAI
from safeguard.intake import letters
from safeguard.intake.tests.letters_support import open_case, resolve
from safeguard.surveys import tokens as survey_tokens
from safeguard.surveys.models import SurveyInvitation

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FOS_SITE = "https://www.financial-ombudsman.org.uk"


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.SAFEGUARD_PUBLIC_URL = "https://complaints.example.com"


@pytest.fixture
def make_case(make_customer: Callable[..., Any], departments: dict[str, Department]) -> Callable[..., Case]:
    def make(language: str = "en", **overrides: Any) -> Case:
        customer = make_customer(preferred_language=language)
        return open_case(customer, departments["cards"], **overrides)

    return make


def render(case: Case, kind: str, **kwargs: Any) -> letters.Rendered:
    case = Case.objects.select_related("customer", "policy__calendar").get(pk=case.pk)
    return letters.render(case=case, kind=kind, **kwargs)


# --- acknowledgement ------------------------------------------------------------------------


def test_acknowledgement_gives_the_reference_receipt_deadlines_and_tracking_in_english(make_case):
    case = make_case("en", channel="portal")
    letter = render(case, "acknowledgement")
    assert letter.language == "en"
    assert letter.subject == f"[{case.reference}] We have received your complaint"
    body = letter.body
    assert f"under the reference {case.reference}" in body
    assert "through our online portal on Monday 2 March 2026 at 10:00 (Beijing time)" in body
    # cn-nfra: 15 days after the day of receipt; internal standard: a first response within 24 hours
    assert "final response by the end of Tuesday 17 March 2026" in body
    assert "first response by 10:00 (Beijing time) on Tuesday 3 March 2026" in body
    assert "https://complaints.example.com/portal/track/" in body
    assert "reply to this e-mail and keep the reference in the subject line" in body


def test_acknowledgement_in_chinese(make_case):
    case = make_case("zh-hans", channel="phone")
    letter = render(case, "acknowledgement")
    assert letter.language == "zh-hans"
    assert letter.subject == f"【{case.reference}】我们已收到您的投诉"
    body = letter.body
    assert "尊敬的客户" in body
    assert f"受理编号为 {case.reference}" in body
    assert "我们已于2026年3月2日 10:00（北京时间）通过电话收到您的投诉" in body
    assert "最迟于2026年3月17日（星期二）向您作出最终答复" in body
    assert "最迟于2026年3月3日 10:00（北京时间）给予您首次响应" in body
    assert "https://complaints.example.com/portal/track/" in body
    assert "请直接回复本邮件" in body


def test_dates_are_in_the_zone_of_the_case_policy(make_case):
    # 07:00 on 2 March in Shanghai is 23:00 on Sunday 1 March in London.
    case = make_case("en", policy="uk-fca-disp", received_at=datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI))
    body = render(case, "acknowledgement").body
    assert "on Sunday 1 March 2026 at 23:00 (UK time)" in body
    # 56 days after the day of receipt (1 March), in London
    assert "final response by the end of Sunday 26 April 2026" in body


def test_acknowledgement_names_the_kind_of_contact(make_case):
    assert "your feedback" in render(make_case("en", type="feedback"), "acknowledgement").body
    assert "您的意见建议" in render(make_case("zh-hans", type="feedback"), "acknowledgement").body


# --- extension and holding letters ----------------------------------------------------------


def test_extension_notice_gives_the_reason_and_the_new_date(make_case, agent):
    for language, reason_line, date_line in (
        ("en", "for this reason:", "final response by the end of Wednesday 1 April 2026"),
        ("zh-hans", "原因如下：", "最迟于2026年4月1日（星期三）向您作出最终答复"),
    ):
        case = make_case(language)
        extension = services.extend_deadline(
            case=case, by=agent, name="complex", reason="We need the card network's records & <the merchant's> reply."
        )
        body = render(case, "extension", key=str(extension.pk)).body
        assert reason_line in body
        # plain text: nothing is HTML-escaped
        assert "We need the card network's records & <the merchant's> reply." in body
        assert date_line in body
        assert "Financial Ombudsman" not in body


def test_the_eight_week_letter_tells_of_the_ombudsman_without_the_six_month_limit(make_case):
    case = make_case("en", policy="uk-fca-disp")
    letter = render(case, "extension", key=letters.EIGHT_WEEKS)
    assert letter.subject == f"[{case.reference}] An update on your complaint"
    body = letter.body
    assert "not yet in a position to give you our final response" in body
    assert "run until the end of Monday 27 April 2026" in body
    assert "you may refer your complaint to the Financial Ombudsman Service, free of charge" in body
    assert FOS_SITE in body
    # the six months run from a final response, not from a holding letter
    assert "six months" not in body

    zh = render(make_case("zh-hans", policy="uk-fca-disp"), "extension", key=letters.EIGHT_WEEKS).body
    assert "英国金融申诉专员服务机构（Financial Ombudsman Service）" in zh
    assert "2026年4月27日（星期一）结束" in zh
    assert FOS_SITE in zh
    assert "六个月" not in zh


def test_a_payment_services_extension_names_the_ombudsman_if_the_new_date_passes(make_case, agent):
    case = make_case("en", policy="uk-psd2")
    extension = services.extend_deadline(
        case=case, by=agent, name="exceptional", reason="Our card processor is down.", notice_sent=True
    )
    body = render(case, "extension", key=str(extension.pk)).body
    assert "Our card processor is down." in body
    assert "If you do not receive our final response by then" in body
    assert FOS_SITE in body


# --- summary resolution and final response ----------------------------------------------------


def test_summary_resolution_under_uk_rules_names_the_ombudsman_its_website_and_six_months(make_case, agent):
    case = resolve(make_case("en", policy="uk-fca-disp"), agent)
    letter = render(case, "summary_resolution")
    assert letter.subject == f"[{case.reference}] Your complaint has been resolved"
    body = letter.body
    assert "we now consider your complaint resolved" in body
    assert "We have upheld your complaint." in body
    assert "Financial Ombudsman Service" in body
    assert FOS_SITE in body
    assert "within six months of the date of this letter" in body
    assert "Date of this letter: Monday 2 March 2026" in body

    zh = render(resolve(make_case("zh-hans", policy="uk-fca-disp"), agent), "summary_resolution").body
    assert "我们认为您的投诉现已处理完毕" in zh
    assert "英国金融申诉专员服务机构" in zh
    assert FOS_SITE in zh
    assert "本函日期起六个月内" in zh


def test_final_response_gives_decision_basis_reasons_redress_apology_and_uk_remedies(make_case, agent, supervisor):
    case = make_case("en", policy="uk-fca-disp")
    case = resolve(
        case,
        agent,
        outcome="partially_upheld",
        apology_given=True,
        redress=[
            {"kind": "refund", "amount": "120.00", "currency": "GBP"},
            {"kind": "compensation", "amount": "9000.00", "currency": "GBP"},
            {"kind": "goodwill", "amount": "7000.00", "currency": "GBP"},
        ],
    )
    # Above the approval limit, compensation and goodwill await a supervisor: one is rejected.
    goodwill = Redress.objects.get(case=case, kind="goodwill")
    services.reject_redress(redress=goodwill, by=supervisor, reason="Not justified.")
    body = render(case, "final_response").body
    assert "this letter is our final response" in body
    assert "We have partially upheld your complaint." in body
    assert "Card terms and conditions, section 4.2" in body
    assert "The annual fee was charged twice because of a batch error." in body
    assert "To put things right, we will provide:\n- Refund: GBP 120.00" in body
    assert "subject to internal approval" in body
    assert "- Compensation: GBP 9,000.00" in body
    assert "7,000.00" not in body  # rejected: never promised
    assert "We are sorry for what happened" in body
    assert "you have the right to refer your complaint to the Financial Ombudsman Service" in body
    assert FOS_SITE in body
    assert "within six months of the date of this letter" in body


def test_final_response_without_apology_or_redress_says_neither(make_case, agent):
    body = render(resolve(make_case("en"), agent, outcome="not_upheld"), "final_response").body
    assert "We have not upheld your complaint." in body
    assert "We are sorry for what happened" not in body
    assert "Putting things right" not in body


def test_final_response_under_cn_nfra_names_review_mediation_arbitration_and_litigation(make_case, agent):
    case = resolve(make_case("zh-hans"), agent, apology_given=True, redress=[{"kind": "refund", "amount": "300.00"}])
    letter = render(case, "final_response")
    assert letter.subject == f"【{case.reference}】关于您投诉的最终答复"
    body = letter.body
    assert "经调查核实，您的投诉成立。" in body
    assert "处理依据" in body
    assert "处理理由" in body
    assert "- 退款：人民币300.00元" in body
    assert "深表歉意" in body
    for word in ("申请核查", "申请调解", "申请仲裁", "提起诉讼", "12378"):
        assert word in body
    assert "Financial Ombudsman" not in body

    english = render(resolve(make_case("en"), agent), "final_response").body
    for word in ("核查", "调解", "仲裁", "诉讼", "12378"):
        assert word in english


def test_final_response_under_us_cfpb_names_the_cfpb(make_case, agent):
    body = render(resolve(make_case("en", policy="us-cfpb"), agent), "final_response").body
    assert "Consumer Financial Protection Bureau" in body
    assert "https://www.consumerfinance.gov/complaint/" in body


def test_final_response_under_another_policy_gives_the_handlers_remedies(make_case, agent):
    case = resolve(make_case("en", policy="internal-standard"), agent, remedies="Call our ombudsman desk on 95555.")
    body = render(case, "final_response").body
    assert "Call our ombudsman desk on 95555." in body
    assert "Financial Ombudsman" not in body


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("policy", "outcome", "decided_at", "kind"),
    [
        # received Monday 2 March (London); the third business day after it is Thursday 5 March
        ("uk-fca-disp", "upheld", _at(5, 17), "summary_resolution"),
        ("uk-psd2", "partially_upheld", _at(5, 23), "summary_resolution"),
        ("uk-fca-disp", "upheld", _at(6, 9), "final_response"),
        ("uk-fca-disp", "not_upheld", _at(3, 9), "final_response"),
        ("cn-nfra", "upheld", _at(2, 12), "final_response"),
        ("us-cfpb", "upheld", _at(2, 12), "final_response"),
    ],
)
def test_summary_resolution_is_for_uk_complaints_resolved_within_three_business_days(
    make_case, policy, outcome, decided_at, kind
):
    case = Case.objects.select_related("policy").get(pk=make_case("en", policy=policy).pk)
    assert letters.resolution_kind(case, decided_at, outcome) == kind


# --- survey invitation ------------------------------------------------------------------------


def test_survey_invitation_links_to_the_cases_survey_invitation(make_case, agent):
    case = resolve(make_case("en"), agent)
    body = render(case, "survey_invitation").body
    prefix = "https://complaints.example.com/surveys/"
    line = next(line for line in body.splitlines() if line.startswith(prefix))
    token = line.removeprefix(prefix).removesuffix("/")
    invitation = SurveyInvitation.objects.get(case=case, purpose="case")
    assert survey_tokens.read(token) == survey_tokens.TokenRef(invitation.pk, invitation.nonce)
    assert case.reference in body
    # Rendering again (a retry) links to the same invitation: once per case.
    assert line in render(case, "survey_invitation").body
    assert SurveyInvitation.objects.filter(case=case).count() == 1

    zh = render(resolve(make_case("zh-hans"), agent), "survey_invitation")
    assert zh.subject.endswith("诚邀您评价本次服务")
    assert "https://complaints.example.com/surveys/" in zh.body


def test_a_letter_can_be_rendered_in_another_language_than_the_customers(make_case, agent: User):
    case = make_case("zh-hans")
    assert render(case, "acknowledgement", language="en").subject.endswith("We have received your complaint")
