from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "panjereh.core"
    label = "core"
    verbose_name = _("Panjereh core")

