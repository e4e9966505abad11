"""Ship an example commitment set: the service standard a typical Chinese bank publishes (its
service commitments to customers), as targets on the shipped KPIs. Administrators change the
thresholds, deactivate what their institution does not promise and add their own in the admin.

The owner is the consumer-protection department (消费者权益保护部): the department intake routes
unrouted contacts to (``SAFEGUARD_INTAKE_DEPARTMENT``). A fresh installation has no departments yet
and this migration does not make one (that would start routing contacts to it): the set is then
added later by ``quality.services.targets.ensure_example_targets`` (the demo data does it), or
by an administrator in the admin.

Only targets missing by KPI and name are added; the reverse removes the shipped targets that have
no measurements.
"""

from django.conf import settings
from django.db import migrations

TARGETS = [
    {
        "kpi": "first-response-24h",
        "name": "First response within 24 hours for at least 95% of complaints and feedback",
        "name_zh": "投诉和意见建议24小时内首次响应率不低于95%",
        "threshold": "95",
        "frequency": "monthly",
    },
    {
        "kpi": "feedback-within-48h",
        "name": "At least 95% of feedback handled within 48 hours",
        "name_zh": "意见建议48小时内办结率不低于95%",
        "threshold": "95",
        "frequency": "monthly",
    },
    {
        "kpi": "csat-satisfied",
        "name": "Customer satisfaction of at least 85%",
        "name_zh": "客户满意度不低于85%",
        "threshold": "85",
        "frequency": "monthly",
    },
    {
        "kpi": "feedback-response-rate",
        "name": "Feedback response rate of at least 90%",
        "name_zh": "意见建议回复率不低于90%",
        "threshold": "90",
        "frequency": "monthly",
    },
    {
        "kpi": "services-meeting-standard",
        "name": "At least 95% of services meeting the standard",
        "name_zh": "服务达标率不低于95%",
        "threshold": "95",
        "frequency": "monthly",
    },
    {
        "kpi": "handling-time-mean",
        "name": "Average handling time down 20% against 2025",
        "name_zh": "平均处理时长较2025年下降20%",
        "comparison": "relative",
        "threshold": "-20",
        "baseline_from": "2025-01-01",
        "baseline_to": "2025-12-31",
        "frequency": "quarterly",
    },
]

def ship(apps, schema_editor):
    department_model = apps.get_model("accounts", "Department")
    kpi_model = apps.get_model("quality", "Kpi")
    target_model = apps.get_model("quality", "Target")
    code = getattr(settings, "SAFEGUARD_INTAKE_DEPARTMENT", "") or "consumer-protection"
    owner = department_model.objects.filter(code=code).first()
    if owner is None:
        return
    kpis = {k.code: k for k in kpi_model.objects.filter(code__in=[t["kpi"] for t in TARGETS])}
    for data in TARGETS:
        kpi = kpis.get(data["kpi"])
        if kpi is None or target_model.objects.filter(kpi=kpi, name=data["name"]).exists():
            continue
        target_model.objects.create(
            kpi=kpi,
            owner=owner,
            **{key: value for key, value in data.items() if key != "kpi"},
        )


def unship(apps, schema_editor):
    target_model = apps.get_model("quality", "Target")
    target_model.objects.filter(name__in=[t["name"] for t in TARGETS], measurements__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("quality", "0002_kpi_catalogue"),
        # Not needed for the data; keeps the quality migrations in one line.
        ("quality", "0003_regulatory_codes"),
    ]

    operations = [migrations.RunPython(ship, unship)]
