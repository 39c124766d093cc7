from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "panjereh.permits"
    label = "permits"
    verbose_name = _("Single window: applications, reviews, bills, permits")

    def ready(self):
        from panjereh.citymap import subscribers
        from panjereh.permits.subscribers import installed_mobiles

        subscribers.register(installed_mobiles)  # an outage's SMS reaches the subscribers the single window knows
