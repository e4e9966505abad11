"""The response templates Safeguard ships: seeded by migration 0004 in both languages."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from safeguard.cases.models import CaseType, ResponseTemplate
from safeguard.cases.seeds import RESPONSE_TEMPLATES, seed_response_templates

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_migration_seeded_every_template_in_english_and_chinese():
    seeded = {(t.code, t.language) for t in ResponseTemplate.objects.filter(is_active=True)}
    assert seeded == {(code, language) for code, language, *_rest in RESPONSE_TEMPLATES}
    english = {code for code, language in seeded if language == "en"}
    chinese = {code for code, language in seeded if language == "zh-hans"}
    assert english == chinese
    assert {"acknowledgement", "request-information", "holding-reply", "apology"} <= english
    assert {"decision-upheld", "decision-not-upheld"} <= english


def test_templates_are_plain_text_without_placeholders_or_customer_data():
    for template in ResponseTemplate.objects.all():
        assert template.title and template.subject and template.body.strip()
        assert not re.search(r"[{}<>]|%\(", template.body), template.code
        assert template.case_type in {"", *CaseType.values}


def test_chinese_templates_are_written_in_chinese_and_address_the_customer_politely():
    for template in ResponseTemplate.objects.filter(language="zh-hans"):
        assert CJK.search(template.title) and CJK.search(template.body)
        assert "您" in template.body and "你" not in template.body.replace("您", "")
    for template in ResponseTemplate.objects.filter(language="en"):
        assert not CJK.search(template.body)


def test_decisions_name_the_remedies_open_to_the_customer():
    for code in ("decision-upheld", "decision-not-upheld"):
        english = ResponseTemplate.objects.get(code=code, language="en").body
        chinese = ResponseTemplate.objects.get(code=code, language="zh-hans").body
        assert all(word in english for word in ("review", "mediation", "regulator", "arbitration", "courts"))
        assert all(word in chinese for word in ("核查", "调解", "仲裁", "诉讼"))


def test_seeding_again_keeps_the_administrators_edits():
    ResponseTemplate.objects.filter(code="apology", language="en").update(body="Our own apology text.")
    seed_response_templates(apps, None)
    assert ResponseTemplate.objects.get(code="apology", language="en").body == "Our own apology text."
    assert ResponseTemplate.objects.count() == len(RESPONSE_TEMPLATES)


def test_administrators_edit_templates_in_the_admin_with_an_audit_entry(client, django_user_model):
    from safeguard.audit.models import AuditEntry

    admin = django_user_model.objects.create_superuser(username="root", password="x", email="root@example.com")
    client.force_login(admin)
    template = ResponseTemplate.objects.get(code="apology", language="zh-hans")
    url = f"/admin/cases/responsetemplate/{template.pk}/change/"
    assert client.get("/admin/cases/responsetemplate/").status_code == 200
    response = client.post(
        url,
        {
            "code": template.code,
            "language": template.language,
            "title": template.title,
            "subject": template.subject,
            "body": "对于给您带来的不便，我们深表歉意。",
            "case_type": "",
            "product": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "对于给您带来的不便，我们深表歉意。"
    assert AuditEntry.objects.filter(action="responsetemplate.change", object_id=str(template.pk)).exists()
