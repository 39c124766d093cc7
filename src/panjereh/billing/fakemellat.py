"""A fake Behpardakht Mellat gateway for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.billing.fakemellat --port 8013 --key <PANJEREH_PSP_KEY>

Its own small HTTP server on 127.0.0.1 speaking Mellat's protocol as its merchants meet it: SOAP 1.1 envelopes
at ``/pgwchannel/services/pgw`` (``bpPayRequest``, ``bpVerifyRequest``, ``bpInquiryRequest``, ``bpSettleRequest``,
``bpReversalRequest``, ``bpRefundRequest``, each answering its ``return`` code), the payer's page at ``/pgwchannel/startpay.mellat``
(the RefId POSTed to it), and the payer sent back by a form POSTed to the merchant's callback with ``RefId``,
``ResCode``, ``SaleOrderId``, ``SaleReferenceId`` and the masked card. The merchant panel's daily settlement report
is ``/merchant/report.csv?date=YYYYMMDD`` (CSV, basic authentication as the terminal's user).

The faults the banks are known for, turned on by ``POST /_mode`` (JSON): ``verify_lost`` (verify is done but
its answer never arrives), ``settle_fails``, ``window_seconds`` (a verified payment not settled by then is
reversed by the bank itself), ``toman`` (the terminal's amounts are tomans). Standard library and defusedxml."""

import base64
import datetime
import html
import secrets
import sys
import threading
import time
import urllib.parse
import zoneinfo
from http.server import BaseHTTPRequestHandler

from defusedxml import ElementTree

from panjereh.core import fakes

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
NAMESPACE = "http://interfaces.core.sw.bps.com/"
ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_BODY = 64 * 1024


class Bank:
    """The fake bank's transactions by RefId, and its faults."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_ref: dict[str, dict] = {}
        self.mode = {"verify_lost": False, "settle_fails": False, "window_seconds": 0, "toman": False}

    def add(self, tx: dict) -> str:
        ref_id = secrets.token_hex(10).upper()
        with self.lock:
            self.by_ref[ref_id] = tx
        return ref_id

    def by_sale(self, order: str, sale_reference: str) -> tuple[str, dict] | tuple[None, None]:
        with self.lock:
            for ref_id, tx in self.by_ref.items():
                if str(tx["order"]) == str(order) and tx.get("sale_reference") == str(sale_reference):
                    return ref_id, tx
        return None, None

    def expire(self) -> None:
        """The bank's own reversal of payments not verified and settled within its window from the payment."""
        window = self.mode.get("window_seconds") or 0
        if not window:
            return
        now = time.monotonic()
        with self.lock:
            for tx in self.by_ref.values():
                if tx["state"] in ("paid", "verified") and now - tx["paid_mono"] > window:
                    tx["state"] = "reversed_by_bank"


class Handler(BaseHTTPRequestHandler):
    bank: Bank
    terminal: str
    username: str
    password: str

    def do_GET(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/merchant/report.csv":
            return self.report(urllib.parse.parse_qs(url.query).get("date", [""])[0])
        self.text(404, "not found")

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.text(413, "too large")
        body = self.rfile.read(length)
        if url.path == "/_mode":
            import json

            self.bank.mode.update(json.loads(body or b"{}"))
            return fakes.send_json(self, 200, self.bank.mode)
        if url.path == "/pgwchannel/services/pgw":
            return self.soap(body)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        if url.path == "/pgwchannel/startpay.mellat":
            return self.pay_page(form.get("RefId", ""))
        if url.path == "/pgwchannel/pay":
            return self.pay(form)
        self.text(404, "not found")

    # --- SOAP ------------------------------------------------------------------------------
    def soap(self, body: bytes):
        try:
            root = ElementTree.fromstring(body)
            operation = next(iter(root.find(f"{{{ENVELOPE}}}Body")))
        except Exception:  # noqa: BLE001 — whatever it is, it is not an envelope
            return self.fault("not a SOAP envelope")
        name = operation.tag.split("}")[-1]
        params = {child.tag.split("}")[-1]: (child.text or "") for child in operation}
        if (params.get("terminalId"), params.get("userName"), params.get("userPassword")) != (
                self.terminal, self.username, self.password):
            return self.answer(name, "21")  # invalid merchant
        self.bank.expire()
        handler = {"bpPayRequest": self.pay_request, "bpVerifyRequest": self.verify,
                   "bpInquiryRequest": self.inquiry, "bpSettleRequest": self.settle,
                   "bpReversalRequest": self.reversal, "bpRefundRequest": self.refund}.get(name)
        if handler is None:
            return self.fault(f"unknown operation {name}")
        return handler(name, params)

    def pay_request(self, name, p):
        try:
            amount, order = int(p["amount"]), int(p["orderId"])
        except (KeyError, ValueError):
            return self.answer(name, "412")
        with self.bank.lock:
            if any(tx["order"] == order for tx in self.bank.by_ref.values()):
                return self.answer(name, "41")  # duplicate order id
        ref_id = self.bank.add({"order": order, "amount": amount, "callback": p.get("callBackUrl", ""),
                                "state": "created", "sale_reference": "", "paid_at": None, "verified_mono": 0,
                                "paid_mono": 0})
        self.answer(name, f"0,{ref_id}")

    def _sale(self, p):
        return self.bank.by_sale(p.get("saleOrderId", ""), p.get("saleReferenceId", ""))

    def verify(self, name, p):
        ref_id, tx = self._sale(p)
        if tx is None:
            return self.answer(name, "54")  # the referenced transaction was not found
        if tx["state"] == "reversed_by_bank":
            return self.answer(name, "48")  # reversed: the bank's window passed
        if tx["state"] in ("verified", "settled"):
            return self.answer(name, "43")
        if tx["state"] != "paid":
            return self.answer(name, "54")
        tx.update(state="verified", verified_mono=time.monotonic())
        if self.bank.mode.get("verify_lost"):
            self.bank.mode["verify_lost"] = False  # once: the inquiry that follows gets through
            self.close_connection = True
            return  # the answer is lost on the way
        self.answer(name, "0")

    def inquiry(self, name, p):
        _ref, tx = self._sale(p)
        self.answer(name, "0" if tx and tx["state"] in ("verified", "settled") else "54" if tx is None else "48")

    def settle(self, name, p):
        _ref, tx = self._sale(p)
        if tx is None or tx["state"] == "reversed_by_bank":
            return self.answer(name, "48")
        if tx["state"] == "settled":
            return self.answer(name, "45")
        if tx["state"] != "verified":
            return self.answer(name, "46")
        if self.bank.mode.get("settle_fails"):
            return self.answer(name, "61")
        tx.update(state="settled", settled_at=datetime.datetime.now(TEHRAN))
        self.answer(name, "0")

    def reversal(self, name, p):
        _ref, tx = self._sale(p)
        if tx is None or tx["state"] not in ("paid", "verified"):
            return self.answer(name, "48" if tx and tx["state"].startswith("reversed") else "54")
        tx["state"] = "reversed"
        self.answer(name, "0")

    def refund(self, name, p):
        _ref, tx = self._sale(p)
        if tx is None or tx["state"] != "settled":
            return self.answer(name, "54")
        if str(p.get("refundAmount")) != str(tx["amount"]):
            return self.answer(name, "412")
        tx["state"] = "refunded"
        self.answer(name, "0")

    def answer(self, name, value):
        body = (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{ENVELOPE}"><soap:Body>'
                f'<ns2:{name}Response xmlns:ns2="{NAMESPACE}"><return>{html.escape(value)}</return>'
                f"</ns2:{name}Response></soap:Body></soap:Envelope>").encode()
        self.raw(200, body, "text/xml; charset=utf-8")

    def fault(self, text):
        body = (f'<soap:Envelope xmlns:soap="{ENVELOPE}"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>'
                f"<faultstring>{html.escape(text)}</faultstring></soap:Fault></soap:Body></soap:Envelope>").encode()
        self.raw(500, body, "text/xml; charset=utf-8")

    # --- the payer ---------------------------------------------------------------------------
    def pay_page(self, ref_id):
        with self.bank.lock:
            tx = self.bank.by_ref.get(ref_id)
        if tx is None or tx["state"] != "created":
            return self.text(404, "no such open transaction")
        unit = "تومان" if self.bank.mode.get("toman") else "ریال"
        self.page(200, f"""<h1>درگاه آزمایشی به‌پرداخت ملت <span dir="ltr">(fake — demo only)</span></h1>
<p>مبلغ: <bdi id="amount">{tx['amount']:,}</bdi> {unit}</p>
<form method="post" action="/pgwchannel/pay"><input type="hidden" name="RefId" value="{html.escape(ref_id)}">
<button name="action" value="pay" id="pay">پرداخت</button> <button name="action" value="cancel" id="cancel">انصراف</button>
</form>""")

    def pay(self, form):
        ref_id = form.get("RefId", "")
        with self.bank.lock:
            tx = self.bank.by_ref.get(ref_id)
        if tx is None or tx["state"] != "created":
            return self.text(404, "no such open transaction")
        fields = {"RefId": ref_id, "SaleOrderId": str(tx["order"])}
        if form.get("action") == "pay":
            sale_reference = "".join(secrets.choice("0123456789") for _ in range(12))
            tx.update(state="paid", sale_reference=sale_reference, paid_at=datetime.datetime.now(TEHRAN),
                      paid_mono=time.monotonic())
            fields |= {"ResCode": "0", "SaleReferenceId": sale_reference, "CardHolderPan": "610433******1234",
                       "FinalAmount": str(tx["amount"])}
        else:
            tx["state"] = "canceled"
            fields |= {"ResCode": "17", "SaleReferenceId": ""}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        self.page(200, f'<form method="post" action="{html.escape(tx["callback"])}" id="back">{inputs}'
                       f'<button>بازگشت به سایت پذیرنده</button></form>')

    # --- the merchant panel's report ---------------------------------------------------------------
    def report(self, date):
        given = self.headers.get("Authorization", "")
        wanted = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if not secrets.compare_digest(given.encode(), wanted.encode()):
            return self.text(401, "bad merchant credentials")
        lines = ["terminal,date,order_id,reference,amount,status"]
        with self.bank.lock:
            for tx in self.bank.by_ref.values():
                when = tx.get("settled_at")
                if tx["state"] == "settled" and when and when.strftime("%Y%m%d") == date:
                    lines.append(f"{self.terminal},{date},{tx['order']},{tx['sale_reference']},{tx['amount']},settled")
        self.raw(200, ("\n".join(lines) + "\n").encode("utf-8"), "text/csv; charset=utf-8")

    # --- answers -------------------------------------------------------------------------------
    def raw(self, status, body: bytes, kind: str):
        fakes.send_bytes(self, status, body, kind)

    def text(self, status, text):
        self.raw(status, text.encode(), "text/plain; charset=utf-8")

    def page(self, status, inner):
        fakes.send_page(self, status, "درگاه آزمایشی", inner)

    def log_message(self, *args):
        pass


def make_server(port: int, *, terminal: str, key: str, username: str = "demo-user"):
    """A fake Mellat gateway on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    handler = type("MellatHandler", (Handler,), {"bank": Bank(), "terminal": terminal, "username": username,
                                                 "password": key})
    return fakes.local_server(port, handler, "fake Mellat gateway")


def main(argv=None) -> int:
    return fakes.main(name="fakemellat", description=__doc__.splitlines()[0], port=8013, key_env="PANJEREH_PSP_KEY",
                      build=make_server, options=[("terminal", "PANJEREH_PSP_TERMINAL", "demo-terminal"),
                                                  ("username", "PANJEREH_PSP_USERNAME", "demo-user")], argv=argv)


if __name__ == "__main__":
    sys.exit(main())
