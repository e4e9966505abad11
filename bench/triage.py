"""Triage predictions per second (issue 7's sixth workload; issue 5's speed targets).

On the workspace data set it makes sure a triage model exists (``ensure_default_model``: the
default model from the shipped examples, trained once and reused), then measures with the
texts of real bench cases (subject, description and first message, as triage reads them):

* ``triage_batch``: every target of the active version predicting ``--batch`` texts at once
  (``per_s`` = cases per second, each case classified for every target);
* ``triage_single``: one case's text through every target, as the task does it (p50/p95);
* ``triage_case``: the whole ``triage_case`` service on cases not triaged yet: reading the case,
  predictions, signals, routing, suggested templates and the writes (p50/p95).

Target (issue 5): a single case under 20 ms, a batch at least 1,000 cases/s on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench import common
from bench.workspace import ensure_dataset

SINGLE_TARGET_MS = 20
BATCH_TARGET_PER_S = 1000
DEFAULT_BATCH = 2000


def run(
    *,
    database_url: str,
    cases: int,
    seed: int = 2026,
    requests: int = 200,
    warmup: int = 20,
    regenerate: bool = False,
    migrate: bool = True,
    only: list[str] | None = None,
    out_dir: Path,
    batch: int = DEFAULT_BATCH,
) -> dict[str, Any]:
    from safeguard.cases.models import Case
    from safeguard.triage.ml import predict_targets
    from safeguard.triage.models import Prediction
    from safeguard.triage.services import store
    from safeguard.triage.services.pipeline import triage_case
    from safeguard.triage.services.text import case_text, with_first_message
    from safeguard.triage.services.versions import ensure_default_model

    dataset = ensure_dataset(
        database_url, cases=cases, seed=seed, regenerate=regenerate, migrate=migrate, out_dir=out_dir
    )
    started = time.monotonic()
    version = ensure_default_model(say=lambda line: print(f"  {line}", flush=True))
    if version is None:
        return {"skipped": "no active triage model (versions exist, none active)", "summary": {}}
    model_seconds = round(time.monotonic() - started, 1)
    bundle = store.load(version)
    sample = list(with_first_message(Case.objects.order_by("-received_at"))[:batch])
    texts = [case_text(case) for case in sample]

    def want(name: str) -> bool:
        return not only or name in only

    def predict_all(chunk: list[str]) -> None:
        predict_targets(bundle.models, chunk)

    rows: list[dict[str, Any]] = []
    if want("triage_batch"):
        predict_all(texts[:50])  # warm: jieba's dictionary, the encoder session
        ms, _ = common.timed(lambda: predict_all(texts))
        rows.append({"scenario": "triage_batch", "cases": len(texts), "per_s": round(len(texts) / (ms / 1000), 1)})
    if want("triage_single"):
        singles = texts[: max(requests, 10)]
        for text in singles[:warmup]:
            predict_all([text])
        samples = [common.timed(lambda t=text: predict_all([t]))[0] for text in singles]
        rows.append({"scenario": "triage_single", **common.summarise(samples)})
    if want("triage_case"):
        done = Prediction.objects.filter(model_version=version).values("case_id")
        fresh = list(Case.objects.exclude(pk__in=done).order_by("-received_at").values_list("pk", flat=True)[:requests])
        samples = []
        outcomes: dict[str, int] = {}
        for case_id in fresh:
            ms, outcome = common.timed(lambda c=case_id: triage_case(c))
            samples.append(ms)
            outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
        if samples:
            rows.append({"scenario": "triage_case", **common.summarise(samples), "outcomes": outcomes})
        else:
            rows.append({"scenario": "triage_case", "skipped": "every case already triaged by this version"})
    by_name = {r["scenario"]: r for r in rows}
    single_p95 = by_name.get("triage_single", {}).get("p95_ms")
    per_s = by_name.get("triage_batch", {}).get("per_s")
    return {
        "cases": cases,
        "dataset": dataset,
        "model": {
            "version": version.pk,
            "name": version.name,
            "engine": version.engine,
            "targets": list(bundle.models),
            "ready_seconds": model_seconds,
        },
        "scenarios": rows,
        "summary": {
            "triage_per_s": per_s,
            "triage_single_p95_ms": single_p95,
            "triage_case_p95_ms": by_name.get("triage_case", {}).get("p95_ms"),
            "triage_meets_target": per_s is not None
            and single_p95 is not None
            and per_s >= BATCH_TARGET_PER_S
            and single_p95 < SINGLE_TARGET_MS,
        },
    }
