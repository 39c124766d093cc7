from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "panjereh.core"
    label = "core"
    verbose_name = "Panjereh core"
