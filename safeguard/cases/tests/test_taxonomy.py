"""The shipped taxonomy (bilingual) and its admin, whose edits are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Category, Product, RootCause

pytestmark = pytest.mark.django_db


def test_the_default_taxonomy_is_shipped_in_both_languages():
    assert Product.objects.count() == 10
    assert Category.objects.count() >= 15
    assert RootCause.objects.count() == 12
    for model in (Product, Category, RootCause):
        assert not model.objects.filter(name_zh="").exists()
        assert not model.objects.filter(name="").exists()
    assert Product.objects.get(code="credit-card").name_zh == "信用卡"
    claims = Category.objects.select_related("product").get(code="insurance-claims")
    assert claims.product is not None and claims.product.code == "insurance"
    expected = {"staff-conduct", "system-failure", "product-design", "pricing-fees", "disclosure", "process-delay"}
    assert expected <= set(RootCause.objects.values_list("code", flat=True))


@pytest.fixture
def admin_client_for(administrator):
    client = Client()
    client.force_login(administrator)
    return client


def test_an_administrator_edit_of_a_root_cause_is_audited(admin_client_for, administrator):
    cause = RootCause.objects.get(code="fraud")
    response = admin_client_for.post(
        f"/admin/cases/rootcause/{cause.pk}/change/",
        {"code": "fraud", "name": "Fraud by a third party", "name_zh": "第三方欺诈", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    entry = AuditEntry.objects.get(action="rootcause.change")
    assert entry.actor == administrator
    assert entry.changes["name"] == {"from": "Fraud", "to": "Fraud by a third party"}


def test_cases_are_read_only_in_the_admin(admin_client_for, case):
    assert admin_client_for.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    response = admin_client_for.post(f"/admin/cases/case/{case.pk}/change/", {"status": "closed"})
    assert response.status_code == 403
    assert admin_client_for.get("/admin/cases/case/add/").status_code == 403
