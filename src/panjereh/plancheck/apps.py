from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanCheckConfig(AppConfig):
    name = "panjereh.plancheck"
    label = "plancheck"
    verbose_name = _("plan check")
    default_auto_field = "django.db.models.BigAutoField"
