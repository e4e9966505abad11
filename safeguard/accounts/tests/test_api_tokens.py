import hashlib

import pytest

from safeguard.accounts.models import ApiToken
from safeguard.accounts.tokens import create_token, revoke_token, user_for_token
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_digest_not_the_secret_is_stored(agent):
    token, secret = create_token(user=agent, name="app")
    token.refresh_from_db()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in {str(v) for v in stored.values()}
    assert secret.startswith(token.prefix)


def test_a_new_token_identifies_its_user(agent):
    _token, secret = create_token(user=agent)
    assert user_for_token(secret) == agent
    assert user_for_token(secret + "x") is None
    assert user_for_token("") is None


def test_a_user_may_hold_several_tokens(agent):
    _a, first = create_token(user=agent, name="one")
    _b, second = create_token(user=agent, name="two")
    assert first != second
    assert user_for_token(first) == user_for_token(second) == agent


def test_a_revoked_token_identifies_no_one_and_revoking_is_audited_once(agent):
    token, secret = create_token(user=agent)
    revoke_token(token=token, by=agent)
    revoke_token(token=token, by=agent)
    assert user_for_token(secret) is None
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_a_disabled_users_token_identifies_no_one(agent):
    _token, secret = create_token(user=agent)
    agent.is_active = False
    agent.save()
    assert user_for_token(secret) is None


def test_creation_is_audited_without_the_secret(agent):
    token, secret = create_token(user=agent, name="app")
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.object_id == str(token.pk)
    assert secret not in str(entry.changes) and token.digest not in str(entry.changes)
