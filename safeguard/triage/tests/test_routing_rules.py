"""Routing rules: how conditions match (a pure function), how they are validated, and the admin
that edits them (clear form errors, never a 500; audited; records read-only)."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from safeguard.audit.models import AuditEntry
from safeguard.triage.models import ModelVersion, RoutingRule
from safeguard.triage.services.routing import Facts, first_match, matches, validate_conditions
from safeguard.triage.tests.integration_support import frozen, tiny_model, triage_settings  # noqa: F401

FACTS = Facts(
    values={"type": ("complaint", 1.0), "product": ("credit-card", 0.8), "category": (None, 0.0)},
    channel="phone",
    language="en",
    signals=frozenset({"fraud"}),
)


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"type": "complaint"}, True),
        ({"type": "inquiry"}, False),
        ({"product": ["deposit", "credit-card"]}, True),
        ({"category": "fees-charges"}, False),  # nothing known (abstained) never matches
        ({"channel": "phone", "language": "en"}, True),
        ({"channel": ["portal", "email"]}, False),
        ({"language": "zh-hans"}, False),
        ({"signal": "fraud"}, True),
        ({"signal": ["self_harm", "vulnerable"]}, False),
        ({"product": "credit-card", "min_confidence": 0.8}, True),
        ({"product": "credit-card", "min_confidence": 0.9}, False),
        ({"type": "complaint", "min_confidence": 0.99}, True),  # the case's own value is certain
        ({"product": "credit-card", "signal": "fraud", "channel": "email"}, False),  # every key must hold
    ],
)
def test_conditions_match(conditions, expected):
    assert matches(conditions, FACTS) is expected


def test_the_first_matching_rule_in_order_wins():
    rules = [
        SimpleNamespace(name="a", conditions={"product": "deposit"}),
        SimpleNamespace(name="b", conditions={"signal": "fraud"}),
        SimpleNamespace(name="c", conditions={}),
    ]
    found = first_match(rules, FACTS)
    assert found is not None and found.name == "b"
    assert first_match(rules[:1], FACTS) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("conditions", "fragment"),
    [
        ([], "JSON object"),
        ({"colour": "red"}, "Unknown condition(s): colour"),
        ({"product": "no-such-product"}, "product: unknown value(s) no-such-product"),
        ({"type": ["complaint", "gripe"]}, "type: unknown value(s) gripe"),
        ({"signal": "anger"}, "signal: unknown value(s) anger"),
        ({"channel": 3}, "channel must be a code or a list of codes"),
        ({"category": []}, "category must be a code or a list of codes"),
        ({"min_confidence": 1.5}, "min_confidence must be a number from 0 to 1"),
        ({"min_confidence": "high"}, "min_confidence must be a number from 0 to 1"),
        ({"min_confidence": True}, "min_confidence must be a number from 0 to 1"),
    ],
)
def test_bad_conditions_are_explained(conditions, fragment):
    errors = validate_conditions(conditions)
    assert any(fragment in e for e in errors), errors


@pytest.mark.django_db
def test_good_conditions_are_accepted():
    assert validate_conditions({}) == []
    assert (
        validate_conditions(
            {
                "type": "complaint",
                "product": ["credit-card", "deposit"],
                "category": "fees-charges",
                "channel": "phone",
                "signal": ["fraud", "self_harm"],
                "language": "zh-hans",
                "min_confidence": 0.7,
            }
        )
        == []
    )


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(administrator):
    client = Client()
    client.force_login(administrator)
    return client


def _form(departments, **changes):
    data = {
        "name": "Card fraud to cards",
        "order": "10",
        "is_active": "on",
        "conditions": '{"product": "credit-card", "signal": "fraud"}',
        "department": str(departments["cards"].pk),
        "group": "",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_an_administrator_adds_a_rule_and_it_is_audited(admin_client, administrator, departments):
    response = admin_client.post("/admin/triage/routingrule/add/", _form(departments))

    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = RoutingRule.objects.get()
    assert rule.conditions == {"product": "credit-card", "signal": "fraud"}
    entry = AuditEntry.objects.get(action="routingrule.create")
    assert entry.actor == administrator and entry.object_id == str(rule.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"conditions": "{not json"}, "Enter a valid JSON"),
        ({"conditions": '{"product": "no-such-product"}'}, "unknown value(s) no-such-product"),
        ({"conditions": '{"colour": "red"}'}, "Unknown condition(s): colour"),
        ({"conditions": '{"min_confidence": 2}'}, "min_confidence must be a number from 0 to 1"),
        ({"department": ""}, "A rule must route to a department, a handler group, or both."),
    ],
)
def test_bad_rules_get_form_errors_not_a_500(admin_client, departments, changes, message):
    response = admin_client.post("/admin/triage/routingrule/add/", _form(departments, **changes))

    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"')
    assert not RoutingRule.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="routingrule.").exists()


@pytest.mark.django_db
def test_versions_predictions_and_corrections_are_read_only_in_the_admin(admin_client, tiny_model):
    version = tiny_model()
    assert admin_client.get(f"/admin/triage/modelversion/{version.pk}/change/").status_code == 200
    assert admin_client.get("/admin/triage/modelversion/add/").status_code == 403
    response = admin_client.post(f"/admin/triage/modelversion/{version.pk}/change/", {"name": "renamed"})
    assert response.status_code == 403
    assert ModelVersion.objects.get(pk=version.pk).name == "tiny"
    assert admin_client.get("/admin/triage/prediction/").status_code == 200
    assert admin_client.get("/admin/triage/correction/").status_code == 200


@pytest.mark.django_db
def test_other_roles_do_not_edit_rules(supervisor, departments):
    supervisor.is_staff = True
    supervisor.save()
    client = Client()
    client.force_login(supervisor)
    response = client.post("/admin/triage/routingrule/add/", _form(departments))
    assert response.status_code == 403
    assert not RoutingRule.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("conditions", ["{}", ""])
def test_a_catch_all_rule_may_be_saved(admin_client, departments, conditions):
    response = admin_client.post(
        "/admin/triage/routingrule/add/", _form(departments, name="Everything else", conditions=conditions)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RoutingRule.objects.get().conditions == {}
