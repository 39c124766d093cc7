from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorksConfig(AppConfig):
    name = "panjereh.works"
    label = "works"
    verbose_name = _("Street works")

    def ready(self):
        from django.db.models.signals import post_save

        from panjereh.permits.models import ConnectionOrder
        from panjereh.works.connections import on_connection_order

        post_save.connect(on_connection_order, sender=ConnectionOrder, dispatch_uid="works-connection-trench")

        from panjereh.works import ogc

        ogc.register()
