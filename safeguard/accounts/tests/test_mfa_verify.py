from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from safeguard.accounts.middleware import RequireMFAMiddleware
from safeguard.accounts.tests.conftest import T0, code_for, login
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/mfa/verify/"
LATER = T0 + timedelta(minutes=10)


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
@pytest.mark.parametrize("path", ["/", "/accounts/account/", "/admin/"])
def test_every_staff_page_is_blocked_until_verified(agent, signed_in, path):
    response = signed_in(agent).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY + "?next=")


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
def test_a_user_without_a_device_is_sent_on_to_enrolment(agent, signed_in):
    response = signed_in(agent).get(VERIFY + "?next=/accounts/account/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa/enrol/?next=%2Faccounts%2Faccount%2F"


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
def test_login_with_mfa_required_goes_to_verification_then_to_the_page(enrolled, client):
    user, key, _codes = enrolled
    with time_machine.travel(LATER, tick=False):
        response = login(client, user.username)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert client.get("/").status_code == 302
        verified = client.post(VERIFY, {"code": code_for(key, LATER), "next": "/accounts/account/"})
        assert verified.status_code == 302 and verified["Location"] == "/accounts/account/"
        assert client.get("/").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
def test_a_wrong_code_is_refused_and_the_page_stays_blocked(enrolled, signed_in):
    user, key, _codes = enrolled
    client = signed_in(user)
    with time_machine.travel(LATER, tick=False):
        right = code_for(key, LATER)
        response = client.post(VERIFY, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
        assert response.status_code == 200 and response.context["form"].errors["code"]
        assert client.get("/").status_code == 302
    # django-otp throttles after a failure; a minute later the right code works.
    later = LATER + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.post(VERIFY, {"code": code_for(key, later)}).status_code == 302
        assert client.get("/").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
def test_the_enrolment_code_cannot_be_replayed_to_sign_in(enrolled, signed_in):
    user, key, _codes = enrolled
    with time_machine.travel(T0, tick=False):
        response = signed_in(user).post(VERIFY, {"code": code_for(key, T0)})
    assert response.status_code == 200


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
def test_a_backup_code_works_once_and_is_audited(enrolled, signed_in):
    user, _key, codes = enrolled
    with time_machine.travel(LATER, tick=False):
        first = signed_in(user)
        assert first.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    entry = AuditEntry.objects.get(action="mfa.backup_code_use")
    assert entry.changes == {"backup_codes_left": len(codes) - 1}
    with time_machine.travel(LATER + timedelta(minutes=1), tick=False):
        second = signed_in(user)
        assert second.post(VERIFY, {"code": codes[0]}).status_code == 200


def test_demo_mode_lets_a_user_without_a_device_in_with_a_password(agent, client):
    assert login(client, agent.username)["Location"] == "/"
    assert client.get("/").status_code == 200


def test_demo_mode_still_asks_an_enrolled_user_for_a_code(enrolled, client):
    user, key, _codes = enrolled
    with time_machine.travel(LATER, tick=False):
        assert login(client, user.username)["Location"].startswith(VERIFY)
        assert client.get("/").status_code == 302
        client.post(VERIFY, {"code": code_for(key, LATER)})
        assert client.get("/").status_code == 200


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
@pytest.mark.parametrize("path", ["/api/v1/cases", "/portal/", "/portal/track/CMP-2026-000001", "/static/css/x.css"])
def test_api_portal_and_static_files_are_not_affected(agent, path):
    request = RequestFactory().get(path)
    request.user = agent
    request.session = SessionStore()
    agent.is_verified = lambda: False
    response = RequireMFAMiddleware(lambda r: HttpResponse("through"))(request)
    assert response.content == b"through"


@override_settings(SAFEGUARD_REQUIRE_MFA=True)
def test_api_token_requests_pass_beside_an_unverified_session(agent, signed_in):
    from safeguard.accounts.tokens import create_token

    _token, secret = create_token(user=agent)
    response = signed_in(agent).get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
