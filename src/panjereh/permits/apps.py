from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "panjereh.permits"
    label = "permits"
    verbose_name = _("Single window: applications, reviews, bills, permits")

    def ready(self):
        from panjereh.core import events, jobs
        from panjereh.permits import deadlines, pdf
        from panjereh.permits.events import EVENTS

        events.declare("permits", EVENTS)
        # papers issued since the last pass, a few a pass (a PDF is a few hundred ms); the deadlines on their own
        # schedule (deemed approvals, escalations, unchecked files)
        jobs.register("papers", lambda worker_id, batch: pdf.render_pending(pdf.PAPERS_PER_PASS), order=40)
        jobs.register("deadlines", lambda worker_id, batch: deadlines.run_if_due() or {}, order=50)
        from panjereh.citymap import subscribers
        from panjereh.permits.subscribers import installed_mobiles

        subscribers.register(installed_mobiles)
        from panjereh.billing import hooks
        from panjereh.permits.services import pay

        hooks.on_bill_created(pay.on_bill_created)  # an agency's street-works bill gets its paper
        hooks.on_bill_settled(pay.on_bill_settled)  # a file's bill paid issues its permit, in that transaction  # an outage's SMS reaches the subscribers the single window knows
