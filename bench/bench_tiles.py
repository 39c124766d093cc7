"""Vector tiles of the densest area of a 300,000-parcel city: p50/p95 through HTTP (gunicorn) and in-process,
against the bare ST_AsMVT query (PostGIS) run on a raw cursor in the same run.

    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_tiles.py
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import central_tiles, setup  # noqa: E402
from _rounds import interleaved, ratio_line  # noqa: E402
from _serve import Server, http_times  # noqa: E402

PARCELS = int(os.environ.get("BENCH_PARCELS", "300000"))
PORT = int(os.environ.get("BENCH_PORT", "8766"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
setup("bench.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.citymap import crs as crsmod  # noqa: E402
from panjereh.citymap.models import Layer, Parcel  # noqa: E402
from panjereh.citymap.tiles import tile  # noqa: E402
from panjereh.democity.build import build_demo_city  # noqa: E402
from panjereh.democity.models import DemoBuild  # noqa: E402
from panjereh.democity.people import create_demo_people  # noqa: E402



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
    tiles = central_tiles(6)
    random.Random(16).shuffle(tiles)
    per_round = len(tiles) // ROUNDS
    print(f"database {connection.vendor}, {Parcel.objects.count()} parcels; {len(tiles)} tiles at z15/z16 around "
          f"the centre, {per_round} new ones in each of {ROUNDS} rounds; each ratio: median of the rounds "
          "(lowest–highest), every reference interleaved with what it is compared to, tile by tile")
    connection.close()
    cache = tempfile.mkdtemp(prefix="bench-tiles-")
    with Server(PORT, workers=1), Server(PORT + 1, workers=1, extra_env={"PANJEREH_TILE_CACHE_DIR": ""}), \
            Server(PORT + 2, workers=1, extra_env={"PANJEREH_TILE_CACHE_DIR": cache}):
        def over_http(port):
            def fetch(t):
                return http_times(port, "GET", [(f"/tiles/parcels/{t[0]}/{t[1]}/{t[2]}.mvt", None)], token)
            return fetch

        # the reference: PostGIS's bare ST_AsMVT written below; SpatiaLite has none, so our in-process tile
        reference = "bare ST_AsMVT" if connection.vendor == "postgresql" else "in-process"
        calls = {"in-process": lambda t: tile(layer, *t),
                 "HTTP, no tile cache": over_http(PORT + 1), "HTTP, first visit": over_http(PORT + 2)}
        if reference == "bare ST_AsMVT":
            calls[reference] = bare_tile_seconds
        first, later = [], []
        for r in range(ROUNDS):
            fresh = tiles[r * per_round:(r + 1) * per_round]
            first.append(interleaved(calls, fresh, offset=r))  # every tile new to the cache
            later.append(interleaved({reference: calls[reference], "HTTP, later visits": over_http(PORT + 2)},
                                     fresh, offset=r))
    for name in ("in-process", "HTTP, no tile cache", "HTTP, first visit"):
        if name != reference:
            print(ratio_line(name, first, name, reference))
    print(ratio_line("HTTP, later visits (the tile cache)", later, "HTTP, later visits", reference))


def bare_tile_seconds(t) -> float:
    """Seconds of the bare ST_AsMVT statement for a parcels tile, written here (not our tiles module): the rows
    whose box meets the tile, transformed and clipped by PostGIS, planned serially as the web server plans."""
    z, x, y = t
    sql = ("WITH b AS (SELECT ST_TileEnvelope(%s, %s, %s) AS web), "
           "q AS (SELECT p.id, p.land_use, p.plate_main, p.plate_sub, p.region, "
           "ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.web, 4096, 64, true) AS geom FROM citymap_parcel p, b "
           f"WHERE p.geom && ST_Transform(ST_Expand(b.web, (ST_XMax(b.web) - ST_XMin(b.web)) / 64), "
           f"{crsmod.STORAGE_SRID})) SELECT ST_AsMVT(q, 'parcels', 4096, 'geom', 'id') FROM q")
    with connection.cursor() as c:
        c.execute("SET max_parallel_workers_per_gather = 0")
        started = time.perf_counter()
        c.execute(sql, [z, x, y])
        c.fetchone()
        return time.perf_counter() - started

if __name__ == "__main__":
    main()
