from django.db import migrations


def make_roles(apps, schema_editor):
    from safeguard.accounts.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    """Roles again, now that attachments and response templates have permissions."""

    dependencies = [
        ("accounts", "0002_roles"),
        ("cases", "0006_intake_links_external_ids"),
        ("intake", "0002_inbound_webhooks_letters"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
