"""A reference receiver for Panjereh's webhooks, for an agency to read and run:

    python -m panjereh.integrations.receiver --port 9000 --secret <the subscription's secret>

It checks the signature and its age, answers 200 at once to an event it has already seen
(Panjereh delivers at least once), and prints each new event. Standard library only.
"""

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from panjereh.integrations.signing import HEADER, verify


def make_handler(secret: str, seen: set, on_event=print):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            try:
                length = int(self.headers.get("Content-Length", 0))
            except ValueError:
                return self.reply(400, "bad Content-Length")
            body = self.rfile.read(max(length, 0))
            if not verify(secret, body, self.headers.get(HEADER)):
                return self.reply(401, "bad or stale signature")
            try:
                event = json.loads(body)
                event_id = event["id"]
            except (ValueError, TypeError, KeyError):
                return self.reply(400, "signed, but not an event (JSON object with an id)")
            if event_id in seen:  # a repeat: acknowledge, apply nothing
                return self.reply(200, "duplicate")
            on_event(event)  # apply it to the agency's own system here
            seen.add(event_id)
            self.reply(200, "ok")

        def reply(self, status, text):
            self.send_response(status)
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *args):
            pass

    return Handler


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.secret, set())).serve_forever()
