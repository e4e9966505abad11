"""Model versions: the default model of a fresh install, training a new version, promotion.

* ``ensure_default_model()``: when no version exists at all, train one from the shipped examples
  and make it ACTIVE (source "shipped"), so triage works on day one. Two workers that call it at
  once train once: the first to claim the job (``TrainingClaim``, a unique key inserted in its own
  short transaction) trains, the others wait for its version. No database lock is held while
  training, so intake never waits on it (SQLite has one writer at a time).
* ``train_version()``: a new SHADOW version from the institution's decided cases and the
  handlers' corrections (``triage_train``). A new version never acts until a person promotes it.
* ``promote()``: the one way a version becomes ACTIVE (``triage_promote``, the model page's
  button); the version that was active is retired. Needs ``triage.promote_model``; audited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.cases.access import permission_denied
from safeguard.core.errors import Conflict, InvalidInput
from safeguard.triage import selectors
from safeguard.triage.models import ModelVersion, TrainingClaim
from safeguard.triage.services import store, training

logger = logging.getLogger(__name__)

DEFAULT_JOB = "default-model"
# A claim this old without a version is presumed abandoned (its worker died) and is taken over.
CLAIM_STALE_AFTER = timedelta(minutes=30)
# How long a worker that lost the claim waits for the winner's version before giving up.
DEFAULT_WAIT_SECONDS = 120.0
DEFAULT_MIN_EXAMPLES = 200
# The audit log's actor for what an operator does with manage.py (no user signed in).
COMMAND_LINE = "manage.py"


class AlreadyActive(Conflict):
    code = "model_already_active"


class ModelFileUnusable(InvalidInput):
    code = "model_file_unusable"


class NotEnoughExamples(InvalidInput):
    code = "not_enough_examples"


@dataclass
class TrainingResult:
    version: ModelVersion
    institution_examples: int
    shipped_examples: int
    trained: training.Trained


def _claim(key: str) -> bool:
    """Take the job, unless a live claim holds it (a stale one is taken over)."""
    now = timezone.now()
    with transaction.atomic():
        TrainingClaim.objects.filter(key=key, claimed_at__lt=now - CLAIM_STALE_AFTER).delete()
        try:
            with transaction.atomic():
                TrainingClaim.objects.create(key=key, claimed_at=now)
        except IntegrityError:
            return False
    return True


def _release(key: str) -> None:
    TrainingClaim.objects.filter(key=key).delete()


def _wait_for_version(seconds: float) -> ModelVersion | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        if ModelVersion.objects.exists():
            return selectors.active_version()
    return None


def _name(prefix: str) -> str:
    return f"{prefix}-{timezone.localtime():%Y%m%d-%H%M%S}"


def store_version(
    trained: training.Trained,
    *,
    name: str,
    source: str,
    status: str,
    by: User | None,
    encoder: str,
    actor: str = "system",
) -> ModelVersion:
    """Write the model file and the version's row, with its audit entry (call it inside a
    transaction: the row and the entry commit together)."""
    if not trained.models:
        raise NotEnoughExamples(_("No target had enough labelled examples to train a model."))
    file_name, digest = store.write(trained.models, engine=trained.engine)
    now = timezone.now()
    version = ModelVersion.objects.create(
        name=name,
        status=status,
        source=source,
        engine=trained.engine or f"encoder={encoder}",
        file=file_name,
        sha256=digest,
        targets=list(trained.models),
        metrics=trained.metrics,
        n_examples=trained.n_examples,
        train_seconds=trained.seconds,
        created_at=now,
        created_by=by,
        promoted_at=now if status == ModelVersion.Status.ACTIVE else None,
        promoted_by=by if status == ModelVersion.Status.ACTIVE else None,
    )
    audit.log(
        by if by is not None else actor,
        "triage.model.create",
        version,
        changes={
            "status": status,
            "source": source,
            "targets": list(trained.models),
            "examples": trained.n_examples,
            "examples_per_target": trained.counts,
            "sha256": digest,
        },
    )
    return version


def ensure_default_model(
    *, wait_seconds: float = DEFAULT_WAIT_SECONDS, say: Callable[[str], None] | None = None
) -> ModelVersion | None:
    """The active version; on an install with no version at all, first train the default one from
    the shipped examples. None when there are versions but none is active (an administrator
    retired them), or when another worker is still training after ``wait_seconds``."""
    if ModelVersion.objects.exists():
        return selectors.active_version()
    if not _claim(DEFAULT_JOB):
        return _wait_for_version(wait_seconds)
    try:
        if ModelVersion.objects.exists():  # the previous claimant finished in between
            return selectors.active_version()
        encoder = settings.SAFEGUARD_TRIAGE_ENCODER
        trained = training.train(
            training.shipped_examples(), encoder=encoder, threshold=settings.SAFEGUARD_TRIAGE_THRESHOLD, say=say
        )
        with transaction.atomic():
            if ModelVersion.objects.exists():  # made by hand meanwhile: leave it alone
                return selectors.active_version()
            version = store_version(
                trained,
                name=_name("shipped"),
                source=ModelVersion.Source.SHIPPED,
                status=ModelVersion.Status.ACTIVE,
                by=None,
                encoder=encoder,
            )
        logger.info("trained the default triage model %s in %.1f s", version.pk, trained.seconds)
        return version
    finally:
        _release(DEFAULT_JOB)


def train_version(
    *,
    by: User | None,
    since: date | None = None,
    min_examples: int = DEFAULT_MIN_EXAMPLES,
    encoder: str | None = None,
    say: Callable[[str], None] | None = None,
) -> TrainingResult:
    """A new SHADOW version from the institution's cases and corrections; with fewer than
    ``min_examples`` of them, the shipped examples are mixed in. Never promoted here. ``by`` None
    is an operator at the command line."""
    if by is not None and not by.has_perm(selectors.TRAIN_PERM):
        raise permission_denied(selectors.TRAIN_PERM)
    encoder = encoder or settings.SAFEGUARD_TRIAGE_ENCODER
    own = training.institution_examples(since)
    shipped = training.shipped_examples() if len(own) < min_examples else []
    if say:
        say(
            f"{len(own)} examples from decided and corrected cases"
            + (f"; fewer than {min_examples}, so {len(shipped)} shipped examples are mixed in" if shipped else "")
        )
    trained = training.train([*own, *shipped], encoder=encoder, threshold=settings.SAFEGUARD_TRIAGE_THRESHOLD, say=say)
    source = ModelVersion.Source.CASES if own else ModelVersion.Source.SHIPPED
    with transaction.atomic():
        version = store_version(
            trained,
            name=_name(source),
            source=source,
            status=ModelVersion.Status.SHADOW,
            by=by,
            encoder=encoder,
            actor=COMMAND_LINE,
        )
    return TrainingResult(
        version=version, institution_examples=len(own), shipped_examples=len(shipped), trained=trained
    )


@transaction.atomic
def promote(*, version: ModelVersion, by: User | None) -> ModelVersion:
    """Make ``version`` the active one; the previous active version is retired. ``by`` None is an
    operator at the command line (``triage_promote``)."""
    if by is not None and not by.has_perm(selectors.PROMOTE_PERM):
        raise permission_denied(selectors.PROMOTE_PERM)
    locked = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status == ModelVersion.Status.ACTIVE:
        raise AlreadyActive(_("This version is already the active one."))
    try:
        store.load(locked)
    except Exception as exc:
        logger.warning("refusing to promote triage model %s: %s", locked.pk, exc)
        raise ModelFileUnusable(
            _("The model file of this version cannot be used (missing or altered); it was not promoted.")
        ) from exc
    previous = list(ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE))
    for old in previous:
        old.status = ModelVersion.Status.RETIRED
        old.save(update_fields=["status"])
    was = locked.status
    locked.status = ModelVersion.Status.ACTIVE
    locked.promoted_at = timezone.now()
    locked.promoted_by = by
    locked.save(update_fields=["status", "promoted_at", "promoted_by"])
    audit.log(
        by if by is not None else COMMAND_LINE,
        "triage.model.promote",
        locked,
        changes={"status": [was, locked.status], "retired": [f"{v.pk} {v.name}" for v in previous]},
    )
    return locked
