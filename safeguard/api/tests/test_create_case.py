import pytest

from safeguard.api.tests.conftest import NOW
from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case
from safeguard.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_an_agent_opens_a_case_and_gets_it_back(agent, api_as, case_body):
    response = api_as(agent).post("/api/v1/cases", case_body())
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body["reference"] == case.reference and body["reference"].startswith("CMP-2026-")
    assert body["version"] == case.version
    assert body["status"] in {"received", "acknowledged"}
    assert body["product"] == "credit-card" and body["category"] == "fees-charges"
    assert body["department"] == "cards"  # the agent's one department
    assert {m["milestone"] for m in body["milestones"]} >= {"final_response"}
    assert all(m["due_at"] > NOW.isoformat().replace("+00:00", "Z") or m["met_at"] for m in body["milestones"])
    assert "Idempotent-Replayed" not in response


def test_the_customer_comes_back_masked(agent, api_as, case_body):
    body = api_as(agent).post("/api/v1/cases", case_body()).json()
    assert body["customer"] == {
        "customer_no": "C90000001",
        "name": Customer.objects.get().name_masked,
        "phone": "139****1111",
        "email": Customer.objects.get().email_masked,
    }
    assert "13900001111" not in str(body) and "wang.fang@example.com" not in str(body)


def test_a_new_customer_is_recorded_through_the_customers_service(agent, api_as, case_body):
    api_as(agent).post("/api/v1/cases", case_body())
    customer = Customer.objects.get()
    assert customer.customer_no == "C90000001"
    assert AuditEntry.objects.filter(action="customer.create", actor=agent).count() == 1


def test_an_existing_customer_is_used_by_number(agent, api_as, case_body, customer):
    response = api_as(agent).post("/api/v1/cases", case_body(customer={"customer_no": customer.customer_no}))
    assert response.status_code == 201, response.content
    assert Case.objects.get().customer == customer
    assert Customer.objects.count() == 1


def test_an_existing_customer_is_matched_on_their_details(agent, api_as, case_body, make_customer):
    known = make_customer(phone="13900001111", national_id="110101199001011237", email="wang.fang@example.com")
    response = api_as(agent).post("/api/v1/cases", case_body())
    assert response.status_code == 201, response.content
    assert Case.objects.get().customer == known
    assert Customer.objects.count() == 1


def test_a_back_dated_receipt_is_kept(agent, api_as, case_body):
    response = api_as(agent).post("/api/v1/cases", case_body(channel="phone", received_at="2026-02-27T16:30:00+08:00"))
    assert response.status_code == 201, response.content
    assert response.json()["received_at"] == "2026-02-27T08:30:00Z"
