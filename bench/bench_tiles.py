"""Vector tiles of the densest area of a 300,000-parcel city: p50/p95 through HTTP (gunicorn) and in-process,
against the bare ST_AsMVT query (PostGIS) run on a raw cursor in the same run.

    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_tiles.py
"""

import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup, stats  # noqa: E402

PARCELS = int(os.environ.get("BENCH_PARCELS", "300000"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
setup("bench.sqlite3")

import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.citymap import crs as crsmod  # noqa: E402
from panjereh.citymap.models import Layer, Parcel  # noqa: E402
from panjereh.citymap.tiles import _postgis_tile, lonlat_to_tile, tile  # noqa: E402
from panjereh.democity.build import build_demo_city  # noqa: E402
from panjereh.democity.models import DemoBuild  # noqa: E402
from panjereh.democity.people import create_demo_people  # noqa: E402



def timed(call, items) -> list[float]:
    """Seconds taken by call(item), for each item."""
    out = []
    for item in items:
        started = time.perf_counter()
        call(item)
        out.append(time.perf_counter() - started)
    return out


def main():
    call_command("migrate", "--noinput", verbosity=0)
    build = DemoBuild.objects.first()
    if build is None or build.parcels != PARCELS:
        build_demo_city(parcels=PARCELS, seed=1405, replace=True)
    create_demo_people()
    from django.contrib.auth import get_user_model

    from panjereh.agencies.staff_tokens import issue_token

    token = issue_token(get_user_model().objects.get(username="coordinator"))
    layer = Layer.objects.get(code="parcels")
    centre = shapely.from_wkb(bytes(Parcel.objects.order_by("id")[Parcel.objects.count() // 2].geom.wkb)).centroid
    lon, lat = crsmod.to_crs84(centre).coords[0]
    tiles = []
    for z in (15, 16):
        cx, cy = lonlat_to_tile(lon, lat, z)
        tiles += [(z, cx + dx, cy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    sizes = [len(tile(layer, *t)) for t in tiles]
    print(f"database {connection.vendor}, {Parcel.objects.count()} parcels; {len(tiles)} tiles at z15/z16 "
          f"around the centre, {min(sizes)}–{max(sizes)} bytes")
    rounds = 5
    ours = timed(lambda t: tile(layer, *t), tiles * rounds)
    print(f"in-process tile p50/p95: {stats(ours)[0]:.1f} / {stats(ours)[1]:.1f} ms")
    bare = []
    if connection.vendor == "postgresql":
        bare = timed(lambda t: _postgis_tile(layer, *t), tiles * rounds)
        print(f"bare ST_AsMVT p50/p95: {stats(bare)[0]:.1f} / {stats(bare)[1]:.1f} ms")
    connection.close()
    reference = stats(bare) if bare else None
    # 1. every tile built on request (no cache): the cost of a tile nobody has asked for yet
    http_tiles(token, tiles, rounds, reference, "HTTP, no tile cache", {"PANJEREH_TILE_CACHE_DIR": ""})
    # 2. with the tile cache: the first visit builds and stores, later visits read the file
    with tempfile.TemporaryDirectory() as cache:
        http_tiles(token, tiles, rounds, reference, "HTTP, tile cache", {"PANJEREH_TILE_CACHE_DIR": cache})


def http_tiles(token, tiles, rounds, reference, label, env):
    """Serve with gunicorn (one worker) and time every tile over HTTP; print p50/p95 and ratios."""
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "panjereh.wsgi", "--bind", f"127.0.0.1:{PORT}",
                               "--workers", "1", "--log-level", "warning"], env={**os.environ, **env})
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        first, later = [], []
        for n in range(rounds + 1):
            for z, x, y in tiles:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                started = time.perf_counter()
                c.request("GET", f"/tiles/parcels/{z}/{x}/{y}.mvt", headers={"Authorization": f"Token {token}"})
                r = c.getresponse()
                r.read()
                (first if n == 0 else later).append(time.perf_counter() - started)
                assert r.status == 200
        for name, samples in (("first visit", first), ("later visits", later)):
            p50, p95 = stats(samples)
            line = f"{label}, {name}: p50/p95 {p50:.1f} / {p95:.1f} ms"
            if reference:
                line += f"; ratio to bare ST_AsMVT p50 {p50 / reference[0]:.2f}, p95 {p95 / reference[1]:.2f}"
            print(line)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
