from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "panjereh.billing"
    label = "billing"
    verbose_name = _("Bills, payments and the ledger")

    def ready(self):
        from panjereh.billing.events import EVENTS
        from panjereh.core import events

        events.declare("billing", EVENTS)
