from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitymapConfig(AppConfig):
    name = "panjereh.citymap"
    label = "citymap"
    verbose_name = _("City map")

    def ready(self):
        from panjereh.core import events
        from panjereh.citymap.events import EVENTS

        events.declare("citymap", EVENTS)
