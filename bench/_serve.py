"""gunicorn serving the bench database on 127.0.0.1, and timed HTTP requests to it."""

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


class Server:
    """``gunicorn panjereh.wsgi`` (or another settings module) on 127.0.0.1:port, stopped on exit."""

    def __init__(self, port: int, *, workers: int = 1, settings: str | None = None, extra_env: dict | None = None,
                 threads: int = 1):
        self.port, self.workers, self.threads = port, workers, threads
        self.env = {**os.environ, **(extra_env or {})}
        if settings:
            self.env["DJANGO_SETTINGS_MODULE"] = settings
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), self.env.get("PYTHONPATH")]))

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "panjereh.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--threads", str(self.threads), "--log-level", "warning"],
            env=self.env)
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.proc.kill()
        raise RuntimeError(f"gunicorn did not start on port {self.port}")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


def http_times(port: int, method: str, paths_bodies, token: str | None = None) -> list[float]:
    """Seconds for each request (a new connection each, as gunicorn's sync workers close them); 200 expected."""
    times = []
    for path, body in paths_bodies:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        t = time.perf_counter()
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - t)
        assert response.status == 200, (path, response.status)
        conn.close()
    return times
