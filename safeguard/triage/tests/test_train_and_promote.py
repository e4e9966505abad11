"""The default model of a fresh install, triage_train, and promotion (only ever explicit)."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Product
from safeguard.cases.tests.support import stage
from safeguard.triage.models import Correction, ModelVersion, Prediction, TrainingClaim
from safeguard.triage.receivers import on_demo_loaded
from safeguard.triage.services import ensure_default_model, pipeline, promote, training, triage_case, versions
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


@pytest.fixture
def small_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped examples replaced by the tiny set (the real file is used once, below)."""
    path = tmp_path / "seed.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "language", "type", "product", "category"])
        writer.writeheader()
        for text, labels in EXAMPLES:
            writer.writerow({"text": text, "language": "en", **{k: labels[k] for k in ("type", "product", "category")}})
    monkeypatch.setattr(training, "SHIPPED_EXAMPLES", path)
    return path


# --- day one ----------------------------------------------------------------------------------


def test_a_fresh_install_trains_its_default_model_from_the_shipped_examples_once(departments):
    version = ensure_default_model()

    assert version is not None
    assert version.status == ModelVersion.Status.ACTIVE and version.source == ModelVersion.Source.SHIPPED
    assert set(version.targets) == {"type", "product", "category"}, "the shipped file has no departments"
    assert version.n_examples == len(training.shipped_examples())
    product = version.metrics["product"]
    assert product["n_test"] > 0 and 0 < product["accuracy"] <= 1
    assert len(product["confusion"]) == len(product["labels"])
    assert ensure_default_model() == version
    assert ModelVersion.objects.count() == 1
    assert not TrainingClaim.objects.exists(), "the claim is released"
    assert AuditEntry.objects.filter(action="triage.model.create", object_id=str(version.pk)).exists()


def test_the_first_triage_trains_the_default_model_lazily(small_shipped, make_case):
    case = make_case(description=CARD_TEXT)

    assert triage_case(case.pk) == pipeline.DONE

    version = ModelVersion.objects.get()
    assert version.status == ModelVersion.Status.ACTIVE
    case.refresh_from_db()
    assert case.product.code == "credit-card"
    assert Prediction.objects.get(case=case).model_version == version


def test_a_second_worker_does_not_train_while_the_first_holds_the_claim(small_shipped):
    TrainingClaim.objects.create(key=versions.DEFAULT_JOB, claimed_at=timezone.now())

    assert ensure_default_model(wait_seconds=0) is None

    assert not ModelVersion.objects.exists()


def test_an_abandoned_claim_is_taken_over(small_shipped):
    TrainingClaim.objects.create(key=versions.DEFAULT_JOB, claimed_at=timezone.now() - timedelta(hours=2))

    version = ensure_default_model(wait_seconds=0)

    assert version is not None and version.status == ModelVersion.Status.ACTIVE
    assert not TrainingClaim.objects.exists()


def test_no_default_model_is_trained_once_any_version_exists(small_shipped, tiny_model):
    tiny_model(status=ModelVersion.Status.RETIRED)

    assert ensure_default_model() is None
    assert ModelVersion.objects.count() == 1


def test_load_demo_makes_sure_the_default_model_exists_when_triage_runs_automatically(small_shipped, settings):
    said: list[str] = []
    on_demo_loaded(None, seed=1, bulk=False, say=said.append)
    assert not ModelVersion.objects.exists(), "triage is off in the test settings: nothing to prepare"

    settings.SAFEGUARD_TRIAGE_AUTO = True
    on_demo_loaded(None, seed=1, bulk=False, say=said.append)

    assert ModelVersion.objects.get().status == ModelVersion.Status.ACTIVE
    assert any("default model" in line for line in said)


# --- training data --------------------------------------------------------------------------


def test_training_reads_decided_cases_and_the_latest_correction_wins(make_case, departments, agent):
    decided = make_case(
        description=CARD_TEXT, product=Product.objects.get(code="deposit"), department=departments["cards"]
    )
    stage(decided, "closed")
    corrected_open = make_case(description=DEPOSIT_TEXT)
    still_open = make_case(description="not decided and not corrected")
    now = timezone.now()
    Correction.objects.create(
        case=decided, target="product", predicted="deposit", corrected="payment", by=agent, at=now
    )
    Correction.objects.create(
        case=decided, target="product", predicted="deposit", corrected="credit-card", by=agent, at=now + timedelta(1)
    )
    Correction.objects.create(
        case=corrected_open, target="type", predicted="complaint", corrected="inquiry", by=agent, at=now
    )

    found = {e.text: e.labels for e in training.institution_examples()}

    assert found[CARD_TEXT] == {"type": "complaint", "product": "credit-card", "department": "cards"}
    assert found[DEPOSIT_TEXT] == {"type": "inquiry"}
    assert still_open.description not in found


def test_training_since_a_day_leaves_older_cases_out(make_case, frozen):
    old = make_case(description="an old decided case about a credit card fee")
    stage(old, "closed")
    frozen.shift(timedelta(days=40))
    new = make_case(description=CARD_TEXT)
    stage(new, "closed")

    found = [e.text for e in training.institution_examples(since=timezone.localdate())]

    assert found == [CARD_TEXT]


# --- triage_train -----------------------------------------------------------------------------


def _decided_cases(make_case, departments, n: int = 3) -> None:
    for text, labels in EXAMPLES[:n] + EXAMPLES[7 : 7 + n]:
        case = make_case(
            description=text,
            type=labels["type"],
            product=labels["product"],
            department=departments["cards" if labels["department"] == "cards" else "branch_sh"],
        )
        stage(case, "closed")


def test_triage_train_makes_a_shadow_version_and_never_promotes_it(small_shipped, make_case, departments, tiny_model):
    active = tiny_model(name="the active one")
    _decided_cases(make_case, departments)
    out = StringIO()

    call_command("triage_train", "--min-examples", "100", "--encoder", "none", stdout=out)

    new = ModelVersion.objects.exclude(pk=active.pk).get()
    assert new.status == ModelVersion.Status.SHADOW
    assert new.source == ModelVersion.Source.CASES
    assert new.n_examples == 6 + len(EXAMPLES), "too few of its own: the shipped examples were mixed in"
    assert "department" in new.targets
    active.refresh_from_db()
    assert active.status == ModelVersion.Status.ACTIVE
    text = out.getvalue()
    assert f"Version {new.pk}" in text and "status: shadow" in text and "triage_promote" in text
    assert AuditEntry.objects.filter(
        action="triage.model.create", object_id=str(new.pk), actor_label="manage.py"
    ).exists()

    # the next case is acted on by the active version only; the new one predicts in its shadow
    case = make_case(description=CARD_TEXT)
    triage_case(case.pk)
    assert Prediction.objects.get(case=case, shadow=False).model_version == active
    assert Prediction.objects.get(case=case, shadow=True).model_version == new


def test_triage_train_with_enough_cases_uses_only_them(small_shipped, make_case, departments):
    _decided_cases(make_case, departments)

    call_command("triage_train", "--min-examples", "6", "--encoder", "none", stdout=StringIO())

    assert ModelVersion.objects.get().n_examples == 6


def test_triage_train_refuses_bad_options(small_shipped):
    with pytest.raises(CommandError, match="--since"):
        call_command("triage_train", "--since", "last tuesday", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("triage_train", "--encoder", "bert", stdout=StringIO())
    assert not ModelVersion.objects.exists()


def test_triage_train_with_nothing_to_learn_says_so(small_shipped, tmp_path, monkeypatch):
    empty = tmp_path / "empty.csv"
    empty.write_text("text,type\n", encoding="utf-8")
    monkeypatch.setattr(training, "SHIPPED_EXAMPLES", empty)

    with pytest.raises(CommandError, match="enough"):
        call_command("triage_train", "--encoder", "none", stdout=StringIO())
    assert not ModelVersion.objects.exists()


# --- promotion ----------------------------------------------------------------------------------


def test_triage_promote_makes_the_version_active_and_retires_the_previous(tiny_model):
    old = tiny_model(name="old")
    new = tiny_model(status=ModelVersion.Status.SHADOW, name="new")
    out = StringIO()

    call_command("triage_promote", str(new.pk), stdout=out)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ModelVersion.Status.RETIRED, ModelVersion.Status.ACTIVE)
    assert new.promoted_at is not None
    entry = AuditEntry.objects.get(action="triage.model.promote")
    assert entry.object_id == str(new.pk) and entry.changes["retired"] == [f"{old.pk} old"]
    assert "is now active" in out.getvalue()


def test_triage_promote_refuses_an_unknown_or_already_active_version(tiny_model):
    active = tiny_model()
    with pytest.raises(CommandError, match="no triage model version"):
        call_command("triage_promote", "999999", stdout=StringIO())
    with pytest.raises(CommandError, match="already"):
        call_command("triage_promote", str(active.pk), stdout=StringIO())


def test_a_version_whose_file_is_missing_is_not_promoted(tiny_model):
    active = tiny_model()
    broken = tiny_model(status=ModelVersion.Status.SHADOW, name="broken")
    from safeguard.triage.services import store

    store.storage().delete(broken.file)
    store.forget()

    with pytest.raises(versions.ModelFileUnusable):
        promote(version=broken, by=None)

    active.refresh_from_db()
    assert active.status == ModelVersion.Status.ACTIVE
    assert not AuditEntry.objects.filter(action="triage.model.promote").exists()


def test_promotion_needs_the_permission(tiny_model, agent, administrator):
    from safeguard.core.errors import PermissionDenied

    shadow = tiny_model(status=ModelVersion.Status.SHADOW)
    with pytest.raises(PermissionDenied):
        promote(version=shadow, by=agent)
    assert promote(version=shadow, by=administrator).status == ModelVersion.Status.ACTIVE


def test_training_needs_the_permission(small_shipped, agent):
    from safeguard.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        versions.train_version(by=agent, encoder="none")
    assert not ModelVersion.objects.exists()
