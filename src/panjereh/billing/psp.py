"""The bank's internet payment gateway (درگاه پرداخت اینترنتی, a Shaparak PSP), behind one adapter.

Every Iranian PSP works the same way, whatever its field names:

1. the merchant asks the PSP's server for a *token* for an amount and the merchant's own order id;
2. the payer's browser is sent to the PSP's page with that token and pays there;
3. the PSP sends the browser back to the merchant's callback address with the token and a state —
   **which anybody can forge**, so the callback settles nothing by itself;
4. the merchant's server asks the PSP's server to *verify* the token (server to server): only a
   verified transaction of the right amount and order id is money; anything else is *reversed*;
5. each day the PSP's report of verified transactions is reconciled against the merchant's books.

:class:`Gateway` is what the rest of Panjereh sees; ``PANJEREH_PSP`` chooses the adapter that speaks a bank's
own protocol behind it (``billing/gateways/``): ``mellat`` (Behpardakht Mellat, SOAP: pay request, the payer
posted to the bank with the RefId, verify, settle, reversal, inquiry when verify's answer is lost), ``sep``
(Saman, REST: token, the payer posted with it, verify, reverse), or ``json``, the generic JSON protocol of
:class:`HttpGateway`. Each is configured by ``PANJEREH_PSP_URL`` (the bank's server), ``PANJEREH_PSP_PUBLIC_URL``
(the payer's page, if elsewhere), ``PANJEREH_PSP_TERMINAL``, ``PANJEREH_PSP_USERNAME`` and ``PANJEREH_PSP_KEY``
(the terminal's password or key). The demo and the tests use a fake server per protocol
(``python -m panjereh.billing.fakepsp``, ``fakemellat``, ``fakesep``), reached through the same adapters.
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


@dataclasses.dataclass(frozen=True)
class Redirect:
    """How the payer's browser goes to the bank's page: a GET of ``url``, or a form POSTed to it."""

    url: str
    method: str = "GET"
    fields: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Callback:
    """What the bank's callback carries, in our words: our order id, the gateway's token for it, and the
    bank's own fields (kept for verify). None of it is trusted until the bank's server verifies."""

    order_id: str
    token: str
    fields: dict = dataclasses.field(default_factory=dict)


class Gateway:
    """What Panjereh asks of a PSP."""

    name = "gateway"

    def request_token(self, *, amount: int, order_id: str, callback_url: str) -> str:
        raise NotImplementedError

    def pay_url(self, token: str) -> str:
        raise NotImplementedError

    def redirect(self, token: str) -> Redirect:
        """The payer's way to the bank's page (a GET of :meth:`pay_url` unless the bank wants a POST)."""
        return Redirect(self.pay_url(token))

    def read_callback(self, data: dict) -> Callback:
        """The callback's fields (GET and POST merged) in our words."""
        return Callback(order_id=str(data.get("order_id", ""))[:64], token=str(data.get("token", ""))[:128],
                        fields={})

    def verify(self, *, token: str, callback: dict | None = None, amount: int | None = None,
               order_id: str = "") -> Verification:
        raise NotImplementedError

    def reverse(self, *, token: str, callback: dict | None = None) -> bool:
        raise NotImplementedError

    def refund(self, *, token: str, amount: int, callback: dict | None = None) -> bool | None:
        """Give a settled payment back through the bank; None where the bank offers no refund (the city then
        transfers it by hand)."""
        return None

    def report(self, *, date: str) -> list[dict]:
        """The PSP's verified transactions of one (Tehran) day: order_id (or key), amount, ref_num, status."""
        raise NotImplementedError

    def parse_report(self, data: bytes) -> list[dict]:
        """The bank's settlement report file, as its merchant panel gives it: rows as :meth:`report`'s."""
        return parse_settlement_csv(data)

    def order_key(self, order_id: str) -> str:
        """Our order id as the bank's report names it."""
        return order_id


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

    name = "json"

    def verify(self, *, token: str, callback: dict | None = None, amount: int | None = None,
               order_id: str = "") -> Verification:
        answer = self._call("POST", "/api/verify", {"token": token})
        status = str(answer.get("status", ""))
        amount = answer.get("amount")
        return Verification(ok=status in {"verified", "already_verified"}, status=status,
                            amount=int(amount) if isinstance(amount, int) else None,
                            order_id=str(answer.get("order_id", "")), ref_num=str(answer.get("ref_num", "")),
                            masked_pan=str(answer.get("masked_pan", "")))

    def reverse(self, *, token: str, callback: dict | None = None) -> bool:
        return self._call("POST", "/api/reverse", {"token": token}).get("status") == "reversed"

    def report(self, *, date: str) -> list[dict]:
        query = urllib.parse.urlencode({"terminal": self.terminal, "date": date})
        return list(self._call("GET", f"/api/report?{query}").get("transactions", []))


def gateway() -> Gateway:
    """The configured PSP (``PANJEREH_PSP``); :class:`GatewayNotConfigured` when there is none."""
    if not settings.PANJEREH_PSP_URL:
        raise GatewayNotConfigured("no bank gateway is configured (PANJEREH_PSP_URL)")
    kind = getattr(settings, "PANJEREH_PSP", "json") or "json"
    timeout = float(getattr(settings, "PANJEREH_PSP_TIMEOUT", 15.0))
    if kind == "mellat":
        from panjereh.billing.gateways.mellat import MellatGateway

        return MellatGateway.from_settings()
    if kind == "sep":
        from panjereh.billing.gateways.sep import SepGateway

        return SepGateway.from_settings()
    if kind != "json":
        raise GatewayNotConfigured(f"unknown bank gateway PANJEREH_PSP={kind!r} (json, mellat or sep)")
    return HttpGateway(settings.PANJEREH_PSP_URL, settings.PANJEREH_PSP_TERMINAL, settings.PANJEREH_PSP_KEY,
                       public_url=settings.PANJEREH_PSP_PUBLIC_URL, timeout=timeout)


def payer_origin() -> str:
    """The scheme://host:port the payer's browser is sent to (for the pages' Content-Security-Policy)."""
    parts = urllib.parse.urlsplit(settings.PANJEREH_PSP_PUBLIC_URL or settings.PANJEREH_PSP_URL)
    return f"{parts.scheme}://{parts.netloc}"


def is_configured() -> bool:
    """Whether card payment can be offered."""
    return bool(settings.PANJEREH_PSP_URL)


def parse_settlement_csv(data: bytes, factor: int = 1) -> list[dict]:
    """A settlement report in the CSV the fakes write (the columns a bank's panel export carries): terminal, date,
    order_id (as the bank knows it), reference, amount (in the terminal's unit: ``factor`` makes it rials),
    status. A line that is not a transaction is skipped."""
    import csv
    import io

    rows = []
    for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig", "replace"))):
        try:
            amount = int(str(row.get("amount", "")).replace(",", "").strip()) * factor
        except ValueError:
            continue
        rows.append({"key": str(row.get("order_id", "")).strip(), "ref_num": str(row.get("reference", "")).strip(),
                     "amount": amount, "status": str(row.get("status", "")).strip(),
                     "terminal": str(row.get("terminal", "")).strip()})
    return rows


def fetch_report(url: str, *, timeout: float, headers: dict | None = None) -> bytes:
    """A settlement report downloaded from the bank (where it offers one to the merchant's server)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(20 * 1024 * 1024)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GatewayError(f"the bank's report could not be fetched ({exc.__class__.__name__}): download it from "
                           "the merchant panel and give it with --file") from None
