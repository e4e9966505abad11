"""Whatever goes wrong under /api/, the answer is a problem document, never HTML and never a 500."""

import pytest

from safeguard.api.tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/nothing-here", "/api/v1/cases/CMP-1/nothing", "/api/v2/cases", "/api/"]
)
def test_unknown_paths_are_404_problems(agent, api_as, path):
    client = api_as(agent)
    assert_problem(client.get(path), 404, "not_found")
    assert_problem(client.post(path, {}), 404, "not_found")


def test_unknown_paths_are_404_problems_without_a_token(api_as):
    assert_problem(api_as(None).get("/api/v1/nothing-here"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v1/cases"),
        ("PUT", "/api/v1/cases/CMP-2026-000001"),
        ("GET", "/api/v1/cases/CMP-2026-000001/transitions"),
    ],
)
def test_a_wrong_method_is_a_405_problem(agent, api_as, method, path):
    response = api_as(agent).request(method, path)
    assert_problem(response, 405, "method_not_allowed")
    assert "Allow" in response


def test_a_too_large_body_is_a_413_problem(agent, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(agent).post("/api/v1/cases", {"description": "x" * 2000})
    assert_problem(response, 413, "request_too_large")


def test_problem_documents_follow_rfc_9457(agent, api_as):
    body = assert_problem(api_as(agent).get("/api/v1/cases/CMP-2026-999999"), 404)
    assert set(body) >= {"type", "title", "status", "detail", "instance", "code"}
    assert body["instance"] == "/api/v1/cases/CMP-2026-999999"
