"""Helpers shared by the benchmark workloads: Django set-up, the database, timing, plans, facts.

Nothing here is imported by the application; ``bench/`` only reads it from the outside.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/safeguard_bench"


def setup_django(database_url: str) -> None:
    """Configure the demo environment with DEBUG off against ``database_url`` and start Django."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SAFEGUARD_ENV", "demo")
    os.environ["SAFEGUARD_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    if settings.DEBUG:
        raise SystemExit("the benchmark must run with DEBUG off (SAFEGUARD_DEBUG=0)")
    if "testserver" not in settings.ALLOWED_HOSTS:  # the host name django.test.Client sends
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


# --- the database ---------------------------------------------------------------------------


def _maintenance_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def database_exists(database_url: str) -> bool:
    import psycopg

    url, name = _maintenance_url(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def recreate_database(database_url: str) -> None:
    """Drop (forcing other sessions off) and create the benchmark database."""
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    url, name = _maintenance_url(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        _apply_recommended_settings(conn, name)


def create_database_if_missing(database_url: str) -> bool:
    """True when it had to be created."""
    import psycopg
    from psycopg import sql

    if database_exists(database_url):
        return False
    url, name = _maintenance_url(database_url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        _apply_recommended_settings(conn, name)
    return True


# The planner settings docs/configuration.md recommends for a Safeguard database (an SSD, and no
# JIT for the dashboard's aggregates), applied to the benchmark's database when it is created so
# the figures describe the recommended set-up. ``database_settings()`` records them in each run.
RECOMMENDED_SETTINGS = {"jit": "off", "random_page_cost": "1.1"}


def _apply_recommended_settings(conn: Any, name: str) -> None:
    from psycopg import sql

    for setting, value in RECOMMENDED_SETTINGS.items():
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
            )
        )


# --- timing ---------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (k - low)


def summarise(samples_ms: Iterable[float]) -> dict[str, float]:
    values = sorted(samples_ms)
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(values[-1], 2) if values else float("nan"),
        "mean_ms": round(statistics.fmean(values), 2) if values else float("nan"),
    }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call, by ``time.perf_counter``."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


# --- SQL: capturing and explaining ------------------------------------------------------------


def capture_queries(call: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Run ``call`` and return its result and every SQL statement it sent, with parameters
    inlined (psycopg's client-side binding) and the time each took."""
    from django.db import connection

    captured: list[dict[str, Any]] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            cursor = context["cursor"]
            text = sql
            with suppress(Exception):
                text = connection.ops.last_executed_query(cursor, sql, params) or sql
            captured.append({"sql": text, "ms": round(elapsed, 3), "many": many})

    with connection.execute_wrapper(wrapper):
        result = call()
    return result, captured


def analyze() -> None:
    """Refresh the planner's statistics of the whole database (a few seconds at a million cases)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def explain(sql: str) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of a captured SELECT, as text."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cur.fetchall())


def plan_summary(plan: str) -> dict[str, Any]:
    """The lines a reader looks at first: indexes used, sequential scans, sorts, execution time."""
    lines = [line.strip() for line in plan.splitlines()]
    return {
        "indexes": sorted({line.split(" using ", 1)[1].split(" ")[0] for line in lines if " using " in line}),
        "seq_scans": sorted(
            {line.split("Seq Scan on ", 1)[1].split(" ")[0] for line in lines if "Seq Scan on " in line}
        ),
        "sorts": [line for line in lines if line.startswith(("Sort Method", "Sort Key"))][:4],
        "execution_ms": next(
            (float(line.split(":", 1)[1].strip().split(" ")[0]) for line in lines if line.startswith("Execution Time")),
            None,
        ),
    }


# --- facts about the run ---------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    return info


def versions() -> dict[str, Any]:
    import django
    import psycopg
    from django.db import connection

    found: dict[str, Any] = {"django": django.get_version(), "psycopg": psycopg.__version__}
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        found["postgresql"] = cur.fetchone()[0]
    with suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True)
        found["safeguard_commit"] = commit.stdout.strip()
        found["working_tree_dirty"] = bool(dirty.stdout.strip())
    return found


POSTGRES_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
)


def database_settings() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    found: dict[str, Any] = {
        "vendor": connection.vendor,
        "name": settings.DATABASES["default"]["NAME"],
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    }
    with connection.cursor() as cur:
        for name in POSTGRES_SETTINGS:
            cur.execute(f"SHOW {name}")
            found[name] = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        found["database_size"] = cur.fetchone()[0]
    return found


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def format_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, rule, *body])


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
