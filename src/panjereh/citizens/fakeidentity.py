"""A fake mobile-ownership inquiry for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.citizens.fakeidentity --port 8012 --key <PANJEREH_IDENTITY_KEY>

Its own small HTTP server on 127.0.0.1, reached only through :class:`panjereh.citizens.identity.
HttpIdentityChecker`. It answers "match" for every pair except those registered as not matching
(``POST /_register`` with ``{national_id, mobile, match}``), and can be told to be ``down`` (503) or ``ok``
(``POST /_mode``). Standard library only.
"""

import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

from panjereh.core import fakes


def make_handler(state: dict, key: str):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            path = urllib.parse.urlsplit(self.path).path
            length = min(int(self.headers.get("Content-Length") or 0), 16 * 1024)
            try:
                data = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self.json(400, {"error": "body is not JSON"})
            if path == "/_mode":
                state["mode"] = str(data.get("mode", "ok"))
                return self.json(200, {"mode": state["mode"]})
            if path == "/_register":
                with lock:
                    state["pairs"][(str(data.get("national_id")), str(data.get("mobile")))] = bool(data.get("match"))
                return self.json(200, {})
            if path != "/inquiry":
                return self.json(404, {"error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {key}":
                return self.json(401, {"error": "wrong key"})
            if state["mode"] == "down":
                return self.json(503, {"error": "unavailable"})
            with lock:
                state["asked"] += 1
                match = state["pairs"].get((str(data.get("national_id")), str(data.get("mobile"))), True)
            return self.json(200, {"match": match})

        def json(self, status, body):
            fakes.send_json(self, status, body)

        def log_message(self, *args):
            pass

    return Handler


def make_server(port: int, *, key: str):
    """A fake inquiry on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    state = {"mode": "ok", "pairs": {}, "asked": 0}
    server = fakes.local_server(port, make_handler(state, key), "fake identity inquiry")
    server.state = state
    return server


def main(argv=None) -> int:
    return fakes.main(name="fakeidentity", description=__doc__.splitlines()[0], port=8012,
                      key_env="PANJEREH_IDENTITY_KEY", build=make_server, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
