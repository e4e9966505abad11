import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_loads_and_lists_the_case_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Safeguard API"
    assert {
        "/api/v1/cases",
        "/api/v1/cases/{reference}",
        "/api/v1/cases/{reference}/transitions",
        "/api/v1/cases/{reference}/messages",
    } <= set(schema["paths"])
    create = schema["paths"]["/api/v1/cases"]["post"]
    assert "201" in create["responses"] and "422" in create["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert schema["components"]["securitySchemes"]


def test_the_docs_page_renders(client):
    assert client.get("/api/v1/docs").status_code == 200


def test_the_docs_page_loads_nothing_from_other_sites(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
