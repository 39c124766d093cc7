from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "panjereh.integrations"
    label = "integrations"
    verbose_name = _("Agency systems: webhooks and inbound API")

    def ready(self):
        from panjereh.core import jobs
        from panjereh.integrations import delivery

        jobs.register("webhooks", delivery.run_webhooks, prefix="", order=10)  # the agencies' systems
        from panjereh.integrations import openapi_auth  # noqa: F401  (registers the OpenAPI extension)
