"""A fake Saman (SEP) gateway for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.billing.fakesep --port 8014 --key unused --terminal 12345678

Its own small HTTP server on 127.0.0.1 speaking SEP's REST protocol: the token at ``/onlinepg/onlinepg``, the
payer's page at ``/OnlinePG/OnlinePG`` (the Token POSTed to it), the payer sent back by a form POSTed to the
merchant's RedirectUrl (``MID``, ``State``, ``Status``, ``RefNum``, ``ResNum``, ``RRN``, ``TraceNo``, ``SecurePan``,
``Token``), ``VerifyTransaction`` and ``ReverseTransaction`` under ``/verifyTxnRandomSessionkey/ipg/``; the daily
report at ``/merchant/report.csv?date=YYYYMMDD``. Faults by ``POST /_mode``: ``verify_lost``,
``other_terminal`` (the callback names another terminal), ``charged`` (the bank took another amount than asked),
``window_seconds`` (not verified by then: reversed by
the bank), ``toman``. Standard library only."""

import datetime
import html
import json
import secrets
import sys
import threading
import time
import urllib.parse
import zoneinfo
from http.server import BaseHTTPRequestHandler

from panjereh.core import fakes

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
MAX_BODY = 64 * 1024


class Bank:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_token: dict[str, dict] = {}
        self.mode = {"verify_lost": False, "other_terminal": False, "window_seconds": 0, "toman": False,
                     "charged": None}

    def by_ref(self, ref: str) -> dict | None:
        with self.lock:
            return next((tx for tx in self.by_token.values() if tx.get("ref") == ref), None)

    def expire(self):
        window = self.mode.get("window_seconds") or 0
        if not window:
            return
        now = time.monotonic()
        with self.lock:
            for tx in self.by_token.values():
                if tx["state"] == "paid" and now - tx["paid_mono"] > window:
                    tx["state"] = "reversed_by_bank"


class Handler(BaseHTTPRequestHandler):
    bank: Bank
    terminal: str

    def do_GET(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/merchant/report.csv":
            return self.report(urllib.parse.parse_qs(url.query).get("date", [""])[0])
        self.raw(404, b"not found", "text/plain")

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.raw(413, b"too large", "text/plain")
        body = self.rfile.read(length)
        if url.path == "/_mode":
            self.bank.mode.update(json.loads(body or b"{}"))
            return fakes.send_json(self, 200, self.bank.mode)
        if url.path in ("/onlinepg/onlinepg", "/verifyTxnRandomSessionkey/ipg/VerifyTransaction",
                        "/verifyTxnRandomSessionkey/ipg/ReverseTransaction"):
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return fakes.send_json(self, 400, {"error": "not JSON"})
            self.bank.expire()
            if url.path == "/onlinepg/onlinepg":
                return self.token(data)
            if url.path.endswith("VerifyTransaction"):
                return self.verify(data)
            return self.reverse(data)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        if url.path == "/OnlinePG/OnlinePG":
            return self.pay_page(form.get("Token", ""))
        if url.path == "/OnlinePG/pay":
            return self.pay(form)
        self.raw(404, b"not found", "text/plain")

    def token(self, data):
        if data.get("action") != "token" or str(data.get("TerminalId")) != self.terminal:
            return fakes.send_json(self, 200, {"status": -1, "errorCode": "5", "errorDesc": "پذیرنده نامعتبر"})
        amount = data.get("Amount")
        if not isinstance(amount, int) or amount <= 0 or not data.get("ResNum") or not data.get("RedirectUrl"):
            return fakes.send_json(self, 200, {"status": -1, "errorCode": "6", "errorDesc": "پارامتر نادرست"})
        token = secrets.token_hex(16)
        with self.bank.lock:
            self.bank.by_token[token] = {"amount": amount, "res_num": str(data["ResNum"]), "state": "created",
                                         "redirect": str(data["RedirectUrl"]), "ref": "", "paid_mono": 0}
        fakes.send_json(self, 200, {"status": 1, "token": token})

    def _tx(self, data):
        if str(data.get("TerminalNumber")) != self.terminal:
            return None, -105
        tx = self.bank.by_ref(str(data.get("RefNum", "")))
        return tx, (-2 if tx is None else None)

    def verify(self, data):
        tx, error = self._tx(data)
        if error:
            return fakes.send_json(self, 200, {"ResultCode": error, "Success": False})
        if tx["state"] == "reversed_by_bank" or tx["state"] == "reversed":
            return fakes.send_json(self, 200, {"ResultCode": -6, "Success": False,
                                               "ResultDescription": "تراکنش برگشت خورده است"})
        code = 2 if tx["state"] == "verified" else 0
        tx["state"] = "verified"
        tx.setdefault("verified_at", datetime.datetime.now(TEHRAN))
        if self.bank.mode.get("verify_lost"):
            self.bank.mode["verify_lost"] = False
            self.close_connection = True
            return
        fakes.send_json(self, 200, {"ResultCode": code, "Success": True, "ResultDescription": "موفق",
                                    "TransactionDetail": {"RRN": tx["rrn"], "RefNum": tx["ref"],
                                                          "MaskedPan": "621986****1234",
                                                          "OrginalAmount": self.bank.mode.get("charged") or tx["amount"],
                                                          "AffectiveAmount": tx["amount"],
                                                          "TerminalNumber": int(self.terminal)}})

    def reverse(self, data):
        tx, error = self._tx(data)
        if error:
            return fakes.send_json(self, 200, {"ResultCode": error, "Success": False})
        if tx["state"] not in ("paid", "verified"):
            return fakes.send_json(self, 200, {"ResultCode": -6, "Success": False})
        tx["state"] = "reversed"
        fakes.send_json(self, 200, {"ResultCode": 0, "Success": True})

    def pay_page(self, token):
        with self.bank.lock:
            tx = self.bank.by_token.get(token)
        if tx is None or tx["state"] != "created":
            return self.raw(404, b"no such open transaction", "text/plain")
        self.page(f"""<h1>درگاه آزمایشی سامان <span dir="ltr">(fake — demo only)</span></h1>
<p>مبلغ: <bdi>{tx['amount']:,}</bdi> {'تومان' if self.bank.mode.get('toman') else 'ریال'}</p>
<form method="post" action="/OnlinePG/pay"><input type="hidden" name="Token" value="{html.escape(token)}">
<button name="action" value="pay" id="pay">پرداخت</button> <button name="action" value="cancel" id="cancel">انصراف</button></form>""")

    def pay(self, form):
        token = form.get("Token", "")
        with self.bank.lock:
            tx = self.bank.by_token.get(token)
        if tx is None or tx["state"] != "created":
            return self.raw(404, b"no such open transaction", "text/plain")
        terminal = "99999999" if self.bank.mode.get("other_terminal") else self.terminal
        fields = {"MID": terminal, "TerminalId": terminal, "ResNum": tx["res_num"], "Token": token}
        if form.get("action") == "pay":
            ref = secrets.token_hex(12).upper()
            rrn = "".join(secrets.choice("0123456789") for _ in range(12))
            tx.update(state="paid", ref=ref, rrn=rrn, paid_mono=time.monotonic())
            fields |= {"State": "OK", "Status": "2", "RefNum": ref, "RRN": rrn, "TraceNo": rrn[-6:],
                       "SecurePan": "621986******1234", "Amount": str(tx["amount"])}
        else:
            tx["state"] = "canceled"
            fields |= {"State": "CanceledByUser", "Status": "1", "RefNum": ""}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        self.page(f'<form method="post" action="{html.escape(tx["redirect"])}" id="back">{inputs}'
                  f"<button>بازگشت</button></form>")

    def report(self, date):
        lines = ["terminal,date,order_id,reference,amount,status"]
        with self.bank.lock:
            for tx in self.bank.by_token.values():
                when = tx.get("verified_at")
                if tx["state"] == "verified" and when and when.strftime("%Y%m%d") == date:
                    lines.append(f"{self.terminal},{date},{tx['res_num']},{tx['rrn']},{tx['amount']},settled")
        self.raw(200, ("\n".join(lines) + "\n").encode(), "text/csv; charset=utf-8")

    def raw(self, status, body: bytes, kind: str):
        fakes.send_bytes(self, status, body, kind)

    def page(self, inner):
        fakes.send_page(self, 200, "درگاه آزمایشی", inner)

    def log_message(self, *args):
        pass


def make_server(port: int, *, terminal: str, key: str = ""):
    """A fake SEP gateway on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    handler = type("SepHandler", (Handler,), {"bank": Bank(), "terminal": terminal})
    return fakes.local_server(port, handler, "fake SEP gateway")


def main(argv=None) -> int:
    return fakes.main(name="fakesep", description=__doc__.splitlines()[0], port=8014, key_env="PANJEREH_PSP_KEY",
                      build=make_server, options=[("terminal", "PANJEREH_PSP_TERMINAL", "12345678")], argv=argv)


if __name__ == "__main__":
    sys.exit(main())
