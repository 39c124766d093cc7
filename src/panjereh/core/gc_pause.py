"""The cyclic garbage collector paused around a bulk load.

A layer import builds hundreds of thousands of small objects (rows, dicts of attributes, geometries) that all live
until it ends and form no reference cycles; the collector's passes over them found nothing and cost a sixth of a
126,000-feature import (1.50 → 1.28 s, bench/bench_foundation.py). Reference counting still frees everything as
usual, and the collector takes up again when the load is over. Nested pauses are one pause."""

import contextlib
import gc
import threading

_lock = threading.Lock()
_state = {"depth": 0, "was_enabled": False}


@contextlib.contextmanager
def collector_paused():
    """Inside the block the cyclic collector does not run (unless it was off already, when nothing changes)."""
    with _lock:
        if _state["depth"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["was_enabled"]:
                gc.enable()
