"""Fuzz the live REST API against its own OpenAPI schema with schemathesis (all checks), as an administrator,
a counter operator, an agency's GIS staff and the municipality's reviewer (street works), and print the figures:
calls, server errors, schema violations, undocumented status codes. Target: 0 server errors and 0 violations.

    .venv/bin/python bench/fuzz_api.py            # FUZZ_PARCELS=2000 FUZZ_EXAMPLES=30

Runs on its own SpatiaLite file in a temporary var/ (never the demo's), against gunicorn on 127.0.0.1.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PARCELS = os.environ.get("FUZZ_PARCELS", "2000")
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "30")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, capture=False):
    return subprocess.run([str(BIN / "panjereh"), *args], env=env, check=True, text=True,
                          capture_output=capture).stdout


def main() -> int:
    var = Path(tempfile.mkdtemp(prefix="panjereh-fuzz-"))
    env = {**os.environ, "PANJEREH_VAR_DIR": str(var), "DATABASE_URL": f"spatialite:///{var / 'fuzz.sqlite3'}",
           "PANJEREH_DEMO": "1", "PANJEREH_SIGNIN_FAILURES": "1000"}
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "democity", "--parcels", PARCELS, "--no-progress")
    tokens = json.loads(manage(env, "shell", "-c", (
        "import json; from django.contrib.auth import get_user_model as g; "
        "from panjereh.agencies.staff_tokens import issue_token as t; "
        "print(json.dumps({u: t(g().objects.get(username=u)) for u in ['admin', 'operator1', 'gis.water', 'reviewer.municipality']}))"),
        capture=True).strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "panjereh.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
                               "2", "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/schema/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for who, token in tokens.items():
            report = var / f"report-{who}.json"
            started = time.monotonic()
            done = subprocess.run([str(BIN / "schemathesis"), "run", f"{base}/api/v1/schema/", "--checks", "all",
                                   "-H", f"Authorization: Token {token}", "--max-examples", EXAMPLES,
                                   "--generation-deterministic", "--request-timeout", "30",
                                   "--report", "ndjson", "--report-ndjson-path", str(report)],
                                  env=env, capture_output=True, text=True, cwd=var)  # its cache stays out of the repo
            results[who] = summarise(report, done, time.monotonic() - started)
        for who, r in results.items():
            print(f"{who:10s} calls {r['calls']:6d}  server errors {r['server_errors']:3d}  "
                  f"schema violations {r['violations']:3d}  undocumented status {r['undocumented']:3d}  "
                  f"other failures {r['other']:3d}  ({r['seconds']:.0f} s)")
            for line in r["examples"][:15]:
                print("   ", line)
        bad = sum(r["server_errors"] + r["violations"] + r["undocumented"] for r in results.values())
        return 1 if bad else 0
    finally:
        server.terminate()
        server.wait(10)


def summarise(report: Path, done, seconds: float) -> dict:
    """Count calls, and failed checks by kind (each failing call once per check), from the NDJSON events."""
    counts = {"calls": 0, "server_errors": 0, "violations": 0, "undocumented": 0, "other": 0, "examples": [],
              "seconds": seconds}
    kinds = {"not_a_server_error": "server_errors", "response_schema_conformance": "violations",
             "status_code_conformance": "undocumented", "content_type_conformance": "violations",
             "response_headers_conformance": "violations"}
    shown = set()
    if not report.exists():
        counts["other"] += 1
        counts["examples"].append((done.stdout + done.stderr)[-2000:])
        return counts
    for line in report.read_text().splitlines():
        body = json.loads(line).get("ScenarioFinished")
        if not isinstance(body, dict):
            continue
        recorder = body.get("recorder", {})
        counts["calls"] += len(recorder.get("interactions") or {})
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                kind = kinds.get(check["name"], "other")
                counts[kind] += 1
                failure = (check.get("failure_info") or {}).get("failure", {})
                key = (check["name"], recorder.get("label"), failure.get("message", "")[:60])
                if key not in shown:
                    shown.add(key)
                    counts["examples"].append(f"{check['name']}: {recorder.get('label')}: {failure.get('title', '')}"
                                              f" — {failure.get('message', '')[:160]!r}")
    return counts


if __name__ == "__main__":
    sys.exit(main())
