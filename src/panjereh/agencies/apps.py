from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "panjereh.agencies"
    label = "agencies"
    verbose_name = "Agencies and staff"

    def ready(self):
        from panjereh.agencies import schema  # noqa: F401  (registers the OpenAPI extension)
