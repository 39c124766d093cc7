"""Two application servers in front of one database (issue 16, item 4).

Each server is its own gunicorn with its own var/ folder, as on its own machine; they share only what a city
would share: the database, the cache (Redis), the media folder and the tile cache (a shared file system),
and SECRET_KEY. A file's whole story is told across both — submitted on one, decided and paid on the other —
and everything a person sees is the same on either: the file, the permit's PDF rendered by one server and
served by the other, the tiles, the sign-in, the limits. A webhook worker beside each server delivers every
event once.
"""

import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from panjereh.agencies.models import Agency
from panjereh.core.models import OutboxEvent
from panjereh.integrations.models import Delivery, Subscription
from panjereh.permits.models import Permit
from tests.integrations.receivers import Receiver
from tests.integrations.test_webhooks import _database_url, _wait
from tests.permits.helpers import good_parcel, request_body

SECRET = "two-servers-secret"
REDIS_URL = os.environ.get("PANJEREH_TEST_REDIS", "redis://127.0.0.1:6379/14")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """Two gunicorn servers and two webhook workers, sharing the database, Redis and two folders."""

    def __init__(self, tmp: Path, redis_url: str):
        shared = tmp / "shared"
        self.tiles, self.media = shared / "tiles", shared / "media"
        self.common = {"DATABASE_URL": _database_url(), "PANJEREH_REDIS_URL": redis_url,
                       "PANJEREH_TILE_CACHE_DIR": str(self.tiles), "PANJEREH_MEDIA_DIR": str(self.media),
                       "SECRET_KEY": "two-servers-" + "k" * 50, "PANJEREH_TRUSTED_PROXIES": "1",
                       "PANJEREH_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "PANJEREH_WEBHOOK_BACKOFF_SECONDS": "0.05"}
        self.ports, self.procs = [], []
        for name in ("a", "b"):
            env = {**os.environ, **self.common, "PANJEREH_VAR_DIR": str(tmp / f"server-{name}")}
            port = _free_port()
            self.ports.append(port)
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "panjereh.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                 "--log-level", "warning"], env=env))
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "panjereh.manage", "worker", "--idle-sleep", "0.1", "--id", f"server-{name}"],
                env=env, stdout=subprocess.DEVNULL))
        for port in self.ports:
            assert _wait(lambda: self._up(port), 60), f"server on {port} did not start"

    @staticmethod
    def _up(port) -> bool:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200
        except OSError:
            return False

    def url(self, which: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[which]}{path}"

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(20)


def call(url, *, token=None, body=None, headers=None, opener=None):
    """(status, parsed JSON or bytes) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    head = {"Content-Type": "application/json", **(headers or {})}
    if token:
        head["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=data, headers=head, method="POST" if data is not None else "GET")
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=60) as response:
            raw, status, kind = response.read(), response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raw, status, kind = exc.read(), exc.code, exc.headers.get("Content-Type", "")
    return status, (json.loads(raw) if "json" in kind else raw)


@pytest.fixture
def redis_url(tmp_path):
    """A Redis of this test's own (Debian's redis-server on a free port, keeping nothing on disk); without the
    program, the one PANJEREH_TEST_REDIS names."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        redis.Redis.from_url(REDIS_URL).flushdb()
        yield REDIS_URL
        return
    port = _free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    assert _wait(lambda: redis.Redis.from_url(url).ping(), 20), "redis-server did not start"
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def servers(live_city, tmp_path, redis_url):
    running = Servers(tmp_path, redis_url)
    yield running
    running.stop()


@pytest.mark.django_db(transaction=True)
def test_a_file_across_two_servers(servers):
    from panjereh.agencies.staff_tokens import issue_token
    from django.contrib.auth import get_user_model

    OutboxEvent.objects.update(fanned_out=True)  # the test city's history is not for this receiver
    receiver = Receiver(SECRET)
    for agency in Agency.objects.filter(code__in=["municipality", "water", "power"]):
        Subscription.objects.create(agency=agency, url=receiver.url, secret=SECRET)
    token = {n: issue_token(get_user_model().objects.get(username=n))
             for n in ("operator1", "reviewer.municipality", "reviewer.water", "reviewer.power", "gis.water")}
    parcel = good_parcel(None)

    # submitted on A
    status, app = call(servers.url(0, "/api/v1/applications/"), token=token["operator1"], body=request_body(parcel))
    assert status == 201, app
    # decided on B, seen on A
    for agency in ("municipality", "water", "power"):
        status, answer = call(servers.url(1, f"/api/v1/applications/{app['id']}/reviews/{agency}/decision/"),
                              token=token[f"reviewer.{agency}"], body={"decision": "approve"})
        assert status == 200, answer
    status, seen_a = call(servers.url(0, f"/api/v1/applications/{app['id']}/"), token=token["operator1"])
    status_b, seen_b = call(servers.url(1, f"/api/v1/applications/{app['id']}/"), token=token["operator1"])
    assert status == status_b == 200 and seen_a == seen_b and seen_a["status"] == "awaiting_payment"
    # paid on B (the permit issues there, and one of the two workers renders its PDF into the shared media
    # folder) ...
    total = seen_a["bills"][0]["total"]
    status, paid = call(servers.url(1, f"/api/v1/applications/{app['id']}/payments/"), token=token["operator1"],
                        body={"provider": "cash", "amount": total, "reference": "TWO-SERVERS-1"})
    assert status == 201 and paid["application"]["status"] == "issued", paid
    assert _wait(lambda: Permit.objects.get(application_id=app["id"]).pdf_sha256, 60), \
        "a worker rendered the permit's PDF once it issued"
    permit = Permit.objects.get(application_id=app["id"])
    assert len(list(servers.media.rglob("permits/*.pdf"))) == 1  # rendered once, by one worker
    # ... and A serves the very same bytes, which it never rendered
    status, pdf = call(servers.url(0, f"/verify/{permit.verification_code}/permit.pdf"))
    assert status == 200 and hashlib.sha256(pdf).hexdigest() == permit.pdf_sha256
    # a second payment of the same bill, on A, is refused: the bill is settled for every server
    status, again = call(servers.url(0, f"/api/v1/applications/{app['id']}/payments/"), token=token["operator1"],
                         body={"provider": "cash", "amount": total, "reference": "TWO-SERVERS-2"})
    assert status in (400, 409), again

    # a tile built by A is the tile B serves, from the shared cache
    z, x, y = _busy_tile(parcel)
    status, tile_a = call(servers.url(0, f"/tiles/water-mains/{z}/{x}/{y}.mvt"), token=token["gis.water"])
    cached = list(servers.tiles.rglob(f"{z}/{x}/{y}.mvt"))
    assert status == 200 and tile_a and len(cached) == 1
    status, tile_b = call(servers.url(1, f"/tiles/water-mains/{z}/{x}/{y}.mvt"), token=token["gis.water"])
    assert status == 200 and tile_b == tile_a == cached[0].read_bytes()

    # one limit for the city, not one per server: 30 tracking lookups a minute per address, counted in Redis
    code, mobile = seen_a["tracking_code"], request_body(parcel)["applicant"]["mobile"]
    answers = [call(servers.url(i % 2, f"/api/v1/track/{code}/"), body={"mobile": mobile},
                    headers={"X-Forwarded-For": "10.9.8.7"})[0] for i in range(32)]
    assert answers[:30] == [200] * 30 and answers[30:] == [429, 429]

    # signed in on A, still signed in on B (the session is in the database, signed with the shared key)
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, form = call(servers.url(0, "/login/"), opener=browser)
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1).decode()
    from panjereh.democity.people import DEFAULT_DEMO_PASSWORD, DEMO_PASSWORD_ENV
    login = urllib.request.Request(servers.url(0, "/login/"), data=urllib.parse.urlencode(
        {"username": "operator1", "password": os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD), "csrfmiddlewaretoken": csrf}).encode(),
        headers={"Referer": servers.url(0, "/login/")})
    browser.open(login, timeout=30)
    status, page = call(servers.url(1, f"/files/{app['id']}/"), opener=browser)
    assert status == 200 and app["tracking_code"].encode() in page

    # every event the story raised reached the agencies' system once, whichever worker sent it
    assert _wait(lambda: not Delivery.objects.exclude(status="delivered").exists()
                 and Delivery.objects.exists(), 60)
    delivered = set(Delivery.objects.values_list("event_id", flat=True))
    assert sorted(set(receiver.received)) == sorted(delivered)
    assert len(receiver.received) == len(delivered), "an event was delivered twice"
    receiver.stop()
    connection.close()


def _busy_tile(parcel):
    """The z16 tile over the parcel (water mains run along its street)."""
    import shapely

    from panjereh.citymap import crs as crsmod
    from panjereh.citymap.tiles import lonlat_to_tile

    centre = crsmod.to_crs84(shapely.from_wkb(bytes(parcel.geom.wkb)).centroid)
    return (16, *lonlat_to_tile(*centre.coords[0], 16))
