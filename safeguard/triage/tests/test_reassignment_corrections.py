"""A person moving a triaged case to another department through the case page's Assign form
(``cases.services.assign``, which cannot call triage) is recorded as a triage correction, once."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811
from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.cases import services as cases
from safeguard.cases.models import Case
from safeguard.triage.models import Correction
from safeguard.triage.services import triage_case
from safeguard.triage.services.corrections import correct
from safeguard.triage.tests.integration_support import (  # noqa: F401
    frozen,
    make_case,
    tiny_model,
    triage_settings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def triaged(tiny_model, make_case, departments) -> Case:
    tiny_model(name="tiny-v1")
    case = make_case(department=departments["cards"])
    triage_case(case.pk)
    return Case.objects.get(pk=case.pk)


def test_a_reassignment_to_another_department_is_a_correction(
    triaged, supervisor, departments, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(case=triaged, by=supervisor, version=triaged.version, department=departments["branch_sh"])
    correction = Correction.objects.get(case=triaged)
    assert (correction.target, correction.corrected, correction.by) == ("department", "branch-sh", supervisor)
    assert correction.prediction is not None
    assert AuditEntry.objects.filter(action="triage.correct", object_id=str(correction.pk)).exists()


def test_a_reassignment_within_the_department_is_not_a_correction(
    triaged, supervisor, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(case=triaged, by=supervisor, version=triaged.version, assignee=agent)
    assert not Correction.objects.exists()


def test_a_case_triage_never_classified_records_nothing(
    make_case, supervisor, departments, django_capture_on_commit_callbacks
):
    case = make_case(department=departments["cards"])
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(case=case, by=supervisor, version=case.version, department=departments["branch_sh"])
    assert not Correction.objects.exists()


def test_the_panel_s_own_correction_is_recorded_once(triaged, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        correct(case=triaged, by=supervisor, target="department", value="branch-sh", version=triaged.version)
    assert Correction.objects.filter(case=triaged).count() == 1
