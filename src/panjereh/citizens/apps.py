from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "panjereh.citizens"
    label = "citizens"
    verbose_name = _("Citizens: sign-in from home and their own files")
