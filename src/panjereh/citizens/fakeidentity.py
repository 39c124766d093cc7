"""A fake mobile-ownership inquiry for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.citizens.fakeidentity --port 8012 --key <PANJEREH_IDENTITY_KEY>

Its own small HTTP server on 127.0.0.1, reached only through :class:`panjereh.citizens.identity.
HttpIdentityChecker`. It answers "match" for every pair except those registered as not matching
(``POST /_register`` with ``{national_id, mobile, match}``), and can be told to be ``down`` (503) or ``ok``
(``POST /_mode``). Standard library only.
"""

import argparse
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    return Handler


def make_server(port: int, *, key: str) -> ThreadingHTTPServer:
    """A fake inquiry on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    if os.environ.get("PANJEREH_DEMO", "").strip().lower() not in {"1", "true", "yes", "on"}:
        raise RuntimeError("the fake identity inquiry runs only in a demo deployment: set PANJEREH_DEMO=1")
    state = {"mode": "ok", "pairs": {}, "asked": 0}
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state, key))
    server.daemon_threads = True
    server.state = state
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--key", default=os.environ.get("PANJEREH_IDENTITY_KEY", ""))
    args = parser.parse_args(argv)
    if not args.key:
        print("fakeidentity: give the key (--key or PANJEREH_IDENTITY_KEY)", file=sys.stderr)
        return 2
    try:
        server = make_server(args.port, key=args.key)
    except RuntimeError as exc:
        print(f"fakeidentity: {exc}", file=sys.stderr)
        return 2
    print(f"fake identity inquiry on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
