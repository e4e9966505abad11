"""Text analysis for the triage engine: English, Chinese and mixed text.

* ``normalise``: NFKC (full-width letters and digits become ASCII ones, common in Chinese text)
  and lower case.
* ``word_analyzer``: the word view of stage 1. Latin-script text gives the tokens of
  ``(?u)\\b\\w+\\b`` and their 1-2 grams, exactly as scikit-learn's default word analyzer; Chinese
  runs are cut into words with jieba (which join the same token stream, so "信用卡 被盗" is a
  bigram) and also give character 1-3 grams, marked with ``CHAR_MARK`` so they never collide with
  a word. jieba's dictionary is loaded once, on the first Chinese text, and jieba says nothing.
* ``char_analyzer``: the character view of stage 1: scikit-learn's ``char_wb`` 2-5 grams of the
  normalised text.
* ``is_mostly_latin``: whether stage 2 (the English MiniLM encoder) may look at a text.

Both analyzers remember the features of the last ``MEMO_TEXTS`` texts: a case is classified for
several targets (type, product, category, department), each model with its own vocabulary but
the same analysis, so jieba and the n-grams run once per text instead of once per target.
Callers that classify many texts do it in chunks no larger than that (``predict_targets``).

The analyzers are module-level functions so that a pickled model refers to them by name.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
import unicodedata
import warnings
from typing import Any

# CJK Unified Ideographs (and extension A, compatibility ideographs). Kana and Hangul are not
# included: the shipped taxonomy is English and Chinese.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_TOKEN = re.compile(r"(?u)\b\w+\b")
# A CJK run, or a run of word characters that are not CJK.
_RUN = re.compile(f"([{_CJK}]+)|([^\\W{_CJK}]+)")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
CHAR_MARK = "字:"

_jieba: Any = None
_jieba_lock = threading.Lock()


def _load_jieba() -> Any:
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():
                    # jieba 0.42 has invalid escapes in its regexes and may import pkg_resources.
                    warnings.simplefilter("ignore")
                    import jieba
                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." on stderr
                jieba.initialize()
                _jieba = jieba
    return _jieba


def normalise(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def _ngrams(tokens: list[str], out: list[str]) -> None:
    out.extend(tokens)
    out.extend(f"{a} {b}" for a, b in itertools.pairwise(tokens))


# Texts whose analysis is remembered (about 20 KB each at most for a few hundred characters).
MEMO_TEXTS = 512


def word_analyzer(text: str) -> list[str]:
    """Word 1-2 grams (jieba words for Chinese runs) plus character 1-3 grams of Chinese runs."""
    return list(_word_features(text))


def char_analyzer(text: str) -> list[str]:
    """Character 2-5 grams within word boundaries (scikit-learn's ``char_wb``) of the normalised text."""
    return list(_char_features(text))


@functools.cache
def _char_wb() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # The text is normalised (NFKC, lower case) before, exactly as the preprocessor did it.
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()


@functools.lru_cache(maxsize=MEMO_TEXTS)
def _char_features(text: str) -> tuple[str, ...]:
    return tuple(_char_wb()(normalise(text)))


@functools.lru_cache(maxsize=MEMO_TEXTS)
def _word_features(text: str) -> tuple[str, ...]:
    text = normalise(text)
    features: list[str] = []
    if not _HAS_CJK.search(text):
        _ngrams(_TOKEN.findall(text), features)
        return tuple(features)
    cut = _load_jieba().lcut
    tokens: list[str] = []
    chars: list[str] = []
    for match in _RUN.finditer(text):
        run = match.group(1)
        if run is None:
            tokens.append(match.group(2))
            continue
        tokens.extend(word for word in cut(run, HMM=True) if word.strip())
        for n in (1, 2, 3):
            chars.extend(CHAR_MARK + run[i : i + n] for i in range(len(run) - n + 1))
    _ngrams(tokens, features)
    features.extend(chars)
    return tuple(features)


def is_mostly_latin(text: str) -> bool:
    """At least half of the letters are Latin (so an English encoder can read the text)."""
    letters = sum(1 for ch in text if ch.isalpha())
    if not letters:
        return False
    return len(_LATIN_LETTER.findall(text)) * 2 >= letters


def display_feature(name: str) -> str:
    """A stage-1 feature as a handler should read it in an explanation: a word or word pair as it
    is, a character n-gram in quotes (spaces at its ends mark a word boundary)."""
    view, _, term = name.partition("__")
    if view == "char":
        return f"“{term.strip()}”"
    if term.startswith(CHAR_MARK):
        return f"“{term[len(CHAR_MARK) :]}”"
    return term
