"""create_customer: input is validated before anything is written; PII is stored encrypted."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.core.errors import Conflict, InvalidInput
from safeguard.customers import crypto, rules
from safeguard.customers.models import Customer
from safeguard.customers.services import create_customer, reveal
from safeguard.customers.tests.conftest import NATIONAL_ID

pytestmark = pytest.mark.django_db


def _id(first17: str) -> str:
    return first17 + rules.national_id_check_digit(first17)


def test_a_customer_is_created_with_masked_indexed_encrypted_pii_and_its_profile(supervisor):
    customer = create_customer(
        by=supervisor,
        customer_no="C-1",
        name="张三丰",
        national_id=NATIONAL_ID.lower(),
        phone="+86 138-1234-5678",
        email="zhang@example.com",
        address="北京市东城区东长安街1号",
        account_numbers=["6222 0202 0011 2233"],
        segment="private",
        kyc_level="enhanced",
        risk_rating="high",
        vulnerabilities=["elderly", "language_need"],
        preferred_channel="phone",
        preferred_language="en",
        has_contact_consent=False,
    )
    customer.refresh_from_db()
    assert customer.phone_masked == "138****5678"
    assert customer.name_masked == "张**"
    assert customer.national_id_masked == "1101**********002X"
    assert customer.account_numbers_masked == ["************2233"]
    assert (customer.segment, customer.kyc_level, customer.risk_rating) == ("private", "enhanced", "high")
    assert customer.vulnerabilities == ["elderly", "language_need"] and customer.is_vulnerable
    assert (customer.preferred_channel, customer.preferred_language) == ("phone", "en")
    assert customer.has_contact_consent is False and customer.consent_updated_at is not None
    # Stored in canonical form: phone without country code and separators, ID upper-case.
    assert reveal(customer=customer, field="phone", by=supervisor) == "13812345678"
    assert reveal(customer=customer, field="national_id", by=supervisor) == NATIONAL_ID
    assert reveal(customer=customer, field="account_numbers", by=supervisor) == "6222020200112233"
    assert customer.phone_index == crypto.blind_index("13812345678", field="phone")


def test_creating_a_customer_leaves_one_audit_entry_with_masked_values(supervisor):
    customer = create_customer(by=supervisor, customer_no="C-2", name="张伟", phone="13812345678")
    entry = AuditEntry.objects.get(action="customer.create")
    assert entry.actor == supervisor
    assert entry.object_id == str(customer.pk)
    assert entry.changes["phone"] == "138****5678"
    assert entry.changes["name"] == "张*"
    assert "13812345678" not in str(entry.changes)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"national_id": NATIONAL_ID[:-1] + "1"}, "national_id", "check digit"),
        ({"national_id": _id("11010119901332001")}, "national_id", "birth date"),
        ({"national_id": "1101011990030712"}, "national_id", "18 characters"),
        ({"national_id": "E123"}, "national_id", "passport"),
        ({"national_id": "E123-456$78"}, "national_id", "passport"),
        ({"phone": "12345"}, "phone", "6-15 digits"),
        ({"phone": "138 1234 567a"}, "phone", "6-15 digits"),
        ({"phone": "+1 234 567 890 123 456"}, "phone", "6-15 digits"),
        ({"phone": "12812345678"}, "phone", "13 to 19"),
        ({"email": "not-an-email"}, "email", "e-mail"),
        ({"email": "a@b"}, "email", "e-mail"),
        ({"email": "two@@example.com"}, "email", "e-mail"),
        ({"name": "x" * 201}, "name", "200"),
        ({"name": "Zhang\x00Wei"}, "name", "control"),
        ({"account_numbers": ["12345"]}, "account_numbers", "6-34"),
        ({"account_numbers": ["6222-02!0200"]}, "account_numbers", "6-34"),
        ({"vulnerabilities": ["elderly", "rich"]}, "vulnerabilities", "unknown value 'rich'"),
        ({"vulnerabilities": "elderly"}, "vulnerabilities", "must be a list"),
        ({"segment": "vip"}, "segment", "not one of"),
        ({"risk_rating": "extreme"}, "risk_rating", "not one of"),
        ({"preferred_language": "fr"}, "preferred_language", "not one of"),
        ({"has_contact_consent": "yes"}, "has_contact_consent", "true or false"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Unknown customer field"),
        ({"customer_no": "has space"}, "customer_no", "Customer number"),
        ({"customer_no": ""}, "customer_no", "Customer number"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(kwargs, field, message):
    arguments = {"customer_no": "C-BAD", "name": "张伟", "phone": "13812345678", **kwargs}
    with pytest.raises(InvalidInput, match=message) as excinfo:
        create_customer(by=None, **arguments)
    assert excinfo.value.extra["field"] == field
    assert excinfo.value.code == "invalid_input"
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("national_id", "stored"),
    [
        (NATIONAL_ID, NATIONAL_ID),
        (NATIONAL_ID.lower(), NATIONAL_ID),
        ("110105 19491231 002X", NATIONAL_ID),
        ("E12345678", "E12345678"),  # PRC passport
        ("g1234567-8", "G12345678"),
        ("A123456(7)", "A1234567"),  # Hong Kong identity card
        ("１１０１０５１９４９１２３１００２ｘ", NATIONAL_ID),  # full-width, from a Chinese IME
    ],
)
def test_national_ids_are_accepted_in_their_usual_forms_and_stored_canonically(national_id, stored, supervisor):
    customer = create_customer(by=None, customer_no="C-ID", national_id=national_id)
    assert reveal(customer=customer, field="national_id", by=supervisor) == stored


def test_a_foreign_permanent_resident_id_with_a_valid_check_digit_is_accepted(supervisor):
    foreign = _id("93310019850101123")
    customer = create_customer(by=None, customer_no="C-FPR", national_id=foreign)
    assert reveal(customer=customer, field="national_id", by=supervisor) == foreign


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 138 1234 5678", "13812345678"),
        ("(010) 6512-3456", "01065123456"),
        ("+44 20 7946 0958", "+442079460958"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese IME
    ],
)
def test_phones_are_accepted_in_their_usual_forms_and_stored_canonically(phone, stored, supervisor):
    customer = create_customer(by=None, customer_no="C-PH", phone=phone)
    assert reveal(customer=customer, field="phone", by=supervisor) == stored


def test_a_taken_customer_number_is_a_conflict_and_writes_nothing(make_customer):
    make_customer(customer_no="C-TAKEN")
    entries = AuditEntry.objects.count()
    with pytest.raises(Conflict, match="C-TAKEN"):
        create_customer(by=None, customer_no="C-TAKEN", name="李四")
    assert Customer.objects.filter(customer_no="C-TAKEN").count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_single_account_number_given_as_text_is_one_number_and_duplicates_are_dropped(supervisor):
    one = create_customer(by=None, customer_no="C-A1", account_numbers="6222020200112233")
    assert one.account_numbers_masked == ["************2233"]
    two = create_customer(by=None, customer_no="C-A2", account_numbers=["6222020200112233", "6222 0202 0011 2233", " "])
    assert reveal(customer=two, field="account_numbers", by=supervisor) == "6222020200112233"


def test_vulnerabilities_are_deduplicated_in_the_order_given():
    customer = create_customer(by=None, customer_no="C-V", vulnerabilities=["bereavement", "elderly", "bereavement"])
    assert customer.vulnerabilities == ["bereavement", "elderly"]
