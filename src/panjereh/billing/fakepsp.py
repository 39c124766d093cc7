"""A fake bank payment gateway (PSP) for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.billing.fakepsp --port 8010 --key <PANJEREH_PSP_KEY>

It is its own small HTTP server, reached by Panjereh only through the adapter a real PSP is reached by
(``panjereh.billing.psp.HttpGateway``). It refuses to start unless the deployment says it is a demo
(``PANJEREH_DEMO=1``) and it listens on 127.0.0.1 only. Its pay page lets a tester pay, cancel, or pay a
different amount than was asked (to show that Panjereh refuses and reverses such a payment). Its books are
kept in memory: a restart forgets them, as a demo may. Standard library only.
"""

import datetime
import html
import json
import secrets
import sys
import threading
import urllib.parse
import zoneinfo
from http.server import BaseHTTPRequestHandler

from panjereh.core import fakes

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
MAX_BODY = 64 * 1024


class Books:
    """The PSP's transactions, by token."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_token: dict[str, dict] = {}

    def create(self, terminal: str, amount: int, order_id: str, callback_url: str) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.by_token[token] = {"terminal": terminal, "amount": amount, "order_id": order_id,
                                    "callback_url": callback_url, "state": "created", "charged": None,
                                    "ref_num": "", "verified_at": None}
        return token

    def get(self, token: str) -> dict | None:
        with self.lock:
            tx = self.by_token.get(token)
            return dict(tx) if tx else None

    def update(self, token: str, **changes) -> None:
        with self.lock:
            self.by_token[token].update(changes)


class PspHandler(BaseHTTPRequestHandler):
    """The fake PSP's HTTP handler: the merchant API (token, verify, reverse, report) and the payer's pages.
    ``books``, ``terminal`` and ``key`` are set on a subclass per server (:func:`make_handler`)."""

    books: Books
    terminal: str
    key: str

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/pay/"):
            return self.pay_page(urllib.parse.unquote(url.path[5:]))
        if url.path == "/api/report":
            if not self.authorised():
                return
            query = urllib.parse.parse_qs(url.query)
            return self.json(200, {"transactions": self.report(query.get("date", [""])[0])})
        self.json(404, {"error": "not found"})

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.json(413, {"error": "body too large"})
        body = self.rfile.read(length)
        if url.path.startswith("/pay/"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            return self.pay(urllib.parse.unquote(url.path[5:]), form)
        if not self.authorised():
            return
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return self.json(400, {"error": "body is not JSON"})
        if not isinstance(data, dict) or data.get("terminal") != self.terminal:
            return self.json(403, {"error": "unknown terminal"})
        if url.path == "/api/token":
            return self.token(data)
        if url.path == "/api/verify":
            return self.verify(str(data.get("token", "")))
        if url.path == "/api/reverse":
            return self.reverse(str(data.get("token", "")))
        self.json(404, {"error": "not found"})

    # --- merchant API (server to server) ---------------------------------------------------
    def authorised(self) -> bool:
        given = self.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {self.key}".encode()):
            self.json(401, {"error": "bad merchant key"})
            return False
        return True

    def token(self, data):
        amount, order_id, callback = data.get("amount"), data.get("order_id"), data.get("callback_url")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return self.json(400, {"error": "amount must be a positive whole number of rials"})
        if not isinstance(order_id, str) or not order_id or not isinstance(callback, str) \
                or not callback.startswith(("http://", "https://")):
            return self.json(400, {"error": "order_id and an http(s) callback_url are required"})
        self.json(200, {"token": self.books.create(self.terminal, amount, order_id, callback)})

    def verify(self, token):
        tx = self.books.get(token)
        if tx is None:
            return self.json(200, {"status": "unknown"})
        if tx["state"] == "verified":
            return self.json(200, self.described("already_verified", tx))
        if tx["state"] != "paid":
            return self.json(200, {"status": "not_paid", "order_id": tx["order_id"]})
        self.books.update(token, state="verified", verified_at=datetime.datetime.now(TEHRAN))
        self.json(200, self.described("verified", self.books.get(token)))

    def reverse(self, token):
        tx = self.books.get(token)
        if tx is None or tx["state"] not in {"paid", "verified"}:
            return self.json(200, {"status": "nothing_to_reverse"})
        self.books.update(token, state="reversed")
        self.json(200, {"status": "reversed"})

    def report(self, date):
        with self.books.lock:
            rows = [(token, dict(tx)) for token, tx in self.books.by_token.items()]
        return [self.described(tx["state"], tx) | {"token": token} for token, tx in rows
                if tx["verified_at"] is not None and tx["verified_at"].date().isoformat() == date]

    @staticmethod
    def described(status, tx):
        return {"status": status, "amount": tx["charged"], "order_id": tx["order_id"], "ref_num": tx["ref_num"],
                "masked_pan": "603799******1234"}

    # --- the payer's pages -----------------------------------------------------------------
    def pay_page(self, token):
        tx = self.books.get(token)
        if tx is None or tx["state"] != "created":
            return self.page(404, "<p>این تراکنش وجود ندارد یا پایان یافته است / no such open transaction</p>")
        amount = tx["amount"]
        self.page(200, f"""
<h1>درگاه پرداخت آزمایشی <span dir="ltr">(fake PSP — demo only)</span></h1>
<p>مبلغ / amount: <bdi id="amount" data-amount="{amount}">{amount:,}</bdi> ریال</p>
<form method="post">
  <label>مبلغ پرداختی (برای آزمون دست‌کاری) / amount charged
<input id="charged" name="amount" value="{amount}" inputmode="numeric"></label>
  <button name="action" value="pay" id="pay">پرداخت / pay</button>
  <button name="action" value="cancel" id="cancel">انصراف / cancel</button>
</form>""")

    def pay(self, token, form):
        tx = self.books.get(token)
        if tx is None or tx["state"] != "created":
            return self.page(404, "<p>no such open transaction</p>")
        action = form.get("action", [""])[0]
        if action == "pay":
            try:
                charged = int(form.get("amount", [str(tx["amount"])])[0])
            except ValueError:
                return self.page(400, "<p>amount is not a number</p>")
            ref_num = "".join(secrets.choice("0123456789") for _ in range(12))
            self.books.update(token, state="paid", charged=charged, ref_num=ref_num)
            state = "OK"
        else:
            self.books.update(token, state="canceled")
            ref_num, state = "", "CANCELED"
        query = urllib.parse.urlencode({"token": token, "order_id": tx["order_id"], "state": state,
                                        "ref_num": ref_num})
        sep = "&" if "?" in tx["callback_url"] else "?"
        self.send_response(303)
        self.send_header("Location", f"{tx['callback_url']}{sep}{query}")
        self.end_headers()

    # --- answers ---------------------------------------------------------------------------
    def json(self, status, data):
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def page(self, status, inner):
        body = (f'<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>'
                f'{html.escape("درگاه پرداخت آزمایشی")}</title></head><body>{inner}</body></html>').encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def make_handler(books: Books, terminal: str, key: str) -> type[PspHandler]:
    """A handler class for one fake PSP: its books, its terminal and its merchant key."""
    return type("Handler", (PspHandler,), {"books": books, "terminal": terminal, "key": key})


def make_server(port: int, *, terminal: str, key: str):
    """A fake PSP on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    return fakes.local_server(port, make_handler(Books(), terminal, key), "fake PSP")


def main(argv=None) -> int:
    return fakes.main(name="fakepsp", description=__doc__.splitlines()[0], port=8010, key_env="PANJEREH_PSP_KEY",
                      build=make_server, options=[("terminal", "PANJEREH_PSP_TERMINAL", "demo-terminal")], argv=argv)


if __name__ == "__main__":
    sys.exit(main())
