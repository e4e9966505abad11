"""Any write to a calendar or policy table gives ``RulesVersion.token`` a fresh random value.

The database does it, so no write path can forget: the admin, ``load_calendars``, data
migrations, raw SQL. ``selectors.deadline_rules`` compares the token with the one its cached
specs were loaded under (one cheap query per operation) instead of reloading every policy and
calendar each time. Random, not a counter: a rolled-back change must not let a later, different
change reuse the value a process cached under.

PostgreSQL: one statement-level trigger per table (TRUNCATE included). SQLite has only row-level
triggers, one per table and operation; calendar loads are a few hundred rows, so that is cheap.
"""

import uuid

from django.db import migrations
from django.db.utils import NotSupportedError

TABLES = (
    "deadlines_calendar",
    "deadlines_calendaryear",
    "deadlines_calendarday",
    "deadlines_deadlinepolicy",
    "deadlines_policymilestone",
    "deadlines_policyextension",
)
VERSION_TABLE = "deadlines_rulesversion"
OPERATIONS = ("INSERT", "UPDATE", "DELETE")

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION deadlines_rules_changed() RETURNS trigger AS $$
BEGIN
    UPDATE {VERSION_TABLE} SET token = md5(random()::text || clock_timestamp()::text || txid_current()::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _pg_trigger(table):
    return (
        f"CREATE TRIGGER {table}_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION deadlines_rules_changed();"
    )


def _sqlite_trigger(table, operation):
    return (
        f"CREATE TRIGGER {table}_rules_changed_{operation.lower()} AFTER {operation} ON {table} "
        f"BEGIN UPDATE {VERSION_TABLE} SET token = lower(hex(randomblob(16))); END;"
    )


def forwards(apps, schema_editor):
    apps.get_model("deadlines", "RulesVersion").objects.create(token=uuid.uuid4().hex)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            schema_editor.execute(_pg_trigger(table))
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                schema_editor.execute(_sqlite_trigger(table, operation))
    else:
        raise NotSupportedError(f"deadline rules triggers are written for PostgreSQL and SQLite, not {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_rules_changed ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS deadlines_rules_changed();")
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_rules_changed_{operation.lower()};")
    apps.get_model("deadlines", "RulesVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0004_rules_version")]
    operations = [migrations.RunPython(forwards, backwards)]
