from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorksConfig(AppConfig):
    name = "panjereh.works"
    label = "works"
    verbose_name = _("Street works")

    def ready(self):
        from panjereh.core import consumers, events
        from panjereh.works.connections import on_connection_ordered
        from panjereh.works.events import EVENTS

        events.declare("works", EVENTS)
        # a permit's connection orders raise their trenches: an outbox consumer, so the effect survives a
        # process that stops right after the permit's commit (a post_save + on_commit did not)
        consumers.register("works.connection_trench", ["connection.ordered"], on_connection_ordered)

        from panjereh.works import ogc

        ogc.register()
