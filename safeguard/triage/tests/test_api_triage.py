"""GET /api/v1/cases/{reference}/triage: the prediction, its version and explanation, for those who
may see the case and its predictions; problem documents for everyone else."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from safeguard.accounts.models import User
from safeguard.accounts.tokens import create_token
from safeguard.cases.models import Case
from safeguard.triage.models import ModelVersion
from safeguard.triage.services import triage_case
from safeguard.triage.tests.integration_support import (  # noqa: F401
    CARD_TEXT,
    frozen,
    make_case,
    tiny_model,
    triage_settings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def get_as() -> Callable[[User | None, str], Any]:
    def get(user: User | None, reference: str) -> Any:
        headers = {}
        if user is not None:
            _token, secret = create_token(user=user)
            headers["Authorization"] = f"Bearer {secret}"
        return Client().get(f"/api/v1/cases/{reference}/triage", headers=headers)

    return get


@pytest.fixture
def triaged(tiny_model, make_case) -> Case:
    tiny_model(name="tiny-v1")
    tiny_model(status=ModelVersion.Status.SHADOW, name="tiny-shadow")
    case = make_case(description="Fraudsters made unauthorised transactions. " + CARD_TEXT)
    triage_case(case.pk)
    return Case.objects.get(pk=case.pk)


def test_the_api_returns_the_active_prediction_and_the_shadow_ones_flagged(get_as, agent, triaged):
    response = get_as(agent, triaged.reference.lower())

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == triaged.reference
    prediction = body["prediction"]
    assert prediction["model_version_name"] == "tiny-v1" and prediction["shadow"] is False
    product = prediction["results"]["product"]
    assert product["label"] == "credit-card" and product["abstained"] is False
    assert 0 <= product["confidence"] <= 1 and product["top"][0][0] == "credit-card"
    assert product["features"] and {"feature", "weight"} <= set(product["features"][0])
    assert prediction["applied"]["product"] == "credit-card"
    assert prediction["route"]["source"] == "model" and prediction["route"]["department"] == "cards"
    assert prediction["signals"][0]["kind"] == "fraud" and prediction["signals"][0]["words"]
    assert [s["model_version_name"] for s in body["shadow"]] == ["tiny-shadow"]
    assert body["shadow"][0]["shadow"] is True and body["shadow"][0]["applied"] == {}


def test_a_case_not_triaged_yet_has_no_prediction(get_as, agent, make_case, departments):
    case = make_case(department=departments["cards"])
    body = get_as(agent, case.reference).json()
    assert body == {"reference": case.reference, "prediction": None, "shadow": []}


def test_a_case_the_caller_may_not_see_is_404_like_a_missing_one(get_as, other_agent, triaged):
    hidden = get_as(other_agent, triaged.reference)
    missing = get_as(other_agent, "CMP-2026-999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden["Content-Type"] == "application/problem+json"
    assert hidden.json()["code"] == missing.json()["code"] == "not_found"


def test_without_view_prediction_the_api_refuses_with_403(get_as, make_user, triaged):
    viewer = make_user(None, username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_case", content_type__app_label="cases"))
    viewer.departments.set([triaged.department])

    response = get_as(viewer, triaged.reference)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "tiny-v1" not in response.content.decode()


def test_without_a_token_the_api_refuses_with_401(get_as, triaged):
    response = get_as(None, triaged.reference)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("persona", ["supervisor", "compliance", "auditor", "administrator"])
def test_roles_that_see_every_case_get_its_prediction(get_as, request, triaged, persona):
    response = get_as(request.getfixturevalue(persona), triaged.reference)
    assert response.status_code == 200
    assert response.json()["prediction"]["model_version_name"] == "tiny-v1"
