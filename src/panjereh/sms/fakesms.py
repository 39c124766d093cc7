"""A fake SMS provider for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.sms.fakesms --port 8011 --key <PANJEREH_SMS_KEY>

Its own small HTTP server on 127.0.0.1, reached by Panjereh only through the adapter a real provider is
reached by (:class:`panjereh.sms.providers.HttpProvider`). Like a real provider it sends a local id once: a
second request with the same ``localid`` is answered with the first one's message id and not "sent" again.
It keeps what it received in memory (``GET /_sent``: what reached each person) and can be told to misbehave
(``POST /_mode``): ``down`` (503 to everything), ``error`` (500), ``slow`` (record the message, then answer
after ``delay`` seconds — longer than the sender waits, so it retries), or ``ok``. Standard library only.
"""

import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from panjereh.core import fakes

MAX_BODY = 64 * 1024


class Outbox:
    """What the fake provider received and "sent"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_localid: dict[str, dict] = {}
        self.sent: list[dict] = []
        self.requests = 0
        self.mode, self.delay = "ok", 0.0

    def take(self, receptor: str, message: str, localid: str, sender: str) -> tuple[dict, bool]:
        """Record a message; (record, True) when new, (the first record, False) for a repeated local id."""
        with self.lock:
            self.requests += 1
            if localid and localid in self.by_localid:
                return self.by_localid[localid], False
            record = {"messageid": secrets.token_hex(8), "receptor": receptor, "message": message,
                      "localid": localid, "sender": sender, "at": time.time()}
            self.sent.append(record)
            if localid:
                self.by_localid[localid] = record
            return record, True


def make_handler(outbox: Outbox, key: str):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/_sent":
                query = urllib.parse.parse_qs(url.query)
                receptor = query.get("receptor", [""])[0]
                with outbox.lock:
                    sent = [r for r in outbox.sent if not receptor or r["receptor"] == receptor]
                    return self.json(200, {"sent": sent, "requests": outbox.requests})
            self.json(404, {"error": "not found"})

        def do_POST(self):  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self.json(413, {"error": "body too large"})
            try:
                data = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self.json(400, {"error": "body is not JSON"})
            if url.path == "/_mode":
                outbox.mode, outbox.delay = str(data.get("mode", "ok")), float(data.get("delay", 0))
                return self.json(200, {"mode": outbox.mode})
            if url.path != "/send":
                return self.json(404, {"error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {key}":
                return self.json(401, {"error": "wrong key"})
            if outbox.mode == "down":
                return self.json(503, {"error": "unavailable"})
            if outbox.mode == "error":
                return self.json(500, {"error": "internal error"})
            receptor, message = str(data.get("receptor", "")), str(data.get("message", ""))
            if not (receptor.isdigit() and len(receptor) == 11 and receptor.startswith("09")) or not message:
                return self.json(422, {"error": "receptor or message missing"})
            record, _new = outbox.take(receptor, message, str(data.get("localid", "")), str(data.get("sender", "")))
            if outbox.mode == "slow":
                time.sleep(outbox.delay)
            return self.json(200, {"messageid": record["messageid"], "status": "queued"})

        def json(self, status: int, body: dict):
            fakes.send_json(self, status, body)  # a sender that gave up waiting (the "slow" mode) will retry

        def log_message(self, *args):  # quiet: the tests read /_sent, not the log
            pass

    return Handler


def make_server(port: int, *, key: str):
    """A fake SMS provider on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    return fakes.local_server(port, make_handler(Outbox(), key), "fake SMS provider")


def main(argv=None) -> int:
    return fakes.main(name="fakesms", description=__doc__.splitlines()[0], port=8011, key_env="PANJEREH_SMS_KEY",
                      build=make_server, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
