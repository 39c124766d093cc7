"""Payment providers: cash at the counter, and a bank gateway with signed callbacks (and its simulator).

The gateway signs each callback with HMAC-SHA256 over the raw body; the secret is
PANJEREH_GATEWAY_SECRET, or one generated once into var/ (never in the repo).
"""

import hashlib
import hmac
import json
import secrets

from django.conf import settings

CASH, GATEWAY = "cash", "gateway"
SIGNATURE_HEADER = "X-Gateway-Signature"


def gateway_secret() -> bytes:
    """The shared secret between Panjereh and the bank gateway."""
    if settings.PANJEREH_GATEWAY_SECRET:
        return settings.PANJEREH_GATEWAY_SECRET.encode()
    path = settings.VAR_DIR / "gateway_secret"
    if not path.exists():
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def sign(body: bytes) -> str:
    """The signature the gateway puts on a callback body."""
    return hmac.new(gateway_secret(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str | None) -> bool:
    """Whether a callback body carries the gateway's signature (constant-time comparison)."""
    return bool(signature) and hmac.compare_digest(sign(body), signature)


def new_reference() -> str:
    """A gateway payment reference, unguessable."""
    return "GW" + secrets.token_hex(10).upper()


def simulated_callback(reference: str, amount: int, status: str = "ok") -> tuple[bytes, str]:
    """What the bank-gateway simulator sends back: (body, signature)."""
    body = json.dumps({"reference": reference, "amount": amount, "status": status}, sort_keys=True).encode()
    return body, sign(body)
