"""A Chinese-speaking customer, start to end, through the Django test client: the portal form, the
confirmation, tracking with the code from the e-mail, a handler's reply, the customer's answer and
the withdrawal."""

from __future__ import annotations

import pytest
from django.core import mail

from safeguard.cases import services as cases
from safeguard.cases.models import Case, Message, Product, Status
from safeguard.cases.selectors import case_for
from safeguard.intake.tests.portal_support import clean_slate_fixture, frozen_time_fixture, last_code, without_csrf  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_chinese_complaint_from_the_portal_to_withdrawal(client, supervisor):
    client.cookies["django_language"] = "zh-hans"
    product = Product.objects.get(code="credit-card")

    form = client.get("/portal/").content.decode()
    assert '<html lang="zh-hans">' in form and "信用卡" in form

    response = client.post(
        "/portal/",
        {
            "type": "complaint",
            "name": "李娜",
            "email": "li.na@example.com",
            "phone": "13912345678",
            "product": str(product.pk),
            "description": "2026年2月信用卡年费被重复扣收 300 元。",
            "desired_outcome": "请退还重复扣收的年费。",
            "website": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/portal/submitted/"

    confirmation = client.get("/portal/submitted/").content.decode()
    case = Case.objects.get()
    assert f'data-reference="{case.reference}"' in confirmation
    # Received Monday 2 March 2026; the final reply is due Tuesday 17 March, written in Chinese words.
    assert "2026年3月17日 星期二" in confirmation
    assert case.customer.preferred_language == "zh-hans"

    # Tracking: the code arrives by e-mail.
    assert client.post("/portal/track/", {"reference": case.reference.lower()})["Location"] == "/portal/track/verify/"
    (email,) = mail.outbox
    assert email.to == ["li.na@example.com"]
    code = last_code()
    assert client.post("/portal/track/verify/", {"code": code})["Location"] == "/portal/track/case/"

    # A handler replies from the workspace (through the service, as the case page does).
    staff_case = case_for(supervisor, case.reference)
    cases.add_message(case=staff_case, by=supervisor, direction="out", body="李女士您好，我们已核实并将退还年费。")

    page = client.get("/portal/track/case/").content.decode()
    assert "李女士您好，我们已核实并将退还年费。" in page
    assert supervisor.get_username() not in page
    assert "星期" in page  # dates in words, in Chinese

    # The customer answers and then withdraws.
    assert client.post("/portal/track/case/reply/", {"body": "谢谢，已收到。"}).status_code == 302
    assert Message.objects.filter(case=case, direction="in", channel="portal").count() == 1
    fresh = Case.objects.get(pk=case.pk)
    response = client.post(
        "/portal/track/case/withdraw/", {"reason": "问题已解决。", "confirm": "on", "version": fresh.version}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.WITHDRAWN
    final = without_csrf(client.get("/portal/track/case/").content.decode())
    assert "谢谢，已收到。" in final and "/portal/track/case/withdraw/" not in final
