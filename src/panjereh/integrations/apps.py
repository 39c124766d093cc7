from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "panjereh.integrations"
    label = "integrations"
    verbose_name = "Agency systems: webhooks and inbound API"

    def ready(self):
        from panjereh.integrations import schema  # noqa: F401  (registers the OpenAPI extension)
