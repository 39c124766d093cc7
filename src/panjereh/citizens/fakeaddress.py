"""A fake postal-code address inquiry for the demo and the tests — never for a real city:

    PANJEREH_DEMO=1 python -m panjereh.citizens.fakeaddress --port 8015 --key <PANJEREH_ADDRESS_KEY>

Its own small HTTP server on 127.0.0.1, reached only through :class:`panjereh.citizens.addresses.
HttpAddressInquiry`. For any valid postal code it answers an address written the post's way, made from the code
itself (the same code, the same address); codes registered as unknown (``POST /_register`` with
``{postal_code, found: false}``) are not found; ``POST /_mode`` with ``{"mode": "down"}`` (503) or
``{"mode": "slow", "seconds": n}`` shows the counter what it does when the post does not answer. Standard
library only."""

import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from panjereh.core import fakes

DISTRICTS = ["کیانپارس", "امانیه", "زیتون کارمندی", "کوی ملت", "گلستان", "پردیس", "نادری", "کوی مجاهد"]
STREETS = ["خیابان شریعتی", "خیابان نادری", "خیابان سلمان فارسی", "بلوار پاسداران", "خیابان حافظ", "خیابان سعدی"]


def address_of(code: str) -> str:
    digits = [int(c) for c in code]
    return (f"اهواز، {DISTRICTS[digits[1] % len(DISTRICTS)]}، {STREETS[digits[3] % len(STREETS)]}، "
            f"کوچهٔ {digits[5] + 1}، پلاک {int(code[6:9]) % 200 + 1}")


def make_handler(state: dict, key: str):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            path = urllib.parse.urlsplit(self.path).path
            length = min(int(self.headers.get("Content-Length") or 0), 16 * 1024)
            try:
                data = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return fakes.send_json(self, 400, {"error": "body is not JSON"})
            if path == "/_mode":
                state.update(mode=str(data.get("mode", "ok")), seconds=float(data.get("seconds", 0)))
                return fakes.send_json(self, 200, {"mode": state["mode"]})
            if path == "/_register":
                with lock:
                    state["unknown"].add(str(data.get("postal_code")))
                return fakes.send_json(self, 200, {})
            if path != "/address":
                return fakes.send_json(self, 404, {"error": "not found"})
            if self.headers.get("Authorization") != f"Bearer {key}":
                return fakes.send_json(self, 401, {"error": "wrong key"})
            if state["mode"] == "down":
                return fakes.send_json(self, 503, {"error": "unavailable"})
            if state["mode"] == "slow":
                time.sleep(state.get("seconds", 5))
            code = str(data.get("postal_code", ""))
            with lock:
                state["asked"] += 1
                unknown = code in state["unknown"]
            if unknown or len(code) != 10 or not code.isdigit():
                return fakes.send_json(self, 200, {"found": False})
            fakes.send_json(self, 200, {"found": True, "address": address_of(code), "province": "خوزستان",
                                        "city": "اهواز"})

        def log_message(self, *args):
            pass

    return Handler


def make_server(port: int, *, key: str):
    """A fake address inquiry on 127.0.0.1:``port`` (0: any free port); refuses unless PANJEREH_DEMO is set."""
    state = {"mode": "ok", "seconds": 0, "unknown": set(), "asked": 0}
    server = fakes.local_server(port, make_handler(state, key), "fake address inquiry")
    server.state = state
    return server


def main(argv=None) -> int:
    return fakes.main(name="fakeaddress", description=__doc__.splitlines()[0], port=8015,
                      key_env="PANJEREH_ADDRESS_KEY", build=make_server, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
