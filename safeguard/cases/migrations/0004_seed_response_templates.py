from django.db import migrations

from safeguard.cases.seeds import seed_response_templates


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_attachments_response_templates")]

    operations = [migrations.RunPython(seed_response_templates, migrations.RunPython.noop)]
