from django.db import migrations


def make_roles(apps, schema_editor):
    from safeguard.accounts.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    """Roles again, now that surveys and service quality have permissions."""

    dependencies = [
        ("accounts", "0003_roles_workspace"),
        ("surveys", "0002_relationship_run_and_sent_index"),
        ("quality", "0004_example_targets"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
