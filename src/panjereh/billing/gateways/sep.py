"""Saman Electronic Payment (SEP, پرداخت الکترونیک سامان), by its own REST protocol as its merchant
documentation describes it:

1. ``POST /onlinepg/onlinepg`` with ``{"action": "token", "TerminalId", "Amount", "ResNum", "RedirectUrl"}``
   answers ``{"status": 1, "token"}`` (or ``status: -1`` with ``errorCode``/``errorDesc``);
2. the payer's browser POSTs ``Token`` to ``/OnlinePG/OnlinePG`` and pays there;
3. the bank POSTs the payer back to ``RedirectUrl`` with ``MID``, ``State`` (``OK``), ``Status`` (2: paid),
   ``RefNum``, ``ResNum`` (our order id), ``RRN``, ``TraceNo``, ``SecurePan``, ``Token``;
4. ``POST /verifyTxnRandomSessionkey/ipg/VerifyTransaction`` with ``{"RefNum", "TerminalNumber"}`` answers
   ``ResultCode`` 0 (verified) or 2 (verified before) with the ``TransactionDetail`` (the original amount);
   a payment not verified in the bank's window is reversed by the bank;
5. ``.../ReverseTransaction`` with the same body gives the money back.

Configured by ``PANJEREH_PSP_URL`` (https://sep.shaparak.ir), ``PANJEREH_PSP_TERMINAL``; amounts in rials
(``PANJEREH_PSP_UNIT=toman`` for a terminal contracted in tomans)."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from panjereh.billing.psp import (Callback, Gateway, GatewayError, Redirect, Verification, fetch_report,
                                  parse_settlement_csv)

VERIFIED, ALREADY_VERIFIED = 0, 2


class SepGateway(Gateway):
    name = "sep"

    def __init__(self, *, url: str, public_url: str, terminal: str, timeout: float = 15.0, unit: str = "rial"):
        self.url = url.rstrip("/")
        self.public_url = (public_url or url).rstrip("/")
        self.terminal, self.timeout, self.factor = terminal, timeout, 10 if unit == "toman" else 1

    @classmethod
    def from_settings(cls) -> "SepGateway":
        return cls(url=settings.PANJEREH_PSP_URL, public_url=settings.PANJEREH_PSP_PUBLIC_URL,
                   terminal=settings.PANJEREH_PSP_TERMINAL, timeout=float(settings.PANJEREH_PSP_TIMEOUT),
                   unit=settings.PANJEREH_PSP_UNIT)

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(f"{self.url}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read(256 * 1024) or b"{}")
        except urllib.error.HTTPError as exc:
            raise GatewayError(f"the bank answered HTTP {exc.code} to {path}") from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise GatewayError(f"the bank could not be reached for {path} ({exc.__class__.__name__})") from None
        if not isinstance(answer, dict):
            raise GatewayError(f"the bank's answer to {path} is not an object")
        return answer

    def request_token(self, *, amount: int, order_id: str, callback_url: str) -> str:
        if amount % self.factor:
            raise GatewayError("the amount is not a whole number of tomans")
        answer = self._post("/onlinepg/onlinepg", {"action": "token", "TerminalId": self.terminal,
                                                   "Amount": amount // self.factor, "ResNum": order_id,
                                                   "RedirectUrl": callback_url})
        if answer.get("status") != 1 or not answer.get("token"):
            raise GatewayError(f"the bank refused the payment request (code {answer.get('errorCode')})")
        return str(answer["token"])

    def pay_url(self, token: str) -> str:
        return f"{self.public_url}/OnlinePG/OnlinePG"

    def redirect(self, token: str) -> Redirect:
        return Redirect(url=f"{self.public_url}/OnlinePG/OnlinePG", method="POST", fields={"Token": token})

    def read_callback(self, data: dict) -> Callback:
        fields = {k: str(data.get(k, ""))[:64] for k in ("MID", "TerminalId", "State", "Status", "RefNum", "ResNum",
                                                         "RRN", "TraceNo", "SecurePan")}
        return Callback(order_id=fields["ResNum"], token=str(data.get("Token", ""))[:128], fields=fields)

    def verify(self, *, token: str, callback: dict | None = None, amount: int | None = None,
               order_id: str = "") -> Verification:
        callback = callback or {}
        if callback.get("State") != "OK" or not callback.get("RefNum"):
            return Verification(ok=False, status=f"not_paid_{callback.get('State') or 'none'}")
        if (callback.get("MID") or callback.get("TerminalId")) != self.terminal:
            return Verification(ok=False, status="other_terminal")
        answer = self._post("/verifyTxnRandomSessionkey/ipg/VerifyTransaction",
                            {"RefNum": callback["RefNum"], "TerminalNumber": int(self.terminal)})
        code = answer.get("ResultCode")
        if code not in (VERIFIED, ALREADY_VERIFIED) or answer.get("Success") is not True:
            return Verification(ok=False, status=f"verify_{code}")
        detail = answer.get("TransactionDetail") or {}
        original = detail.get("OrginalAmount")  # (the bank's spelling)
        return Verification(ok=True, status="verified" if code == VERIFIED else "already_verified",
                            amount=int(original) * self.factor if isinstance(original, int) else None,
                            order_id=callback.get("ResNum", ""), ref_num=str(detail.get("RRN") or callback.get("RRN")),
                            masked_pan=str(detail.get("MaskedPan") or callback.get("SecurePan", "")))

    def reverse(self, *, token: str, callback: dict | None = None) -> bool:
        callback = callback or {}
        if not callback.get("RefNum"):
            return False
        answer = self._post("/verifyTxnRandomSessionkey/ipg/ReverseTransaction",
                            {"RefNum": callback["RefNum"], "TerminalNumber": int(self.terminal)})
        return answer.get("ResultCode") == 0 and answer.get("Success") is True

    def parse_report(self, data: bytes) -> list[dict]:
        return parse_settlement_csv(data, self.factor)

    def report(self, *, date: str) -> list[dict]:
        day = date.replace("-", "")
        return self.parse_report(fetch_report(f"{self.url}/merchant/report.csv?date={day}", timeout=self.timeout))
