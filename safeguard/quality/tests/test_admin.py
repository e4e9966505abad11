"""Administrators edit KPIs and targets in the admin, each change audited; parameters a calculator
cannot work with are refused there (not discovered on the dashboard); measurements, alerts,
reports and code lists are read-only; nothing is deleted; other roles do not get in."""

from datetime import date

import pytest
from django.test import Client

from safeguard.audit.models import AuditEntry
from safeguard.quality.models import Kpi, Measurement, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(administrator):
    client = Client()
    client.force_login(administrator)
    return client


def _kpi_form(kpi: Kpi, **changes) -> dict:
    data = {
        "name": kpi.name,
        "name_zh": kpi.name_zh,
        "definition": kpi.definition,
        "definition_zh": kpi.definition_zh,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "calculator": kpi.calculator,
        "params": '{"types": ["complaint"]}',
        "order": kpi.order,
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_changing_a_kpi_is_audited_with_before_and_after(admin_client, administrator):
    kpi = Kpi.objects.get(code="handling-time-mean")
    response = admin_client.post(
        f"/admin/quality/kpi/{kpi.pk}/change/", _kpi_form(kpi, name="Mean handling time (complaints)")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    kpi.refresh_from_db()
    assert kpi.name == "Mean handling time (complaints)" and kpi.params == {"types": ["complaint"]}
    entry = AuditEntry.objects.get(action="kpi.change")
    assert entry.actor == administrator and entry.object_id == str(kpi.pk)
    assert entry.changes["name"] == {"from": "Average handling time", "to": "Mean handling time (complaints)"}
    assert entry.changes["params"]["to"] == {"types": ["complaint"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"params": '["not", "an", "object"]'}, "params"),
        ({"params": "{not json"}, "params"),
        ({"params": '{"field": "colour"}', "calculator": "survey_mean"}, "params"),
        ({"params": '{"hours": "soon"}', "calculator": "received_within"}, "params"),
        ({"calculator": "made_up"}, "calculator"),
    ],
)
def test_parameters_the_calculator_cannot_use_are_refused_and_nothing_is_written(admin_client, changes, field):
    kpi = Kpi.objects.get(code="csat-mean")
    before = (kpi.calculator, kpi.params)
    response = admin_client.post(f"/admin/quality/kpi/{kpi.pk}/change/", _kpi_form(kpi, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    kpi.refresh_from_db()
    assert (kpi.calculator, kpi.params) == before
    assert not AuditEntry.objects.filter(action="kpi.change").exists()


def test_a_kpi_code_cannot_be_changed(admin_client):
    kpi = Kpi.objects.get(code="nps")
    admin_client.post(f"/admin/quality/kpi/{kpi.pk}/change/", {**_kpi_form(kpi, params="{}"), "code": "renamed"})
    kpi.refresh_from_db()
    assert kpi.code == "nps"


def _target_form(**changes) -> dict:
    data = {
        "kpi": Kpi.objects.get(code="first-response-24h").pk,
        "name": "First response within 24 hours for 97%",
        "name_zh": "24小时内首次响应率不低于97%",
        "comparison": "absolute",
        "threshold": "97",
        "frequency": "monthly",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_adding_and_changing_a_target_is_audited(admin_client, administrator, departments):
    response = admin_client.post("/admin/quality/target/add/", _target_form(owner=departments["head"].pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    target = Target.objects.get(name="First response within 24 hours for 97%")
    created = AuditEntry.objects.get(action="target.create")
    assert created.actor == administrator and created.changes["threshold"] == "97"
    response = admin_client.post(
        f"/admin/quality/target/{target.pk}/change/", _target_form(owner=departments["head"].pk, threshold="96")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    changed = AuditEntry.objects.get(action="target.change")
    assert changed.changes == {"threshold": {"from": "97.0000", "to": "96"}}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"comparison": "relative", "threshold": "-20"}, "baseline_from"),
        (
            {"comparison": "relative", "threshold": "-20", "baseline_from": "2025-12-31", "baseline_to": "2025-01-01"},
            "baseline_to",
        ),
        ({"threshold": "150"}, "threshold"),
        ({"threshold": "-1"}, "threshold"),
        ({"threshold": "lots"}, "threshold"),
    ],
)
def test_a_target_that_cannot_be_judged_is_refused(admin_client, departments, changes, field):
    response = admin_client.post("/admin/quality/target/add/", _target_form(owner=departments["head"].pk, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Target.objects.exists() and not AuditEntry.objects.filter(action="target.create").exists()


def test_a_relative_target_with_its_baseline_is_accepted(admin_client, departments):
    response = admin_client.post(
        "/admin/quality/target/add/",
        _target_form(
            owner=departments["head"].pk,
            kpi=Kpi.objects.get(code="handling-time-mean").pk,
            comparison="relative",
            threshold="-20",
            baseline_from="2025-01-01",
            baseline_to="2025-12-31",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Target.objects.get().baseline_to == date(2025, 12, 31)


def test_kpis_and_targets_are_never_deleted(admin_client, departments):
    kpi = Kpi.objects.get(code="nps")
    target = Target.objects.create(kpi=kpi, name="NPS above 0", threshold=0, owner=departments["head"])
    assert admin_client.get(f"/admin/quality/kpi/{kpi.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/quality/target/{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Target.objects.filter(pk=target.pk).exists()


def test_records_are_read_only_even_for_a_superuser(make_user, departments):
    admin_client = Client()
    admin_client.force_login(make_user("administrator", is_staff=True, is_superuser=True))
    target = Target.objects.create(
        kpi=Kpi.objects.get(code="nps"), name="NPS above 0", threshold=0, owner=departments["head"]
    )
    row = Measurement.objects.create(
        target=target,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30),
        met=None,
        computed_at="2026-05-01T00:00Z",
    )
    for model in ("measurement", "alert", "report", "regulatorycode", "warningrun"):
        assert admin_client.get(f"/admin/quality/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/quality/{model}/add/").status_code == 403, model
    page = admin_client.get(f"/admin/quality/measurement/{row.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/quality/measurement/{row.pk}/change/", {"met": "true"}).status_code == 403


def test_the_kpi_and_target_lists_open(admin_client):
    for model in ("kpi", "target", "regulatorymapping"):
        assert admin_client.get(f"/admin/quality/{model}/").status_code == 200, model


@pytest.mark.parametrize("role", ["agent", "supervisor", "compliance_officer", "auditor"])
def test_other_roles_do_not_get_into_the_admin(make_user, role):
    client = Client()
    client.force_login(make_user(role))
    response = client.get("/admin/quality/kpi/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_staff_user_without_the_permission_cannot_change_a_kpi(make_user):
    auditor = make_user("auditor", is_staff=True)  # may view KPIs, not change them
    client = Client()
    client.force_login(auditor)
    kpi = Kpi.objects.get(code="nps")
    assert client.get("/admin/quality/kpi/").status_code == 200
    response = client.post(f"/admin/quality/kpi/{kpi.pk}/change/", _kpi_form(kpi, name="Renamed", params="{}"))
    assert response.status_code == 403
    kpi.refresh_from_db()
    assert kpi.name == "Net promoter score"
