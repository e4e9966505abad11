"""Triage reacts to new cases (``cases.signals.case_opened``) by enqueueing ``tasks.triage_case``
when ``SAFEGUARD_TRIAGE_AUTO`` is on. A failure to enqueue is logged, never raised: intake must
not fail because triage did.

``load_demo`` announces its data (``cases.demo.signals.demo_loaded``): when triage runs on new
cases (``SAFEGUARD_TRIAGE_AUTO``), it then makes sure the install has its default model, so the
demo's next new case is triaged without waiting for one to be trained. (Otherwise the first
triage trains it.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


def on_case_opened(sender: Any, *, case_id: int, source: str = "", **kwargs: Any) -> None:
    if not settings.SAFEGUARD_TRIAGE_AUTO:
        return
    from safeguard.triage.tasks import triage_case

    try:
        triage_case.enqueue(case_id)
    except Exception:
        logger.exception("Could not enqueue triage for case %s", case_id)


def on_demo_loaded(sender: Any, *, say: Callable[[str], None], **kwargs: Any) -> None:
    from safeguard.triage.models import ModelVersion
    from safeguard.triage.services import ensure_default_model

    if not settings.SAFEGUARD_TRIAGE_AUTO or ModelVersion.objects.exists():
        return
    try:
        version = ensure_default_model(say=say)
    except Exception:
        logger.exception("Could not train the default triage model")
        say("Triage: the default model could not be trained (see the log); triage_train can make one.")
        return
    if version is not None:
        say(f"Triage: default model {version.name} trained from the shipped examples in {version.train_seconds} s.")


def on_case_department_changed(
    sender: Any, *, case_id: int, department: str | None, previous: str | None, by_id: int, **kwargs: Any
) -> None:
    """A person moved a case that triage classified to another department: that is a label for
    the next training, recorded as a ``Correction`` (once per case and department: the triage
    panel's own "correct" form has already recorded it when it made the move)."""
    if department is None:
        return
    try:
        from safeguard.triage.services.corrections import record_reassignment

        record_reassignment(case_id=case_id, department=department, by_id=by_id)
    except Exception:
        logger.exception("Could not record the reassignment of case %s as a triage correction", case_id)
