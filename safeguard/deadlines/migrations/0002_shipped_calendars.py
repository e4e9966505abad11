"""Ship the business calendars: China (chinesecalendar), England and Wales and US federal (holidays).

China: every year the installed chinesecalendar has official data for. England and Wales and
US: 2015-2035 from the holidays package's rules. ``manage.py load_calendars`` refreshes or
extends them later.
"""

from django.db import migrations

from safeguard.deadlines.calendars import SOURCES, load_calendar_years


def load(apps, schema_editor):
    for code, source in SOURCES.items():
        load_calendar_years(apps, code, source.default_years())


def unload(apps, schema_editor):
    # Years and days go with their calendar (CASCADE); policies are removed by 0003's reverse first.
    apps.get_model("deadlines", "Calendar").objects.filter(code__in=list(SOURCES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
