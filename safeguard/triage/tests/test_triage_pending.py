"""``triage_pending`` catches up the cases the active model has not classified (bulk imports,
cases from before a promotion), once each; without an active model it says so."""

# The fixtures come from integration_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from safeguard.triage.models import Prediction
from safeguard.triage.services import triage_case
from safeguard.triage.tests.integration_support import (  # noqa: F401
    frozen,
    make_case,
    tiny_model,
    triage_settings,
)

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("triage_pending", *args, stdout=out)
    return out.getvalue()


def test_untriaged_cases_are_triaged_once(tiny_model, make_case):
    version = tiny_model()
    first, second, third = (make_case() for _ in range(3))
    triage_case(first.pk)
    assert "2 cases" in _run()
    assert set(Prediction.objects.filter(model_version=version).values_list("case_id", flat=True)) == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert "0 cases" in _run()
    assert Prediction.objects.count() == 3


def test_limit_takes_the_newest_first(tiny_model, make_case):
    tiny_model()
    make_case()
    newest = make_case()
    _run("--limit", "1")
    assert list(Prediction.objects.values_list("case_id", flat=True)) == [newest.pk]


def test_without_an_active_model_or_with_a_bad_limit_it_refuses(tiny_model, make_case):
    make_case()
    with pytest.raises(CommandError, match="No triage model version is active"):
        _run()
    tiny_model()
    with pytest.raises(CommandError, match="--limit"):
        _run("--limit", "0")
    assert not Prediction.objects.exists()
