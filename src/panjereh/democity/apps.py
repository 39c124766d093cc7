from django.apps import AppConfig


class DemocityConfig(AppConfig):
    name = "panjereh.democity"
    label = "democity"
    verbose_name = "Demo city"
