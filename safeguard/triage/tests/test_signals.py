"""Risk signals: each fires on its English and Chinese phrasings, with the exact words, and not on
near misses; self-harm is always critical."""

from __future__ import annotations

import pytest

from safeguard.cases.models import Severity
from safeguard.triage.signals import SEVERITY, Signal, SignalKind, detect, kinds

FIRES: list[tuple[str, str]] = [
    # Vulnerable: age, illness, bereavement, hardship.
    (SignalKind.VULNERABLE, "I'm 82 and I don't understand the new app."),
    (SignalKind.VULNERABLE, "My mother is 91 years old and lives in a care home."),
    (SignalKind.VULNERABLE, "My elderly father was called by someone pretending to be you."),
    (SignalKind.VULNERABLE, "I'm retired and live on my state pension."),
    (SignalKind.VULNERABLE, "I have cancer and I'm in hospital for another month."),
    (SignalKind.VULNERABLE, "My husband has dementia and can't manage his account."),
    (SignalKind.VULNERABLE, "I am disabled and can't get into the branch."),
    (SignalKind.VULNERABLE, "My wife passed away in June and the account is still frozen."),
    (SignalKind.VULNERABLE, "Since my husband died I have had no help from you."),
    (SignalKind.VULNERABLE, "I lost my job in March and I can't afford food this week."),
    (SignalKind.VULNERABLE, "We are facing eviction and have been to the food bank."),
    (SignalKind.VULNERABLE, "我妈妈今年78岁了，不会用手机银行。"),
    (SignalKind.VULNERABLE, "我父亲八十多岁，是个老人，腿脚不方便。"),
    (SignalKind.VULNERABLE, "我是退休职工，养老金每个月被扣费。"),
    (SignalKind.VULNERABLE, "我生病住院了，没法按时还款。"),
    (SignalKind.VULNERABLE, "我丈夫去世了，家里正在办丧事。"),
    (SignalKind.VULNERABLE, "我失业半年了，公司也破产了。"),
    (SignalKind.VULNERABLE, "家里生活困难，孩子都快吃不上饭了。"),
    # Regulator, media, courts (negated threats still count).
    (SignalKind.REGULATOR_THREAT, "I will not go to the regulator yet, but I expect an answer."),
    (SignalKind.REGULATOR_THREAT, "I am taking this to the Financial Ombudsman."),
    (SignalKind.REGULATOR_THREAT, "I have already contacted the FCA about you."),
    (SignalKind.REGULATOR_THREAT, "I filed a complaint with the CFPB."),
    (SignalKind.REGULATOR_THREAT, "A journalist at the local paper is interested in my story."),
    (SignalKind.REGULATOR_THREAT, "I'm going to post this on social media."),
    (SignalKind.REGULATOR_THREAT, "My lawyer will be writing to you."),
    (SignalKind.REGULATOR_THREAT, "I will sue the bank if this is not fixed."),
    (SignalKind.REGULATOR_THREAT, "FIX IT OR I WILL SUE."),
    (SignalKind.REGULATOR_THREAT, "I have reported you to 12378."),
    (SignalKind.REGULATOR_THREAT, "See you in court."),
    (SignalKind.REGULATOR_THREAT, "再不解决我就向银保监投诉。"),
    (SignalKind.REGULATOR_THREAT, "我要打12378投诉到监管。"),
    (SignalKind.REGULATOR_THREAT, "我已经向国家金融监督管理总局反映了。"),
    (SignalKind.REGULATOR_THREAT, "我要找记者曝光你们。"),
    (SignalKind.REGULATOR_THREAT, "我会把这件事发到网上让大家评评理。"),
    (SignalKind.REGULATOR_THREAT, "我已经请了律师，准备起诉。"),
    (SignalKind.REGULATOR_THREAT, "我要去法院告你们。"),
    (SignalKind.REGULATOR_THREAT, "我暂时不会去找监管部门。"),
    # Fraud and unauthorised transactions.
    (SignalKind.FRAUD, "There is an unauthorised transaction on my card."),
    (SignalKind.FRAUD, "I see three unauthorized payments from last night."),
    (SignalKind.FRAUD, "I didn't make this payment."),
    (SignalKind.FRAUD, "I did not make these transactions and I still have my card."),
    (SignalKind.FRAUD, "I think this is a scam."),
    (SignalKind.FRAUD, "I was scammed by a fake investment website."),
    (SignalKind.FRAUD, "Someone used my card details online."),
    (SignalKind.FRAUD, "我的信用卡被盗刷了。"),
    (SignalKind.FRAUD, "我被骗了五万块。"),
    (SignalKind.FRAUD, "这是电信诈骗，请帮我冻结账户。"),
    (SignalKind.FRAUD, "这几笔交易都是非本人操作。"),
    (SignalKind.FRAUD, "我根本没有操作过这笔转账。"),
    (SignalKind.FRAUD, "对方冒充客服让我转到安全账户。"),
    # Self-harm and crisis.
    (SignalKind.SELF_HARM, "Sometimes I think about suicide."),
    (SignalKind.SELF_HARM, "I feel like I want to kill myself."),
    (SignalKind.SELF_HARM, "I might as well end my life."),
    (SignalKind.SELF_HARM, "There's no reason to live any more."),
    (SignalKind.SELF_HARM, "I don't want to live anymore."),
    (SignalKind.SELF_HARM, "我真的不想活了。"),
    (SignalKind.SELF_HARM, "被逼得想自杀。"),
    (SignalKind.SELF_HARM, "我都有轻生的念头了。"),
    (SignalKind.SELF_HARM, "再这样下去我只能跳楼了。"),
    (SignalKind.SELF_HARM, "我活不下去了。"),
    # Repeat complaints.
    (SignalKind.REPEAT, "This is the third time I've had to write to you."),
    (SignalKind.REPEAT, "I already complained about this in May."),
    (SignalKind.REPEAT, "I'm complaining again because nothing changed."),
    (SignalKind.REPEAT, "Once again the payment failed."),
    (SignalKind.REPEAT, "I have called you five times this week."),
    (SignalKind.REPEAT, "My previous complaint was never answered."),
    (SignalKind.REPEAT, "我再次投诉，问题还是没解决。"),
    (SignalKind.REPEAT, "我已经多次投诉了。"),
    (SignalKind.REPEAT, "这是我第三次来网点了。"),
    (SignalKind.REPEAT, "上次投诉到现在一直没有解决。"),
    (SignalKind.REPEAT, "我之前反映过这个问题。"),
    (SignalKind.REPEAT, "我又来投诉了。"),
]

NEAR_MISSES: list[tuple[str, str]] = [
    (SignalKind.REGULATOR_THREAT, "The regulatory changes mean new fees from April."),
    (SignalKind.REGULATOR_THREAT, "Under the new regulation you must tell me the fee."),
    (SignalKind.REGULATOR_THREAT, "My regular payment to the gym failed."),
    (SignalKind.REGULATOR_THREAT, "Please set up a regular monthly transfer."),
    (SignalKind.REGULATOR_THREAT, "I gave my son power of attorney."),
    (SignalKind.REGULATOR_THREAT, "Sue at the branch was very helpful."),
    (SignalKind.REGULATOR_THREAT, "Please press the button again."),
    (SignalKind.REGULATOR_THREAT, "I saw it on the news that rates are going up."),
    (SignalKind.REGULATOR_THREAT, "我想了解一下最新的监管政策变化。"),
    (SignalKind.REGULATOR_THREAT, "根据人民银行规定，这笔费用可以减免吗？"),
    (SignalKind.REGULATOR_THREAT, "我想告诉你们一个问题。"),
    (SignalKind.REGULATOR_THREAT, "多媒体展示屏坏了。"),
    (SignalKind.FRAUD, "I ordered scampi and chips with my card."),
    (SignalKind.FRAUD, "The unauthorised overdraft charges are too high."),
    (SignalKind.FRAUD, "Your anti-fraud checks blocked my payment to my landlord."),
    (SignalKind.FRAUD, "I didn't make the payment on time because I was away."),
    (SignalKind.FRAUD, "我收到了你们的防诈骗提醒短信。"),
    (SignalKind.FRAUD, "验证码怎么还没收到？"),
    (SignalKind.SELF_HARM, "The suicide clause in my life policy is unclear."),
    (SignalKind.SELF_HARM, "Your fees are killing me."),
    (SignalKind.SELF_HARM, "店里在搞跳楼价促销。"),
    (SignalKind.SELF_HARM, "好久不见，想死你了！"),
    (SignalKind.SELF_HARM, "气死我了，排队排了两个小时。"),
    (SignalKind.VULNERABLE, "You disabled my card without telling me."),
    (SignalKind.VULNERABLE, "My phone battery died during the payment."),
    (SignalKind.VULNERABLE, "I'm sick of waiting for an answer."),
    (SignalKind.VULNERABLE, "Our family has banked with you for 75 years."),
    (SignalKind.VULNERABLE, "I am 45 and self-employed."),
    (SignalKind.VULNERABLE, "你们的系统又出毛病了。"),
    (SignalKind.VULNERABLE, "这款保险保哪些疾病？"),
    (SignalKind.VULNERABLE, "电脑中了病毒，网银登不上。"),
    (SignalKind.VULNERABLE, "等了这么久，我很沮丧。"),
    (SignalKind.VULNERABLE, "我是你们的老客户了。"),
    (SignalKind.REPEAT, "Please try again later."),
    (SignalKind.REPEAT, "I was charged three times for one coffee."),
    (SignalKind.REPEAT, "Your agent phoned my office three times."),
    (SignalKind.REPEAT, "请再次确认您的密码。"),
    (SignalKind.REPEAT, "这笔消费被扣了多次。"),
    (SignalKind.REPEAT, "投诉过程太复杂了。"),
    (SignalKind.REPEAT, "又快又好，谢谢。"),
]


@pytest.mark.parametrize(("kind", "text"), FIRES)
def test_each_signal_fires_on_its_phrasings_with_words_from_the_text(kind: str, text: str) -> None:
    found = {s.kind: s for s in detect(text)}
    assert kind in found, f"{kind} not found in {text!r}: {found}"
    signal = found[kind]
    assert signal.words, signal
    for word in signal.words:
        assert word in text  # exact substrings: the page highlights them
    assert signal.severity == SEVERITY[kind]


@pytest.mark.parametrize(("kind", "text"), NEAR_MISSES)
def test_near_misses_do_not_fire(kind: str, text: str) -> None:
    assert kind not in kinds(text), detect(text)


def test_every_kind_has_english_and_chinese_examples() -> None:
    for kind in SignalKind:
        english = [t for k, t in FIRES if k == kind and t.isascii()]
        chinese = [t for k, t in FIRES if k == kind and not t.isascii()]
        assert len(english) >= 3 and len(chinese) >= 3, kind


@pytest.mark.parametrize("text", [t for k, t in FIRES if k == SignalKind.SELF_HARM])
def test_self_harm_is_always_critical_and_comes_first(text: str) -> None:
    signals = detect(f"I'm 80, I've complained three times, a scam took my savings and I'll go to the FCA. {text}")
    assert signals[0].kind == SignalKind.SELF_HARM
    assert signals[0].severity == "critical"
    assert {s.kind for s in signals} == set(SignalKind.values)


def test_the_words_are_as_written_case_kept_each_once_in_order() -> None:
    text = "The FCA will hear of this. I told the Regulator, and the regulator ignored me. 又被盗刷了，被盗刷！"
    found = {s.kind: s.words for s in detect(text)}
    assert found[SignalKind.REGULATOR_THREAT] == ("FCA", "Regulator", "regulator")
    assert found[SignalKind.FRAUD] == ("被盗刷",)


def test_english_terms_match_next_to_chinese_and_full_width_forms() -> None:
    assert detect("我的card被scam了") == [Signal(kind="fraud", words=("scam",), severity="high")]
    regulator = {s.kind: s for s in detect("我要去找ＦＣＡ，还要打１２３７８")}[SignalKind.REGULATOR_THREAT]
    assert regulator.words == ("ＦＣＡ", "１２３７８")


def test_language_does_not_limit_the_lexicons() -> None:
    mixed = "My card 被盗刷 and I will call my lawyer"
    assert kinds(mixed) == {SignalKind.FRAUD, SignalKind.REGULATOR_THREAT}
    assert detect(mixed, language="en") == detect(mixed, language="zh-hans") == detect(mixed)


def test_no_text_no_signals() -> None:
    assert detect("") == []
    assert detect("Could you tell me your opening hours on Saturday?") == []
    assert detect("请问周六营业吗？") == []


def test_as_dict_is_the_shape_prediction_signals_store() -> None:
    (signal,) = detect("I didn't make this payment")
    assert signal.as_dict() == {"kind": "fraud", "words": ["didn't make this payment"], "severity": "high"}


def test_kinds_and_severities_are_the_contract_values() -> None:
    assert set(SignalKind.values) == {"vulnerable", "regulator_threat", "fraud", "self_harm", "repeat"}
    assert set(SEVERITY) == set(SignalKind.values)
    assert set(SEVERITY.values()) <= set(Severity.values)
    assert SEVERITY[SignalKind.SELF_HARM] == Severity.CRITICAL
