"""Sending the text-message outbox: at least once, retried with backoff while the provider is down, each
message's own id given to the provider so that a retry never reaches the person twice.

One pass of a worker claims due messages with a lease (a conditional update: two workers never hold the same
one; SKIP LOCKED on PostgreSQL), sends each, and marks it sent or schedules its next try. A message the
provider refuses for good (a wrong number), or still unsent PANJEREH_SMS_GIVE_UP_HOURS after it was written,
is given up ("dead") and shown to the staff; nothing is deleted.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from panjereh.core import leases
from panjereh.sms import providers
from panjereh.sms.models import SmsMessage

log = logging.getLogger(__name__)
LEASE_SECONDS = 120


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential from PANJEREH_SMS_BACKOFF_SECONDS, capped, with jitter."""
    return leases.backoff(attempts, settings.PANJEREH_SMS_BACKOFF_SECONDS, settings.PANJEREH_SMS_BACKOFF_MAX_SECONDS)


def claim(worker_id: str, batch: int) -> list[int]:
    """Take leases on up to ``batch`` due messages; return their ids."""
    return leases.claim(SmsMessage, worker_id, batch, LEASE_SECONDS)


def _release(pk: int, worker_id: str, **changes) -> bool:
    return leases.release(SmsMessage, pk, worker_id, **changes)


def send(pk: int, worker_id: str, provider: providers.Provider) -> str:
    """Send one claimed message. Returns sent, retry, dead or lost (the lease was lost meanwhile)."""
    message = SmsMessage.objects.get(pk=pk)
    now = timezone.now()
    attempts = message.attempts + 1
    try:
        reference = provider.send(message_id=str(message.message_id), mobile=message.mobile, text=message.text)
    except providers.ProviderRefused as exc:
        _release(pk, worker_id, status=SmsMessage.Status.DEAD, attempts=attempts, last_error=str(exc)[:300])
        log.warning("text message %s refused by the provider: %s", pk, exc)
        return "dead"
    except providers.ProviderError as exc:
        if now - message.created_at > timedelta(hours=settings.PANJEREH_SMS_GIVE_UP_HOURS):
            _release(pk, worker_id, status=SmsMessage.Status.DEAD, attempts=attempts, last_error=str(exc)[:300])
            return "dead"
        _release(pk, worker_id, attempts=attempts, last_error=str(exc)[:300],
                 next_attempt_at=now + timedelta(seconds=backoff(attempts)))
        return "retry"
    done = _release(pk, worker_id, status=SmsMessage.Status.SENT, attempts=attempts, sent_at=now, last_error="",
                    provider_reference=reference)
    return "sent" if done else "lost"


def run_once(worker_id: str, batch: int = 50) -> dict:
    """One pass: claim due messages and send them. Counts by outcome; nothing when no provider is set."""
    try:
        provider = providers.provider()
    except providers.NotConfigured:
        return {}
    counts: dict[str, int] = {}
    for pk in claim(worker_id, batch):
        outcome = send(pk, worker_id, provider)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
