"""New themes on constructed sets of complaint texts, English and Chinese (pure, no database)."""

import random

from safeguard.quality.warnings.themes import ThemeParams, features, label_tokens, new_themes, normalise

OLD_EN = {
    "fee": [
        "I was charged the annual fee on my credit card twice",
        "the annual card fee was deducted again although it should be waived",
        "you took the yearly credit card fee two times",
    ],
    "queue": [
        "long queue at the branch counter, I waited over an hour",
        "the branch had only one counter open and the wait was endless",
    ],
    "app": [
        "the mobile app keeps logging me out",
        "I cannot log in to the mobile banking app",
        "the app crashes whenever I open my balance",
    ],
    "rate": ["the mortgage interest rate was raised without notice", "my loan rate went up and nobody told me"],
}
OLD_ZH = {
    "fee": ["信用卡年费被重复扣收", "承诺免年费但还是扣了年费", "今年信用卡扣了两次年费"],
    "queue": ["网点柜台排队时间太长", "营业厅只开一个窗口，等了两个小时"],
    "app": ["手机银行一直闪退", "换手机后手机银行无法登录", "手机银行登录失败，无法查询余额"],
    "rate": ["房贷利率上调没有提前通知", "贷款利率提高了却没人告诉我"],
}
FILLER_EN = ["I have been a customer for many years.", "Please resolve this quickly.", "I want a refund.", "", ""]
FILLER_ZH = ["我是多年的老客户。", "请尽快处理。", "要求退款。", "", ""]
NEW_EN = [
    "after the wallet update my card was charged by an overseas gaming site",
    "unknown overseas gaming payments appeared on my card after the wallet update",
    "since the digital wallet update there are foreign gaming charges on my card",
    "gaming website abroad took money from my card after I updated the wallet",
    "fraudulent overseas gaming transactions after the wallet app update",
    "overseas gaming merchant charged my card right after the wallet update",
]
NEW_ZH = [
    "购买的理财产品到期后无法赎回",
    "理财产品到期无法赎回，也没人解释",
    "理财产品已经到期，但是赎回申请一直被拒绝",
    "理财到期不能赎回，资金被冻结",
    "理财产品到期后赎回失败，说产品延期了",
    "到期的理财产品无法赎回，销售时没说延期风险",
]


def _text(rng, sentence, filler):
    # A phone number and an amount in every text: they must neither join nor split complaints.
    parts = [rng.choice(filler), sentence, rng.choice(filler), f"13812345{rng.randint(100, 999)}"]
    return " ".join(p for p in parts if p)


def _old(rng, n):
    texts = []
    for _ in range(n):
        topics, filler = (OLD_EN, FILLER_EN) if rng.random() < 0.5 else (OLD_ZH, FILLER_ZH)
        texts.append(_text(rng, rng.choice(topics[rng.choice(list(topics))]), filler))
    return texts


def _recent(rng, n, extra=()):
    return [(i, t) for i, t in enumerate(_old(rng, n))] + list(extra)


def test_a_new_english_theme_is_found_and_labelled_with_its_words():
    rng = random.Random(1)
    new = [(1000 + i, _text(rng, t, FILLER_EN)) for i, t in enumerate(NEW_EN)]
    themes = new_themes(_recent(rng, 300, new), _old(rng, 1200))
    assert len(themes) == 1
    # Only new texts, and (nearly) all of them: a far-fetched paraphrase may stay out.
    assert set(themes[0].ids) <= {i for i, _ in new}
    assert len(themes[0].ids) >= len(new) - 1
    assert {"wallet", "gaming"} <= set(themes[0].terms)


def test_a_new_chinese_theme_is_found_and_labelled_with_its_phrases():
    rng = random.Random(2)
    new = [(2000 + i, _text(rng, t, FILLER_ZH)) for i, t in enumerate(NEW_ZH)]
    themes = new_themes(_recent(rng, 300, new), _old(rng, 1200))
    assert len(themes) == 1
    # Only new texts, and (nearly) all of them: a far-fetched paraphrase may stay out.
    assert set(themes[0].ids) <= {i for i, _ in new}
    assert len(themes[0].ids) >= len(new) - 1
    label = themes[0].label
    assert "赎回" in label and "到期" in label


def test_english_and_chinese_themes_in_the_same_week_are_two_themes():
    rng = random.Random(3)
    new = [(1000 + i, _text(rng, t, FILLER_EN)) for i, t in enumerate(NEW_EN)]
    new += [(2000 + i, _text(rng, t, FILLER_ZH)) for i, t in enumerate(NEW_ZH)]
    themes = new_themes(_recent(rng, 300, new), _old(rng, 1200))
    assert sorted(min(t.ids) for t in themes) == [1000, 2000]


def test_a_week_like_the_baseline_has_no_new_theme():
    rng = random.Random(4)
    assert new_themes(_recent(rng, 400), _old(rng, 1200)) == []


def test_fewer_similar_texts_than_the_minimum_are_not_a_theme():
    rng = random.Random(5)
    new = [(1000 + i, _text(rng, t, FILLER_EN)) for i, t in enumerate(NEW_EN[:4])]
    assert new_themes(_recent(rng, 300, new), _old(rng, 1200), ThemeParams(min_size=5)) == []
    assert len(new_themes(_recent(rng, 300, new), _old(rng, 1200), ThemeParams(min_size=4))) == 1


def test_a_theme_seen_in_the_baseline_is_not_new():
    rng = random.Random(6)
    new = [(1000 + i, _text(rng, t, FILLER_ZH)) for i, t in enumerate(NEW_ZH)]
    baseline = _old(rng, 1200) + [_text(rng, t, FILLER_ZH) for t in NEW_ZH[:3]]
    assert new_themes(_recent(rng, 300, new), baseline) == []


def test_labels_and_features_hold_no_digits():
    text = normalise("My card 6222020200001234 was charged 4,350 yuan; call 13812345678. 账户6222扣款")
    assert not any(ch.isdigit() for ch in text)
    assert all(not any(ch.isdigit() for ch in token) for token in label_tokens(text))
    assert all(not any(ch.isdigit() for ch in gram) for gram in features(text))


def test_chinese_is_compared_on_characters_and_bigrams_without_segmentation():
    grams = features(normalise("理财赎回"))
    assert {"理", "财", "理财", "财赎", "赎回"} <= set(grams)
    assert label_tokens("理财赎回 wallet update") == ["理财", "财赎", "赎回", "wallet", "update"]


def test_too_few_or_empty_texts_give_no_theme():
    assert new_themes([], []) == []
    assert new_themes([(1, "123 456"), (2, "!!!")], ["abc"]) == []
