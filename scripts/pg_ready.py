"""Exit 0 when the PostgreSQL server in DATABASE_URL-style argv[1] accepts connections."""

import sys

import psycopg
from dj_database_url import parse

cfg = parse(sys.argv[1])
try:
    psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        dbname="postgres",
        connect_timeout=3,
    ).close()
except psycopg.OperationalError:
    sys.exit(1)
