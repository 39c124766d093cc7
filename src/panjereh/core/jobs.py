"""The worker's jobs, one registry: each app registers what the worker does for it in its
``AppConfig.ready()`` — the agencies' webhooks (integrations), text messages (sms), papers and deadlines
(permits), the outbox consumers (core) — and the worker runs every job in turn each pass. The worker itself
(``integrations.delivery.run_once``) knows no domain app.

A job is ``job(worker_id, batch) -> {outcome: count}``; its counts are reported under its prefix. One job's
failure is logged and does not stop the others (a renderer's bug must not hold the webhooks back)."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[str, int], dict]
    prefix: str  # the counts' prefix in the worker's report ("sms_": sms_sent, sms_retry …)
    order: int


_JOBS: dict[str, Job] = {}
LAST_PASS_KEY = "panjereh:worker:last_pass"  # when a worker last finished a pass (the operators' liveness figure)


def register(name: str, run: Callable[[str, int], dict], *, prefix: str | None = None, order: int = 100) -> None:
    """Register (or replace) the job ``name``; jobs run by ``order``, then name."""
    _JOBS[name] = Job(name=name, run=run, prefix=f"{name}_" if prefix is None else prefix, order=order)


def registered() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: (job.order, job.name))


def run_all(worker_id: str, batch: int = 50) -> dict:
    """One pass of every job; their counts, prefixed. A job that raises is logged, counted as ``<prefix>error``
    and the next job runs; a database going away is left to the worker loop (it reconnects)."""
    from django.db import InterfaceError, OperationalError

    counts: dict[str, int] = {}
    for job in registered():
        try:
            done = job.run(worker_id, batch) or {}
        except (OperationalError, InterfaceError):
            raise
        except Exception:  # noqa: BLE001 — one job's failure is not the others'
            log.exception("worker job %s failed", job.name)
            done = {"error": 1}
        counts.update({f"{job.prefix}{k}": v for k, v in done.items()})
    cache.set(LAST_PASS_KEY, time.time(), None)
    return counts
