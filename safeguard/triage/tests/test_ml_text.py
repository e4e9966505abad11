"""Text analysis of the triage engine: English exactly as scikit-learn's default word analyzer,
Chinese through jieba words and character n-grams, and the stage-2 language gate."""

from __future__ import annotations

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from safeguard.triage.ml.text import CHAR_MARK, display_feature, is_mostly_latin, word_analyzer


@pytest.mark.parametrize("text", ["My card was charged twice, can't log in!", "Top-up of £20 failed (again)", ""])
def test_english_matches_scikit_learns_word_analyzer(text):
    sklearn_analyzer = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b").build_analyzer()

    assert word_analyzer(text) == sklearn_analyzer(text)


def test_chinese_runs_give_jieba_words_their_pairs_and_character_ngrams():
    features = word_analyzer("信用卡被盗刷，VISA卡")

    assert "信用卡" in features  # a jieba word
    assert "visa" in features and "visa 卡" in features  # Latin words join the same token stream
    assert f"{CHAR_MARK}盗" in features and f"{CHAR_MARK}盗刷" in features and f"{CHAR_MARK}被盗刷" in features
    assert f"{CHAR_MARK}被盗刷了" not in features  # characters: 1 to 3 only
    assert not any(CHAR_MARK + "，" in f for f in features)  # punctuation is not part of a run


def test_full_width_letters_and_digits_are_normalised():
    assert word_analyzer("ＡＢＣ１２３")[:1] == ["abc123"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hello there", True), ("hello 世界", True), ("你好世界 hi", False), ("12345 !!", False), ("Ünïcödé", True)],
)
def test_mostly_latin_gates_the_english_encoder(text, expected):
    assert is_mostly_latin(text) is expected


@pytest.mark.parametrize(
    ("name", "shown"),
    [("word__card stolen", "card stolen"), ("char__ refu", "“refu”"), (f"word__{CHAR_MARK}盗刷", "“盗刷”")],
)
def test_features_are_shown_readably(name, shown):
    assert display_feature(name) == shown
