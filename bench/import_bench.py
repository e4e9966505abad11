"""Bulk import throughput: ``python -m bench.import_bench [--rows 50000] [--only sqlite|postgresql]``.

Generates a synthetic CFPB-format CSV of N rows (made-up values in the CFPB's vocabulary, never
real data) under ``var/bench/``, then imports it with ``manage.py import_cases``'s engine
(``safeguard.intake.importer``) into a fresh SQLite file (``var/bench/import.sqlite3``) and a
freshly created and migrated PostgreSQL database (``IMPORT_BENCH_PG_URL``, default
``postgres://postgres@127.0.0.1:5432/sg_import``; it is dropped and recreated: never point it at a
database you want to keep). Each database runs in its own process (Django is configured once
per process). It times, with ``time.perf_counter``:

* ``dry_run``: ``--dry-run`` over the file into the empty database (every batch written, then
  rolled back);
* ``first``: the import of the whole file into the empty database (what the target is about);
* ``again``: the same file a second time (every row already present: the idempotent path).

Figures are rows read per second, printed and written to ``var/bench/import.json``. The target
(issue 4) is at least 5,000 rows/s on both databases. Migrations and the file's generation are
not timed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/sg_import"
TARGET_ROWS_PER_S = 5000

# (product, sub-products, issues) in the CFPB's wording.
PRODUCTS = [
    (
        "Credit reporting or other personal consumer reports",
        ["Credit reporting", "Other personal consumer report"],
        [
            "Incorrect information on your report",
            "Improper use of your report",
            "Problem with a company's investigation into an existing problem",
        ],
    ),
    (
        "Debt collection",
        ["Credit card debt", "Medical debt", "I do not know", "Auto debt"],
        ["Attempts to collect debt not owed", "Written notification about debt", "Communication tactics"],
    ),
    (
        "Credit card",
        ["General-purpose credit card or charge card", "Store credit card"],
        ["Fees or interest", "Problem with a purchase shown on your statement", "Getting a credit card"],
    ),
    (
        "Checking or savings account",
        ["Checking account", "Savings account"],
        ["Managing an account", "Closing an account", "Problem caused by your funds being low"],
    ),
    (
        "Mortgage",
        ["Conventional home mortgage", "FHA mortgage"],
        [
            "Trouble during payment process",
            "Struggling to pay mortgage",
            "Applying for a mortgage or refinancing an existing mortgage",
        ],
    ),
    (
        "Money transfer, virtual currency, or money service",
        ["Domestic (US) money transfer", "International money transfer", "Virtual currency"],
        ["Fraud or scam", "Other transaction problem"],
    ),
    ("Vehicle loan or lease", ["Loan", "Lease"], ["Managing the loan or lease", "Struggling to pay your loan"]),
    (
        "Student loan",
        ["Federal student loan servicing", "Private student loan"],
        ["Dealing with your lender or servicer", "Struggling to repay your loan"],
    ),
    (
        "Prepaid card",
        ["General-purpose prepaid card", "Gift card"],
        ["Unexpected or other fees", "Trouble using the card"],
    ),
    (
        "Payday loan, title loan, personal loan, or advance loan",
        ["Installment loan", "Payday loan"],
        ["Charged fees or interest you didn't expect"],
    ),
]
VIA = [("Web", 70), ("Referral", 10), ("Phone", 8), ("Postal mail", 6), ("Fax", 1), ("Email", 1), ("Web Referral", 4)]
RESPONSES = [
    ("Closed with explanation", 75),
    ("Closed with non-monetary relief", 12),
    ("Closed with monetary relief", 5),
    ("In progress", 6),
    ("Untimely response", 2),
]
STATES = ["CA", "FL", "TX", "NY", "GA", "IL", "PA", "NJ", "NC", "OH", "VA", "MD", "MI", "AZ", "WA"]
WORDS = [
    "account",
    "bank",
    "fee",
    "charged",
    "twice",
    "statement",
    "payment",
    "card",
    "credit",
    "report",
    "dispute",
    "called",
    "told",
    "letter",
    "refund",
    "weeks",
    "months",
    "interest",
    "balance",
    "loan",
    "servicer",
    "collector",
    "debt",
    "owed",
    "late",
    "mortgage",
    "escrow",
    "transfer",
    "fraud",
    "unauthorized",
    "never",
    "received",
    "closed",
    "opened",
    "application",
    "denied",
    "error",
    "company",
]


def generate(path: Path, rows: int, seed: int) -> None:
    """A CFPB-format CSV: received over the last two years, ~40% without a narrative, a few tags,
    about 0.2% broken rows (an unparseable date), ids unique."""
    rng = random.Random(seed)
    today = date.today()
    via, via_w = zip(*VIA, strict=True)
    responses, responses_w = zip(*RESPONSES, strict=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_columns())
        for n in range(rows):
            product, subs, issues = rng.choice(PRODUCTS)
            received = today - timedelta(days=rng.randint(1, 730))
            narrative = (
                "" if rng.random() < 0.4 else " ".join(rng.choices(WORDS, k=rng.randint(20, 120))).capitalize() + "."
            )
            tags = rng.choices(["", "Older American", "Servicemember", "Older American, Servicemember"], [88, 8, 3, 1])[
                0
            ]
            received_text = received.isoformat() if rng.random() >= 0.002 else "not a date"
            writer.writerow(
                [
                    received_text,
                    product,
                    rng.choice(subs),
                    rng.choice(issues),
                    "",
                    narrative,
                    "",
                    rng.choice(["EXAMPLE BANK, N.A.", "SAMPLE FINANCIAL INC.", "DEMO CREDIT UNION"]),
                    rng.choice(STATES),
                    f"{rng.randint(100, 999)}XX",
                    tags,
                    "Consent provided" if narrative else "Consent not provided",
                    rng.choices(via, via_w)[0],
                    (received + timedelta(days=rng.randint(0, 3))).isoformat(),
                    rng.choices(responses, responses_w)[0],
                    "Yes" if rng.random() < 0.97 else "No",
                    "N/A",
                    str(10_000_000 + n),
                ]
            )
    tmp.replace(path)


def _columns() -> list[str]:
    # The CFPB's column order; kept here so the generator needs no Django.
    return [
        "Date received", "Product", "Sub-product", "Issue", "Sub-issue", "Consumer complaint narrative",
        "Company public response", "Company", "State", "ZIP code", "Tags", "Consumer consent provided?",
        "Submitted via", "Date sent to company", "Company response to consumer", "Timely response?",
        "Consumer disputed?", "Complaint ID",
    ]  # fmt: skip


# --- one database, in its own process ---------------------------------------------------------


def worker(
    database_url: str, file: Path, batch_size: int, profile: Path | None, *, drop_trigram: bool = False
) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        db_file = Path(database_url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    common.setup_django(database_url)
    if not database_url.startswith("sqlite"):
        common.recreate_database(database_url)
    from django.core.management import call_command
    from django.db import connection

    from safeguard.cases.models import Case, CaseEvent, CaseMilestone
    from safeguard.intake import importer

    call_command("migrate", verbosity=0)
    results: dict[str, Any] = {"vendor": connection.vendor, "batch_size": batch_size}
    problems: list[Any] = []
    if drop_trigram and connection.vendor == "postgresql":
        # Diagnostic only: what the queue search's trigram indexes (cases migration 0005) cost.
        with connection.cursor() as cur:
            for name in ("case_reference_trgm_idx", "case_subject_trgm_idx", "case_description_trgm_idx"):
                cur.execute(f"DROP INDEX IF EXISTS {name}")
        results["trigram_indexes_dropped"] = True
    for run, options in (("dry_run", {"dry_run": True}), ("first", {}), ("again", {})):
        problems.clear()
        profiler = None
        if profile is not None and run == "first":
            from pyinstrument import Profiler  # optional, installed by hand for profiling only

            profiler = Profiler()
            profiler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = importer.import_file(file, batch_size=batch_size, on_problem=problems.append, **options)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if profiler is not None and profile is not None:
            profiler.stop()
            profile.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        results[run] = {
            "rows": summary.read,
            "created": summary.created,
            "closed": summary.closed,
            "present": summary.present,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "customers_created": summary.customers_created,
            "seconds": round(seconds, 2),
            "rows_per_s": round(summary.read / seconds),
            # CPU time of this process only (SQLite works in it; PostgreSQL's server does not).
            "cpu_seconds": round(cpu, 2),
        }
    results["written"] = {
        "cases": Case.objects.count(),
        "milestones": CaseMilestone.objects.count(),
        "events": CaseEvent.objects.count(),
    }
    return results


# --- driver -----------------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("IMPORT_BENCH_ROWS", "50000")))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--pg-url", default=os.environ.get("IMPORT_BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--out", type=Path, default=common.ROOT / "var" / "bench")
    parser.add_argument("--profile", action="store_true", help="Profile the first import (needs pyinstrument).")
    parser.add_argument(
        "--without-trigram",
        action="store_true",
        help="Diagnostic: drop the trigram search indexes on PostgreSQL first (not the shipped schema).",
    )
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.worker:
        url, file = args.worker
        profile = args.out / f"import-profile-{'sqlite' if url.startswith('sqlite') else 'postgresql'}.txt"
        result = worker(
            url, Path(file), args.batch_size, profile if args.profile else None, drop_trigram=args.without_trigram
        )
        common.write_json(args.result, result)
        return 0

    file = args.out / f"cfpb-{args.rows}-{args.seed}.csv"
    if not file.exists():
        print(f"generating {args.rows} rows into {file}", flush=True)
        generate(file, args.rows, args.seed)
    databases = {
        "sqlite": f"sqlite:///{(args.out / 'import.sqlite3').resolve()}",
        "postgresql": args.pg_url,
    }
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(),
        "machine": common.machine_info(),
        "file": {"path": str(file), "rows": args.rows, "bytes": file.stat().st_size, "seed": args.seed},
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "databases": {},
    }
    for name in args.only or databases:
        result_file = args.out / f"import-{name}.json"
        command = [sys.executable, "-m", "bench.import_bench", "--worker", databases[name], str(file)]
        command += ["--batch-size", str(args.batch_size), "--out", str(args.out), "--result", str(result_file)]
        if args.profile:
            command.append("--profile")
        if args.without_trigram:
            command.append("--without-trigram")
        print(f"== {name} ==", flush=True)
        subprocess.run(command, cwd=common.ROOT, check=True)
        result = json.loads(result_file.read_text())
        report["databases"][name] = result
        for run in ("dry_run", "first", "again"):
            r = result[run]
            print(
                f"{name:<10} {run:<8} {r['rows']:>7} rows in {r['seconds']:>6.2f} s = {r['rows_per_s']:>6} rows/s "
                f"(importer CPU {r['cpu_seconds']:.2f} s; created {r['created']}, present {r['present']}, "
                f"errors {r['errors']})",
                flush=True,
            )
    report["without_trigram_indexes"] = args.without_trigram
    report["machine"]["load_average_after"] = common.machine_info()["load_average"]
    report["summary"] = {name: result["first"]["rows_per_s"] for name, result in report["databases"].items()} | {
        "meets_target": all(r["first"]["rows_per_s"] >= TARGET_ROWS_PER_S for r in report["databases"].values())
    }
    common.write_json(args.out / "import.json", report)
    print(f"results in {args.out / 'import.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
