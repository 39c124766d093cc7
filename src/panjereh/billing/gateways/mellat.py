"""Behpardakht Mellat (به‌پرداخت ملت), by its own SOAP protocol (service ``pgw``, namespace
``http://interfaces.core.sw.bps.com/``), as its merchant documentation describes it and its open-source clients
use it:

1. ``bpPayRequest`` (terminal, user name, password, a numeric order id, the amount in rials, the local date
   and time, the callback address) answers ``0,<RefId>``;
2. the payer's browser POSTs ``RefId`` to ``/pgwchannel/startpay.mellat`` and pays there;
3. the bank POSTs the payer back to the callback with ``RefId``, ``ResCode`` (0: paid), ``SaleOrderId``,
   ``SaleReferenceId`` and the masked card;
4. ``bpVerifyRequest`` (0, or 43: already verified); when its answer is lost, ``bpInquiryRequest`` says
   whether it was verified;
5. ``bpSettleRequest`` (0, or 45: already settled) asks the bank to pay the money to the merchant — a verified
   payment not settled within the bank's window is reversed by the bank itself;
6. ``bpReversalRequest`` gives the money back when anything after the payment fails (before settlement).

Our order id (``PJ`` + hex) becomes Mellat's numeric one by its first 15 hex digits (60 bits: unique enough
for a terminal, and recomputed here rather than stored); it also rides in the callback address, so the callback
names our payment whatever the bank posts. Amounts are rials (``PANJEREH_PSP_UNIT=toman`` for a terminal
contracted in tomans). Configured by ``PANJEREH_PSP_URL`` (https://bpm.shaparak.ir), ``PANJEREH_PSP_TERMINAL``,
``PANJEREH_PSP_USERNAME``, ``PANJEREH_PSP_KEY`` (the terminal's password)."""

import base64
import datetime
import urllib.parse
import zoneinfo

from django.conf import settings

from panjereh.billing.gateways import soap
from panjereh.billing.psp import (Callback, Gateway, GatewayError, Redirect, Verification, fetch_report,
                                  parse_settlement_csv)

NAMESPACE = "http://interfaces.core.sw.bps.com/"
SERVICE = "/pgwchannel/services/pgw"
START_PAY = "/pgwchannel/startpay.mellat"
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
# the answers that mean the step is done (the second: it was done before, by an earlier call)
VERIFIED, ALREADY_VERIFIED, SETTLED, ALREADY_SETTLED = "0", "43", "0", "45"


def numeric_order(order_id: str) -> int:
    """Mellat's order id (a long) for ours."""
    try:
        return int(order_id[2:17], 16)
    except ValueError:
        raise GatewayError(f"order id {order_id!r} is not one of ours") from None


class MellatGateway(Gateway):
    name = "mellat"

    def __init__(self, *, url: str, public_url: str, terminal: str, username: str, password: str,
                 timeout: float = 15.0, inquiries: int = 2, unit: str = "rial"):
        self.url = url.rstrip("/")
        self.public_url = (public_url or url).rstrip("/")
        self.terminal, self.username, self.password = terminal, username, password
        self.timeout, self.inquiries, self.factor = timeout, inquiries, 10 if unit == "toman" else 1

    @classmethod
    def from_settings(cls) -> "MellatGateway":
        return cls(url=settings.PANJEREH_PSP_URL, public_url=settings.PANJEREH_PSP_PUBLIC_URL,
                   terminal=settings.PANJEREH_PSP_TERMINAL, username=settings.PANJEREH_PSP_USERNAME,
                   password=settings.PANJEREH_PSP_KEY, timeout=float(settings.PANJEREH_PSP_TIMEOUT),
                   inquiries=int(settings.PANJEREH_PSP_INQUIRIES), unit=settings.PANJEREH_PSP_UNIT)

    def _call(self, operation: str, **params) -> str:
        credentials = {"terminalId": self.terminal, "userName": self.username, "userPassword": self.password}
        return soap.call(f"{self.url}{SERVICE}", NAMESPACE, operation, {**credentials, **params},
                         timeout=self.timeout)

    def _sale(self, order_id: str, callback: dict) -> dict:
        number = numeric_order(order_id)
        return {"orderId": number, "saleOrderId": callback.get("SaleOrderId") or number,
                "saleReferenceId": callback.get("SaleReferenceId", "")}

    def request_token(self, *, amount: int, order_id: str, callback_url: str) -> str:
        if amount % self.factor:
            raise GatewayError("the amount is not a whole number of tomans")
        now = datetime.datetime.now(TEHRAN)
        back = f"{callback_url}{'&' if '?' in callback_url else '?'}{urllib.parse.urlencode({'order_id': order_id})}"
        answer = self._call("bpPayRequest", orderId=numeric_order(order_id), amount=amount // self.factor,
                            localDate=now.strftime("%Y%m%d"), localTime=now.strftime("%H%M%S"), additionalData="",
                            callBackUrl=back, payerId=0)
        code, _, ref_id = answer.partition(",")
        if code != "0" or not ref_id:
            raise GatewayError(f"the bank refused the payment request (code {code})")
        return ref_id

    def pay_url(self, token: str) -> str:
        return f"{self.public_url}{START_PAY}"

    def redirect(self, token: str) -> Redirect:
        return Redirect(url=f"{self.public_url}{START_PAY}", method="POST", fields={"RefId": token})

    def read_callback(self, data: dict) -> Callback:
        fields = {k: str(data.get(k, ""))[:64] for k in ("ResCode", "SaleOrderId", "SaleReferenceId",
                                                         "CardHolderPan", "RefId")}
        return Callback(order_id=str(data.get("order_id", ""))[:64], token=fields["RefId"][:128], fields=fields)

    def verify(self, *, token: str, callback: dict | None = None, amount: int | None = None,
               order_id: str = "") -> Verification:
        callback = callback or {}
        if callback.get("ResCode") != "0":
            return Verification(ok=False, status=f"not_paid_{callback.get('ResCode') or 'none'}")
        if str(callback.get("SaleOrderId", "")) != str(numeric_order(order_id)):
            return Verification(ok=False, status="order_differs")
        sale = self._sale(order_id, callback)
        try:
            code = self._call("bpVerifyRequest", **sale)
        except GatewayError:
            code = self._inquire(sale)  # the verify's answer was lost: ask whether it happened
        if code not in (VERIFIED, ALREADY_VERIFIED):
            return Verification(ok=False, status=f"verify_{code}")
        try:
            settled = self._call("bpSettleRequest", **sale)
        except GatewayError:
            settled = "lost"
        if settled not in (SETTLED, ALREADY_SETTLED):
            # verified but not settled: give the money back now rather than wait for the bank's window
            self.reverse(token=token, callback=callback, order_id=order_id)
            return Verification(ok=False, status=f"settle_{settled}_reversed")
        return Verification(ok=True, status="verified", amount=amount, order_id=order_id,
                            ref_num=str(callback.get("SaleReferenceId", "")),
                            masked_pan=str(callback.get("CardHolderPan", "")))

    def _inquire(self, sale: dict) -> str:
        last = GatewayError("no inquiry was made")
        for _ in range(max(1, self.inquiries)):
            try:
                return self._call("bpInquiryRequest", **sale)
            except GatewayError as exc:
                last = exc
        raise last

    def reverse(self, *, token: str, callback: dict | None = None, order_id: str = "") -> bool:
        callback = callback or {}
        order_id = order_id or callback.get("order_id", "")
        if not callback.get("SaleReferenceId") or not order_id:
            return False  # nothing was paid at the bank: nothing to reverse
        return self._call("bpReversalRequest", **self._sale(order_id, callback)) == "0"

    def refund(self, *, token: str, amount: int, callback: dict | None = None) -> bool | None:
        """``bpRefundRequest`` (the refund service a terminal's contract may include): 0 when given back."""
        callback = callback or {}
        if not callback.get("SaleReferenceId") or not callback.get("order_id"):
            return False
        return self._call("bpRefundRequest", **self._sale(callback["order_id"], callback),
                          refundAmount=amount // self.factor) == "0"

    def order_key(self, order_id: str) -> str:
        return str(numeric_order(order_id))

    def parse_report(self, data: bytes) -> list[dict]:
        return parse_settlement_csv(data, self.factor)

    def report(self, *, date: str) -> list[dict]:
        """The merchant panel's daily report, where the bank offers it for download (the fake does; a city whose
        bank does not passes the file to ``panjereh reconcile --file``)."""
        credentials = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        day = date.replace("-", "")
        return self.parse_report(fetch_report(f"{self.url}/merchant/report.csv?date={day}", timeout=self.timeout,
                                              headers={"Authorization": f"Basic {credentials}"}))
