"""Outbox consumers: an app's effect of another app's change, which can never be lost.

A consumer subscribes to event types (``register("works.connection_trench", ["connection.ordered"], handler)``,
in the consumer app's ``AppConfig.ready()``). When a service emits such an event, ``audit.emit`` writes one
:class:`~panjereh.core.models.ConsumerDelivery` per consumer in the same transaction as the change: committed
together or not at all. The worker (the ``consumers`` job) claims due deliveries with a lease and runs each
handler in one transaction with marking it done, so the effect happens at least once even when a process dies
between the commit and the effect — and a handler written to be idempotent makes it exactly once. A handler
that fails is retried with back-off and, after PANJEREH_CONSUMER_MAX_ATTEMPTS, kept as dead for the staff
(`panjereh outbox`), never dropped.

This replaces ``post_save`` signals with ``transaction.on_commit``, which lose the effect when the process stops
after the commit."""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from panjereh.core import leases, service_tx
from panjereh.core.models import ConsumerDelivery

log = logging.getLogger(__name__)
LEASE_SECONDS = 300


@dataclass(frozen=True)
class Consumer:
    name: str
    event_types: frozenset
    handle: Callable  # handle(event: OutboxEvent) -> None, idempotent


_CONSUMERS: dict[str, Consumer] = {}


def register(name: str, event_types, handle: Callable) -> None:
    _CONSUMERS[name] = Consumer(name=name, event_types=frozenset(event_types), handle=handle)


def wanting(event_type: str) -> list[str]:
    """The consumers subscribed to ``event_type``."""
    return sorted(c.name for c in _CONSUMERS.values() if event_type in c.event_types)


def run_once(worker_id: str, batch: int = 50) -> dict:
    """One pass: claim due deliveries and run their handlers. Counts by outcome."""
    counts: dict[str, int] = {}
    for pk in leases.claim(ConsumerDelivery, worker_id, batch, LEASE_SECONDS):
        outcome = _consume(pk, worker_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _consume(pk: int, worker_id: str) -> str:
    delivery = ConsumerDelivery.objects.select_related("event").get(pk=pk)
    consumer = _CONSUMERS.get(delivery.consumer)
    now = timezone.now()
    if consumer is None:  # a consumer removed from the code: kept for the staff, not run
        leases.release(ConsumerDelivery, pk, worker_id, status="dead", last_error="no such consumer any more")
        return "dead"
    try:
        with service_tx.composing():  # the effect (services, each a savepoint) and its "done" commit together
            consumer.handle(delivery.event)
            if not leases.release(ConsumerDelivery, pk, worker_id, status="done", done_at=timezone.now(),
                                  attempts=delivery.attempts + 1, last_error=""):
                raise _LeaseLost
    except _LeaseLost:
        return "lost"
    except Exception as exc:  # noqa: BLE001 — a handler's failure is retried, never lost
        attempts = delivery.attempts + 1
        log.exception("consumer %s on event %s failed (attempt %s)", delivery.consumer, delivery.event_id, attempts)
        error = f"{type(exc).__name__}: {exc}"[:500]
        if attempts >= settings.PANJEREH_CONSUMER_MAX_ATTEMPTS:
            leases.release(ConsumerDelivery, pk, worker_id, status="dead", attempts=attempts, last_error=error)
            return "dead"
        leases.release(ConsumerDelivery, pk, worker_id, attempts=attempts, last_error=error,
                       next_attempt_at=now + datetime.timedelta(seconds=leases.backoff(
                           attempts, settings.PANJEREH_WEBHOOK_BACKOFF_SECONDS,
                           settings.PANJEREH_WEBHOOK_BACKOFF_MAX_SECONDS)))
        return "retry"
    return "done"


class _LeaseLost(Exception):
    """Our lease ran out and another worker holds the delivery: roll the effect back, it will run there."""
