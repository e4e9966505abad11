from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.accounts.models import ApiToken
from safeguard.accounts.tokens import create_token, user_for_token
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_api_token_prints_only_the_secret(agent):
    out, err = _run("create_api_token", "agent", "--name", "ci")
    secret = out.strip()
    assert out.count("\n") == 1 and " " not in secret
    assert user_for_token(secret) == agent
    assert ApiToken.objects.get(user=agent).name == "ci"
    assert secret not in err
    assert AuditEntry.objects.get(action="api_token.create").actor_label == "command:create_api_token"


def test_create_api_token_refuses_an_unknown_or_disabled_user(agent):
    with pytest.raises(CommandError, match="No user"):
        _run("create_api_token", "ghost")
    agent.is_active = False
    agent.save()
    with pytest.raises(CommandError, match="disabled"):
        _run("create_api_token", "agent")
    assert not ApiToken.objects.exists()


def test_revoke_api_token_by_prefix(agent):
    token, secret = create_token(user=agent)
    out, _err = _run("revoke_api_token", token.prefix)
    assert "Revoked" in out
    assert user_for_token(secret) is None
    assert AuditEntry.objects.get(action="api_token.revoke").actor_label == "command:revoke_api_token"


def test_revoke_api_token_accepts_the_whole_secret(agent):
    _token, secret = create_token(user=agent)
    _run("revoke_api_token", secret)
    assert user_for_token(secret) is None


def test_revoke_api_token_refuses_unknown_and_ambiguous_prefixes(agent):
    first, secret_one = create_token(user=agent)
    second, secret_two = create_token(user=agent)
    ApiToken.objects.filter(pk=first.pk).update(prefix="sg_same123")
    ApiToken.objects.filter(pk=second.pk).update(prefix="sg_same456")
    with pytest.raises(CommandError, match="No token"):
        _run("revoke_api_token", "sg_nothing")
    with pytest.raises(CommandError, match="several"):
        _run("revoke_api_token", "sg_same")
    assert user_for_token(secret_one) == user_for_token(secret_two) == agent
