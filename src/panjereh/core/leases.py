"""The lease queue every worker job uses: rows of a table claimed with a lease, so two workers (on two
servers) never hold the same row, and released with their outcome — or retried later with a jittered
exponential back-off. The webhook deliveries, the text messages and the outbox consumers are such tables.

A row of a lease queue has ``status`` (``pending`` while it waits), ``next_attempt_at``, ``locked_by`` and
``locked_until``. A claim is a conditional UPDATE (a row taken by another worker meanwhile is not taken
again); on PostgreSQL the candidates are also read with SKIP LOCKED, so workers do not queue on each other."""

import random
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

PENDING = "pending"


def backoff(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds before the next try: exponential from ``base_seconds``, capped at ``max_seconds``, with jitter
    (between half and all of it), so that retries of one outage do not stampede together."""
    base = base_seconds * (2 ** min(max(attempts - 1, 0), 30))
    ceiling = min(base, max_seconds)
    return random.uniform(ceiling / 2, ceiling)


def claim(model, worker_id: str, batch: int, lease_seconds: float, **filters) -> list[int]:
    """Take leases on up to ``batch`` due, pending rows of ``model`` (and ``filters``); return their ids,
    oldest first."""
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    lease = now + timedelta(seconds=lease_seconds)
    with transaction.atomic():
        due = model.objects.filter(free, status=PENDING, next_attempt_at__lte=now, **filters).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:batch])
        return [pk for pk in ids if model.objects.filter(free, pk=pk, status=PENDING)
                .update(locked_by=worker_id, locked_until=lease)]


def release(model, pk: int, worker_id: str, **changes) -> bool:
    """Write the outcome of a row this worker holds; False when its lease was lost meanwhile (another worker
    has it now, and the outcome is not written)."""
    return bool(model.objects.filter(pk=pk, locked_by=worker_id).update(locked_by="", locked_until=None, **changes))
