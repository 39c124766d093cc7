"""A province stored in one Transverse Mercator of its own (issue 28, item 5): western Khuzestan's cities pass
0.05% in their own UTM zones; a TM on 49° E with scale 1 there holds them all under it. The CRS has no EPSG code:
a local SRID (944900) written into PostGIS's spatial_ref_sys before the first geometry column, and PROJ's
definition for every transformation in Python. Built and served in its own process, as a deployment is."""

import json
import os
import subprocess
import sys

import pytest
from django.core import checks
from django.db import connection
from django.test import override_settings

from tests.citymap.test_another_city import _database

TM = {"PANJEREH_STORAGE_TM_MERIDIAN": "49"}

MEASURE = """
import json, shapely
from django.db import connection
from django.test import Client
from django.contrib.auth import get_user_model
from panjereh.citymap import crs, tiles
from panjereh.citymap.models import Layer, Parcel
from panjereh.citymap.services import feasibility
p = Parcel.objects.order_by("id")[7]
with connection.cursor() as c:
    c.execute("SELECT ST_X(ST_Transform(ST_Centroid(geom), 4326)), ST_Y(ST_Transform(ST_Centroid(geom), 4326)), "
              "ST_Area(geom), ST_Area(ST_Transform(geom, 32639)), ST_Area(ST_Transform(geom, 4326)::geography) "
              "FROM citymap_parcel WHERE id = %s", [p.pk])
    lon, lat, area, utm_area, true_area = c.fetchone()
    c.execute("SELECT DISTINCT srid FROM geometry_columns WHERE f_table_name LIKE 'citymap%%'")
    srids = [r[0] for r in c.fetchall()]
python_lonlat = shapely.get_coordinates(crs.to_crs84(shapely.from_wkb(bytes(p.geom.centroid.wkb))))[0].tolist()
layer = Layer.objects.get(code="parcels")
z = 16
x, y = next(iter(tiles.tiles_covering((lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001), z)))
client = Client()
client.force_login(get_user_model().objects.filter(is_superuser=True).first())
items = client.get(f"/ogc/collections/parcels/items?bbox={lon - 0.002},{lat - 0.002},{lon + 0.002},{lat + 0.002}&limit=5")
first = items.json()["features"][0]["geometry"]["coordinates"][0][0] if items.status_code == 200 else None
print(json.dumps({"srids": srids, "lonlat": [lon, lat], "python_lonlat": python_lonlat,
                  "tm_error": abs(area / true_area - 1), "utm_error": abs(utm_area / true_area - 1),
                  "tile_bytes": len(tiles.tile(layer, z, x, y)), "items": items.status_code, "first": first,
                  "feasible": [s["service"] for s in feasibility(p)["services"] if s["feasible"]]}))
"""


def _runner(url, tmp_path, extra):
    env = {**os.environ, "DATABASE_URL": url, "PANJEREH_VAR_DIR": str(tmp_path / "var"), "PANJEREH_DEMO": "1",
           "DJANGO_SETTINGS_MODULE": "panjereh.settings", **extra}
    env.pop("PANJEREH_STORAGE_SRID", None)

    def run(*args, ok=True):
        done = subprocess.run([sys.executable, "-m", "panjereh.manage", *args], env=env, capture_output=True,
                              text=True, timeout=300)
        if ok:
            assert done.returncode == 0, done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        return done
    return run


@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="a province runs on PostGIS; SpatiaLite's ST_Transform finds SRIDs in PROJ's own "
                           "database only (test_spatialite_refuses_a_provincial_crs below)")
def test_a_province_stored_in_its_own_transverse_mercator(tmp_path):
    url, drop = _database(tmp_path)
    run = _runner(url, tmp_path, TM)
    try:
        run("migrate", "--noinput", "-v0")
        run("democity", "--parcels", "1000", "--no-progress")
        got = json.loads(run("shell", "-c", MEASURE).stdout.strip().splitlines()[-1])
        assert got["srids"] == [944900]
        # the database's transformation and Python's (PROJ's definition) put the parcel at the same place, in Ahvaz
        assert abs(got["lonlat"][0] - got["python_lonlat"][0]) < 1e-8
        assert abs(got["lonlat"][1] - got["python_lonlat"][1]) < 1e-8
        assert 48.45 < got["lonlat"][0] < 48.90 and 31.10 < got["lonlat"][1] < 31.55
        # areas against the ellipsoid's own (PostGIS's geography): the province's TM within 0.01%, UTM 39 off more
        assert got["tm_error"] < 0.0001 < got["utm_error"]
        # the map is served from it: a vector tile, OGC items in lon/lat, feasibility
        assert got["tile_bytes"] > 100 and got["items"] == 200
        assert abs(got["first"][0] - got["lonlat"][0]) < 0.01 and got["feasible"]
        # a city of western Khuzestan is within the limit here (in its own UTM zone 39 it is not) ...
        added = run("createcity", "khorramshahr", "--name", "خرمشهر", "--centre", "48.18,30.44", "--prefix", "KHR")
        assert "khorramshahr" in added.stdout
        # ... and a city far from the province's meridian is refused, naming the CRS
        far = run("createcity", "mashhad", "--name", "مشهد", "--centre", "59.6,36.3", "--prefix", "MSH", ok=False)
        told = far.stderr + far.stdout  # in the language of the command's locale: Persian first
        assert far.returncode != 0 and ("مرکاتور معکوس" in told or "Transverse Mercator" in told)
        assert "Traceback" not in told
        doctor = run("doctor", "--cities", ok=False).stdout
        assert "Transverse Mercator on 49° E" in doctor and "khorramshahr" in doctor
    finally:
        drop()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a province runs on PostGIS")
def test_a_province_in_utm_moves_into_its_own_transverse_mercator(tmp_path):
    url, drop = _database(tmp_path)
    try:
        _runner(url, tmp_path, {})("migrate", "--noinput", "-v0")
        _runner(url, tmp_path, {})("democity", "--parcels", "300", "--no-progress")
        where = ("import json; from panjereh.citymap.models import Parcel; p = Parcel.objects.order_by('id')[3]; "
                 "from django.contrib.gis.db.models.functions import Transform; q = Parcel.objects.filter(pk=p.pk).annotate("
                 "w=Transform('geom', 4326)).get(); print(json.dumps([p.geom.srid, q.w.centroid.x, q.w.centroid.y]))")
        before = json.loads(_runner(url, tmp_path, {})("shell", "-c", where).stdout.strip().splitlines()[-1])
        moved = _runner(url, tmp_path, TM)("movecrs").stdout
        assert "944900" in moved
        after = json.loads(_runner(url, tmp_path, TM)("shell", "-c", where).stdout.strip().splitlines()[-1])
        assert before[0] == 32639 and after[0] == 944900
        assert abs(after[1] - before[1]) < 1e-8 and abs(after[2] - before[2]) < 1e-8
    finally:
        drop()


def test_spatialite_refuses_a_provincial_crs():
    """SpatiaLite cannot transform to a CRS PROJ's database does not know: a deployment that asks for one on
    SpatiaLite is told at its checks, before the first geometry is stored."""
    from panjereh.citymap.checks import storage_crs

    with override_settings(PANJEREH_STORAGE_TM_MERIDIAN=49.0, PANJEREH_STORAGE_SRID=944900,
                           PANJEREH_STORAGE_PROJ="+proj=tmerc +lon_0=49 +k=1 +x_0=500000 +datum=WGS84 +units=m"):
        found = [m for m in storage_crs() if m.id == "panjereh.E203"]
    assert bool(found) == (connection.vendor == "sqlite")
    assert not found or isinstance(found[0], checks.Error) and "PostGIS" in found[0].msg
