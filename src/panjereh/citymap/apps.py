from django.apps import AppConfig


class CitymapConfig(AppConfig):
    name = "panjereh.citymap"
    label = "citymap"
    verbose_name = "City map"
