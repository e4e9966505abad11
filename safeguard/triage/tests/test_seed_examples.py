"""The shipped training examples: they parse, use only the shipped taxonomy's labels, and cover
every case type and product in both languages."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from safeguard.triage import taxonomy
from safeguard.triage.taxonomy import SeedExamplesError, seed_examples

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def examples() -> list[taxonomy.SeedExample]:
    return seed_examples()


def test_the_file_is_utf8_csv_with_the_contract_columns() -> None:
    with taxonomy.SEED_EXAMPLES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "language", "type", "product", "category"]
    assert all(len(row) == 5 for row in rows[1:])
    assert len(rows) - 1 == len(seed_examples())


def test_there_are_enough_examples_in_both_languages(examples: list[taxonomy.SeedExample]) -> None:
    assert len(examples) >= 400
    languages = Counter(e.language for e in examples)
    assert languages["en"] >= 0.4 * len(examples)
    assert languages["zh-hans"] >= 0.4 * len(examples)
    assert languages["mixed"] >= 5
    for example in examples:
        has_han = bool(HAN.search(example.text))
        has_latin_word = bool(re.search(r"[A-Za-z]{3,}", example.text))
        if example.language == "en":
            assert not has_han, example
        elif example.language == "zh-hans":
            assert has_han, example
        else:
            assert has_han and has_latin_word, example
    assert len({e.text for e in examples}) == len(examples), "duplicate texts"


def test_every_label_is_in_the_shipped_taxonomy(examples: list[taxonomy.SeedExample]) -> None:
    labels = taxonomy.shipped_labels()
    for example in examples:
        assert example.type in labels["type"], example
        assert example.product in labels["product"], example
        assert example.category in labels["category"], example
        # A category tied to one product is only used with that product.
        tied = taxonomy.default_taxonomy().category(example.category).product
        assert tied in (None, example.product), example


@pytest.mark.django_db
def test_every_label_is_in_the_installed_taxonomy(examples: list[taxonomy.SeedExample]) -> None:
    labels = taxonomy.labels()
    assert {e.type for e in examples} <= set(labels["type"])
    assert {e.product for e in examples} <= set(labels["product"])
    assert {e.category for e in examples} <= set(labels["category"])


def test_every_type_product_and_category_has_at_least_ten_examples(examples: list[taxonomy.SeedExample]) -> None:
    labels = taxonomy.shipped_labels()
    for target in ("type", "product", "category"):
        counts = Counter(getattr(e, target) for e in examples)
        short = {label: counts[label] for label in labels[target] if counts[label] < 10}
        assert not short, (target, short)


def test_every_type_and_product_is_covered_in_both_languages(examples: list[taxonomy.SeedExample]) -> None:
    labels = taxonomy.shipped_labels()
    for language in ("en", "zh-hans"):
        written = [e for e in examples if e.language == language]
        for target in ("type", "product"):
            counts = Counter(getattr(e, target) for e in written)
            assert all(counts[label] >= 5 for label in labels[target]), (language, target, counts)


def test_complaints_are_recognised_without_the_word(examples: list[taxonomy.SeedExample]) -> None:
    complaints = [e for e in examples if e.type == "complaint"]
    without = [e for e in complaints if "complain" not in e.text.lower() and "投诉" not in e.text]
    assert len(without) >= 0.8 * len(complaints)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,language,type,product\nHello,en,inquiry,other\n", "missing columns category"),
        ("text,language,type,product,category\nHello,en,,other,other\n", "line 2: empty type"),
        ("text,language,type,product,category\nHello,fr,inquiry,other,other\n", "unknown language 'fr'"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "examples.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SeedExamplesError, match=message):
        seed_examples(path)
