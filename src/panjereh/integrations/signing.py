"""The webhook signature: HMAC-SHA256 over "<timestamp>.<body>", sent as
``X-Panjereh-Signature: t=<unix seconds>,v1=<hex>``. Receivers refuse a wrong or stale one."""

import hashlib
import hmac
import time

HEADER = "X-Panjereh-Signature"
EVENT_HEADER = "X-Panjereh-Event-Id"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for ``body``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str | None, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether ``header`` is a valid, fresh signature of ``body`` (constant-time comparison)."""
    if not header:
        return False
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    # bytes, not str: compare_digest refuses non-ASCII text, and a header is whatever the sender wrote
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))
