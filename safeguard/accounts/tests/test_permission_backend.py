"""The permission backend reads a user's own and role permissions in one query, with Django's answers."""

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import Permission

from safeguard.accounts.backends import ModelBackend
from safeguard.accounts.models import User

pytestmark = pytest.mark.django_db


def _fresh(user):
    # A new instance, so no permission cache from earlier checks.
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("persona", ["agent", "supervisor", "auditor", "administrator", "nobody"])
def test_the_permissions_are_djangos_own(request, persona):
    user = request.getfixturevalue(persona)
    assert ModelBackend().get_all_permissions(_fresh(user)) == backends.ModelBackend().get_all_permissions(_fresh(user))


def test_a_permission_granted_to_the_user_directly_counts_with_those_of_their_roles(agent):
    agent.user_permissions.add(Permission.objects.get(codename="approve_redress"))
    user = _fresh(agent)
    assert user.has_perm("cases.approve_redress") and user.has_perm("cases.work_case")


def test_the_permissions_take_one_query_and_are_cached_on_the_user(agent, django_assert_num_queries):
    user = _fresh(agent)
    with django_assert_num_queries(1):
        assert user.has_perm("cases.work_case")
        assert not user.has_perm("cases.approve_redress")


def test_an_inactive_user_has_no_permission(agent):
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert ModelBackend().get_all_permissions(_fresh(agent)) == set()
    assert not _fresh(agent).has_perm("cases.work_case")


def test_a_superuser_has_every_permission(make_user):
    root = make_user(None, username="root", is_superuser=True)
    assert len(ModelBackend().get_all_permissions(_fresh(root))) == Permission.objects.count()
