"""Persona fixtures shared by every app's tests.

Departments: ``cards`` (head office > cards) and ``branch_sh`` (a branch). The
``agent`` works in cards; ``other_agent`` in the Shanghai branch and must not see
cards' cases. Customers are built through ``create_customer`` so PII is stored
the way production stores it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from safeguard.accounts.models import Department, User
from safeguard.accounts.roles import Role, ensure_roles

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_language_left_over() -> Any:
    """Every test starts in the settings' language and leaves none active, so a test that
    activates Chinese cannot change what the next one on the same worker renders."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def roles(db: Any) -> None:
    # Migrations made the groups; transactional tests flush them, so make sure.
    ensure_roles()


@pytest.fixture
def departments(db: Any) -> dict[str, Department]:
    head = Department.objects.create(code="head-office", name="Head office", name_zh="总行", kind="head_office")
    cards = Department.objects.create(code="cards", name="Card services", name_zh="信用卡中心", parent=head)
    branch = Department.objects.create(
        code="branch-sh", name="Shanghai branch", name_zh="上海分行", kind="branch", parent=head
    )
    return {"head": head, "cards": cards, "branch_sh": branch}


@pytest.fixture
def make_user(roles: None, departments: dict[str, Department]) -> Callable[..., User]:
    def make(
        role: str | None, *, departments_: tuple[str, ...] = ("cards",), username: str | None = None, **extra: Any
    ) -> User:
        user = User.objects.create_user(
            username=username or f"{role or 'nobody'}{next(_seq)}", password="correct horse battery staple", **extra
        )
        if role:
            from django.contrib.auth.models import Group

            user.groups.add(Group.objects.get(name=role))
        user.departments.set([departments[d] for d in departments_])
        return user

    return make


@pytest.fixture
def agent(make_user: Callable[..., User]) -> User:
    return make_user(Role.AGENT, username="agent")


@pytest.fixture
def other_agent(make_user: Callable[..., User]) -> User:
    return make_user(Role.AGENT, departments_=["branch_sh"], username="other_agent")


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUPERVISOR, username="supervisor")


@pytest.fixture
def compliance(make_user: Callable[..., User]) -> User:
    return make_user(Role.COMPLIANCE, departments_=["head"], username="compliance")


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user(Role.AUDITOR, departments_=["head"], username="auditor")


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR, departments_=["head"], username="administrator", is_staff=True)


@pytest.fixture
def nobody(make_user: Callable[..., User]) -> User:
    """A signed-in staff user with no role at all."""
    return make_user(None, username="nobody")


@pytest.fixture
def make_customer(db: Any) -> Callable[..., Any]:
    from safeguard.customers.rules import national_id_check_digit
    from safeguard.customers.services import create_customer

    def make(**kwargs: Any) -> Any:
        n = next(_seq)
        id_first17 = f"11010119900307{n % 1000:03d}"  # a real birth date, then the sequence code
        defaults: dict[str, Any] = {
            "customer_no": f"C{n:08d}",
            "name": "张伟",
            "national_id": id_first17 + national_id_check_digit(id_first17),
            "phone": f"138{n:08d}",
            "email": f"customer{n}@example.com",
            "address": "北京市东城区东长安街1号",
            "account_numbers": [f"6222020200{n:06d}"],
        }
        defaults.update(kwargs)
        return create_customer(by=None, **defaults)

    return make


@pytest.fixture
def customer(make_customer: Callable[..., Any]) -> Any:
    return make_customer()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test must restore the migrated data (policies, calendars, roles,
    taxonomy) it flushes, or later tests on the same worker lose it: require serialized_rollback."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)")
