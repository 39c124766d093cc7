"""A province on one PostGIS against its city alone (issue 28's measures).

Two databases on the server of DATABASE_URL, built alike: ``<name>_alone`` holds the demo Ahvaz; ``<name>_province``
holds the same Ahvaz (the same rows, the same ids) and thirty more cities added as a province adds them
(``createcity``'s service), each a copy of a part of Ahvaz — its parcels and every network under them — moved to
the city's own place in the province. Both get the same open files in Ahvaz; the province's cities get theirs.
Two gunicorn servers, one per database, answer the same requests, interleaved request by request (bench/_rounds):

- Ahvaz's feasibility, dig check and uncached vector tiles (parcels, water mains) — within 1.1× of Ahvaz alone;
- the provincial water company's inbox (its first page, fifty tasks, over thirty cities) — within 1.5× of one
  city's.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/panjereh python bench/bench_province.py \\
        [--ahvaz 300000] [--cities 30] [--city-parcels 30000] [--samples 60] [--rounds 3]

The databases are kept between runs (built again when the sizes differ); the first build of the full sizes takes a
while (the demo city of 300,000 parcels twice)."""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _rounds import interleaved, ratio_line  # noqa: E402
from _serve import Server, http_times  # noqa: E402

PORT = 8931
OPEN_FILES = 60          # open files in Ahvaz (both databases): more than one inbox page
FILES_PER_CITY = 20      # open files in each other city of the province


def urls(base: str) -> dict[str, str]:
    parsed = urllib.parse.urlsplit(base)
    name = parsed.path.lstrip("/")
    return {kind: urllib.parse.urlunsplit(parsed._replace(path=f"/{name}_{kind}")) for kind in ("alone", "province")}


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parsed._replace(scheme="postgresql", path="/postgres"))
    name = parsed.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(urllib.parse.urlunsplit(parsed._replace(scheme="postgresql")), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


# --- building (a subprocess per database: Django reads DATABASE_URL once) ------------------------------------

def build(kind: str, ahvaz: int, cities: int, city_parcels: int, out: str) -> None:
    from _django import ensure_city, setup

    setup("unused.sqlite3")
    from django.contrib.auth import get_user_model

    from panjereh.agencies.staff_tokens import issue_token
    from panjereh.cities.models import City
    from panjereh.citymap.models import Parcel

    ensure_city(ahvaz, quiet=True)
    _open_files("ahvaz", OPEN_FILES)
    for k in range(cities if kind == "province" else 0):
        _add_city(k, city_parcels)  # a city already there is left as it is
    users = get_user_model().objects
    tokens = {name: issue_token(users.get(username=name)) for name in ("coordinator", "reviewer.water")}
    Path(out).write_text(json.dumps({"tokens": tokens, "parcels": Parcel.objects.filter(city__code="ahvaz").count(),
                                     "cities": City.objects.count()}))


def _add_city(k: int, city_parcels: int) -> None:
    """City k: a block of Ahvaz's parcels (the k-th slice of ``city_parcels``) with the networks under them, moved
    to the city's place (a grid of places east and north of Ahvaz, within the storage zone's scale limit)."""
    import shapely
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from panjereh.agencies import services as agency_services
    from panjereh.agencies.models import CounterOffice, StaffProfile
    from panjereh.cities.models import City
    from panjereh.citymap import crs as crsmod
    from panjereh.citymap.models import Feature, Parcel

    code = f"city{k:02d}"
    if City.objects.filter(code=code).exists():
        return
    lon, lat = 48.95 + 0.42 * (k % 6), 31.75 + 0.42 * (k // 6)
    prefix = "C" + "".join(chr(65 + int(d)) for d in f"{k:02d}")
    city = agency_services.add_city(actor=None, code=code, prefix=prefix, name_fa=f"شهر {k}", name_en=f"City {k}",
                                    centre=(lon, lat), half_width=0.12,
                                    served_by=["water", "power", "gas", "telecom", "fire"])
    ahvaz = City.objects.get(code="ahvaz").pk
    home = list(Parcel.objects.filter(city_id=ahvaz).order_by("id").values_list("id", flat=True))
    start = k * city_parcels % max(1, len(home) - city_parcels)
    first, last = home[start], home[min(len(home), start + city_parcels) - 1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e "
                       "FROM citymap_parcel WHERE id BETWEEN %s AND %s AND city_id = %s) s", [first, last, ahvaz])
        minx, miny, maxx, maxy = cursor.fetchone()
    (cx, cy), = shapely.get_coordinates(crsmod.to_storage(shapely.points([(lon, lat)]), "OGC:CRS84"))
    dx, dy = cx - (minx + maxx) / 2, cy - (miny + maxy) / 2
    parcel_columns = [f.column for f in Parcel._meta.concrete_fields if f.column not in {"id", "city_id", "geom"}]
    feature_columns = [f.column for f in Feature._meta.concrete_fields if f.column not in {"id", "geom"}]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO citymap_parcel (city_id, {', '.join(parcel_columns)}, geom) "
                       f"SELECT %s, {', '.join(parcel_columns)}, ST_Translate(geom, %s, %s) FROM citymap_parcel "
                       "WHERE id BETWEEN %s AND %s AND city_id = %s", [city.pk, dx, dy, first, last, ahvaz])
        cursor.execute(f"INSERT INTO citymap_feature ({', '.join(feature_columns)}, geom) "
                       f"SELECT {', '.join(feature_columns)}, ST_Translate(geom, %s, %s) FROM citymap_feature f "
                       "WHERE f.version_id IN (SELECT current_version_id FROM citymap_layer) "
                       "AND f.geom && ST_Expand(ST_MakeEnvelope(%s, %s, %s, %s, ST_SRID(f.geom)), 150)",
                       [dx, dy, minx, miny, maxx, maxy])
        cursor.execute("ANALYZE citymap_parcel")
        cursor.execute("ANALYZE citymap_feature")
    user = get_user_model().objects.create_user(f"op.{code}", password="bench-only-1405")
    StaffProfile.objects.create(user=user, role="operator", office=CounterOffice.objects.get(city=city))
    _open_files(code, FILES_PER_CITY)


def _open_files(city_code: str, count: int) -> None:
    """``count`` files with a water connection, waiting on the water company (their first round)."""
    import random

    from panjereh.citymap.models import Parcel
    from panjereh.citymap.services import feasibility
    from panjereh.democity.second_city import open_sample_file
    from panjereh.permits.models import Application

    from panjereh.agencies.models import CounterOffice, StaffProfile

    if Application.objects.filter(city__code=city_code).exists():
        return
    office = CounterOffice.objects.filter(city__code=city_code).order_by("id").first()
    operator = StaffProfile.objects.filter(office=office, role="operator").select_related("user").first()
    rng = random.Random(city_code)
    made = 0
    for parcel in Parcel.objects.filter(city__code=city_code, land_use="residential").order_by("id")[:count * 4]:
        if made == count:
            break
        if not all(s["feasible"] for s in feasibility(parcel)["services"] if s["service"] == "water"):
            continue
        open_sample_file(parcel, office=office, actor=operator.user if operator else None, rng=rng)
        made += 1


# --- measuring ------------------------------------------------------------------------------------------------

def signed_in(port: int, username: str, password: str) -> str:
    """A session cookie of ``username`` on the server at ``port`` (the sign-in form, as a browser sends it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    conn.request("POST", "/login/", body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                         "Cookie": f"csrftoken={csrf}", "Referer": f"http://127.0.0.1:{port}/login/"})
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
    assert session, f"sign-in of {username} failed ({response.status})"
    return f"csrftoken={csrf}; sessionid={session.group(1)}"


def page_seconds(port: int, path: str, cookie: str) -> list[float]:
    import time

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    assert response.status == 200, (path, response.status)
    return [elapsed]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ahvaz", type=int, default=300_000)
    parser.add_argument("--cities", type=int, default=30)
    parser.add_argument("--city-parcels", type=int, default=30_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", nargs=2, metavar=("KIND", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build[0], args.ahvaz, args.cities, args.city_parcels, args.build[1])
        return 0
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgis://"):
        print("bench_province: a province runs on PostGIS; set DATABASE_URL=postgis://…")
        return 0
    dbs, info = urls(base), {}
    for kind, url in dbs.items():
        ensure_database(url)
        out = BENCH.parent / "var" / f"bench-province-{kind}.json"
        subprocess.run([sys.executable, __file__, "--ahvaz", str(args.ahvaz), "--cities", str(args.cities),
                        "--city-parcels", str(args.city_parcels), "--build", kind, str(out)],
                       env={**os.environ, "DATABASE_URL": url}, check=True)
        info[kind] = json.loads(out.read_text())
    print(f"bench_province: Ahvaz {info['alone']['parcels']:,} parcels alone; with {info['province']['cities'] - 1} "
          f"more cities of {args.city_parcels:,} parcels on one PostGIS; {args.rounds} rounds of "
          f"{args.samples // args.rounds} requests, interleaved")
    sys.path.insert(0, str(BENCH.parent / "src"))
    os.environ["DATABASE_URL"] = dbs["alone"]
    from _django import setup

    setup("unused.sqlite3")
    import numpy as np
    import shapely

    from panjereh.citymap import crs as crsmod
    from panjereh.citymap.models import Parcel

    rng = np.random.default_rng(7)
    ids = sorted(rng.choice(list(Parcel.objects.values_list("id", flat=True)), size=args.samples, replace=False))
    parcels = list(Parcel.objects.filter(pk__in=ids).order_by("id"))
    trenches = []
    for p in parcels:
        minx, miny, _, _ = shapely.from_wkb(bytes(p.geom.wkb)).bounds
        trenches.append(shapely.geometry.mapping(crsmod.to_crs84(
            shapely.LineString([(minx, miny - 10), (minx + 80, miny - 10)]))))
    from _django import central_tiles

    tiles = central_tiles(3)
    tiles = [tiles[i % len(tiles)] for i in range(args.samples)]
    from django.db import connection

    connection.close()
    env = {"PANJEREH_TILE_CACHE_MAX_ZOOM": "0"}  # every tile built: the first visit, what the index decides
    ports = {"alone": PORT, "province": PORT + 1}
    with Server(PORT, workers=2, extra_env={**env, "DATABASE_URL": dbs["alone"]}), \
            Server(PORT + 1, workers=2, extra_env={**env, "DATABASE_URL": dbs["province"]}):
        cookies = {kind: signed_in(port, "reviewer.water", os.environ.get("PANJEREH_DEMO_PASSWORD", "demo-only-1405"))
                   for kind, port in ports.items()}
        coordinator = {kind: info[kind]["tokens"]["coordinator"] for kind in ports}
        calls = {}
        for kind, port in ports.items():
            token = coordinator[kind]
            calls[f"feasibility {kind}"] = (lambda i, port=port, token=token: http_times(
                port, "GET", [(f"/api/v1/parcels/{parcels[i].pk}/feasibility/", None)], token))
            calls[f"dig check {kind}"] = (lambda i, port=port, token=token: http_times(
                port, "POST", [("/api/v1/dig-check/", {"geometry": trenches[i], "buffer_m": 5})], token))
            calls[f"parcel tile {kind}"] = (lambda i, port=port, token=token: http_times(
                port, "GET", [("/tiles/parcels/{}/{}/{}.mvt".format(*tiles[i]), None)], token))
            calls[f"water tile {kind}"] = (lambda i, port=port, token=token: http_times(
                port, "GET", [("/tiles/water-mains/{}/{}/{}.mvt".format(*tiles[i]), None)], token))
            calls[f"water inbox {kind}"] = (lambda i, port=port, kind=kind: page_seconds(
                port, "/inbox/", cookies[kind]))
        items = list(range(len(parcels)))
        for i in items[:6]:  # warm both
            for call in calls.values():
                call(i)
        rounds = [interleaved(calls, items[r::args.rounds], offset=r) for r in range(args.rounds)]
    for what in ("feasibility", "dig check", "parcel tile", "water tile"):
        print(ratio_line(f"Ahvaz {what} in the province (target ≤ 1.10)", rounds, f"{what} province",
                         f"{what} alone", width=48))
    print(ratio_line("the water company's inbox, 30 cities (target ≤ 1.50)", rounds, "water inbox province",
                     "water inbox alone", width=48))
    return 0


if __name__ == "__main__":
    sys.exit(main())
