from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "panjereh.agencies"
    label = "agencies"
    verbose_name = _("Agencies and staff")

    def ready(self):
        from panjereh.agencies import openapi_auth  # noqa: F401  (registers the OpenAPI extension)
