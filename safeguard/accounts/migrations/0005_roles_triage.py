from django.db import migrations


def make_roles(apps, schema_editor):
    from safeguard.accounts.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    """Roles again, now that triage has permissions."""

    dependencies = [
        ("accounts", "0004_roles_quality"),
        ("triage", "0002_training_claim"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
