"""The deadlines pass on the worker's own schedule: deemed approvals, escalations and files from home left
unchecked, applied every PANJEREH_DEADLINES_EVERY seconds without anyone running ``panjereh deadlines``.

Every worker on every server calls :func:`run_if_due` on each of its passes; the cache (Redis where several
servers share one, else the process's own) lets one of them through per period. Running it twice is harmless
anyway: each task and file is changed by a conditional update under its row lock."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from panjereh.permits.services import process_deadlines

log = logging.getLogger(__name__)
KEY = "panjereh:deadlines:pass"


def run_if_due(now=None) -> dict | None:
    """Apply the deadlines if no worker has in the last period; returns the pass's counts, or None."""
    period = settings.PANJEREH_DEADLINES_EVERY
    if period <= 0 or not cache.add(KEY, timezone.now().isoformat(), timeout=period):
        return None
    counts = process_deadlines(now=now)
    if any(counts.values()):
        log.info("deadlines: %s", counts)
    return counts
