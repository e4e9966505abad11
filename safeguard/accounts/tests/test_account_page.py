from datetime import timedelta

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.accounts.models import ApiToken
from safeguard.accounts.tests.conftest import T0, code_for
from safeguard.accounts.tokens import create_token, user_for_token
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ACCOUNT = "/accounts/account/"


def test_the_account_page_lists_mfa_state_and_own_tokens_only(agent, other_agent, signed_in):
    mine, _ = create_token(user=agent, name="mine")
    theirs, _ = create_token(user=other_agent, name="theirs")
    response = signed_in(agent).get(ACCOUNT)
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.prefix in html and theirs.prefix not in html
    assert mine.digest not in html
    assert response.context["has_totp"] is False
    assert "/accounts/mfa/enrol/" in html


def test_the_account_page_shows_an_enrolled_user_their_backup_codes_left(enrolled, signed_in):
    user, _key, codes = enrolled
    response = signed_in(user).get(ACCOUNT)
    assert response.context["has_totp"] is True
    assert response.context["backup_codes_left"] == len(codes)


def test_a_user_creates_a_token_and_sees_the_secret_once(agent, signed_in):
    client = signed_in(agent)
    response = client.post("/accounts/tokens/", {"name": "mobile back end"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert user_for_token(secret) == agent
    assert ApiToken.objects.get(user=agent).name == "mobile back end"
    assert secret not in client.get(ACCOUNT).content.decode()


def test_a_too_long_token_name_creates_nothing(agent, signed_in):
    response = signed_in(agent).post("/accounts/tokens/", {"name": "x" * 101})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_own_token(agent, signed_in):
    token, secret = create_token(user=agent)
    response = signed_in(agent).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert user_for_token(secret) is None
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=agent).exists()


def test_a_user_cannot_revoke_someone_elses_token(agent, other_agent, signed_in):
    token, secret = create_token(user=other_agent)
    assert signed_in(agent).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert user_for_token(secret) == other_agent


def test_revoking_needs_post(agent, signed_in):
    token, _secret = create_token(user=agent)
    assert signed_in(agent).get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405


def test_new_backup_codes_replace_the_old_ones_and_are_audited(enrolled, signed_in):
    user, key, old_codes = enrolled
    client = signed_in(user)
    at = T0 + timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        client.post("/accounts/mfa/verify/", {"code": code_for(key, at)})
        response = client.post("/accounts/mfa/backup-codes/")
    new_codes = response.context["codes"]
    assert set(new_codes).isdisjoint(old_codes)
    assert AuditEntry.objects.filter(action="mfa.backup_codes_regenerate", actor=user).exists()


def test_new_backup_codes_need_a_verified_session(enrolled, signed_in):
    user, _key, _codes = enrolled
    response = signed_in(user).post("/accounts/mfa/backup-codes/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/verify/")
    assert not AuditEntry.objects.filter(action="mfa.backup_codes_regenerate").exists()


def test_removing_the_authenticator_needs_a_current_code(enrolled, signed_in):
    user, key, _codes = enrolled
    client = signed_in(user)
    at = T0 + timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        client.post("/accounts/mfa/reset/", {"code": "000000" if code_for(key, at) != "000000" else "111111"})
        assert TOTPDevice.objects.filter(user=user).exists()
    later = at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        client.post("/accounts/mfa/reset/", {"code": code_for(key, later)})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="mfa.reset", actor=user).exists()
