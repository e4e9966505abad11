from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "safeguard.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # load_demo (cases) announces its data; surveys add theirs without cases importing surveys.
        from safeguard.cases.demo.signals import demo_loaded
        from safeguard.surveys.demo import on_demo_loaded

        demo_loaded.connect(on_demo_loaded, dispatch_uid="safeguard.surveys.demo")
