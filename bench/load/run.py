"""The load test (issue 16, items 3 and 4): Locust's users against gunicorn on 127.0.0.1, at 50, 200 and 500.

    make load                                                          # SpatiaLite (var/load.sqlite3)
    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_load make load
    LOAD_SERVERS=2 PANJEREH_REDIS_URL=redis://127.0.0.1:6379/5 DATABASE_URL=postgis://… make load

What runs: LOAD_SERVERS gunicorn servers (LOAD_WORKERS sync workers each, separate processes with their own
var/ folder, as on separate machines, sharing only the database, the cache, the tile cache and the media
folder), one `panjereh worker` per server delivering webhooks to a signed receiver here, and Locust headless
(bench/load/locustfile.py) for LOAD_SECONDS at each of LOAD_USERS. Bounded: 127.0.0.1 only, a fixed time per
level. Afterwards the outbox must drain: every event the run raised delivered to the receiver, none twice.
The table (throughput, p50/p95/p99 per kind of request, failures) is printed and written to bench/out/.
"""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _django import ROOT, ensure_city, setup  # noqa: E402
from _serve import Server  # noqa: E402

PARCELS = int(os.environ.get("LOAD_PARCELS", "100000"))
USERS = [int(u) for u in os.environ.get("LOAD_USERS", "50,200,500").split(",")]
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
SERVERS = int(os.environ.get("LOAD_SERVERS", "1"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
PORT = int(os.environ.get("LOAD_PORT", "8900"))
RECEIVER_PORT = PORT + 50
SECRET = "load-test-secret"
setup("load.sqlite3")

import shapely  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.agencies.models import Agency  # noqa: E402
from panjereh.agencies.staff_tokens import issue_token  # noqa: E402
from panjereh.citymap import crs as crsmod  # noqa: E402
from panjereh.citymap.models import Parcel  # noqa: E402
from panjereh.citymap.services import feasibility  # noqa: E402
from panjereh.citymap.tiles import lonlat_to_tile  # noqa: E402
from panjereh import access  # noqa: E402
from panjereh.integrations.models import Delivery, Subscription  # noqa: E402
from panjereh.integrations.signing import HEADER, verify  # noqa: E402
from panjereh.permits.models import Application, PendingPaper, Permit  # noqa: E402

AGENCIES = ["municipality", "water", "power", "gas"]


class Received:
    """What the agency's system received: every signed delivery, by event id."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals: dict[int, int] = {}
        self.bad = 0

    def serve(self, port: int) -> ThreadingHTTPServer:
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with received.lock:
                    if not verify(SECRET, body, self.headers.get(HEADER)):
                        received.bad += 1
                        status = 401
                    else:
                        event = json.loads(body)["id"]
                        received.arrivals[event] = received.arrivals.get(event, 0) + 1
                        status = 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def plan(servers: list[str]) -> dict:
    """Tokens, parcels to look at, free parcels to submit, tracking codes and the city's busiest tiles."""
    users = get_user_model().objects
    names = ["operator1", "operator2", *(f"reviewer.{a}" for a in AGENCIES), *(f"gis.{a}" for a in AGENCIES)]
    tokens = {n: issue_token(users.get(username=n)) for n in names}
    rng = random.Random(16)
    ids = list(Parcel.objects.values_list("id", flat=True))
    looked_at = rng.sample(ids, 2000)
    parcels = Parcel.objects.filter(pk__in=looked_at[:500]).values_list("registry_district", "plate_main",
                                                                         "plate_sub")
    busy = set(Application.objects.values_list("parcel_id", flat=True))
    free = []
    for parcel in Parcel.objects.filter(land_use="residential").exclude(pk__in=busy).order_by("?")[:3000]:
        result = {s["service"]: s for s in feasibility(parcel)["services"]}
        if all(result[n]["feasible"] for n in ("water", "sewer", "power")):
            free.append(parcel.pk)
        if len(free) >= 600 * len(USERS):
            break
    centre = shapely.from_wkb(bytes(Parcel.objects.get(pk=sorted(ids)[len(ids) // 2]).geom.wkb)).centroid
    lon, lat = crsmod.to_crs84(centre).coords[0]
    ranges = {}
    for z in (14, 15, 16):
        x, y = lonlat_to_tile(lon, lat, z)
        half = {14: 2, 15: 4, 16: 8}[z]
        ranges[str(z)] = [x - half, y - half, x + half, y + half]
    gis = users.get(username="gis.water")
    layers = [code for code in ("parcels", "water-mains", "streets")
              if access.visible_layers(gis).filter(code=code).exists()]
    tracking = list(Application.objects.values_list("tracking_code", "applicant_mobile")[:2000])
    return {"servers": servers, "tokens": tokens, "operators": ["operator1", "operator2"], "agencies": AGENCIES,
            "gis": [f"gis.{a}" for a in AGENCIES], "parcels": looked_at,
            "free_parcels": [free[i::len(USERS)] for i in range(len(USERS))],  # each level its own
            "plates": [f"{d}/{m}/{s}" for d, m, s in parcels], "tile_ranges": ranges, "layers": layers,
            "tracking": tracking,
            "request_body": {
                "applicant": {"kind": "person", "national_id": "4608968882", "name": "علی کریمی",
                              "mobile": "09161234567"},
                "permit": {"permit_type": "new", "land_use": "residential", "floors": 2, "units": 2,
                           "gross_floor_area": 200, "parking_spaces": 1,
                           "documents": ["ownership_deed", "national_card", "survey_map", "design_drawings",
                                         "supervision_contract"]},
                "services": {"water": {"timing": "now", "size": {"diameter_mm": 20}}, "sewer": {"timing": "now"},
                             "power": {"timing": "now", "size": {"phases": 1, "kw": 10}},
                             "gas": {"timing": "later", "size": {"meter_class": "G6"}},
                             "telecom": {"timing": "not_needed"}}}}


def ensure_history():
    if not Application.objects.exists():
        from panjereh.democity.history import build_history

        print("making three months of files to track …", flush=True)
        build_history(months=3, per_month=40)


def subscribe():
    # an earlier run's receiver is gone: its subscriptions are switched off (their deliveries are history)
    Subscription.objects.filter(url__startswith="http://127.0.0.1").update(active=False)
    for agency in Agency.objects.filter(code__in=AGENCIES):
        Subscription.objects.create(agency=agency, url=f"http://127.0.0.1:{RECEIVER_PORT}/hook", secret=SECRET)


def locust(level: int, users: int, plan_path: Path, out: Path) -> list[dict]:
    """One level: Locust headless for SECONDS; its per-request statistics."""
    prefix = out / f"locust-{users}"
    subprocess.run([sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
                    "-u", str(users), "-r", str(max(5, users // 10)), "--run-time", f"{SECONDS}s",
                    "--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING", "--stop-timeout", "10"],
                   env={**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_LEVEL": str(level)}, check=False, cwd=HERE)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def table(levels: dict[int, list[dict]]) -> str:
    lines = ["| users | request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for users, rows in levels.items():
        for r in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
            lines.append(f"| {users} | {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
                         f"{float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | {r['99%']} |")
    return "\n".join(lines)


def main():
    database = connection.vendor
    print(f"load test: {database}, {SERVERS} server(s) × {WORKERS} workers, users {USERS}, {SECONDS} s each")
    ensure_city(PARCELS)
    ensure_history()
    subscribe()
    events_before = set(Delivery.objects.values_list("event_id", flat=True))
    permits_before = set(Permit.objects.values_list("pk", flat=True))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    shared = Path(tempfile.mkdtemp(prefix="panjereh-shared-"))  # the shared file system of a real deployment
    servers = [f"http://127.0.0.1:{PORT + i}" for i in range(SERVERS)]
    plan_path = out / "load-plan.json"
    plan_path.write_text(json.dumps(plan(servers)), encoding="utf-8")
    connection.close()
    received = Received()
    receiver = received.serve(RECEIVER_PORT)
    common = {"PANJEREH_TRUSTED_PROXIES": "1", "PANJEREH_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
              "PANJEREH_TILE_CACHE_DIR": str(shared / "tiles"), "PANJEREH_MEDIA_DIR": str(shared / "media"),
              "SECRET_KEY": os.environ.get("SECRET_KEY") or "load-test-" + os.urandom(16).hex()}
    started, workers, levels = [], [], {}
    try:
        for i in range(SERVERS):
            own = Path(tempfile.mkdtemp(prefix=f"panjereh-server{i}-"))  # each server's own var/
            env = {**common, "PANJEREH_VAR_DIR": str(own)}
            started.append(Server(PORT + i, workers=WORKERS, extra_env=env).__enter__())
            workers.append(subprocess.Popen([str(Path(sys.executable).parent / "panjereh"), "worker",
                                             "--id", f"server{i}"], env={**os.environ, **env},
                                            stdout=subprocess.DEVNULL))
        for level, users in enumerate(USERS):
            print(f"--- {users} users for {SECONDS} s", flush=True)
            levels[users] = locust(level, users, plan_path, out)
        print("waiting for the outbox to drain …", flush=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            open_ = Delivery.objects.exclude(event_id__in=events_before).exclude(status="delivered").count()
            if not open_ and not PendingPaper.objects.exists():  # the webhooks sent, the papers rendered
                break
            time.sleep(2)
        delivered = Delivery.objects.exclude(event_id__in=events_before).filter(status="delivered")
        expected = set(delivered.values_list("event_id", flat=True))
        not_delivered = Delivery.objects.exclude(event_id__in=events_before).exclude(status="delivered").count()
        issued = Permit.objects.exclude(pk__in=permits_before)
        papers = (issued.count(), issued.exclude(pdf_sha256="").count(), PendingPaper.objects.count())
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(30)
        for s in started:
            s.__exit__(None, None, None)
        receiver.shutdown()
    arrived = set(received.arrivals) - events_before
    twice = sum(1 for e, n in received.arrivals.items() if n > 1)
    report = [f"# Load test: {database}, {SERVERS} server(s) × {WORKERS} gunicorn workers, "
              f"{PARCELS:,} parcels, {SECONDS} s per level", "", table(levels), "",
              f"Webhooks: {len(expected)} deliveries recorded delivered, {len(arrived & expected)} received, "
              f"{len(expected - arrived)} lost, {twice} received more than once, {not_delivered} not delivered "
              f"after the drain, {received.bad} bad signatures.",
              f"Papers: {papers[0]} permits issued, {papers[1]} with their PDF rendered (by the workers, after the "
              f"payment's request), {papers[2]} papers still waiting after the drain."]
    text = "\n".join(report)
    print(text)
    name = f"load-{database}-{SERVERS}server{'s' if SERVERS > 1 else ''}.md"
    (out / name).write_text(text + "\n", encoding="utf-8")
    print(f"written to bench/out/{name}")
    return 0 if not (expected - arrived) and not not_delivered and not received.bad else 1


if __name__ == "__main__":
    sys.exit(main())
