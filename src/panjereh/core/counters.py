"""Counts kept in the shared cache for a period (so every worker on every server sees the same number): how
many tracking lookups or failed sign-ins an address made lately."""

from django.core.cache import cache


def count(key: str, period: int) -> int:
    """Add one to ``key`` (created for ``period`` seconds at its first count) and return the new count."""
    cache.add(key, 0, timeout=period)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: this is the first of a new period
        cache.set(key, 1, timeout=period)
        return 1
