"""What the demo's fake outside services (bank gateway, SMS provider, identity inquiry) share: each is its own
small HTTP server on 127.0.0.1, reached by Panjereh only through the adapter a real service is reached by, and
each refuses to start unless the deployment says it is a demo (``PANJEREH_DEMO``). Standard library only."""

import argparse
import json
import os
import sys
from http.server import ThreadingHTTPServer


def demo_allowed() -> bool:
    """Whether this deployment says it is a demo: the only place a fake outside service may run."""
    return os.environ.get("PANJEREH_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}


def local_server(port: int, handler, what: str) -> ThreadingHTTPServer:
    """A threaded HTTP server on 127.0.0.1:``port`` (0: any free port) for ``what``; RuntimeError outside a demo."""
    if not demo_allowed():
        raise RuntimeError(f"the {what} runs only in a demo deployment: set PANJEREH_DEMO=1")
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def send_bytes(handler, status: int, body: bytes, kind: str) -> None:
    """Answer a request with ``body`` of content type ``kind`` (a client that stopped waiting is not an error)."""
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


def send_json(handler, status: int, body) -> None:
    """Answer a request with a JSON body."""
    send_bytes(handler, status, json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8")


def send_page(handler, status: int, title: str, inner: str) -> None:
    """Answer with a small Persian page (a fake bank's pay page and its form back to the merchant)."""
    send_bytes(handler, status, (f'<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>'
                                 f"{title}</title></head><body>{inner}</body></html>").encode(),
               "text/html; charset=utf-8")


def main(*, name: str, description: str, port: int, key_env: str, build, options=(), argv=None) -> int:
    """The command line of a fake: ``--port``, ``--key`` (or ``key_env``) and ``options`` ((flag, env, default)),
    then ``build(port, key=…, **options)`` served until interrupted."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--key", default=os.environ.get(key_env, ""))
    for flag, env, default in options:
        parser.add_argument(f"--{flag}", default=os.environ.get(env, default))
    args = vars(parser.parse_args(argv))
    if not args["key"]:
        print(f"{name}: give the key (--key or {key_env})", file=sys.stderr)
        return 2
    try:
        server = build(args.pop("port"), **args)
    except RuntimeError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    print(f"{name} (demo only) on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
