"""The default taxonomy: bilingual, mapped to the CFPB list and to JR/T 0169-2018, shipped by the
migrations as the reference file says, and the labels triage learns come from the database."""

from __future__ import annotations

import pytest
from django.apps import apps

from safeguard.cases.models import CaseType, Category, Product
from safeguard.triage import taxonomy

pytestmark = pytest.mark.django_db


def _jrt(dimension: str, **target: object) -> list[str]:
    # quality sits above triage (DESIGN.md): read its rows by name, as data, without importing it.
    mapping = apps.get_model("quality", "RegulatoryMapping")
    return list(
        mapping.objects.filter(code__scheme="jrt0169", code__dimension=dimension, **target).values_list(
            "code__code", flat=True
        )
    )


def test_every_default_product_and_category_is_shipped_with_both_names() -> None:
    shipped = taxonomy.default_taxonomy()
    assert len(shipped.products) == 10 and len(shipped.categories) == 17
    names = [(p.name, p.name_zh) for p in shipped.products] + [(c.name, c.name_zh) for c in shipped.categories]
    for name, name_zh in names:
        assert name.isascii() and name, name
        assert not name_zh.isascii(), name_zh
    for default in shipped.products:
        product = Product.objects.get(code=default.code)
        assert (product.name, product.name_zh, product.is_active) == (default.name, default.name_zh, True)
    for cat in shipped.categories:
        category = Category.objects.select_related("product").get(code=cat.code)
        assert (category.name, category.name_zh, category.is_active) == (cat.name, cat.name_zh, True)
        assert (category.product.code if category.product else None) == cat.product


def test_every_default_product_and_category_has_its_jrt0169_mapping() -> None:
    shipped = taxonomy.default_taxonomy()
    for product in shipped.products:
        assert _jrt("category", product__code=product.code) == [product.jrt0169_category], product.code
    for category in shipped.categories:
        assert _jrt("cause", category__code=category.code) == [category.jrt0169_cause], category.code
        expected = [category.jrt0169_category] if category.jrt0169_category else []
        assert _jrt("category", category__code=category.code) == expected, category.code


def test_every_default_product_and_category_has_a_cfpb_correspondence_or_says_why_not() -> None:
    shipped = taxonomy.default_taxonomy()
    no_product = {p.code for p in shipped.products if not p.cfpb_products}
    no_issue = {c.code for c in shipped.categories if not c.cfpb_issues}
    # The CFPB takes no complaints about investments or insurance.
    assert no_product == {"wealth", "insurance"}
    assert no_issue == {"insurance-claims"}
    notes = [p.cfpb_note for p in shipped.products if p.code in no_product]
    notes += [c.cfpb_note for c in shipped.categories if c.code in no_issue]
    assert len(notes) == 3 and all(notes)
    assert taxonomy.cfpb_products("credit-card")[0] == "Credit card"
    assert "Checking or savings account" in taxonomy.cfpb_products("deposit")
    assert "International money transfer" in shipped.product("fx").cfpb_sub_products
    assert taxonomy.cfpb_issues("unauthorised-transaction")[:2] == (
        "Unauthorized transactions or other transaction problem",
        "Fraud or scam",
    )
    assert taxonomy.cfpb_products("no-such-product") == ()
    assert taxonomy.cfpb_issues("no-such-category") == ()


def test_labels_are_the_case_types_and_the_active_taxonomy_in_the_database() -> None:
    labels = taxonomy.labels()
    assert set(labels) == {"type", "product", "category"}
    assert labels["type"] == sorted(CaseType.values) == ["complaint", "compliment", "feedback", "inquiry"]
    assert labels == taxonomy.shipped_labels()  # a fresh install: the database is the shipped taxonomy
    assert "credit-card" in labels["product"] and "unauthorised-transaction" in labels["category"]


def test_an_administrators_edits_change_the_labels_but_not_the_shipped_ones() -> None:
    Product.objects.filter(code="fx").update(is_active=False)
    Category.objects.create(code="green-finance", name="Green finance", name_zh="绿色金融")
    labels = taxonomy.labels()
    assert "fx" not in labels["product"]
    assert "green-finance" in labels["category"]
    shipped = taxonomy.shipped_labels()
    assert "fx" in shipped["product"] and "green-finance" not in shipped["category"]
