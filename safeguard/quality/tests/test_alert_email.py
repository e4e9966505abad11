"""New alerts are mailed to the compliance officers, each in their language."""

# The fixtures come from warning_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

import pytest
from django.test import override_settings

from safeguard.accounts.roles import Role
from safeguard.quality.services import alerts as services
from safeguard.quality.tests.warning_support import (  # noqa: F401
    NOW,
    TODAY,
    YESTERDAY,
    frozen,
    history,
    make_alert,
    product,
    write_cases,
)
from safeguard.quality.warnings.scan import ScanConfig, scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(make_user):
    return {
        "en": make_user(Role.COMPLIANCE, username="officer_en", email="en@example.com", preferred_language="en"),
        "zh": make_user(Role.COMPLIANCE, username="officer_zh", email="zh@example.com", preferred_language="zh-hans"),
        "no_mail": make_user(Role.COMPLIANCE, username="officer_nomail", email=""),
        "inactive": make_user(Role.COMPLIANCE, username="officer_gone", email="gone@example.com", is_active=False),
        "supervisor": make_user(Role.SUPERVISOR, username="boss", email="boss@example.com"),
    }


def test_each_active_compliance_officer_with_an_address_gets_one_mail(officers, mailoutbox):
    first = make_alert()
    second = make_alert(series_key="deposit", series_label="Deposits and accounts", detail={"label_zh": "存款与账户"})

    sent = services.notify([first, second])

    assert sent == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["en@example.com", "zh@example.com"]
    english = next(m for m in mailoutbox if m.to == ["en@example.com"])
    assert "2 new alerts" in english.subject
    assert "Credit cards" in english.body and "Deposits and accounts" in english.body
    assert f"/quality/alerts/{first.pk}/" in english.body


def test_the_series_is_named_in_the_officers_language(officers, mailoutbox):
    services.notify([make_alert()])

    chinese = next(m for m in mailoutbox if m.to == ["zh@example.com"])
    english = next(m for m in mailoutbox if m.to == ["en@example.com"])
    assert "信用卡" in chinese.body and "Credit cards" not in chinese.body
    assert "Credit cards" in english.body and "信用卡" not in english.body


def test_no_alert_no_mail(officers, mailoutbox):
    assert services.notify([]) == 0
    assert mailoutbox == []


def test_a_mail_failure_does_not_fail_the_caller(officers, mailoutbox):
    with override_settings(MAILERS={"default": {"BACKEND": "safeguard.quality.tests.test_alert_email.BrokenBackend"}}):
        assert services.notify([make_alert()]) == 0


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("smtp down")


def test_the_scan_mails_its_new_alerts_once(officers, customer, frozen, mailoutbox):
    write_cases(customer, history(70), product=product("credit-card"))
    write_cases(customer, {YESTERDAY: 25}, product=product("credit-card"))

    scan(TODAY, now=NOW, config=ScanConfig(new_themes=False))
    scan(TODAY, now=NOW, config=ScanConfig(new_themes=False))

    assert len(mailoutbox) == 2
    assert all("Credit cards" in m.body or "信用卡" in m.body for m in mailoutbox)
