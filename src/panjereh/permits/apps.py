from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "panjereh.permits"
    label = "permits"
    verbose_name = _("Single window: applications, reviews, bills, permits")
