from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisConfig(AppConfig):
    name = "panjereh.crisis"
    label = "crisis"
    verbose_name = _("Consistency checks and crisis response")

    def ready(self):
        from panjereh.core import events
        from panjereh.crisis.events import EVENTS

        events.declare("crisis", EVENTS)
        from panjereh.access import redactors
        from panjereh.crisis import redaction

        redactors.register("incident", redaction.redact_incident_response)
