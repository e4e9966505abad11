"""Roles are Django groups; this module is the one place that says what each may do.

``ensure_roles()`` makes the groups match this table; it runs in a migration and
from ``manage.py ensure_roles`` after upgrades.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    COMPLIANCE = "compliance_officer", _("Compliance officer")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


_READ_EVERYTHING = [
    "accounts.view_department",
    "accounts.view_user",
    "accounts.view_all_departments",
    "customers.view_customer",
    "cases.view_case",
    "cases.view_product",
    "cases.view_category",
    "cases.view_rootcause",
    "cases.view_redress",
    "cases.view_attachment",
    "cases.view_responsetemplate",
    "cases.view_caselink",
    "intake.view_inbounditem",
    "intake.view_letter",
    "intake.view_webhooksource",
    "deadlines.view_calendar",
    "deadlines.view_calendarday",
    "deadlines.view_calendaryear",
    "deadlines.view_deadlinepolicy",
    "deadlines.view_policymilestone",
    "deadlines.view_policyextension",
    "audit.view_auditentry",
    "surveys.view_surveyinvitation",
    "surveys.view_surveyresponse",
    "surveys.view_relationshiprun",
    "quality.view_dashboard",
    "quality.view_kpi",
    "quality.view_target",
    "quality.view_measurement",
    "quality.view_alert",
    "quality.view_warningrun",
    "quality.view_regulatorycode",
    "quality.view_regulatorymapping",
    "quality.view_report",
    "triage.view_prediction",
    "triage.view_modelversion",
    "triage.view_correction",
    "triage.view_routingrule",
]

# Watching the institution's service quality: the dashboard, its exports, alerts and reports.
_QUALITY = [
    "surveys.view_surveyinvitation",
    "surveys.view_surveyresponse",
    "quality.view_dashboard",
    "quality.export_kpis",
    "quality.view_kpi",
    "quality.view_target",
    "quality.view_measurement",
    "quality.view_alert",
    "quality.view_report",
    "quality.generate_report",
]

_AGENT = [
    "customers.view_customer",
    "customers.reveal_pii",
    "cases.view_case",
    "cases.add_case",
    "cases.acknowledge_case",
    "cases.work_case",
    "cases.extend_deadline",
    "cases.close_case",
    "cases.view_redress",
    # The intake errors list: anything that arrived and could not be turned into a case.
    "intake.view_inbounditem",
    "intake.retry_inbounditem",
    "intake.view_letter",
    # The customer's answer to the survey about their own case, on the case page.
    "surveys.view_surveyresponse",
    # Triage's panel on the case page, and accepting or correcting what it predicted.
    "triage.view_prediction",
    "triage.add_correction",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: [
        *_AGENT,
        "accounts.view_all_departments",
        "cases.assign_case",
        "cases.approve_redress",
        "cases.approve_special_extension",
        "cases.refer_case",
        "cases.reopen_case",
        # Supervisors keep the team's reply templates up to date.
        "cases.view_responsetemplate",
        "cases.add_responsetemplate",
        "cases.change_responsetemplate",
        *_QUALITY,
    ],
    Role.COMPLIANCE: [
        "accounts.view_all_departments",
        "customers.view_customer",
        "customers.reveal_pii",
        "cases.view_case",
        "cases.view_redress",
        "cases.refer_case",
        "cases.approve_special_extension",
        "cases.add_rootcause",
        "cases.change_rootcause",
        "cases.view_rootcause",
        "audit.view_auditentry",
        *_QUALITY,
        "quality.handle_alert",
        "quality.view_regulatorycode",
        "quality.view_regulatorymapping",
        # Triage: what it predicted and how well its models do (no training, no promotion).
        "triage.view_prediction",
        "triage.view_modelversion",
        "triage.view_correction",
        "triage.view_routingrule",
    ],
    # Read-only everywhere; personal data stays masked (no reveal_pii).
    Role.AUDITOR: [*_READ_EVERYTHING, "audit.verify_auditentry", "quality.export_kpis"],
    Role.ADMINISTRATOR: [
        *_READ_EVERYTHING,
        "accounts.add_user",
        "accounts.change_user",
        "accounts.add_department",
        "accounts.change_department",
        "accounts.view_apitoken",
        "accounts.change_apitoken",
        "cases.add_product",
        "cases.change_product",
        "cases.add_category",
        "cases.change_category",
        "cases.add_rootcause",
        "cases.change_rootcause",
        "cases.add_responsetemplate",
        "cases.change_responsetemplate",
        "intake.retry_inbounditem",
        "intake.add_webhooksource",
        "intake.change_webhooksource",
        "deadlines.add_calendar",
        "deadlines.change_calendar",
        "deadlines.add_calendarday",
        "deadlines.change_calendarday",
        "deadlines.delete_calendarday",
        "deadlines.add_calendaryear",
        "deadlines.change_calendaryear",
        "deadlines.add_deadlinepolicy",
        "deadlines.change_deadlinepolicy",
        "deadlines.add_policymilestone",
        "deadlines.change_policymilestone",
        "deadlines.delete_policymilestone",
        "deadlines.add_policyextension",
        "deadlines.change_policyextension",
        "deadlines.delete_policyextension",
        "quality.change_kpi",
        "quality.add_target",
        "quality.change_target",
        "quality.add_regulatorymapping",
        "quality.change_regulatorymapping",
        "quality.delete_regulatorymapping",
        "quality.generate_report",
        "triage.train_model",
        "triage.promote_model",
        "triage.add_routingrule",
        "triage.change_routingrule",
        "triage.delete_routingrule",
    ],
}


def ensure_roles(apps: Any = None) -> None:
    """Create or update one group per role with exactly the permissions above (one query when
    they already have them: every migration run and every test calls this)."""
    in_migration = apps is not None
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
        if roles_up_to_date():
            return
    from django.contrib.auth.management import create_permissions

    # In a migration, app configs are stubs without models_module; permissions are
    # normally made after migrate, so make them now (the known Django recipe).
    for app_config in apps.get_app_configs():
        had_models = getattr(app_config, "models_module", None)
        app_config.models_module = had_models or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had_models
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        perms = []
        for name in names:
            app_label, codename = name.split(".")
            found = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is None:
                # An older roles migration runs before the app that owns the permission exists;
                # the latest roles migration depends on every app and sets the full table.
                if in_migration and not _exists(apps, app_label):
                    continue
                raise LookupError(f"Role {role} names an unknown permission {name}.")
            perms.append(found)
        group.permissions.set(perms)


def roles_up_to_date() -> bool:
    """Whether every role's group exists with exactly its permissions (one query)."""
    from django.contrib.auth.models import Group

    expected = {(str(role), name) for role, names in ROLE_PERMISSIONS.items() for name in names}
    held = Group.permissions.through.objects.filter(group__name__in=[str(r) for r in ROLE_PERMISSIONS])
    found = {
        (group, f"{app_label}.{codename}")
        for group, app_label, codename in held.values_list(
            "group__name", "permission__content_type__app_label", "permission__codename"
        )
    }
    if found != expected:
        return False
    # A role with no permissions has no rows to show that its group exists.
    empty = [str(role) for role, names in ROLE_PERMISSIONS.items() if not names]
    return not empty or Group.objects.filter(name__in=empty).count() == len(empty)


def _exists(apps: Any, app_label: str) -> bool:
    try:
        apps.get_app_config(app_label)
    except LookupError:
        return False
    return bool(list(apps.get_app_config(app_label).get_models()))
