from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "panjereh.integrations"
    label = "integrations"
    verbose_name = "Agency systems: webhooks and inbound API"
