"""New themes: clusters of recent complaint texts with no close neighbour in the baseline. Pure:
texts in, themes out (scikit-learn, no ORM, no clock).

How
---
1. Every text is normalised (lower case; digits and punctuation become spaces, so amounts, dates,
   phone and account numbers neither join nor split complaints) and turned into a TF-IDF vector of
   character features (``features``): Chinese characters and character bigrams, and the character
   3–5-grams of Latin-script words. No word segmentation is needed, so Chinese, English and mixed
   texts all work, and typos and inflections still match.
2. A recent text is *novel* when its nearest baseline text (cosine similarity) is less similar than
   ``novelty``. The comparison runs in blocks of ``block`` recent texts, so memory stays bounded.
3. Novel texts are clustered by average linkage: groups whose texts are on average at least
   ``cohesion`` alike. A group of at least ``min_size`` texts is a new theme (at most
   ``max_themes``, largest first).
4. Each theme is labelled with its most distinctive terms: words of three letters or more (not
   English stop words; no digits, so no numbers from the texts) and Chinese character bigrams,
   ranked by how many more of the theme's texts than of the other texts hold them; a bigram is
   grown into the longest phrase most of the theme's texts share ("赎回" → "无法赎回").

Cost is bounded by the callers' caps on texts (``ThemeParams.max_recent`` and ``max_baseline``):
at most ``max_recent × max_baseline`` similarities, computed ``block`` rows at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfVectorizer,
)

METHOD = "tfidf-novelty"


@dataclass(frozen=True)
class ThemeParams:
    recent_days: int = 7
    baseline_days: int = 56
    max_recent: int = 3000
    max_baseline: int = 6000
    novelty: float = 0.5
    cohesion: float = 0.3
    min_size: int = 5
    max_themes: int = 10
    terms: int = 4
    block: int = 500

    def as_dict(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


DEFAULT_THEME_PARAMS = ThemeParams()


@dataclass(frozen=True)
class Theme:
    """A new theme: the ids of its recent texts, its label terms, how alike its texts are (mean
    similarity to their centroid), how new (mean similarity of each to its nearest baseline text)
    and how many baseline texts are as close to its centroid as its own least typical text."""

    ids: tuple[int, ...]
    terms: tuple[str, ...]
    cohesion: float
    nearest_baseline: float
    baseline_near: int

    @property
    def label(self) -> str:
        return " · ".join(self.terms)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(r"[^\W\d_]{3,}")
_NON_TEXT = re.compile(r"[\W\d_]+")
# Chinese characters that mostly serve grammar: a label term neither starts nor ends with one.
_FUNCTION_CHARS = frozenset("的了是在我你他她它们和与及也就都而说要这那有没不被把对为吗呢吧啊请但还又后时个")


def normalise(text: str) -> str:
    """Lower case, with digits, punctuation, symbols and underscores as single spaces."""
    return " ".join(_NON_TEXT.sub(" ", text.lower()).split())


def features(text: str) -> list[str]:
    """What texts are compared on: Chinese characters and character bigrams (a Chinese word is
    mostly one or two characters), and character 3–5-grams of each Latin-script word with its
    boundaries (robust to inflections and typos), so no word segmenter is needed."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        grams.extend(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    for word in _CJK_RUN.sub(" ", text).split():
        padded = f" {word} "
        for size in (3, 4, 5):
            grams.extend(padded[i : i + size] for i in range(max(len(padded) - size + 1, 1)))
    return grams


def label_tokens(text: str) -> list[str]:
    """The candidate label terms of a text: Latin-script words (no English stop words) and Chinese
    character bigrams that neither start nor end with a function character (的, 了, 我 ...)."""
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        tokens.extend(
            run[i : i + 2]
            for i in range(len(run) - 1)
            if run[i] not in _FUNCTION_CHARS and run[i + 1] not in _FUNCTION_CHARS
        )
    stripped = _CJK_RUN.sub(" ", text)
    tokens.extend(w for w in _WORD.findall(stripped) if w not in ENGLISH_STOP_WORDS)
    return tokens


def _nearest(recent: Any, baseline: Any, block: int) -> NDArray[np.float64]:
    """Each recent row's highest cosine similarity to any baseline row (sparse rows, L2-normalised)."""
    rows = recent.shape[0]
    if baseline.shape[0] == 0:
        return np.zeros(rows)
    best = np.zeros(rows)
    for start in range(0, rows, block):
        chunk = (recent[start : start + block] @ baseline.T).toarray()
        best[start : start + block] = chunk.max(axis=1)
    return best


def _groups(similarity: NDArray[np.float64], params: ThemeParams) -> list[list[int]]:
    """Average-linkage clusters of the novel texts whose members are, on average, at least
    ``cohesion`` alike; those of ``min_size`` or more, largest first, at most ``max_themes``."""
    if similarity.shape[0] < 2:
        return []
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - params.cohesion
    ).fit_predict(distance)
    groups = [np.flatnonzero(labels == label).tolist() for label in np.unique(labels)]
    groups = [g for g in groups if len(g) >= params.min_size]
    groups.sort(key=lambda g: (-len(g), g[0]))
    return groups[: params.max_themes]


def _label(
    inside: NDArray[np.float64], outside: NDArray[np.float64], names: Sequence[str], members: Sequence[str], count: int
) -> tuple[str, ...]:
    """The ``count`` terms held by the most more of the theme's texts (share ``inside``) than of
    the others (share ``outside``), each held by at least 40% of the theme. A Chinese bigram is
    grown into the longest phrase at least half the theme's texts hold; a term that overlaps a
    chosen one (one inside the other, or a shared Chinese bigram) is left out."""
    score = inside - outside
    chosen: list[str] = []
    for index in np.argsort(-score, kind="stable"):
        if len(chosen) >= count or inside[index] < 0.4 or score[index] <= 0:
            break
        term = str(names[index])
        if _CJK_RUN.fullmatch(term):
            term = _grow(term, members)
        if not any(_overlap(term, other) for other in chosen):
            chosen.append(term)
    return tuple(chosen)


def _is_content(char: str) -> bool:
    return bool(_CJK_RUN.fullmatch(char)) and char not in _FUNCTION_CHARS


def _overlap(one: str, other: str) -> bool:
    """One term inside the other, or two Chinese phrases sharing a bigram."""
    if one in other or other in one:
        return True
    bigrams = {one[i : i + 2] for i in range(len(one) - 1)} if _CJK_RUN.fullmatch(one) else set()
    return any(other[i : i + 2] in bigrams for i in range(len(other) - 1))


def _grow(phrase: str, members: Sequence[str], longest: int = 8) -> str:
    """Extend a Chinese phrase one character at a time, left or right (never by a function
    character), while at least half of ``members`` still hold it."""
    needed = max(2, (len(members) + 1) // 2)
    while len(phrase) < longest:
        counts: dict[str, int] = {}
        for text in members:
            seen = set()
            start = text.find(phrase)
            while start != -1:
                if start > 0 and _is_content(text[start - 1]):
                    seen.add(text[start - 1] + phrase)
                end = start + len(phrase)
                if end < len(text) and _is_content(text[end]):
                    seen.add(phrase + text[end])
                start = text.find(phrase, start + 1)
            for longer in seen:
                counts[longer] = counts.get(longer, 0) + 1
        best = max(counts.items(), key=lambda item: (item[1], item[0]), default=None)
        if best is None or best[1] < needed:
            return phrase
        phrase = best[0]
    return phrase


def new_themes(
    recent: Sequence[tuple[int, str]], baseline: Sequence[str], params: ThemeParams = DEFAULT_THEME_PARAMS
) -> list[Theme]:
    """The new themes among ``recent`` (id, text) pairs against the ``baseline`` texts, largest
    first. Callers cap the inputs (``params.max_recent`` and ``max_baseline``); extra texts here
    are ignored."""
    recent = [(i, normalise(t)) for i, t in recent[: params.max_recent]]
    recent = [(i, t) for i, t in recent if t]
    base = [t for t in (normalise(t) for t in baseline[: params.max_baseline]) if t]
    if len(recent) < params.min_size:
        return []
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True, dtype=np.float32, max_features=200_000)
    matrix = vectoriser.fit_transform([t for _, t in recent] + base).tocsr()
    recent_matrix, base_matrix = matrix[: len(recent)], matrix[len(recent) :]
    nearest = _nearest(recent_matrix, base_matrix, params.block)
    novel = np.flatnonzero(nearest < params.novelty)
    if len(novel) < params.min_size:
        return []
    novel_matrix = recent_matrix[novel]
    similarity = (novel_matrix @ novel_matrix.T).toarray().astype(np.float64)
    texts = [t for _, t in recent] + base
    themes = []
    for group in _groups(similarity, params):
        rows = novel[group]
        centroid = np.asarray(recent_matrix[rows].mean(axis=0), dtype=np.float64).ravel()
        centroid /= float(np.linalg.norm(centroid)) or 1.0
        to_centroid = np.asarray(recent_matrix[rows] @ centroid).ravel()
        base_to_centroid = np.asarray(base_matrix @ centroid).ravel()
        themes.append(
            Theme(
                ids=tuple(sorted(recent[r][0] for r in rows)),
                terms=label(texts, rows.tolist(), params.terms),
                cohesion=round(float(np.mean(to_centroid)), 4),
                nearest_baseline=round(float(np.mean(nearest[rows])), 4),
                baseline_near=int((base_to_centroid >= float(np.min(to_centroid))).sum()),
            )
        )
    return themes


def label(texts: Sequence[str], members: Sequence[int], count: int) -> tuple[str, ...]:
    """The label terms of the texts at positions ``members`` against all the other ``texts``."""
    vectoriser = CountVectorizer(analyzer=label_tokens, binary=True)
    try:
        matrix = vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # not one word or Chinese bigram in any text
        return ()
    names = [str(n) for n in vectoriser.get_feature_names_out()]
    held = np.asarray(matrix[members].sum(axis=0), dtype=np.float64).ravel()
    totals = np.asarray(matrix.sum(axis=0), dtype=np.float64).ravel()
    inside = held / len(members)
    outside = (totals - held) / max(matrix.shape[0] - len(members), 1)
    return _label(inside, outside, names, [texts[m] for m in members], count)
