from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "panjereh.core"
    label = "core"
    verbose_name = _("Panjereh core")


    def ready(self):
        from panjereh.core import checks, consumers, jobs  # noqa: F401 — checks registers the machine's checks

        jobs.register("consumers", consumers.run_once, order=30)  # Panjereh's own apps' effects of events
        from django.urls import register_converter

        from panjereh.core.ids import IdConverter

        register_converter(IdConverter, "id")  # <id:pk> in every app's addresses: 404 beyond a 64-bit key
