"""``manage.py triage_eval``: one JSON object of figures, clear errors, and no side effects."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command, execute_from_command_line

from safeguard.audit.models import AuditEntry
from safeguard.triage.models import ModelVersion, Prediction

KEYS = {
    "accuracy",
    "macro_f1",
    "coverage",
    "accuracy_on_covered",
    "n_train",
    "n_test",
    "train_seconds",
    "predictions_per_second",
    "single_ms_p50",
    "single_ms_p95",
}

TRAIN = [
    ("my card was stolen", "fraud"),
    ("someone used my card without asking", "fraud"),
    ("payments I did not make, fraud", "fraud"),
    ("the transfer fee is too high", "fees"),
    ("why did you charge me a fee", "fees"),
    ("hidden fees on my statement", "fees"),
    ("信用卡被盗刷了", "盗刷"),
    ("有人盗用我的银行卡", "盗刷"),
    ("卡被盗刷好几笔", "盗刷"),
]
TEST = [("card stolen yesterday", "fraud"), ("a fee for the transfer", "fees"), ("银行卡被盗刷", "盗刷")]


def write_csv(path: Path, rows: list[tuple[str, str]], header: tuple[str, str] = ("message", "label")) -> str:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def run(**options) -> dict:
    out = StringIO()
    call_command("triage_eval", encoder="none", stdout=out, **options)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1  # one JSON object, nothing else
    return json.loads(lines[0])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {
        "train": write_csv(tmp_path / "train.csv", TRAIN),
        "test": write_csv(tmp_path / "test.csv", TEST),
        "text_col": "message",
        "label_col": "label",
    }


def test_prints_the_figures_of_a_fresh_model_without_touching_the_database(files, capsys):
    # As `manage.py triage_eval` (system checks included), and without a django_db mark: any
    # database access at all, even opening a connection, would fail this test.
    argv = ["manage.py", "triage_eval", "--encoder", "none", "--train", files["train"], "--test", files["test"]]
    execute_from_command_line([*argv, "--text-col", "message", "--label-col", "label"])

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1  # one JSON object, nothing else
    result = json.loads(lines[0])

    assert set(result) >= KEYS
    assert result["accuracy"] == 1.0
    assert result["macro_f1"] == 1.0
    assert result["n_train"] == 9 and result["n_test"] == 3
    assert 0.0 <= result["coverage"] <= 1.0
    assert result["threshold"] == settings.SAFEGUARD_TRIAGE_THRESHOLD
    assert result["train_seconds"] > 0 and result["predictions_per_second"] > 0
    assert 0 < result["single_ms_p50"] <= result["single_ms_p95"]


def test_threshold_sets_coverage(files):
    assert run(threshold=0.0, **files)["coverage"] == 1.0
    everything_abstains = run(threshold=1.0, **files)
    assert everything_abstains["coverage"] == 0.0
    assert everything_abstains["accuracy_on_covered"] is None


def test_numeric_labels(tmp_path):
    train = [(text, str(i)) for text, i in zip([t for t, _ in TRAIN], [1, 1, 1, 2, 2, 2, 30, 30, 30], strict=True)]
    test = [(TEST[0][0], "1"), (TEST[1][0], "2"), (TEST[2][0], "30")]

    result = run(
        train=write_csv(tmp_path / "a.csv", train, ("text", "category")),
        test=write_csv(tmp_path / "b.csv", test, ("text", "category")),
        text_col="text",
        label_col="category",
    )

    assert result["accuracy"] == 1.0


@pytest.mark.django_db
def test_writes_no_records_and_no_model_files(files):
    storage = Path(settings.VAR_DIR) / "triage"  # the "triage" storage: installed models
    before = sorted(storage.rglob("*")) if storage.exists() else []

    run(**files)

    assert (ModelVersion.objects.count(), Prediction.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)
    assert (sorted(storage.rglob("*")) if storage.exists() else []) == before


def test_bad_input_is_a_clear_error(files, tmp_path):
    cases: list[tuple[dict[str, object], str]] = [
        ({"train": str(tmp_path / "missing.csv")}, "File not found"),
        ({"text_col": "body"}, "has no column body (it has: message, label)"),
        ({"train": write_csv(tmp_path / "header_only.csv", [])}, "has no labelled rows"),
        ({"train": write_csv(tmp_path / "one.csv", [("a", "x"), ("b", "x")])}, "at least two different labels"),
        ({"threshold": 1.5}, "between 0 and 1"),
    ]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    cases.append(({"test": str(empty)}, "is empty"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("message,label\ncaf\xe9,a\n".encode("latin-1"))
    cases.append(({"test": str(latin1)}, "is not UTF-8"))

    for override, message in cases:
        with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
            run(**{**files, **override})


def test_unknown_encoder_setting_is_refused(files, settings):
    settings.SAFEGUARD_TRIAGE_ENCODER = "bert"

    with pytest.raises(CommandError, match="auto or none"):
        call_command("triage_eval", **files, stdout=StringIO())
