from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanCheckConfig(AppConfig):
    name = "panjereh.plancheck"
    label = "plancheck"
    verbose_name = _("plan check")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from panjereh.core import jobs
        from panjereh.plancheck import worker

        # a large drawing's check, one a pass (a 50 MB model takes seconds)
        jobs.register("plancheck", worker.run_pending, order=45)
