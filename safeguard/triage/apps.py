from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "safeguard.triage"
    label = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        # cases announces each new case after its transaction commits; triage listens, so cases
        # never imports triage (DESIGN.md: triage sits above cases).
        from safeguard.cases.signals import case_department_changed, case_opened
        from safeguard.triage.receivers import on_case_department_changed, on_case_opened

        case_opened.connect(on_case_opened, dispatch_uid="safeguard.triage.on_case_opened")
        case_department_changed.connect(
            on_case_department_changed, dispatch_uid="safeguard.triage.on_case_department_changed"
        )

        # load_demo announces its data; triage makes sure the default model exists (receivers).
        from safeguard.cases.demo.signals import demo_loaded
        from safeguard.triage.receivers import on_demo_loaded

        demo_loaded.connect(on_demo_loaded, dispatch_uid="safeguard.triage.demo")
