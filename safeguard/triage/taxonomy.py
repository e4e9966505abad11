"""The taxonomy triage learns and predicts: case types, products and categories.

CONTRACT (training, the shipped model and the pages are written against it):

* ``labels() -> dict[str, list[str]]``: ``{"type": [...], "product": [...], "category": [...]}``
  (keys are ``models.Target`` values), the labels a model may predict *now*: the ``CaseType``
  values and the codes of the active ``cases.Product`` and ``cases.Category`` rows, sorted. The
  database is the taxonomy: administrators edit it in the admin (Cases > Products, Cases >
  Categories: names in both languages, active or not, a category's product).
* ``shipped_labels()``: the same shape, from the shipped reference ``data/taxonomy.json``, with no
  database: the labels of the shipped examples.
* ``default_taxonomy() -> DefaultTaxonomy``: the shipped reference, each entry with its English
  and Chinese names, its CFPB products (sub-products) or issues and its JR/T 0169-2018 codes.
* ``cfpb_products(product_code)``, ``cfpb_issues(category_code)``: the CFPB names, nearest first.
* ``seed_examples() -> list[SeedExample]``: the shipped training examples
  (``data/seed_examples.csv``: ``text,language,type,product,category``), written for Safeguard;
  see ``data/README.md``. A malformed file raises ``SeedExamplesError``.

Where each mapping lives, and why:

* Products and categories with their names: ``cases`` (migration 0002), edited in the admin.
* JR/T 0169-2018 (business category, complaint cause) and FCA DISP: ``quality.RegulatoryMapping``
  (migration 0003), edited under Quality > Regulatory mappings; the regulatory reports read them.
  ``data/taxonomy.json`` repeats the shipped codes so that a test holds the two to each other
  (triage may not import ``quality``, which sits above it).
* CFPB: here, in ``data/taxonomy.json``, as reference only. No report goes to the CFPB and no
  Safeguard behaviour depends on it; importing CFPB data maps the other way, by
  ``intake.importer``'s own tables (CFPB product and issue wording to our codes).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from safeguard.cases.models import CaseType, Category, Product

DATA_DIR = Path(__file__).resolve().parent / "data"
TAXONOMY_FILE = DATA_DIR / "taxonomy.json"
SEED_EXAMPLES = DATA_DIR / "seed_examples.csv"
SEED_COLUMNS = ("text", "language", "type", "product", "category")
# "mixed": English and Chinese in one message.
SEED_LANGUAGES = ("en", "zh-hans", "mixed")


@dataclass(frozen=True)
class DefaultProduct:
    code: str
    name: str
    name_zh: str
    cfpb_products: tuple[str, ...]
    cfpb_sub_products: tuple[str, ...]
    cfpb_note: str
    jrt0169_category: str


@dataclass(frozen=True)
class DefaultCategory:
    code: str
    name: str
    name_zh: str
    product: str | None
    cfpb_issues: tuple[str, ...]
    cfpb_note: str
    jrt0169_cause: str
    # Only for the categories that also say the business category (used for cases without a product).
    jrt0169_category: str | None


@dataclass(frozen=True)
class DefaultTaxonomy:
    products: tuple[DefaultProduct, ...]
    categories: tuple[DefaultCategory, ...]

    def product(self, code: str) -> DefaultProduct:
        return next(p for p in self.products if p.code == code)

    def category(self, code: str) -> DefaultCategory:
        return next(c for c in self.categories if c.code == code)


class SeedExample(NamedTuple):
    text: str
    language: str
    type: str
    product: str
    category: str


class SeedExamplesError(ValueError):
    """The shipped examples file is malformed (a broken install or a bad edit)."""


@cache
def default_taxonomy() -> DefaultTaxonomy:
    raw: dict[str, Any] = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    products = tuple(
        DefaultProduct(
            code=p["code"],
            name=p["name"],
            name_zh=p["name_zh"],
            cfpb_products=tuple(p["cfpb_products"]),
            cfpb_sub_products=tuple(p["cfpb_sub_products"]),
            cfpb_note=p.get("cfpb_note", ""),
            jrt0169_category=p["jrt0169_category"],
        )
        for p in raw["products"]
    )
    categories = tuple(
        DefaultCategory(
            code=c["code"],
            name=c["name"],
            name_zh=c["name_zh"],
            product=c["product"],
            cfpb_issues=tuple(c["cfpb_issues"]),
            cfpb_note=c.get("cfpb_note", ""),
            jrt0169_cause=c["jrt0169_cause"],
            jrt0169_category=c.get("jrt0169_category"),
        )
        for c in raw["categories"]
    )
    return DefaultTaxonomy(products=products, categories=categories)


def labels() -> dict[str, list[str]]:
    """What a model may predict now: the case types and the active products and categories."""
    return {
        "type": sorted(CaseType.values),
        "product": sorted(Product.objects.filter(is_active=True).values_list("code", flat=True)),
        "category": sorted(Category.objects.filter(is_active=True).values_list("code", flat=True)),
    }


def shipped_labels() -> dict[str, list[str]]:
    """The labels of the shipped taxonomy (and so of the shipped examples), without a database."""
    taxonomy = default_taxonomy()
    return {
        "type": sorted(CaseType.values),
        "product": sorted(p.code for p in taxonomy.products),
        "category": sorted(c.code for c in taxonomy.categories),
    }


def cfpb_products(product_code: str) -> tuple[str, ...]:
    """The CFPB products a shipped product corresponds to, nearest first (empty: none, or unknown)."""
    found = next((p for p in default_taxonomy().products if p.code == product_code), None)
    return found.cfpb_products if found else ()


def cfpb_issues(category_code: str) -> tuple[str, ...]:
    """The CFPB issues a shipped category corresponds to, nearest first (empty: none, or unknown)."""
    found = next((c for c in default_taxonomy().categories if c.code == category_code), None)
    return found.cfpb_issues if found else ()


def seed_examples(path: Path | None = None) -> list[SeedExample]:
    """The shipped training examples, checked: every column present, every field filled, a known
    language. The labels are checked against the taxonomy by the tests, not here, so that an
    institution that renamed a code can still read the file and map it."""
    source = path or SEED_EXAMPLES
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SEED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SeedExamplesError(f"{source.name}: missing columns {', '.join(missing)}")
        examples = []
        for row in reader:
            line = reader.line_num
            values = {c: (row.get(c) or "").strip() for c in SEED_COLUMNS}
            empty = [c for c in SEED_COLUMNS if not values[c]]
            if empty:
                raise SeedExamplesError(f"{source.name} line {line}: empty {', '.join(empty)}")
            if values["language"] not in SEED_LANGUAGES:
                raise SeedExamplesError(f"{source.name} line {line}: unknown language {values['language']!r}")
            examples.append(SeedExample(**values))
    return examples
