"""Indexes for the staff queue (issue 3): its default order, its filters on open cases, and, on
PostgreSQL, trigram indexes for its search.

The search runs Django's ``icontains``, which PostgreSQL receives as ``UPPER(col::text) LIKE
UPPER('%…%')``; the trigram indexes are built on that same expression, ``UPPER(col)``, so the
planner can use them (an index on the bare column would never match). SQLite has no pg_trgm and
keeps scanning, which is fine at its scale. ``pg_trgm`` is a trusted extension (PostgreSQL 13+):
the database owner may create it.
"""

from django.db import migrations, models

OPEN_CASE = models.Q(("status__in", ["received", "acknowledged", "investigating", "awaiting_customer"]))

# (index name, column): the queue searches the reference, the subject and the description.
TRIGRAM_INDEXES = [
    ("case_reference_trgm_idx", "reference"),
    ("case_subject_trgm_idx", "subject"),
    ("case_description_trgm_idx", "description"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    table = quote(apps.get_model("cases", "Case")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {table} USING gin (UPPER({quote(column)}) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    # The extension stays: other objects may have come to depend on it.
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_seed_response_templates")]

    operations = [
        # The queue's default order for any statuses: nearest deadline (open cases first; the others
        # have none), then reference.
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["next_due_at", "reference"], name="case_due_ref_idx"),
        ),
        # The queue's channel, type and product filters on open cases, each in deadline order.
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=OPEN_CASE, fields=["channel", "next_due_at"], name="case_open_channel_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=OPEN_CASE, fields=["type", "next_due_at"], name="case_open_type_due_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=OPEN_CASE, fields=["product", "next_due_at"], name="case_open_product_due_idx"
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
