"""Case intake through the API, measured in-process: the server-side cost of ``POST /api/v1/cases``
(one case per request, each with its own ``Idempotency-Key``) and of ``POST /api/v1/cases/batch``
(100 cases per request), on the benchmark database.

The requests go through Django's full request stack (middleware, token auth, django-ninja,
validation, the services, the audit chain, the idempotency record) with the test ``Client``, one
after another; no HTTP server and no concurrency. The load test with a production server and
16/64 concurrent clients belongs to the scale-out benchmark.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from bench import common
from bench.workspace import AGENT, INTAKE_BENCH_SUBJECT, ensure_dataset

BATCH_SIZE = 100


def _item(n: int) -> dict[str, Any]:
    return {
        "type": "complaint",
        "channel": "api",
        "subject": INTAKE_BENCH_SUBJECT,
        "description": f"Bench complaint {n}: the card annual fee was charged although it was waived. 年费被重复收取。",
        "customer": {"customer_no": f"BENCH-{n}", "name": f"Bench Customer {n}", "phone": f"139{n % 100_000_000:08d}"},
    }


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
) -> dict[str, Any]:
    from django.test import Client

    from safeguard.accounts.models import User
    from safeguard.accounts.tokens import create_token

    ensure_dataset(database_url, cases=cases, seed=seed, regenerate=regenerate, migrate=migrate, out_dir=out_dir)
    agent = User.objects.get(username=AGENT)
    _token, secret = create_token(user=agent, name="bench", by="bench")
    client = Client(headers={"authorization": f"Bearer {secret}"})
    base = int(time.time()) * 1000

    def post_one(n: int) -> None:
        response = client.post(
            "/api/v1/cases",
            _item(base + n),
            content_type="application/json",
            headers={"idempotency-key": str(uuid.uuid4())},
        )
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/v1/cases answered {response.status_code}: {response.content[:300]!r}")

    def post_batch(n: int) -> None:
        items = [_item(base + 1_000_000 + n * BATCH_SIZE + i) for i in range(BATCH_SIZE)]
        response = client.post(
            "/api/v1/cases/batch",
            {"items": items},
            content_type="application/json",
            headers={"idempotency-key": str(uuid.uuid4())},
        )
        if response.status_code != 200:
            raise RuntimeError(f"POST /api/v1/cases/batch answered {response.status_code}: {response.content[:300]!r}")

    for n in range(warmup):
        post_one(-1 - n)
    single_ms: list[float] = []
    started = time.perf_counter()
    for n in range(requests):
        elapsed, _ = common.timed(lambda n=n: post_one(n))
        single_ms.append(elapsed)
    single_s = time.perf_counter() - started

    batches = max(2, requests // 50)
    batch_ms: list[float] = []
    started = time.perf_counter()
    for n in range(batches):
        elapsed, _ = common.timed(lambda n=n: post_batch(n))
        batch_ms.append(elapsed)
    batch_s = time.perf_counter() - started

    single = {"scenario": "api_create_one", **common.summarise(single_ms), "per_s": round(requests / single_s, 1)}
    batch = {
        "scenario": f"api_batch_{BATCH_SIZE}",
        **common.summarise(batch_ms),
        "per_s": round(batches * BATCH_SIZE / batch_s, 1),
    }
    return {
        "method": __doc__,
        "scenarios": [single, batch],
        "summary": {
            "api_create_per_s_in_process": single["per_s"],
            "api_create_p95_ms_in_process": single["p95_ms"],
            "api_batch_cases_per_s_in_process": batch["per_s"],
        },
    }
