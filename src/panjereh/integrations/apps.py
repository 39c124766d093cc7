from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "panjereh.integrations"
    label = "integrations"
    verbose_name = _("Agency systems: webhooks and inbound API")

    def ready(self):
        from panjereh.integrations import schema  # noqa: F401  (registers the OpenAPI extension)
