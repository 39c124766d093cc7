"""The map served beside the best open feature and tile servers, on the same PostGIS tables (issue 29).

    DATABASE_URL=postgis://postgres@127.0.0.1/panjereh_bench .venv/bin/python bench/bench_peers.py
    BENCH_PARCELS=300000 BENCH_ROUNDS=3 BENCH_WORKERS=2 …

Peers: tipg (FastAPI + asyncpg, under uvicorn) and pygeoapi (Flask + SQLAlchemy, under gunicorn), each with
BENCH_WORKERS workers like ours (gunicorn), installed by this script into their own environment
(var/bench-peers, bench/peers/requirements.txt). They read the same tables: the parcels table itself, and a
view of the water layer's current version over the same feature table (what our "water-mains" collection
serves).

Every line is a ratio Panjereh ÷ peer (time: below 1 is faster; throughput: above 1 is more), the median of
BENCH_ROUNDS rounds with its spread (lowest–highest of the rounds), measured interleaved: in each round the
servers take turns request by request (sequential lines) or block by block (throughput lines), and the order
of the turns rotates from round to round. The answers are compared, not assumed: for each box the number of
features each server says it matched, so an answer that leaves features out cannot look fast.

Tiles: "first visit" is a tile nobody asked for before (a new set each round: our tile cache misses, tipg has
none); "later visits" asks the same tiles again (our cache answers, tipg builds them again); "no cache" is a
second Panjereh server with the tile cache turned off.
"""

import concurrent.futures
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import ROOT, central_tiles, ensure_city, setup  # noqa: E402

PARCELS = int(os.environ.get("BENCH_PARCELS", "300000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
# Our gunicorn's threads per worker: 1, sync workers, as `make run` and docs/operations.md run it (gthread above 1).
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "60"))  # sequential requests per server per line per round
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
BLOCK_SECONDS = float(os.environ.get("BENCH_BLOCK_SECONDS", "6"))  # one server's turn in a throughput line
PORTS = {"ours": 8791, "ours-nocache": 8792, "tipg": 8793, "pygeoapi": 8794}
PEERS_VENV = ROOT / "var" / "bench-peers"
setup("bench.sqlite3")

import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from panjereh.citymap import crs as crsmod  # noqa: E402
from panjereh.citymap.models import Layer, Parcel  # noqa: E402

WATER_VIEW = "bench_peer_water_mains"


# --- the peers' environment and servers --------------------------------------------------------------------

def peers_python() -> str:
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".installed"
    requirements = Path(__file__).with_name("peers") / "requirements.txt"
    if not stamp.exists() or stamp.read_text() != requirements.read_text():
        print(f"installing the peers into {PEERS_VENV} (bench/peers/requirements.txt) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True,
                       stderr=subprocess.DEVNULL)
        stamp.write_text(requirements.read_text())
    return str(python)


def database():
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or "127.0.0.1", "port": int(db.get("PORT") or 5432), "name": db["NAME"],
            "user": db.get("USER") or "postgres", "password": db.get("PASSWORD") or ""}


def make_views(water_version: int):
    """The water layer's current version as a view over the same feature table, for the peers."""
    with connection.cursor() as c:
        c.execute(f"DROP VIEW IF EXISTS {WATER_VIEW}")
        c.execute(f"CREATE VIEW {WATER_VIEW} AS SELECT f.id, f.ext_id, f.kind, f.status, f.diameter_mm, f.material, "
                  f"f.depth_m, f.pressure_class, f.install_year, f.geom FROM citymap_feature f "
                  f"WHERE f.version_id = {int(water_version)}")
    connection.close()


def pygeoapi_config(folder: Path) -> Path:
    db = database()
    data = {"host": db["host"], "port": db["port"], "dbname": db["name"], "user": db["user"],
            "password": db["password"], "search_path": ["public"]}
    extent = {"spatial": {"bbox": list(crsmod.city_bbox_lonlat()),
                          "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}

    def collection(title, table):
        return {"type": "collection", "title": title, "description": title, "keywords": [title],
                "links": [], "extents": extent,
                "providers": [{"type": "feature", "name": "PostgreSQL", "data": data, "id_field": "id",
                               "table": table, "geom_field": "geom",
                               "storage_crs": f"http://www.opengis.net/def/crs/EPSG/0/{crsmod.STORAGE_SRID}"}]}

    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": PORTS["pygeoapi"]},
                   "url": f"http://127.0.0.1:{PORTS['pygeoapi']}", "mimetype": "application/json; charset=UTF-8",
                   "encoding": "utf-8", "language": "en-US", "cors": False, "pretty_print": False,
                   "limits": {"default_items": 100, "max_items": 10000}, "map": {"url": "", "attribution": ""}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "", "url": ""},
                     "license": {"name": "CC-BY 4.0", "url": ""},
                     "provider": {"name": "bench", "url": ""},
                     "contact": {"name": "bench", "position": "", "address": "", "city": "", "stateorprovince": "",
                                 "postalcode": "", "country": "", "phone": "", "fax": "", "email": "", "url": "",
                                 "hours": "", "instructions": "", "role": "pointOfContact"}},
        "resources": {"parcels": collection("parcels", "citymap_parcel"),
                      "water-mains": collection("water-mains", WATER_VIEW)},
    }
    path = folder / "pygeoapi.config.yml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


class Process:
    """A server process on 127.0.0.1:port, ready when ``ready_path`` answers 200; stopped on exit."""

    def __init__(self, name, args, port, ready_path, env=None):
        self.name, self.args, self.port, self.ready_path = name, args, port, ready_path
        self.env = {**os.environ, **(env or {})}

    def __enter__(self):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.log.seek(0)
        self.proc.kill()
        raise RuntimeError(f"{self.name} did not start: {self.log.read()[-3000:].decode(errors='replace')}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def servers(folder: Path, python: str):
    db = database()
    url = f"postgresql://{db['user']}:{db['password']}@{db['host']}:{db['port']}/{db['name']}"
    ours_env = {"DATABASE_URL": os.environ["DATABASE_URL"], "PANJEREH_TILE_CACHE_DIR": str(folder / "tiles")}
    gunicorn = [sys.executable, "-m", "gunicorn", "panjereh.wsgi", "--workers", str(WORKERS), "--threads",
                str(THREADS), "--log-level", "warning"]
    config = pygeoapi_config(folder)
    openapi = folder / "openapi.yml"
    made = subprocess.run([str(Path(python).with_name("pygeoapi")), "openapi", "generate", str(config), "--output-file",
                           str(openapi)], capture_output=True, text=True,
                          env={**os.environ, "PYGEOAPI_CONFIG": str(config)})
    if made.returncode:
        raise RuntimeError(f"pygeoapi openapi generate: {made.stderr[-3000:]}")
    return {
        "ours": Process("Panjereh", [*gunicorn, "--bind", f"127.0.0.1:{PORTS['ours']}"], PORTS["ours"],
                        "/healthz", ours_env),
        "ours-nocache": Process("Panjereh without the tile cache",
                                [*gunicorn, "--bind", f"127.0.0.1:{PORTS['ours-nocache']}"], PORTS["ours-nocache"],
                                "/healthz", {**ours_env, "PANJEREH_TILE_CACHE_DIR": ""}),
        "tipg": Process("tipg", [python, "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port",
                                 str(PORTS["tipg"]), "--workers", str(WORKERS), "--log-level", "warning"],
                        PORTS["tipg"], "/collections", {
                            "DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]',
                            "TIPG_DB_TABLES": f'["public.citymap_parcel", "public.{WATER_VIEW}"]',
                            f"TIPG_TABLE_CONFIG__public_{WATER_VIEW}__PK": "id",
                            "TIPG_MAX_FEATURES_PER_QUERY": "10000"}),
        "pygeoapi": Process("pygeoapi", [python, "-m", "gunicorn", "pygeoapi.flask_app:APP", "--workers",
                                         str(WORKERS), "--bind", f"127.0.0.1:{PORTS['pygeoapi']}",
                                         "--log-level", "warning"],
                            PORTS["pygeoapi"], "/collections?f=json",
                            {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}),
    }


# --- requests ------------------------------------------------------------------------------------------------

def get(port: int, path: str, headers: dict) -> tuple[float, int, bytes]:
    """(seconds, status, body) of one GET on a new connection, as a GIS client's first request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, response.status, body


def items_path(server: str, collection: str, bbox, limit: int = 100) -> str:
    box = ",".join(f"{v:.7f}" for v in bbox)
    if server.startswith("ours"):
        return f"/ogc/collections/{collection}/items?" + urlencode({"bbox": box, "limit": limit})
    if server == "tipg":
        name = "public.citymap_parcel" if collection == "parcels" else f"public.{WATER_VIEW}"
        return f"/collections/{name}/items?" + urlencode({"bbox": box, "limit": limit, "f": "geojson"})
    return f"/collections/{collection}/items?" + urlencode({"bbox": box, "limit": limit, "f": "json"})


def tile_path(server: str, z: int, x: int, y: int) -> str:
    if server.startswith("ours"):
        return f"/tiles/parcels/{z}/{x}/{y}.mvt"
    return f"/collections/public.citymap_parcel/tiles/WebMercatorQuad/{z}/{x}/{y}"


def p50_p95(samples):
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.95) - 1)]


def sequential(turns: dict, requests: list, headers: dict, round_no: int) -> dict:
    """Seconds per request for each server, the servers taking turns request by request (rotating order)."""
    names = list(turns)
    times = {n: [] for n in names}
    for i, request in enumerate(requests):
        order = names[(i + round_no) % len(names):] + names[:(i + round_no) % len(names)]
        for name in order:
            elapsed, status, _body = get(turns[name], request(name), headers.get(name, {}))
            assert status == 200, (name, request(name), status)
            times[name].append(elapsed)
    return times


def throughput(port: int, paths: list, headers: dict) -> float:
    """Requests per second from CLIENTS clients for BLOCK_SECONDS, each request on a new connection."""
    stop = time.perf_counter() + BLOCK_SECONDS
    counts, errors = [0] * CLIENTS, [0]
    lock = threading.Lock()

    def client(k):
        rng = random.Random(k)
        while time.perf_counter() < stop:
            _, status, _ = get(port, rng.choice(paths), headers)
            if status == 200:
                counts[k] += 1
            else:
                with lock:
                    errors[0] += 1

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    if errors[0]:
        raise RuntimeError(f"{errors[0]} requests failed on port {port}")
    return sum(counts) / (time.perf_counter() - started)


def line(name, ratios_by_round, unit="time"):
    """One line: the median ratio over the rounds and its spread."""
    parts = []
    for label, ratios in ratios_by_round.items():
        if not ratios:
            continue
        parts.append(f"{label} {statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})")
    print(f"{name:<44} " + "   ".join(parts), flush=True)


# --- the run ----------------------------------------------------------------------------------------------------

def boxes(n: int, rng: random.Random, size_m: float):
    """Lon/lat boxes of about size_m around random parcels' centres."""
    ids = list(Parcel.objects.values_list("id", flat=True))
    out = []
    for pk in rng.sample(ids, n):
        c = shapely.from_wkb(bytes(Parcel.objects.get(pk=pk).geom.wkb)).centroid
        half = size_m / 2 * rng.uniform(0.7, 1.3)
        out.append(crsmod.to_crs84(shapely.box(c.x - half, c.y - half, c.x + half, c.y + half)).bounds)
    return out


def true_count(collection: str, bbox) -> int:
    """How many features of the collection intersect the lon/lat box, tested in lon/lat (EPSG:4326) by PostGIS:
    the answer OGC API – Features asks for, independent of how any server turns the box into its storage CRS."""
    table, where = ("citymap_parcel", "") if collection == "parcels" else (WATER_VIEW, "")
    west, south, east, north = bbox
    with connection.cursor() as c:
        c.execute(f"SELECT COUNT(*) FROM {table} t WHERE t.geom && ST_Transform(ST_Expand(ST_MakeEnvelope("
                  f"%s, %s, %s, %s, 4326), 0.001), {crsmod.STORAGE_SRID}) AND ST_Intersects(ST_Transform(t.geom, "
                  f"4326), ST_MakeEnvelope(%s, %s, %s, %s, 4326)) {where}", [west, south, east, north] * 2)
        return int(c.fetchone()[0])


def matched(name: str, body: bytes) -> int:
    data = json.loads(body)
    return int(data.get("numberMatched", len(data.get("features", []))))


def main():
    if connection.vendor != "postgresql":
        spatialite_figures()
        return
    print(f"database: {settings.DATABASES['default']['NAME']}, {WORKERS} workers each ({THREADS} threads in each "
          f"of ours), {ROUNDS} rounds, "
          f"{SAMPLES} sequential requests per server per line per round, {CLIENTS} clients × {BLOCK_SECONDS:.0f} s "
          "per throughput block")
    ensure_city(PARCELS, quiet=True)
    from django.contrib.auth import get_user_model

    from panjereh.agencies.staff_tokens import issue_token

    token = issue_token(get_user_model().objects.get(username="coordinator"))
    water = Layer.objects.get(code="water-mains")
    make_views(water.current_version_id)
    rng = random.Random(29)
    python = peers_python()
    ours_headers = {"Authorization": f"Token {token}"}
    headers = {"ours": ours_headers, "ours-nocache": ours_headers}
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        procs = servers(Path(tmp), python)
        for proc in procs.values():
            proc.__enter__()
        try:
            run(procs, headers, rng)
        finally:
            for proc in procs.values():
                proc.__exit__(None, None, None)
            with connection.cursor() as c:
                c.execute(f"DROP VIEW IF EXISTS {WATER_VIEW}")


def run(procs, headers, rng):
    ports = {name: p.port for name, p in procs.items()}
    feature_servers = {n: ports[n] for n in ("ours", "tipg", "pygeoapi")}
    parcel_boxes = boxes(SAMPLES * ROUNDS + 20, rng, 120)
    water_boxes = boxes(SAMPLES * ROUNDS + 20, rng, 400)

    # the answers first: for each box the number of features each server says it matched, against the truth —
    # the features whose geometry, in lon/lat, intersects the box (computed here in SQL, not by our code)
    for collection, sample in (("parcels", parcel_boxes[:20]), ("water-mains", water_boxes[:20])):
        equal = {name: 0 for name in feature_servers}
        more = {name: 0 for name in feature_servers}
        for box in sample:
            truth = true_count(collection, box)
            for name, port in feature_servers.items():
                _, status, body = get(port, items_path(name, collection, box, 1000), headers.get(name, {}))
                assert status == 200, (name, status, body[:300])
                found = matched(name, body)
                equal[name] += found == truth
                more[name] += found > truth
        print(f"answers, {collection}: numberMatched equal to the features that intersect the box on "
              + ", ".join(f"{equal[n]}/{len(sample)} ({n}; more than them on {more[n]})" for n in feature_servers),
              flush=True)

    results = {}

    def add(key, peer, value):
        results.setdefault(key, {}).setdefault(peer, []).append(value)

    tiles_z = central_tiles(12)
    rng.shuffle(tiles_z)
    for r in range(ROUNDS):
        parcels_r = parcel_boxes[20 + r * SAMPLES:20 + (r + 1) * SAMPLES]
        water_r = water_boxes[20 + r * SAMPLES:20 + (r + 1) * SAMPLES]
        # parcels items, sequential: ours, tipg, pygeoapi in turn
        for key, collection, sample in (("parcels items", "parcels", parcels_r),
                                        ("water-mains items", "water-mains", water_r)):
            t = sequential(feature_servers, [lambda n, b=b, c=collection: items_path(n, c, b) for b in sample],
                           headers, r)
            ours = p50_p95(t["ours"])
            for peer in ("tipg", "pygeoapi"):
                theirs = p50_p95(t[peer])
                add(f"{key}, p50", peer, ours[0] / theirs[0])
                add(f"{key}, p95", peer, ours[1] / theirs[1])
        # parcels items, CLIENTS clients: blocks in turn
        order = ["ours", "tipg", "pygeoapi"]
        order = order[r % 3:] + order[:r % 3]
        rates = {n: throughput(feature_servers[n], [items_path(n, "parcels", b) for b in parcels_r],
                               headers.get(n, {})) for n in order}
        for peer in ("tipg", "pygeoapi"):
            add(f"parcels items, {CLIENTS} clients, throughput", peer, rates["ours"] / rates[peer])
        # tiles: a new set of tiles this round (first visits), then the same again (later visits)
        fresh = tiles_z[r * SAMPLES:(r + 1) * SAMPLES]
        tile_servers = {"ours": ports["ours"], "tipg": ports["tipg"]}
        first = sequential(tile_servers, [lambda n, t=t: tile_path(n, *t) for t in fresh], headers, r)
        later = sequential(tile_servers, [lambda n, t=t: tile_path(n, *t) for t in fresh], headers, r)
        ours_first, tipg_first = p50_p95(first["ours"]), p50_p95(first["tipg"])
        add("tile z15/z16, first visit, p50", "tipg", ours_first[0] / tipg_first[0])
        add("tile z15/z16, first visit, p95", "tipg", ours_first[1] / tipg_first[1])
        add("tile, later visits (our cache), p95", "tipg", p50_p95(later["ours"])[1] / p50_p95(later["tipg"])[1])
        tile_pool = [tile_path("ours", *t) for t in tiles_z]
        peer_pool = [tile_path("tipg", *t) for t in tiles_z]
        tile_order = ["ours-nocache", "tipg"] if r % 2 == 0 else ["tipg", "ours-nocache"]
        rates = {}
        for n in tile_order:
            rates[n] = throughput(ports[n], tile_pool if n.startswith("ours") else peer_pool, headers.get(n, {}))
        add(f"tile, no cache, {CLIENTS} clients, throughput", "tipg", rates["ours-nocache"] / rates["tipg"])
        print(f"round {r + 1} of {ROUNDS} done", flush=True)

    print(f"\n{'Panjereh ÷ peer (median of rounds, spread)':<44} "
          "time: below 1 is faster; throughput: above 1 is more")
    for key, by_peer in results.items():
        line(key, {f"÷ {peer}": ratios for peer, ratios in by_peer.items()})


def spatialite_figures():
    """SpatiaLite: the peers serve PostGIS only, so our own figures for the same lines, in milliseconds and
    requests per second, to print beside the PostGIS ratios."""
    print(f"SpatiaLite: tipg and pygeoapi serve PostGIS only; our figures for the same lines ({WORKERS} workers, "
          f"{ROUNDS} rounds, median (lowest–highest))")
    ensure_city(PARCELS, quiet=True)
    from django.contrib.auth import get_user_model

    from panjereh.agencies.staff_tokens import issue_token

    headers = {"Authorization": f"Token {issue_token(get_user_model().objects.get(username='coordinator'))}"}
    rng = random.Random(29)
    parcel_boxes, water_boxes = boxes(SAMPLES * ROUNDS, rng, 120), boxes(SAMPLES * ROUNDS, rng, 400)
    tiles = central_tiles(12)
    rng.shuffle(tiles)
    connection.close()
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        gunicorn = [sys.executable, "-m", "gunicorn", "panjereh.wsgi", "--workers", str(WORKERS), "--threads",
                    str(THREADS), "--log-level", "warning"]
        env = {"DATABASE_URL": os.environ["DATABASE_URL"], "PANJEREH_TILE_CACHE_DIR": str(Path(tmp) / "tiles")}
        with Process("Panjereh", [*gunicorn, "--bind", f"127.0.0.1:{PORTS['ours']}"], PORTS["ours"], "/healthz",
                     env), \
                Process("Panjereh without the tile cache", [*gunicorn, "--bind", f"127.0.0.1:{PORTS['ours-nocache']}"],
                        PORTS["ours-nocache"], "/healthz", {**env, "PANJEREH_TILE_CACHE_DIR": ""}):
            for r in range(ROUNDS):
                chunk = slice(r * SAMPLES, (r + 1) * SAMPLES)
                for key, collection, sample in (("parcels items", "parcels", parcel_boxes[chunk]),
                                                ("water-mains items", "water-mains", water_boxes[chunk])):
                    t = [get(PORTS["ours"], items_path("ours", collection, b), headers)[0] for b in sample]
                    figures.setdefault(f"{key}, p50 / p95 ms", []).append(p50_p95(t))
                rate = throughput(PORTS["ours"], [items_path("ours", "parcels", b) for b in parcel_boxes[chunk]],
                                  headers)
                figures.setdefault(f"parcels items, {CLIENTS} clients, requests/s", []).append((rate,))
                fresh = tiles[r * SAMPLES:(r + 1) * SAMPLES]
                first = [get(PORTS["ours"], tile_path("ours", *t), headers)[0] for t in fresh]
                later = [get(PORTS["ours"], tile_path("ours", *t), headers)[0] for t in fresh]
                figures.setdefault("tile z15/z16, first visit, p50 / p95 ms", []).append(p50_p95(first))
                figures.setdefault("tile, later visits (our cache), p50 / p95 ms", []).append(p50_p95(later))
                rate = throughput(PORTS["ours-nocache"], [tile_path("ours", *t) for t in tiles], headers)
                figures.setdefault(f"tile, no cache, {CLIENTS} clients, requests/s", []).append((rate,))
    for key, values in figures.items():
        columns = list(zip(*values))
        print(f"{key:<48} " + " / ".join(
            f"{statistics.median(c):.1f} ({min(c):.1f}–{max(c):.1f})" for c in columns), flush=True)


if __name__ == "__main__":
    main()
