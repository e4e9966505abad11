"""``manage.py triage_eval``: train a fresh triage model on one CSV file, score it on another and
print the figures as one JSON object (docs/triage.md, "The engine").

Touches neither the database nor the installed models: the model lives only in memory.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

# Single-text latency is measured on this many test texts, spread evenly over the file.
LATENCY_SAMPLES = 200


def read_labelled_csv(path: str, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """Texts and labels (as strings) from a UTF-8 CSV file with a header row. Rows without a
    label are skipped; a missing file, column or any row at all is a ``CommandError``."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(_("File not found: %(path)s") % {"path": path})
    texts: list[str] = []
    labels: list[str] = []
    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                raise CommandError(_("%(path)s is empty.") % {"path": path})
            columns = list(reader.fieldnames)
            for column in (text_col, label_col):
                if column not in columns:
                    raise CommandError(
                        _("%(path)s has no column %(column)s (it has: %(columns)s).")
                        % {"path": path, "column": column, "columns": ", ".join(columns) or "-"}
                    )
            for row in reader:
                label = (row.get(label_col) or "").strip()
                if label:
                    texts.append(row.get(text_col) or "")
                    labels.append(label)
    except UnicodeDecodeError as exc:
        raise CommandError(_("%(path)s is not UTF-8 text.") % {"path": path}) from exc
    except csv.Error as exc:
        raise CommandError(_("%(path)s is not a valid CSV file: %(error)s") % {"path": path, "error": exc}) from exc
    except OSError as exc:
        raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from exc
    if not texts:
        raise CommandError(_("%(path)s has no labelled rows.") % {"path": path})
    return texts, labels


class Command(BaseCommand):
    # Django's model checks open a database connection (JSONField support on SQLite), which would
    # create an empty database file; this command needs no database at all.
    requires_system_checks: list[str] = []

    @property
    def help(self) -> str:  # type: ignore[override]
        # argparse needs real strings, so translate when the parser is built.
        return _(
            "Train a fresh triage model on TRAIN, evaluate it on TEST and print one JSON object: accuracy, "
            "macro F1, coverage at the threshold, accuracy on the covered texts, training time and speed. "
            "Writes nothing: neither the database nor the installed models."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, metavar="TRAIN.csv", help=_("UTF-8 CSV file to train on"))
        parser.add_argument("--test", required=True, metavar="TEST.csv", help=_("UTF-8 CSV file to evaluate on"))
        parser.add_argument("--text-col", required=True, metavar="COL", help=_("column holding the text"))
        parser.add_argument("--label-col", required=True, metavar="COL", help=_("column holding the label"))
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            metavar="T",
            help=_("confidence below which triage abstains (default: SAFEGUARD_TRIAGE_THRESHOLD)"),
        )
        parser.add_argument(
            "--encoder",
            choices=["auto", "none"],
            default=None,
            help=_(
                "auto: add the sentence encoder when it is installed; none: stage 1 only "
                "(default: SAFEGUARD_TRIAGE_ENCODER)"
            ),
        )
        parser.add_argument("--seed", type=int, default=0, help=_("seed of the validation split and the solver"))

    def handle(self, *args: Any, **options: Any) -> None:
        from safeguard.triage.ml import TriageModel, evaluate

        threshold = options["threshold"]
        if threshold is None:
            threshold = settings.SAFEGUARD_TRIAGE_THRESHOLD
        if not 0.0 <= threshold <= 1.0:
            raise CommandError(_("The threshold must be between 0 and 1."))
        encoder = options["encoder"] or settings.SAFEGUARD_TRIAGE_ENCODER
        if encoder not in ("auto", "none"):
            raise CommandError(_("SAFEGUARD_TRIAGE_ENCODER must be auto or none."))

        train_texts, train_labels = read_labelled_csv(options["train"], options["text_col"], options["label_col"])
        test_texts, test_labels = read_labelled_csv(options["test"], options["text_col"], options["label_col"])
        if len(set(train_labels)) < 2:
            raise CommandError(_("The training file must have examples of at least two different labels."))

        import sklearn.feature_extraction.text
        import sklearn.svm  # noqa: F401  (imported before the clock starts: not training time)

        model = TriageModel(encoder=encoder)
        started = time.perf_counter()
        try:
            model.fit(train_texts, train_labels, seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        train_seconds = time.perf_counter() - started

        started = time.perf_counter()
        guesses = model.predict(test_texts)
        batch_seconds = time.perf_counter() - started
        latencies = []
        step = max(len(test_texts) // LATENCY_SAMPLES, 1)
        for text in test_texts[::step][:LATENCY_SAMPLES]:
            started = time.perf_counter()
            model.predict([text])
            latencies.append((time.perf_counter() - started) * 1000)

        metrics = evaluate(model, test_texts, test_labels, threshold, guesses=guesses)
        result = {
            "accuracy": metrics["accuracy"],
            "macro_f1": metrics["macro_f1"],
            "coverage": metrics["coverage"],
            "accuracy_on_covered": metrics["accuracy_on_covered"],
            "n_train": len(train_texts),
            "n_test": len(test_texts),
            "train_seconds": train_seconds,
            "predictions_per_second": len(test_texts) / max(batch_seconds, 1e-9),
            "single_ms_p50": float(np.percentile(latencies, 50)),
            "single_ms_p95": float(np.percentile(latencies, 95)),
            "threshold": threshold,
            "engine": model.describe(),
        }
        rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}
        self.stdout.write(json.dumps(rounded, ensure_ascii=False))
