from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.accounts import services
from safeguard.accounts.errors import MfaAlreadyEnrolled, MfaCodeInvalid
from safeguard.accounts.tests.conftest import T0, code_for
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ENROL = "/accounts/mfa/enrol/"


def _session_key(client):
    return client.session["safeguard_mfa_enrol_key"]


def test_enrol_page_renders_the_qr_code_inline_and_the_secret_for_manual_entry(agent, signed_in):
    client = signed_in(agent)
    response = client.get(ENROL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert response.context["secret"].replace(" ", "") in html.replace(" ", "")
    assert not TOTPDevice.objects.filter(user=agent).exists()  # nothing stored before confirmation


def test_enrolment_is_confirmed_only_by_a_right_code(agent, signed_in):
    client = signed_in(agent)
    with time_machine.travel(T0, tick=False):
        client.get(ENROL)
        key = _session_key(client)
        right = code_for(key, T0)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        refused = client.post(ENROL, {"code": wrong})
        assert refused.status_code == 200
        assert refused.context["form"].errors["code"]
        assert not TOTPDevice.objects.filter(user=agent).exists()
        assert not AuditEntry.objects.filter(action="mfa.enrol").exists()

        accepted = client.post(ENROL, {"code": right})
    assert accepted.status_code == 200
    device = TOTPDevice.objects.get(user=agent)
    assert device.confirmed and device.key == key
    codes = accepted.context["codes"]
    assert len(codes) == services.BACKUP_CODE_COUNT
    assert set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True)) == set(codes)
    entry = AuditEntry.objects.get(action="mfa.enrol")
    assert entry.actor == agent
    assert key not in str(entry.changes) and not any(c in str(entry.changes) for c in codes)
    assert "safeguard_mfa_enrol_key" not in client.session


def test_enrolment_verifies_the_session_at_once(agent, signed_in):
    client = signed_in(agent)
    with override_settings(SAFEGUARD_REQUIRE_MFA=True), time_machine.travel(T0, tick=False):
        assert client.get("/").status_code == 302
        client.get(ENROL)
        client.post(ENROL, {"code": code_for(_session_key(client), T0)})
        assert client.get("/").status_code == 200


def test_the_same_secret_is_offered_until_confirmed(agent, signed_in):
    client = signed_in(agent)
    client.get(ENROL)
    first = _session_key(client)
    client.get(ENROL)
    assert _session_key(client) == first


def test_a_code_from_the_device_key_confirms_within_the_tolerance_window(agent):
    key = services.new_totp_key()
    with time_machine.travel(T0, tick=False):
        earlier = f"{totp(bytes.fromhex(key)):06d}"
    # 30 seconds later the previous step's code is still accepted (clock drift on phones) ...
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        device, _codes = services.enrol_totp(user=agent, key=key, token=earlier)
    assert device.bin_key == bytes.fromhex(key)


def test_a_stale_code_is_refused(agent):
    key = services.new_totp_key()
    old = code_for(key, T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False), pytest.raises(MfaCodeInvalid):
        services.enrol_totp(user=agent, key=key, token=old)
    assert not TOTPDevice.objects.filter(user=agent).exists()


@pytest.mark.parametrize("token", ["", "12345", "1234567", "abcdef", "１２３４５６", " "])
def test_malformed_codes_are_refused(agent, token):
    with pytest.raises(MfaCodeInvalid):
        services.enrol_totp(user=agent, key=services.new_totp_key(), token=token)


def test_a_second_enrolment_is_refused(enrolled):
    user, _key, _codes = enrolled
    key = services.new_totp_key()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False), pytest.raises(MfaAlreadyEnrolled):
        services.enrol_totp(user=user, key=key, token=code_for(key, T0 + timedelta(minutes=1)))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_an_enrolled_user_is_sent_from_the_enrol_page_to_the_account_page(enrolled, signed_in):
    user, _key, _codes = enrolled
    response = signed_in(user).get(ENROL)
    assert response.status_code == 302 and response["Location"] == "/accounts/account/"
