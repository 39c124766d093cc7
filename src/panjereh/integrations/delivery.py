"""Delivering the outbox to the agencies' systems: at least once, in order per parcel, with backoff.

The outbox table is the queue (no broker; see docs/integrations.md). One pass of a worker:
1. fan out new events into one Delivery per interested subscription;
2. claim due deliveries with a lease (a conditional update, so two workers never hold the same one;
   on PostgreSQL the candidates are also read with SKIP LOCKED);
3. skip a delivery while an earlier one for the same subscription and parcel is still pending (order);
4. POST it, signed; mark delivered, or schedule a retry with exponential backoff and jitter, or
   dead-letter it after PANJEREH_WEBHOOK_MAX_ATTEMPTS.
"""

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from panjereh.core import jobs, leases
from panjereh.core.models import OutboxEvent
from panjereh.integrations import destinations, signing
from panjereh.integrations.models import Delivery, Subscription

log = logging.getLogger(__name__)


def event_body(event: OutboxEvent) -> bytes:
    """The JSON an agency system receives."""
    return json.dumps({"id": event.pk, "type": event.event_type, "time": event.created_at.isoformat(),
                       "agency": event.agency_code, "parcel": event.parcel_id, "payload": event.payload},
                      ensure_ascii=False, sort_keys=True).encode()


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential, capped, with full jitter so retries do not stampede."""
    return leases.backoff(attempts, settings.PANJEREH_WEBHOOK_BACKOFF_SECONDS,
                          settings.PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS)


def fan_out(limit: int = 1000) -> int:
    """Make deliveries for events not yet fanned out. Returns how many events were handled."""
    with transaction.atomic():
        events = OutboxEvent.objects.filter(fanned_out=False).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            events = events.select_for_update(skip_locked=True)
        events = list(events[:limit])
        if not events:
            return 0
        subscriptions = list(Subscription.objects.filter(active=True).select_related("agency"))
        now = timezone.now()
        rows = [Delivery(event=e, subscription=s, parcel_key=e.parcel_id or 0, next_attempt_at=now)
                for e in events for s in subscriptions if s.wants(e)]
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(fanned_out=True)
    return len(events)


def claim(worker_id: str, batch: int) -> list[int]:
    """Take leases on up to ``batch`` due deliveries; return their ids."""
    return leases.claim(Delivery, worker_id, batch, settings.PANJEREH_WEBHOOK_LEASE_SECONDS)


def _release(pk: int, worker_id: str, **changes) -> bool:
    """Write the outcome of a delivery we hold; False if our lease was lost meanwhile."""
    return leases.release(Delivery, pk, worker_id, **changes)


def _post(url: str, body: bytes, headers: dict, timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def deliver(pk: int, worker_id: str) -> str:
    """Send one claimed delivery. Returns delivered, retry, dead, waiting (order) or lost (lease)."""
    d = Delivery.objects.select_related("event", "subscription").get(pk=pk)
    earlier = Delivery.objects.filter(subscription_id=d.subscription_id, parcel_key=d.parcel_key,
                                      status=Delivery.Status.PENDING, event_id__lt=d.event_id)
    if d.parcel_key and earlier.exists():
        _release(pk, worker_id)
        return "waiting"
    body = event_body(d.event)
    headers = {"Content-Type": "application/json", signing.EVENT_HEADER: str(d.event_id),
               signing.HEADER: signing.sign(d.subscription.secret, body), "User-Agent": "Panjereh-webhooks/1"}
    try:
        destinations.check_destination(d.subscription.url)
        status = _post(d.subscription.url, body, headers, settings.PANJEREH_WEBHOOK_TIMEOUT_SECONDS)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except destinations.DestinationRefused as exc:
        error = f"refused: {exc}"[:500]
    except (socket.timeout, TimeoutError):
        error = "timed out"
    except (urllib.error.URLError, ConnectionError, OSError):
        # No operating-system detail: "connection refused" against "timed out" would map the agency's ports.
        error = "could not connect"
    now = timezone.now()
    if not error:
        return "delivered" if _release(pk, worker_id, status=Delivery.Status.DELIVERED, delivered_at=now,
                                       attempts=d.attempts + 1, last_error="") else "lost"
    attempts = d.attempts + 1
    if attempts >= settings.PANJEREH_WEBHOOK_MAX_ATTEMPTS:
        _release(pk, worker_id, status=Delivery.Status.DEAD, attempts=attempts, last_error=error)
        log.warning("delivery %s dead after %s attempts: %s", pk, attempts, error)
        return "dead"
    _release(pk, worker_id, attempts=attempts, last_error=error,
             next_attempt_at=now + timedelta(seconds=backoff(attempts)))
    return "retry"


def run_webhooks(worker_id: str, batch: int = 50) -> dict:
    """The webhooks' pass: fan out, claim, deliver. Counts by outcome."""
    counts = {"fanned_out": fan_out()}
    for pk in claim(worker_id, batch):
        outcome = deliver(pk, worker_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def run_once(worker_id: str, batch: int = 50) -> dict:
    """One pass of the worker: every job the apps registered (:mod:`panjereh.core.jobs`) — the webhooks,
    text messages, outbox consumers, papers and deadlines — in turn. Counts by job and outcome."""
    return jobs.run_all(worker_id, batch)


def run_forever(worker_id: str, batch: int = 50, idle_sleep: float = 1.0, stop=lambda: False) -> None:
    """The worker loop; survives the database going away and coming back."""
    from django.db import OperationalError, InterfaceError

    while not stop():
        try:
            counts = run_once(worker_id, batch)
        except (OperationalError, InterfaceError) as exc:
            log.warning("database unavailable (%s); retrying", exc)
            connection.close()
            time.sleep(idle_sleep)
            continue
        if not any(v for k, v in counts.items() if k not in ("waiting", "sms_retry")):
            time.sleep(idle_sleep)


def replay(*, event_id: int | None = None, dead: bool = False) -> int:
    """Put dead-lettered deliveries (all, or one event's) back in the queue. Returns how many."""
    qs = Delivery.objects.filter(status=Delivery.Status.DEAD)
    if event_id is not None:
        qs = qs.filter(event_id=event_id)
    elif not dead:
        return 0
    return qs.update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="",
                     locked_by="", locked_until=None)
