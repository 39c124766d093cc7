from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemocityConfig(AppConfig):
    name = "panjereh.democity"
    label = "democity"
    verbose_name = _("Demo city")

    def ready(self):
        from panjereh.democity import checks  # noqa: F401 — registers the demo-users check
