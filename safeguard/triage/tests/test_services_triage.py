"""triage_case: what the active model may change on a case, and what it must leave alone."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, CaseEvent, Category, Product
from safeguard.triage.models import ModelVersion, Prediction, RoutingRule
from safeguard.triage.services import pipeline, store, triage_case
from safeguard.triage.tests.integration_support import (  # noqa: F401
    CARD_TEXT,
    DEPOSIT_TEXT,
    EXAMPLES,
    frozen,
    make_case,
    tiny_model,
    triage_settings,
)

pytestmark = pytest.mark.django_db


def _prediction(case: Case) -> Prediction:
    return Prediction.objects.get(case=case, shadow=False)


def test_the_active_model_fills_the_empty_fields_and_records_what_it_applied(tiny_model, make_case):
    version = tiny_model()
    case = make_case(description=CARD_TEXT)

    assert triage_case(case.pk) == pipeline.DONE

    case.refresh_from_db()
    assert case.product.code == "credit-card"
    assert case.category.code == "fees-charges"
    assert case.department.code == "cards"
    prediction = _prediction(case)
    assert prediction.model_version == version
    assert prediction.applied == {"product": "credit-card", "category": "fees-charges", "department": "cards"}
    assert prediction.route == {"department": "cards", "group": None, "rule": None, "source": "model"}
    product = prediction.results["product"]
    assert product["label"] == "credit-card" and not product["abstained"]
    assert 0 <= product["confidence"] <= 1
    assert product["explanation"]["features"], "every prediction stores its explanation"
    # the change is on the timeline and in the audit log, by the system
    assert CaseEvent.objects.filter(case=case, kind="assigned", data__triage=True).exists()
    assert CaseEvent.objects.filter(case=case, kind="note", data__triage=True).exists()
    actions = set(
        AuditEntry.objects.filter(object_id__in=[str(case.pk), str(prediction.pk)]).values_list("action", flat=True)
    )
    assert {"triage.predict", "triage.apply"} <= actions


def test_a_person_s_choice_is_never_overwritten(tiny_model, make_case, departments):
    tiny_model()
    deposit = Product.objects.get(code="deposit")
    case = make_case(description=CARD_TEXT, product=deposit, department=departments["branch_sh"])
    version_before = Case.objects.get(pk=case.pk).version

    triage_case(case.pk)

    case.refresh_from_db()
    assert case.product == deposit
    assert case.department == departments["branch_sh"]
    # only the empty field was filled: a category that fits the person's product (any product)
    assert case.category.code == "fees-charges"
    assert _prediction(case).applied == {"category": "fees-charges"}
    assert case.version == version_before + 1


def test_a_category_of_another_product_is_not_applied(tiny_model, make_case):
    tiny_model()
    loan_only = Category.objects.create(
        code="card-only", name="Card only", product=Product.objects.get(code="credit-card")
    )
    rows = [
        (t, {**labels, "category": "card-only"} if labels["product"] == "credit-card" else labels)
        for t, labels in EXAMPLES
    ]
    ModelVersion.objects.update(status=ModelVersion.Status.RETIRED)
    tiny_model(rows=rows, name="card-only")
    case = make_case(description=CARD_TEXT, product=Product.objects.get(code="deposit"))

    triage_case(case.pk)

    case.refresh_from_db()
    assert case.category_id is None, "card-only belongs to credit cards, the case is about deposits"
    assert loan_only.pk


def test_below_the_threshold_triage_abstains_and_leaves_the_fields_alone(tiny_model, make_case, settings):
    tiny_model()
    settings.SAFEGUARD_TRIAGE_THRESHOLD = 0.999
    case = make_case(description=CARD_TEXT)

    assert triage_case(case.pk) == pipeline.DONE

    case.refresh_from_db()
    assert (case.product_id, case.category_id, case.department_id) == (None, None, None)
    prediction = _prediction(case)
    assert all(r["abstained"] for r in prediction.results.values())
    assert prediction.applied == {}
    assert prediction.route["source"] == "none"
    assert not CaseEvent.objects.filter(case=case, data__triage=True).exists()


def test_a_routing_rule_overrides_the_model_s_department(tiny_model, make_case, departments):
    tiny_model()
    RoutingRule.objects.create(name="catch-all last", order=900, conditions={}, department=departments["head"])
    rule = RoutingRule.objects.create(
        name="card fees to the branch",
        order=10,
        conditions={"product": "credit-card"},
        department=departments["branch_sh"],
    )
    RoutingRule.objects.create(name="inactive", order=1, is_active=False, conditions={}, department=departments["head"])
    case = make_case(description=CARD_TEXT)

    triage_case(case.pk)

    case.refresh_from_db()
    assert case.department == departments["branch_sh"], "the model said cards; the first matching rule wins"
    route = _prediction(case).route
    assert route["source"] == "rule" and route["rule"] == rule.pk and route["department"] == "branch-sh"
    event = CaseEvent.objects.get(case=case, kind="assigned")
    assert "card fees to the branch" in event.note


def test_a_rule_on_the_predicted_product_does_not_match_when_the_model_abstains(
    tiny_model, make_case, departments, settings
):
    tiny_model()
    settings.SAFEGUARD_TRIAGE_THRESHOLD = 0.999
    RoutingRule.objects.create(
        name="cards", order=1, conditions={"product": "credit-card"}, department=departments["branch_sh"]
    )
    case = make_case(description=CARD_TEXT)

    triage_case(case.pk)

    case.refresh_from_db()
    assert case.department_id is None
    assert _prediction(case).route["source"] == "none"


def test_self_harm_language_escalates_at_once_and_tells_the_supervisors(
    tiny_model, make_case, make_user, departments, mailoutbox, django_capture_on_commit_callbacks
):
    tiny_model()
    from safeguard.accounts.roles import Role

    cards_supervisor = make_user(
        Role.SUPERVISOR, username="sup-cards", email="sup@example.com", preferred_language="zh-hans"
    )
    make_user(Role.SUPERVISOR, departments_=("branch_sh",), username="sup-branch", email="branch@example.com")
    case = make_case(description="I want to end my life, my credit card annual fee was charged twice")

    with django_capture_on_commit_callbacks(execute=True):
        triage_case(case.pk)

    case.refresh_from_db()
    assert case.severity == "critical"
    assert case.department.code == "cards"
    escalation = CaseEvent.objects.get(case=case, kind="escalated")
    assert escalation.data["supervisors"] == ["sup-cards"]
    assert escalation.data["signal"] == "self_harm"
    assert [m.to for m in mailoutbox] == [["sup@example.com"]]
    assert case.reference in mailoutbox[0].subject
    assert "end my life" not in mailoutbox[0].body, "the mail names the case, never what the customer wrote"
    assert AuditEntry.objects.filter(action="triage.escalate", object_id=str(case.pk)).exists()
    signals = _prediction(case).signals
    assert signals[0]["kind"] == "self_harm" and signals[0]["words"] == ["end my life"]
    assert cards_supervisor.preferred_language == "zh-hans"


def test_other_risk_signals_raise_the_severity_to_high_but_never_lower_it(tiny_model, make_case):
    tiny_model()
    fraud = make_case(description="Someone made unauthorised transactions on my credit card, refund the fee")
    critical = make_case(description="Someone made unauthorised transactions on my credit card", severity="critical")

    triage_case(fraud.pk)
    triage_case(critical.pk)

    fraud.refresh_from_db()
    critical.refresh_from_db()
    assert fraud.severity == "high"
    assert _prediction(fraud).applied["severity"] == "high"
    assert critical.severity == "critical"
    assert "severity" not in _prediction(critical).applied
    assert not CaseEvent.objects.filter(case=fraud, kind="escalated").exists()


def test_a_complaint_filed_as_an_inquiry_is_suggested_not_changed(tiny_model, make_case):
    tiny_model()
    case = make_case(type="inquiry", description=CARD_TEXT)

    triage_case(case.pk)

    case.refresh_from_db()
    assert case.type == "inquiry"
    prediction = _prediction(case)
    assert prediction.results["type"]["label"] == "complaint"
    assert prediction.suggestions["type"] == "complaint"
    assert "type" not in prediction.applied


def test_a_repeat_complaint_is_flagged_from_the_customer_s_history(tiny_model, make_case, frozen):
    tiny_model()
    make_case(description="The branch was closed when it should have been open")
    from datetime import timedelta

    frozen.shift(timedelta(days=10))
    case = make_case(description=CARD_TEXT)

    triage_case(case.pk)

    signals = {s["kind"]: s for s in _prediction(case).signals}
    assert signals["repeat"]["earlier_cases"] == 1
    assert signals["repeat"]["words"] == []


def test_shadow_versions_predict_without_acting(tiny_model, make_case):
    active = tiny_model(name="active", rows=[(t, {"type": labels["type"]}) for t, labels in EXAMPLES_FOR_TYPE])
    shadow = tiny_model(status=ModelVersion.Status.SHADOW, name="shadow")
    case = make_case(description=CARD_TEXT)

    assert triage_case(case.pk) == pipeline.DONE

    case.refresh_from_db()
    assert (case.product_id, case.category_id, case.department_id) == (None, None, None)
    stored = {p.model_version_id: p for p in Prediction.objects.filter(case=case)}
    assert set(stored) == {active.pk, shadow.pk}
    assert stored[shadow.pk].shadow is True and stored[shadow.pk].applied == {}
    assert stored[shadow.pk].results["product"]["label"] == "credit-card"
    assert stored[active.pk].shadow is False


def test_with_only_a_shadow_version_nothing_is_applied(tiny_model, make_case):
    tiny_model(status=ModelVersion.Status.SHADOW)
    case = make_case(description="I want to end my life over this credit card fee")

    triage_case(case.pk)

    case.refresh_from_db()
    assert (case.product_id, case.department_id, case.severity) == (None, None, "medium")
    assert not CaseEvent.objects.filter(case=case, kind="escalated").exists()
    assert Prediction.objects.get(case=case).shadow


def test_triage_is_idempotent_per_case_and_version(tiny_model, make_case):
    tiny_model()
    case = make_case(description=CARD_TEXT)
    assert triage_case(case.pk) == pipeline.DONE
    entries = AuditEntry.objects.count()
    version = Case.objects.get(pk=case.pk).version

    assert triage_case(case.pk) == pipeline.ALREADY

    assert Prediction.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.count() == entries
    assert Case.objects.get(pk=case.pk).version == version


def test_a_new_shadow_version_triages_a_case_the_active_one_already_did(tiny_model, make_case):
    tiny_model()
    case = make_case(description=CARD_TEXT)
    triage_case(case.pk)
    shadow = tiny_model(status=ModelVersion.Status.SHADOW, name="later")

    assert triage_case(case.pk) == pipeline.DONE

    assert Prediction.objects.filter(case=case).count() == 2
    assert Prediction.objects.get(case=case, model_version=shadow).shadow


def test_suggested_answers_are_stored_with_the_prediction(tiny_model, make_case):
    tiny_model()
    case = make_case(description=CARD_TEXT)

    triage_case(case.pk)

    templates = _prediction(case).suggestions["templates"]
    assert 1 <= len(templates) <= 3


def test_a_missing_case_or_no_model_is_reported_not_raised(make_case, tiny_model):
    assert triage_case(999_999) == pipeline.MISSING
    tiny_model(status=ModelVersion.Status.RETIRED)
    case = make_case()
    assert triage_case(case.pk) == pipeline.NO_MODEL
    assert not Prediction.objects.exists()


def test_an_altered_model_file_is_refused_and_the_case_stays_untriaged(tiny_model, make_case, caplog):
    version = tiny_model()
    with store.storage().open(version.file, "rb") as handle:
        data = bytearray(handle.read())
    data[-1] ^= 0xFF
    store.storage().delete(version.file)
    store.storage().save(version.file, ContentFile(bytes(data)))
    store.forget()
    case = make_case(description="I want to end my life, " + CARD_TEXT)
    before = Case.objects.get(pk=case.pk).version

    with caplog.at_level(logging.ERROR):
        assert triage_case(case.pk) == pipeline.FAILED

    assert not Prediction.objects.exists()
    case.refresh_from_db()
    assert case.version == before and case.product_id is None
    assert "SHA-256" in caplog.text
    assert "end my life" not in caplog.text, "the log never holds the customer's words"


def test_a_loaded_model_is_cached_per_version_and_digest(tiny_model, make_case):
    version = tiny_model()
    first = store.load(version)
    assert store.load(version) is first
    version.sha256 = "0" * 64
    with pytest.raises(store.ModelFileError):
        store.load(version)


def test_triaging_one_case_uses_a_bounded_number_of_queries(tiny_model, make_case):
    tiny_model()
    case = make_case(description=DEPOSIT_TEXT)
    store.load(ModelVersion.objects.get())  # the file is read once per process
    with CaptureQueriesContext(connection) as queries:
        triage_case(case.pk)
    assert len(queries) < 40


EXAMPLES_FOR_TYPE = [
    ("My credit card annual fee was charged twice", {"type": "complaint"}),
    ("You charged me a fee I never owed, unacceptable", {"type": "complaint"}),
    ("Terrible service and an unfair charge", {"type": "complaint"}),
    ("What interest rate does my deposit earn", {"type": "inquiry"}),
    ("How do I open an account", {"type": "inquiry"}),
    ("When is interest paid", {"type": "inquiry"}),
]


# --- at intake ------------------------------------------------------------------------------------


def test_with_triage_on_a_new_case_is_triaged_when_it_is_opened(
    tiny_model, make_case, settings, django_capture_on_commit_callbacks
):
    tiny_model()
    settings.SAFEGUARD_TRIAGE_AUTO = True

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(description=CARD_TEXT)

    assert Prediction.objects.filter(case=case, shadow=False).exists()
    assert Case.objects.filter(pk=case.pk, product__code="credit-card").exists()


def test_a_triage_failure_never_breaks_open_case(
    tiny_model, make_case, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    tiny_model()
    settings.SAFEGUARD_TRIAGE_AUTO = True

    def broken(version):
        raise RuntimeError("model store is down")

    monkeypatch.setattr(store, "load", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        case = make_case(description=CARD_TEXT)

    assert Case.objects.filter(pk=case.pk, product__isnull=True).exists(), "the case is recorded, untriaged"
    assert not Prediction.objects.exists()
    assert "triage of case" in caplog.text and "model store is down" in caplog.text


def test_a_failure_to_enqueue_is_logged_not_raised(
    make_case, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from safeguard.triage import tasks

    settings.SAFEGUARD_TRIAGE_AUTO = True

    def refuse(*args, **kwargs):
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(tasks, "triage_case", SimpleNamespace(enqueue=refuse))
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        case = make_case(description=CARD_TEXT)

    assert Case.objects.filter(pk=case.pk).exists()
    assert "Could not enqueue triage" in caplog.text
