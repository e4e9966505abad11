"""find_customer / customer_by_no: look-ups by blind index, whatever the formatting."""

from __future__ import annotations

import pytest

from safeguard.customers.selectors import customer_by_no, find_customer
from safeguard.customers.tests.conftest import NATIONAL_ID, PLAIN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("phone", ["13812345678", "+86 138-1234-5678", "0086 13812345678", "138 1234 5678"])
def test_a_phone_is_found_whatever_its_formatting(known, make_customer, phone):
    make_customer()
    assert find_customer(phone=phone) == known


@pytest.mark.parametrize("national_id", [NATIONAL_ID, NATIONAL_ID.lower(), " 110105-19491231-002x "])
def test_a_national_id_is_found_whatever_its_case_and_separators(known, national_id):
    assert find_customer(national_id=national_id) == known


def test_an_email_is_found_case_insensitively(known):
    assert find_customer(email="nana.ouyang@example.COM") == known


def test_all_criteria_given_must_match(known):
    assert find_customer(phone=PLAIN["phone"], email=PLAIN["email"]) == known
    assert find_customer(phone=PLAIN["phone"], email="someone.else@example.com") is None


@pytest.mark.parametrize("kwargs", [{}, {"phone": ""}, {"phone": "  ", "email": None}])
def test_no_criterion_finds_nobody_rather_than_everyone_without_a_value(make_customer, kwargs):
    make_customer(phone="", email="")
    assert find_customer(**kwargs) is None


def test_an_unknown_value_finds_nobody(known):
    assert find_customer(phone="13900000000") is None


def test_the_oldest_customer_is_returned_when_a_value_is_shared(known, make_customer):
    make_customer(phone=PLAIN["phone"])
    assert find_customer(phone=PLAIN["phone"]) == known


def test_look_ups_keep_working_after_the_encryption_key_changes(known, rotate_to_new_key):
    rotate_to_new_key("t7")
    assert find_customer(phone="+86 138 1234 5678") == known


def test_a_customer_is_found_by_number(known):
    assert customer_by_no(" C-KNOWN-1 ") == known
    assert customer_by_no("C-MISSING") is None
