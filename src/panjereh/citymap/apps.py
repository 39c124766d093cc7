from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitymapConfig(AppConfig):
    name = "panjereh.citymap"
    label = "citymap"
    verbose_name = _("City map")
    city_data = ("Parcel",)  # a database with parcels holds a city: the database copy refuses to write over it

    def ready(self):
        from django.db.models.signals import pre_migrate

        from panjereh.citymap import storage_crs

        pre_migrate.connect(storage_crs.before_migrate, dispatch_uid="panjereh-storage-crs")
        from panjereh.citymap import checks  # noqa: F401 — registers the storage CRS's system checks
        from panjereh.citymap.events import EVENTS
        from panjereh.core import events

        events.declare("citymap", EVENTS)
        from panjereh.access import redactors
        from panjereh.citymap import redaction

        redactors.register("feasibility", redaction.redact_feasibility)
        redactors.register("asset_groups", redaction.redact_asset_groups)
