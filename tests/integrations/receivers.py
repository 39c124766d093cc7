"""Real HTTP receivers on 127.0.0.1 for webhook tests, with faults to order: down, 500s, slow, hanging."""

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from panjereh.integrations.signing import HEADER, verify


class Receiver:
    """An agency system: verifies signatures, dedupes by event id, records order per parcel."""

    def __init__(self, secret: str, *, fail_rate: float = 0.0, slow_rate: float = 0.0, slow_seconds: float = 2.0,
                 seed: int = 1, port: int = 0):
        self.secret = secret
        self.fail_rate, self.slow_rate, self.slow_seconds = fail_rate, slow_rate, slow_seconds
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.received: list[int] = []  # every delivery that arrived with a good signature
        self.applied: list[dict] = []  # events applied, once each
        self.bad_signatures = 0
        self.hang = threading.Event()  # while set, requests wait (to kill a worker mid-delivery)
        self.port = port
        self.server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                while receiver.hang.is_set():
                    time.sleep(0.05)
                with receiver.lock:
                    roll, slow = receiver.rng.random(), receiver.rng.random()
                if slow < receiver.slow_rate:
                    time.sleep(receiver.slow_seconds)
                if not verify(receiver.secret, body, self.headers.get(HEADER)):
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    return self.reply(401)
                if roll < receiver.fail_rate:
                    return self.reply(500)
                event = json.loads(body)
                with receiver.lock:
                    receiver.received.append(event["id"])
                    if event["id"] not in {e["id"] for e in receiver.applied}:
                        receiver.applied.append(event)
                self.reply(200)

            def reply(self, status):
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def applied_ids(self) -> list[int]:
        with self.lock:
            return [e["id"] for e in self.applied]

    def order_kept(self) -> bool:
        """Events of each parcel were applied in the order they happened."""
        by_parcel: dict = {}
        with self.lock:
            for e in self.applied:
                by_parcel.setdefault(e["parcel"], []).append(e["id"])
        return all(ids == sorted(ids) for parcel, ids in by_parcel.items() if parcel)
