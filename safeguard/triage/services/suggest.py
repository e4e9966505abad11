"""Suggested answers: the response templates most like the case's text.

Language-aware: the templates are compared in the language the customer wrote in (TF-IDF of
character 2–4-grams within words, which needs no word segmentation for Chinese, and cosine
similarity), and each chosen template is offered in the customer's preferred language when it
exists in it (every shipped template code exists in both languages).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from safeguard.cases.models import ResponseTemplate

LIMIT = 3


def _document(template: ResponseTemplate) -> str:
    return "\n".join([template.title, template.subject, template.body])


def suggested_templates(
    text: str, *, text_language: str, reply_language: str, case_type: str, product_id: int | None, limit: int = LIMIT
) -> list[int]:
    """The ids of up to ``limit`` active templates that fit the case, most similar first."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = list(
        ResponseTemplate.objects.filter(is_active=True)
        .filter(Q(case_type="") | Q(case_type=case_type))
        .filter(Q(product__isnull=True) | Q(product_id=product_id))
        .order_by("code", "language")
    )
    if not rows or not text.strip():
        return []
    by_code: dict[str, dict[str, ResponseTemplate]] = defaultdict(dict)
    for row in rows:
        by_code[row.code][row.language] = row
    codes = sorted(by_code)
    # Compare in the customer's own words' language where the template has it.
    compared = [by_code[c].get(text_language) or next(iter(by_code[c].values())) for c in codes]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([*(_document(t) for t in compared), text])
    except ValueError:  # nothing but stop characters
        return []
    similarity = (matrix[:-1] @ matrix[-1].T).toarray().ravel()
    order = sorted(range(len(codes)), key=lambda i: (-similarity[i], codes[i]))
    chosen = []
    for i in order[:limit]:
        if similarity[i] <= 0:
            break
        variants = by_code[codes[i]]
        chosen.append((variants.get(reply_language) or compared[i]).pk)
    return chosen
