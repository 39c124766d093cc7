from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "panjereh.cities"
    label = "cities"
    verbose_name = _("Cities")

    def ready(self):
        from panjereh.cities import checks  # noqa: F401 — registers each city's scale check
        from panjereh.cities.events import EVENTS
        from panjereh.core import events, rls

        events.declare("cities", EVENTS)
        rls.install()  # every PostgreSQL connection starts at every city; staff requests narrow it
