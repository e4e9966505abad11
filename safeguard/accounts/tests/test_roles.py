"""``ensure_roles`` gives each role's group exactly its permissions, and does nothing (one query)
when the groups already have them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.accounts.roles import ROLE_PERMISSIONS, Role, ensure_roles, roles_up_to_date

pytestmark = pytest.mark.django_db


def _held(role: Role) -> set[str]:
    group = Group.objects.get(name=str(role))
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_migrated_groups_are_up_to_date_and_checking_costs_one_query():
    assert roles_up_to_date()
    with CaptureQueriesContext(connection) as queries:
        ensure_roles()
    assert len(queries) == 1


def test_a_permission_taken_from_a_role_is_given_back():
    group = Group.objects.get(name=str(Role.AGENT))
    removed = group.permissions.first()
    assert removed is not None
    group.permissions.remove(removed)
    assert not roles_up_to_date()
    ensure_roles()
    assert _held(Role.AGENT) == set(ROLE_PERMISSIONS[Role.AGENT])
    assert roles_up_to_date()


def test_a_permission_added_to_a_role_is_taken_away():
    extra = Permission.objects.get(content_type__app_label="auth", codename="delete_group")
    Group.objects.get(name=str(Role.AUDITOR)).permissions.add(extra)
    assert not roles_up_to_date()
    ensure_roles()
    assert "auth.delete_group" not in _held(Role.AUDITOR)


def test_a_deleted_group_is_made_again():
    Group.objects.filter(name=str(Role.SUPERVISOR)).delete()
    assert not roles_up_to_date()
    ensure_roles()
    assert _held(Role.SUPERVISOR) == set(ROLE_PERMISSIONS[Role.SUPERVISOR])
