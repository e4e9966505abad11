"""Triage on the pages: the case page's panel and its accept / correct actions, the model list and
a model's metrics, promotion, and who is refused what."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, CaseEvent
from safeguard.cases.selectors import case_for
from safeguard.cases.tests.support import stage
from safeguard.triage.models import Correction, ModelVersion, Prediction
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
def triaged(tiny_model, make_case) -> Case:
    tiny_model(name="tiny-v1")
    case = make_case(type="inquiry", description="I will go to the regulator: " + CARD_TEXT)
    triage_case(case.pk)
    return Case.objects.get(pk=case.pk)


def _page(client, user, case: Case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _panel(html: str) -> str:
    match = re.search(r'<section class="triage" id="triage".*?</section>', html, re.S)
    assert match, "the triage panel is on the page"
    return match.group(0)


# --- the case page's panel --------------------------------------------------------------------


def test_the_case_page_shows_the_prediction_version_and_explanation(client, agent, triaged):
    panel = _panel(_page(client, agent, triaged))

    assert "tiny-v1" in panel
    assert '<tr data-target="product">' in panel and "Credit cards" in panel
    assert re.search(r"\d+ %", panel), "each prediction shows its confidence"
    prediction = Prediction.objects.get(case=triaged)
    feature = prediction.results["product"]["explanation"]["features"][0][0]
    assert f"<code>{feature}</code>" in panel, "the explanation's top features"
    assert "Set by triage" in panel and "Card services" in panel
    # the signal, with its trigger word highlighted in an excerpt of the text
    assert 'data-signal="regulator_threat"' in panel
    assert "<mark>regulator</mark>" in panel
    # the route and the suggested answers
    assert "The model's prediction" in panel
    assert "?template=" in panel
    # the type suggestion with its accept action
    assert "Triage reads this as a Complaint." in panel
    assert reverse("triage:accept", args=[triaged.reference]) in panel


def test_an_abstained_prediction_says_so(client, agent, tiny_model, make_case, settings, departments):
    tiny_model()
    settings.SAFEGUARD_TRIAGE_THRESHOLD = 0.999
    case = make_case(description=CARD_TEXT, department=departments["cards"])
    triage_case(case.pk)

    panel = _panel(_page(client, agent, case))

    assert panel.count('<span class="flag abstained">abstained</span>') == 4
    assert "Below 100 % confidence triage abstains" in panel
    assert "Nothing (it only fills empty fields)" in panel


def test_a_case_without_a_prediction_says_a_person_decides(client, agent, make_case, departments):
    case = make_case(department=departments["cards"])
    panel = _panel(_page(client, agent, case))
    assert "Triage has not classified this case" in panel


def test_the_panel_escapes_what_the_customer_wrote(client, agent, tiny_model, make_case):
    tiny_model()
    case = make_case(description="<script>alert(1)</script> I will sue you, " + CARD_TEXT)
    triage_case(case.pk)

    panel = _panel(_page(client, agent, case))

    assert "<script>" not in panel and "&lt;script&gt;" in panel
    assert "<mark>sue</mark>" in panel


def test_a_user_who_may_see_the_case_but_not_predictions_sees_no_panel(client, make_user, triaged):
    viewer = make_user(None, username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_case", content_type__app_label="cases"))

    html = _page(client, viewer, triaged)

    assert 'id="triage"' not in html
    assert "What triage predicted" not in html


def test_shadow_predictions_are_shown_apart(client, agent, tiny_model, triaged):
    tiny_model(status=ModelVersion.Status.SHADOW, name="tiny-shadow")
    triage_case(triaged.pk)

    panel = _panel(_page(client, agent, triaged))

    assert "Shadow models (predict only, never act)" in panel and "tiny-shadow" in panel


def test_a_read_only_role_sees_the_panel_without_the_forms(client, auditor, triaged):
    panel = _panel(_page(client, auditor, triaged))
    assert "tiny-v1" in panel
    assert "Save correction" not in panel and reverse("triage:accept", args=[triaged.reference]) not in panel


# --- accept and correct -------------------------------------------------------------------------


def _post(client, user, case: Case, action: str, **data):
    client.force_login(user)
    version = Case.objects.get(pk=case.pk).version
    return client.post(reverse(f"triage:{action}", args=[case.reference]), {"version": version, **data})


def test_accepting_the_suggested_type_records_a_confirmation_and_keeps_the_type(client, agent, triaged):
    response = _post(client, agent, triaged, "accept", target="type")

    assert response.status_code == 302 and response.url.endswith("#triage")
    correction = Correction.objects.get(case=triaged)
    assert (correction.target, correction.predicted, correction.corrected) == ("type", "complaint", "complaint")
    assert correction.by == agent and correction.prediction == Prediction.objects.get(case=triaged)
    assert Case.objects.get(pk=triaged.pk).type == "inquiry"
    assert CaseEvent.objects.filter(case=triaged, kind="note", data__correction=correction.pk).exists()
    assert AuditEntry.objects.filter(action="triage.correct", object_id=str(correction.pk)).exists()


def test_correcting_the_product_changes_the_case_and_records_the_label(client, agent, triaged):
    before = Case.objects.get(pk=triaged.pk).version

    response = _post(client, agent, triaged, "correct", target="product", value="payment")

    assert response.status_code == 302
    case = Case.objects.get(pk=triaged.pk)
    assert case.product is not None and case.product.code == "payment"
    assert case.version == before + 1
    correction = Correction.objects.get(case=triaged)
    assert (correction.predicted, correction.corrected) == ("credit-card", "payment")
    assert AuditEntry.objects.filter(action="case.reclassify", object_id=str(case.pk)).exists()


def test_correcting_the_department_moves_the_case_for_a_supervisor(client, supervisor, departments, triaged):
    response = _post(client, supervisor, triaged, "correct", target="department", value="branch-sh")

    assert response.status_code == 302
    assert Case.objects.get(pk=triaged.pk).department == departments["branch_sh"]
    assert Correction.objects.get(case=triaged).corrected == "branch-sh"


def test_an_agent_may_not_move_a_case_to_another_department(client, agent, triaged):
    response = _post(client, agent, triaged, "correct", target="department", value="branch-sh")

    assert response.status_code == 403
    assert not Correction.objects.exists()
    assert Case.objects.filter(pk=triaged.pk, department__code="cards").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "product", "value": "no-such-product"}, "is not a valid"),
        ({"target": "colour", "value": "red"}, "target"),
        ({"target": "product"}, "value"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(client, agent, triaged, data, message):
    entries = AuditEntry.objects.count()

    response = _post(client, agent, triaged, "correct", **data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Correction.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_a_stale_page_is_refused(client, agent, triaged):
    client.force_login(agent)
    response = client.post(
        reverse("triage:correct", args=[triaged.reference]), {"version": 1, "target": "product", "value": "payment"}
    )
    assert response.status_code == 409
    assert not Correction.objects.exists()


def test_a_closed_case_is_not_reclassified(client, agent, triaged):
    stage(triaged, "closed")
    response = _post(client, agent, triaged, "correct", target="product", value="payment")
    assert response.status_code == 409
    assert not Correction.objects.exists()


def test_accepting_nothing_is_refused(client, agent, make_case, departments):
    case = make_case(department=departments["cards"])
    response = _post(client, agent, case, "accept", target="product")
    assert response.status_code == 422


@pytest.mark.parametrize(("persona", "status"), [("other_agent", 404), ("compliance", 403), ("auditor", 403)])
def test_who_may_not_correct_is_refused(client, request, triaged, persona, status):
    response = _post(client, request.getfixturevalue(persona), triaged, "correct", target="product", value="payment")
    assert response.status_code == status
    assert not Correction.objects.exists()


def test_corrections_need_a_signed_in_user_and_a_post(client, agent, triaged):
    url = reverse("triage:correct", args=[triaged.reference])
    assert client.post(url, {"target": "product", "value": "payment", "version": 1}).status_code == 302  # to sign-in
    client.force_login(agent)
    assert client.get(url).status_code == 405


# --- model pages ----------------------------------------------------------------------------------


def test_the_model_list_shows_each_version_with_status_and_key_metrics(client, administrator, tiny_model):
    active = tiny_model(name="tiny-active")
    tiny_model(status=ModelVersion.Status.SHADOW, name="tiny-shadow")
    client.force_login(administrator)

    html = client.get(reverse("triage:models")).content.decode()

    assert "tiny-active" in html and "tiny-shadow" in html
    assert f'data-version="{active.pk}" data-status="active"' in html
    accuracy = active.metrics["product"]["accuracy"]
    assert f"{accuracy:.3f}" in html


def test_the_model_page_has_per_class_figures_and_a_confusion_matrix(client, compliance, tiny_model):
    version = tiny_model(name="tiny-detail")
    client.force_login(compliance)

    response = client.get(reverse("triage:model", args=[version.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Product: precision, recall and F1 per class" in html
    assert "At 0.0 % confidence it decides 100.0 % of the cases" in html
    assert '<tr data-class="credit-card"><th scope="row">Credit cards</th>' in html
    assert "confusion matrix" in html and '<th scope="col">True class</th>' in html
    assert "Promote to active" not in html, "compliance officers may look, not promote"


def test_an_administrator_promotes_a_version_from_its_page(client, administrator, tiny_model):
    old = tiny_model(name="old")
    new = tiny_model(status=ModelVersion.Status.SHADOW, name="new")
    client.force_login(administrator)
    assert "Promote to active" in client.get(reverse("triage:model", args=[new.pk])).content.decode()

    response = client.post(reverse("triage:promote", args=[new.pk]))

    assert response.status_code == 302
    assert ModelVersion.objects.get(pk=new.pk).status == ModelVersion.Status.ACTIVE
    assert ModelVersion.objects.get(pk=old.pk).status == ModelVersion.Status.RETIRED
    assert AuditEntry.objects.get(action="triage.model.promote").actor == administrator


def test_promoting_the_active_version_again_is_a_conflict(client, administrator, tiny_model):
    active = tiny_model()
    client.force_login(administrator)
    assert client.post(reverse("triage:promote", args=[active.pk])).status_code == 409


@pytest.mark.parametrize("persona", ["agent", "supervisor", "nobody"])
def test_the_model_pages_are_refused_to_who_may_not_view_them(client, request, tiny_model, persona):
    version = tiny_model()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("triage:models")).status_code == 403
    assert client.get(reverse("triage:model", args=[version.pk])).status_code == 403
    assert client.post(reverse("triage:promote", args=[version.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["compliance", "auditor"])
def test_viewers_may_not_promote(client, request, tiny_model, persona):
    tiny_model()
    shadow = tiny_model(status=ModelVersion.Status.SHADOW, name="shadow")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("triage:models")).status_code == 200
    assert client.post(reverse("triage:promote", args=[shadow.pk])).status_code == 403
    assert ModelVersion.objects.get(pk=shadow.pk).status == ModelVersion.Status.SHADOW


def test_a_missing_version_is_404(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("triage:model", args=[424242])).status_code == 404


def test_the_model_pages_need_a_signed_in_user(client, tiny_model):
    response = client.get(reverse("triage:models"))
    assert response.status_code == 302 and "login" in response.url


def test_the_model_pages_speak_chinese(client, administrator, tiny_model):
    version = tiny_model()
    administrator.preferred_language = "zh-hans"
    administrator.save()
    client.force_login(administrator)
    html = client.get(reverse("triage:model", args=[version.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "信用卡" in html, "labels are shown by their Chinese names"


# --- what the panel costs the case page ---------------------------------------------------------


def _panel_renderer(rf, user, case: Case) -> Callable[[], str]:
    """The panel as the case page renders it: the case from ``case_for`` (with its product,
    category and department), the user's permissions already loaded by the page."""
    request = rf.get("/")
    request.user = user
    if user.has_perm("cases.view_case"):
        case = case_for(user, case.reference)
    template = Template("{% load triage_tags %}{% case_triage case %}")

    def render() -> str:
        # In English whatever language an earlier test on this worker left active.
        with translation.override("en"):
            return template.render(Context({"request": request, "case": case}))

    return render


def test_the_panel_costs_one_query_on_a_case_without_a_prediction(
    rf, supervisor, make_case, departments, django_assert_num_queries
):
    case = make_case(department=departments["cards"])
    # 1 the case's predictions
    render = _panel_renderer(rf, supervisor, case)
    with django_assert_num_queries(1):
        html = render()
    assert "Triage has not classified this case" in html


def test_the_panel_costs_a_few_queries_with_a_prediction(rf, supervisor, triaged, django_assert_max_num_queries):
    # 1 predictions with their versions, 2-4 products, categories and departments (names and
    # choices), 5 the customer's first message (for the signal excerpts), 6 suggested templates
    render = _panel_renderer(rf, supervisor, triaged)
    with django_assert_max_num_queries(6):
        html = render()
    assert "tiny-v1" in html


def test_without_the_permission_the_panel_costs_nothing(rf, make_user, triaged, django_assert_num_queries):
    viewer = make_user(None, username="viewer")
    render = _panel_renderer(rf, viewer, triaged)
    with django_assert_num_queries(0):
        assert render().strip() == ""
