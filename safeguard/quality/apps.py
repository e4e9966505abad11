from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "safeguard.quality"
    label = "quality"
    verbose_name = _("Service quality")

    def ready(self) -> None:
        from safeguard.cases.demo.signals import demo_loaded

        demo_loaded.connect(_demo_targets, dispatch_uid="quality-demo-targets")


def _demo_targets(sender: Any, say: Any = None, **kwargs: Any) -> None:
    """The demo creates the consumer-protection department, so it can own the example commitments."""
    from safeguard.quality.services.targets import ensure_example_targets

    added = ensure_example_targets()
    if say is not None:
        say(f"{len(added)} example service commitments")
