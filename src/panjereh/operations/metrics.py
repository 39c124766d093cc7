"""The figures a province's operators watch, read from the database at each scrape: what waits in each queue and
how long the oldest has waited, what was given up, payments and text messages by outcome, and when the worker
last made a pass. Request latency per view comes from django-prometheus's middleware; the identity inquiry's
answers from the counter the citizens app keeps. Alerts on these are written in docs/operations.md."""

import time

from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from panjereh.billing.models import Payment
from panjereh.core.jobs import LAST_PASS_KEY
from panjereh.core.models import ConsumerDelivery, OutboxEvent
from panjereh.integrations.models import Delivery
from panjereh.sms.models import SmsMessage


def _queues():
    """(queue, model, the "waiting" status, the field whose oldest value is the queue's age)."""
    return [("webhooks", Delivery, Delivery.Status.PENDING, "event__created_at"),
            ("consumers", ConsumerDelivery, ConsumerDelivery.Status.PENDING, "event__created_at"),
            ("sms", SmsMessage, SmsMessage.Status.PENDING, "created_at")]


NAMES = ["panjereh_queue_backlog", "panjereh_queue_oldest_age_seconds", "panjereh_queue_dead", "panjereh_payments",
         "panjereh_sms", "panjereh_worker_seconds_since_last_pass"]


class QueueCollector:
    """A prometheus_client collector: each scrape asks the database (a few aggregate queries)."""

    def describe(self):
        """The names, without asking the database (registering at start-up must not query it)."""
        return [GaugeMetricFamily(name, name) for name in NAMES]

    def collect(self):
        now = timezone.now()
        backlog = GaugeMetricFamily("panjereh_queue_backlog", "Items waiting in a queue", labels=["queue"])
        oldest = GaugeMetricFamily("panjereh_queue_oldest_age_seconds", "How long the oldest waiting item has "
                                   "waited (0: none waits)", labels=["queue"])
        dead = GaugeMetricFamily("panjereh_queue_dead", "Items given up (dead letters), to be looked at",
                                 labels=["queue"])
        for name, model, waiting, since in _queues():
            row = model.objects.filter(status=waiting).aggregate(n=Count("pk"), first=Min(since))
            backlog.add_metric([name], row["n"])
            oldest.add_metric([name], (now - row["first"]).total_seconds() if row["first"] else 0.0)
            dead.add_metric([name], model.objects.filter(status="dead").count())
        unfanned = OutboxEvent.objects.filter(fanned_out=False).aggregate(n=Count("pk"), first=Min("created_at"))
        backlog.add_metric(["outbox"], unfanned["n"])
        oldest.add_metric(["outbox"], (now - unfanned["first"]).total_seconds() if unfanned["first"] else 0.0)
        yield backlog
        yield oldest
        yield dead
        payments = GaugeMetricFamily("panjereh_payments", "Payments by provider and status", labels=["provider",
                                                                                                     "status"])
        for row in Payment.objects.values("provider", "status").annotate(n=Count("pk")):
            payments.add_metric([row["provider"], row["status"]], row["n"])
        yield payments
        sms = GaugeMetricFamily("panjereh_sms", "Text messages by status", labels=["status"])
        for row in SmsMessage.objects.values("status").annotate(n=Count("pk")):
            sms.add_metric([row["status"]], row["n"])
        yield sms
        last = cache.get(LAST_PASS_KEY)
        worker = GaugeMetricFamily("panjereh_worker_seconds_since_last_pass", "Seconds since a worker last made a "
                                   "pass over its jobs (-1: none has since the cache was emptied)")
        worker.add_metric([], time.time() - last if last else -1.0)
        yield worker
