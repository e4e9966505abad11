import pytest
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.accounts.models import Department, User
from safeguard.accounts.tokens import create_token, user_for_token
from safeguard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_department_creation_is_audited(administrator, departments, signed_in):
    response = signed_in(administrator).post(
        "/admin/accounts/department/add/",
        {
            "code": "wealth",
            "name": "Wealth management",
            "name_zh": "财富管理部",
            "kind": "department",
            "parent": departments["head"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    department = Department.objects.get(code="wealth")
    entry = AuditEntry.objects.get(action="department.create")
    assert entry.actor == administrator and entry.object_id == str(department.pk)
    assert entry.changes["parent"] == "Head office"


def test_user_changes_are_audited_with_departments_and_without_passwords(administrator, agent, departments, signed_in):
    from django.contrib.auth.models import Group

    agent_group = Group.objects.get(name="agent")
    response = signed_in(administrator).post(
        f"/admin/accounts/user/{agent.pk}/change/",
        {
            "username": "agent",
            "first_name": "Li",
            "last_name": "Na",
            "email": "li.na@bank.example",
            "is_active": "on",
            "groups": [agent_group.pk],
            "departments": [departments["cards"].pk, departments["branch_sh"].pk],
            "preferred_language": "zh-hans",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    agent.refresh_from_db()
    assert set(agent.departments.values_list("code", flat=True)) == {"cards", "branch-sh"}
    entry = AuditEntry.objects.get(action="user.change")
    assert entry.changes["departments"] == ["Card services", "Shanghai branch"]
    assert entry.changes["first_name"] == "Li"
    assert entry.changes["email"] != "li.na@bank.example" and entry.changes["email"].endswith("@bank.example")
    assert not any("password" in key for key in entry.changes)


def test_an_administrator_cannot_make_a_superuser(administrator, agent, signed_in):
    response = signed_in(administrator).get(f"/admin/accounts/user/{agent.pk}/change/")
    form = response.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields


def test_users_and_departments_cannot_be_deleted_in_the_admin(administrator, agent, signed_in):
    client = signed_in(administrator)
    assert client.post(f"/admin/accounts/user/{agent.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=agent.pk).exists()


def test_the_token_admin_revokes_and_never_shows_a_secret(administrator, agent, signed_in):
    token, secret = create_token(user=agent)
    client = signed_in(administrator)
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in page and token.digest not in page and secret not in page
    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert user_for_token(secret) is None
    assert AuditEntry.objects.get(action="api_token.revoke").actor == administrator


def test_the_admin_resets_a_users_second_factor_with_an_audit_entry(administrator, enrolled, signed_in):
    user, _key, _codes = enrolled
    response = signed_in(administrator).post(
        "/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="mfa.reset")
    assert entry.actor == administrator and entry.object_id == str(user.pk)


def test_otp_device_admin_pages_that_show_keys_are_not_mounted():
    assert not admin.site.is_registered(TOTPDevice)


def test_user_creation_is_audited_with_role_and_department(administrator, departments, signed_in):
    from django.contrib.auth.models import Group

    response = signed_in(administrator).post(
        "/admin/accounts/user/add/",
        {
            "username": "new.agent",
            "usable_password": "true",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "email": "new.agent@bank.example",
            "groups": [Group.objects.get(name="agent").pk],
            "departments": [departments["branch_sh"].pk],
            "preferred_language": "zh-hans",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new.agent")
    assert list(user.departments.values_list("code", flat=True)) == ["branch-sh"]
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.object_id == str(user.pk)
    assert entry.changes["groups"] == ["agent"] and entry.changes["departments"] == ["Shanghai branch"]
    assert not any("password" in key for key in entry.changes)
    assert "a long enough passphrase 42" not in str(entry.changes)
