"""`panjereh copydatabase`: the whole city into another, empty database — SpatiaLite to PostGIS on the SpatiaLite
run (where the suite's PostgreSQL is given), PostGIS to SpatiaLite on the PostGIS run. The command runs as an
operator runs it, in its own process, on the test database's committed city."""

import json
import os
import subprocess
import sys

import dj_database_url
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# What is compared of each database, read in its own process: every table's row count, and sample rows of the
# kinds a copy could get wrong (geometries, JSON, times that auto_now would stamp, current versions, ids).
SUMMARY = """
import json, django
django.setup()
from panjereh.core.dbcopy import _models
from panjereh.citymap.models import Feature, LayerVersion, Parcel
from panjereh.core.models import AuditRecord
out = {"counts": {m._meta.db_table: m._base_manager.count() for m in _models()}}
out["parcels"] = [[p.pk, p.plate_main, p.postal_code, p.area_m2, p.geom.srid, p.geom.wkb.hex()]
                  for p in Parcel.objects.order_by("pk")[:20]]
out["current"] = sorted(Feature.objects.current().values_list("pk", flat=True))
out["attrs"] = [[f.pk, f.attrs, f.geom.wkb.hex()] for f in Feature.objects.exclude(attrs={}).order_by("pk")[:20]]
out["versions"] = [[v.pk, v.created_at.isoformat()] for v in LayerVersion.objects.order_by("pk")]
out["audit"] = [[a.pk, a.action, a.data, a.at.isoformat()] for a in AuditRecord.objects.order_by("pk")[:50]]
print(json.dumps(out, sort_keys=True, default=str))
"""


def _url_of_this_database():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"spatialite:///{db['NAME']}"
    return f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _run(url, *args, code=None):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "panjereh.settings", "DATABASE_URL": url}
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "django", "copydatabase", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def _summary(url):
    result = _run(url, code=SUMMARY)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def target(tmp_path):
    """An empty database of the other kind, dropped afterwards."""
    pg = os.environ.get("PANJEREH_TEST_POSTGRES")
    if connection.vendor == "postgresql" or not pg:
        yield f"spatialite:///{tmp_path / 'copy.sqlite3'}"
        return
    import psycopg

    parts = dj_database_url.parse(pg)
    admin = dict(host=parts["HOST"] or "127.0.0.1", port=parts["PORT"] or 5432, user=parts["USER"] or "postgres",
                 password=parts["PASSWORD"] or None, dbname="postgres", autocommit=True)
    name = f"{parts['NAME']}_copytest"
    with psycopg.connect(**admin) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(**{**admin, "dbname": name}) as c:
        c.execute("CREATE EXTENSION postgis")
    yield pg.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(**admin) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_whole_city_is_copied_row_for_row(city, target):
    source = _url_of_this_database()
    copied = _run(source, target)
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert "rows of" in copied.stdout
    before, after = _summary(source), _summary(target)
    assert after["counts"] == before["counts"] and before["counts"]["citymap_parcel"] > 0
    for key in ("parcels", "current", "attrs", "versions", "audit"):
        assert after[key] == before[key], key
    # a new row in the copy gets the next id, not one of the copied ones
    grown = _run(target, code="""
import django
django.setup()
from panjereh.citymap.models import Parcel
top = Parcel.objects.order_by("-pk").first()
top.pk = None
top.plate_main, top.postal_code = 999999, ""
top.save()
print(top.pk)""")
    assert grown.returncode == 0, grown.stderr[-2000:]
    assert int(grown.stdout.split()[-1]) > max(p[0] for p in before["parcels"])
    # a database that holds a city is never written over
    again = _run(source, target)
    assert again.returncode != 0 and "already holds" in again.stderr


def test_the_database_in_use_is_refused(city):
    url = _url_of_this_database()
    result = _run(url, url)
    assert result.returncode != 0 and "nothing copied: the target is the database this server uses" in result.stderr
