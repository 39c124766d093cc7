"""Issue 15 item 1: another Iranian city configured from scratch — Mashhad, in UTM zone 40 — on its own database
of the engine under test: its storage CRS comes from its centre, the demo city is built there, data of the city
is accepted and measured in its own metres, and `panjereh doctor` reports the zone and its scale error."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

MASHHAD = {"PANJEREH_CITY_NAME": "مشهد", "PANJEREH_CITY_CENTRE": "59.57,36.30",
           "PANJEREH_CITY_BBOX": "59.35,36.10,59.80,36.50"}
CHECK = """
import json, shapely
from panjereh.citymap import crs
from panjereh.citymap.models import Feature, Parcel
from panjereh.citymap.services import feasibility
parcel = Parcel.objects.order_by("id")[40]
street = Feature.objects.current().filter(layer__code="streets").order_by("id").first()
line = shapely.from_wkb(bytes(street.geom.wkb))
lon, lat = shapely.get_coordinates(crs.to_crs84(shapely.Point(line.coords[0])))[0]
print(json.dumps({"srid": parcel.geom.srid, "storage": crs.STORAGE, "lon": lon, "lat": lat,
                  "feasible": [s["service"] for s in feasibility(parcel)["services"] if s["feasible"]]}))
"""


def _database(tmp_path) -> tuple[str, callable]:
    """A new empty database of the engine under test: (its URL, how to drop it)."""
    if connection.vendor != "postgresql":
        return f"spatialite:///{tmp_path / 'mashhad.sqlite3'}", lambda: None
    import psycopg

    params = connection.get_connection_params()
    name = f"panjereh_mashhad_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(**{k: v for k, v in params.items() if k in {"host", "port", "user", "password"}},
                            dbname="postgres", autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"host", "port", "user", "password"}},
                         dbname=name, autocommit=True) as db:
        db.execute("CREATE EXTENSION postgis")
    user = params.get("user", "postgres")
    url = f"postgis://{user}@{params.get('host', '127.0.0.1')}:{params.get('port', 5432)}/{name}"
    return url, lambda: (admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"), admin.close())


def test_mashhad_from_scratch(tmp_path):
    url, drop = _database(tmp_path)
    env = {**os.environ, **MASHHAD, "DATABASE_URL": url, "PANJEREH_VAR_DIR": str(tmp_path / "var"), "PANJEREH_DEMO": "1",
           "DJANGO_SETTINGS_MODULE": "panjereh.settings"}
    env.pop("PANJEREH_STORAGE_SRID", None)
    panjereh = [sys.executable, "-m", "panjereh.manage"]

    def run(*args):
        done = subprocess.run([*panjereh, *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    try:
        run("migrate", "--noinput", "-v0")
        run("democity", "--parcels", "2000", "--no-progress")
        found = json.loads(run("shell", "-c", CHECK).strip().splitlines()[-1])
        assert found["storage"] == "EPSG:32640" and found["srid"] == 32640  # zone 40, from the centre
        west, south, east, north = (float(v) for v in MASHHAD["PANJEREH_CITY_BBOX"].split(","))
        assert west < found["lon"] < east and south < found["lat"] < north  # the demo city is in Mashhad
        assert {"water", "power"} <= set(found["feasible"])
        doctor = run("doctor")
        assert "EPSG:32640" in doctor and "UTM zone 40N" in doctor and "0.03" in doctor
    finally:
        drop()
    assert settings.PANJEREH_STORAGE_SRID == 32639  # this suite's own city is untouched


AREA = """
import json
from panjereh.citymap.models import Parcel
from panjereh.citymap import crs
p = Parcel.objects.order_by("id")[7]
import shapely
lonlat = shapely.get_coordinates(crs.to_crs84(shapely.from_wkb(bytes(p.geom.wkb))))[0].tolist()
print(json.dumps({"srid": p.geom.srid, "area": p.geom.area, "lonlat": lonlat,
                  "indexed": Parcel.objects.filter(geom__bboverlaps=p.geom).count()}))
"""


def test_a_city_moved_to_its_own_zone(tmp_path):
    """Mashhad started in zone 39 by mistake: `panjereh movecrs` moves every geometry to zone 40 in one
    transaction; the places are the same to the millimetre, the areas are measured in the right zone's metres
    (about 1.4% smaller than zone 39 claimed there), and the spatial index still answers."""
    url, drop = _database(tmp_path)
    env = {**os.environ, **MASHHAD, "DATABASE_URL": url, "PANJEREH_VAR_DIR": str(tmp_path / "var"), "PANJEREH_DEMO": "1",
           "DJANGO_SETTINGS_MODULE": "panjereh.settings", "PANJEREH_STORAGE_SRID": "32639"}

    def run(*args, srid="32639"):
        done = subprocess.run([sys.executable, "-m", "panjereh.manage", *args], env={**env, "PANJEREH_STORAGE_SRID": srid},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    try:
        run("migrate", "--noinput", "-v0")
        run("democity", "--parcels", "1000", "--no-progress")
        before = json.loads(run("shell", "-c", AREA).strip().splitlines()[-1])
        # the doctor says so, and exits non-zero (issue 26: it exited 0 while listing the problem)
        told = subprocess.run([sys.executable, "-m", "panjereh.manage", "doctor"], env=env, capture_output=True,
                              text=True, timeout=300)
        assert told.returncode == 1 and "centre is in UTM zone 40, storage is zone 39" in told.stdout
        assert "Traceback" not in told.stderr and "problem" in told.stderr
        assert "→ EPSG:32640" in run("movecrs", "--dry-run", srid="32640")
        assert "now in EPSG:32640" in run("movecrs", srid="32640")
        after = json.loads(run("shell", "-c", AREA, srid="32640").strip().splitlines()[-1])
        assert before["srid"] == 32639 and after["srid"] == 32640
        assert abs(after["lonlat"][0] - before["lonlat"][0]) < 1e-8 and abs(after["lonlat"][1] - before["lonlat"][1]) < 1e-8
        assert 0.97 < after["area"] / before["area"] < 0.995  # zone 39 stretched Mashhad's metres
        assert after["indexed"] >= 1
        assert "nothing to do" in run("movecrs", srid="32640")
    finally:
        drop()
