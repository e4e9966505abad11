import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.accounts.models import User
from safeguard.accounts.roles import Role
from safeguard.audit.selectors import verify_chain
from safeguard.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_data_covers_every_role_and_many_states(var_dir):
    out = StringIO()
    call_command("load_demo", "--cases", "60", stdout=out, stderr=StringIO())

    accounts = json.loads((var_dir / "demo-accounts.json").read_text())
    assert len(accounts) == 8
    assert len(set(accounts.values())) == 8 and all(len(p) >= 16 for p in accounts.values())
    for role in Role:
        assert User.objects.filter(groups__name=role, username__in=accounts).exists(), role
    user = User.objects.get(username="demo-agent")
    assert user.check_password(accounts["demo-agent"])
    assert accounts["demo-agent"] in out.getvalue()  # printed for the person who ran it

    assert Case.objects.count() >= 55
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"investigating", "resolved", "closed"} <= statuses
    assert Case.objects.filter(is_breached=True).exists()
    assert set(Case.objects.values_list("type", flat=True)) >= {"complaint", "feedback", "inquiry"}
    assert Case.objects.exclude(policy__code="cn-nfra").exists()  # the London or New York branch
    assert verify_chain()[1] is None


def test_once_leaves_loaded_data_alone_and_a_second_plain_load_is_refused(var_dir):
    call_command("load_demo", "--cases", "5", stdout=StringIO(), stderr=StringIO())
    before = Case.objects.count()
    out = StringIO()
    call_command("load_demo", "--once", stdout=out)
    assert "already loaded" in out.getvalue()
    with pytest.raises(CommandError, match="already loaded"):
        call_command("load_demo", "--cases", "5", stdout=StringIO())
    assert Case.objects.count() == before


def test_refused_in_production(var_dir, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(username="demo-admin").exists()
