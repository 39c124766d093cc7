from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "panjereh.sms"
    label = "sms"
    verbose_name = _("Text messages to applicants")

    def ready(self):
        from panjereh.core import jobs
        from panjereh.sms import delivery

        jobs.register("sms", delivery.run_once, order=20)  # the applicants' text messages
