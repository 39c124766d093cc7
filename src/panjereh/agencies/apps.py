from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "panjereh.agencies"
    label = "agencies"
    verbose_name = "Agencies and staff"
