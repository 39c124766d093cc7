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


def send_json(handler, status: int, body) -> None:
    """Answer a request with a JSON body (a client that stopped waiting is not an error)."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass


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
