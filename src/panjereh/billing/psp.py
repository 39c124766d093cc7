"""The bank's internet payment gateway (درگاه پرداخت اینترنتی, a Shaparak PSP), behind one adapter.

Every Iranian PSP works the same way, whatever its field names:

1. the merchant asks the PSP's server for a *token* for an amount and the merchant's own order id;
2. the payer's browser is sent to the PSP's page with that token and pays there;
3. the PSP sends the browser back to the merchant's callback address with the token and a state —
   **which anybody can forge**, so the callback settles nothing by itself;
4. the merchant's server asks the PSP's server to *verify* the token (server to server): only a
   verified transaction of the right amount and order id is money; anything else is *reversed*;
5. each day the PSP's report of verified transactions is reconciled against the merchant's books.

:class:`HttpGateway` speaks that protocol as JSON over HTTP(S) and is configured by
``PANJEREH_PSP_URL``, ``PANJEREH_PSP_TERMINAL`` and ``PANJEREH_PSP_KEY``. A real PSP whose field names
differ gets its own small subclass; the rest of Panjereh only sees :class:`Gateway`. The demo and the
tests use the fake PSP (``python -m panjereh.billing.fakepsp``) through this same adapter.
"""

import dataclasses
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings


class GatewayError(Exception):
    """The PSP could not be reached or refused the request; the message says which."""


class GatewayNotConfigured(GatewayError):
    """No PSP is configured: card payment is not offered."""


@dataclasses.dataclass(frozen=True)
class Verification:
    """The PSP's answer to a verify call. ``ok`` only when the PSP says the money was taken."""

    ok: bool
    status: str
    amount: int | None = None
    order_id: str = ""
    ref_num: str = ""
    masked_pan: str = ""


def new_order_id() -> str:
    """Our order id for a PSP: unguessable, so nobody can aim a forged callback at a payment."""
    return "PJ" + secrets.token_hex(12).upper()


class Gateway:
    """What Panjereh asks of a PSP."""

    def request_token(self, *, amount: int, order_id: str, callback_url: str) -> str:
        raise NotImplementedError

    def pay_url(self, token: str) -> str:
        raise NotImplementedError

    def verify(self, *, token: str) -> Verification:
        raise NotImplementedError

    def reverse(self, *, token: str) -> bool:
        raise NotImplementedError

    def report(self, *, date: str) -> list[dict]:
        """The PSP's verified transactions of one (Tehran) day: order_id, token, amount, ref_num, status."""
        raise NotImplementedError


class HttpGateway(Gateway):
    """A PSP with a JSON API: ``/api/token``, ``/pay/<token>``, ``/api/verify``, ``/api/reverse``, ``/api/report``."""

    def __init__(self, base_url: str, terminal: str, key: str, timeout: float = 15.0, public_url: str = ""):
        self.base_url = base_url.rstrip("/")
        self.public_url = (public_url or base_url).rstrip("/")
        self.terminal = terminal
        self.key = key
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps({"terminal": self.terminal, **(body or {})}).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read() or b"{}").get("error", "")
            except ValueError:
                detail = ""
            raise GatewayError(f"the bank gateway answered {exc.code} {detail}".strip()) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise GatewayError(f"the bank gateway could not be reached ({exc.__class__.__name__})") from None

    def request_token(self, *, amount: int, order_id: str, callback_url: str) -> str:
        answer = self._call("POST", "/api/token", {"amount": int(amount), "order_id": order_id,
                                                   "callback_url": callback_url})
        token = str(answer.get("token") or "")
        if not token:
            raise GatewayError("the bank gateway gave no token")
        return token

    def pay_url(self, token: str) -> str:
        return f"{self.public_url}/pay/{urllib.parse.quote(token, safe='')}"

    def verify(self, *, token: str) -> Verification:
        answer = self._call("POST", "/api/verify", {"token": token})
        status = str(answer.get("status", ""))
        amount = answer.get("amount")
        return Verification(ok=status in {"verified", "already_verified"}, status=status,
                            amount=int(amount) if isinstance(amount, int) else None,
                            order_id=str(answer.get("order_id", "")), ref_num=str(answer.get("ref_num", "")),
                            masked_pan=str(answer.get("masked_pan", "")))

    def reverse(self, *, token: str) -> bool:
        return self._call("POST", "/api/reverse", {"token": token}).get("status") == "reversed"

    def report(self, *, date: str) -> list[dict]:
        query = urllib.parse.urlencode({"terminal": self.terminal, "date": date})
        return list(self._call("GET", f"/api/report?{query}").get("transactions", []))


def gateway() -> Gateway:
    """The configured PSP; :class:`GatewayNotConfigured` when there is none."""
    if not settings.PANJEREH_PSP_URL:
        raise GatewayNotConfigured("no bank gateway is configured (PANJEREH_PSP_URL)")
    return HttpGateway(settings.PANJEREH_PSP_URL, settings.PANJEREH_PSP_TERMINAL, settings.PANJEREH_PSP_KEY,
                       public_url=settings.PANJEREH_PSP_PUBLIC_URL)


def payer_origin() -> str:
    """The scheme://host:port the payer's browser is sent to (for the pages' Content-Security-Policy)."""
    parts = urllib.parse.urlsplit(settings.PANJEREH_PSP_PUBLIC_URL or settings.PANJEREH_PSP_URL)
    return f"{parts.scheme}://{parts.netloc}"


def is_configured() -> bool:
    """Whether card payment can be offered."""
    return bool(settings.PANJEREH_PSP_URL)
