"""``make bench``: run every workload and write ``var/bench/results.json``.

    python -m bench.run [--cases N] [--regenerate] [--requests 200] [--only queue_default ...]

The database comes from ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/
safeguard_bench``; it is created when missing, and regenerated when it does not hold the bulk
demo data set of the requested size). The results file holds the machine, the versions, the
settings, every figure of every workload and a top-level ``summary``; a copy of each run is kept
under ``var/bench/runs/``.

A workload is a function ``run(database_url=..., cases=..., requests=..., out_dir=..., ...)``
returning a dict with its own ``summary``; add new ones to ``WORKLOADS``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import common

WORKLOADS = ("workspace", "intake_api", "dashboard", "triage")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "100000")))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", "200")))
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true", help="Drop and regenerate the data set.")
    parser.add_argument("--no-migrate", dest="migrate", action="store_false", help="Do not migrate first.")
    parser.add_argument("--workload", action="append", choices=WORKLOADS, help="Run only these workloads.")
    parser.add_argument("--only", action="append", help="Run only these scenarios (by name).")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", common.DEFAULT_DATABASE_URL))
    parser.add_argument("--out", type=Path, default=common.ROOT / "var" / "bench")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the benchmark runs on PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    common.create_database_if_missing(args.database_url)
    common.setup_django(args.database_url)
    from bench import dashboard, intake_api, triage, workspace

    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "started_at": started.isoformat(),
        "machine": common.machine_info(),
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "database_url"},
        "workloads": {},
        "summary": {},
    }
    runners = {
        "workspace": workspace.run,
        "intake_api": intake_api.run,
        "dashboard": dashboard.run,
        "triage": triage.run,
    }
    for name in args.workload or WORKLOADS:
        print(f"== {name} at {args.cases} cases ==", flush=True)
        outcome = runners[name](
            database_url=args.database_url,
            cases=args.cases,
            seed=args.seed,
            requests=args.requests,
            warmup=args.warmup,
            regenerate=args.regenerate,
            migrate=args.migrate,
            only=args.only,
            out_dir=args.out,
        )
        results["workloads"][name] = outcome
        results["summary"].update({k: v for k, v in outcome["summary"].items() if k not in ("p50_ms", "p95_ms")})
        results["summary"][name] = outcome["summary"]
        if "skipped" in outcome:
            print(f"  skipped: {outcome['skipped']}", flush=True)
            continue
        print(
            common.format_table(
                outcome["scenarios"],
                [
                    "scenario",
                    "user",
                    "p50_ms",
                    "p95_ms",
                    "p99_ms",
                    "max_ms",
                    "cpu_p50_ms",
                    "queries",
                    "sql_ms",
                    "skipped",
                    "per_s",
                    "value",
                ],
            )
        )
    # Versions and settings after the run: the database now exists and is migrated.
    results["versions"] = common.versions()
    results["settings"] = {
        "database": common.database_settings(),
        "django_debug": False,
        "queue_page_size": _setting("SAFEGUARD_QUEUE_PAGE_SIZE"),
        "time_zone": _setting("TIME_ZONE"),
    }
    results["machine"]["load_average_after"] = common.machine_info()["load_average"]
    results["finished_at"] = datetime.now(UTC).isoformat()
    results["summary"]["cases"] = args.cases
    common.write_json(args.out / "results.json", results)
    common.write_json(args.out / "runs" / f"{started:%Y%m%dT%H%M%S}-{args.cases}.json", results)
    summary = results["summary"]
    print(
        f"queue p95 {summary.get('queue_p95_ms')} ms, case page p95 {summary.get('case_page_p95_ms')} ms "
        f"(target < {summary.get('target_p95_ms')} ms): {'met' if summary.get('meets_target') else 'NOT met'}; "
        f"dashboard {summary.get('dashboard_ms')} ms, KPI API p95 {summary.get('kpi_api_p95_ms')} ms; "
        f"results in {args.out / 'results.json'}"
    )
    return 0


def _setting(name: str) -> Any:
    from django.conf import settings

    return getattr(settings, name, None)


if __name__ == "__main__":
    raise SystemExit(main())
