from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "safeguard.core"
    label = "core"
