import io

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture(autouse=True)
def a_demo(monkeypatch):
    """This suite's database is a demo city, with its demo users: said so, as `make run` does. (Without it the
    doctor rightly lists the demo users as a problem, and exits non-zero.)"""
    monkeypatch.setenv("PANJEREH_DEMO", "1")


def test_doctor_reports_versions(db):
    out = io.StringIO()
    call_command("doctor", stdout=out)
    text = out.getvalue()
    for name in ("GDAL library", "GEOS library", "PROJ", "ogr2ogr"):
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert "MISSING" not in line, line
    assert ("SpatiaLite" in text) or ("PostGIS" in text)
    # which GEOS Shapely runs on is said, whichever it is (the wheel's own by default: scripts/setup.sh)
    import shapely

    shapely_line = next(line for line in text.splitlines() if line.startswith("Shapely"))
    assert ".".join(map(str, shapely.geos_version)) in shapely_line
    assert "the system's" in shapely_line


def test_shapely_keeps_working_in_a_fresh_server_process(tmp_path):
    """Regression: with an older Shapely wheel's own GEOS/PROJ beside the system's, a fresh process answering a
    signed-in request failed (WKB output dimension error) or aborted at exit (double free in PROJ). Kept with
    today's wheels (scripts/setup.sh installs them; no pyproj): a fresh server process answers and exits
    cleanly."""
    import os
    import subprocess
    import sys

    code = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from panjereh.democity.build import build_demo_city
from panjereh.democity.people import create_demo_people
build_demo_city(parcels=32, seed=1)
create_demo_people()
from django.test import Client
from django.contrib.auth import get_user_model
from panjereh.agencies.staff_tokens import issue_token
from panjereh.citymap.models import Parcel
client = Client(HTTP_AUTHORIZATION="Token " + issue_token(get_user_model().objects.get(username="coordinator")))
print(client.get(f"/api/v1/parcels/{Parcel.objects.first().pk}/feasibility/").status_code)
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "panjereh.settings", "PANJEREH_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"spatialite:///{tmp_path / 'fresh.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("200")


def test_doctor_finds_a_spatial_index_without_its_trigger(db):
    """SpatiaLite: an import drops the index trigger for its length (core.bulk.spatialite_index_at_end); the doctor
    says so if one is ever missing, and names the column."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return  # PostgreSQL keeps its GiST index itself: no triggers to lose
    out = io.StringIO()
    call_command("doctor", stdout=out)
    assert "present on every indexed column" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'gii_citymap_feature_geom'")
        sql = cursor.fetchone()[0]
        cursor.execute('DROP TRIGGER "gii_citymap_feature_geom"')
    try:
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 problem"):  # issue 26: a problem listed is a non-zero exit
            call_command("doctor", stdout=out)
        line = next(x for x in out.getvalue().splitlines() if x.strip().startswith("spatial index triggers:"))
        assert "citymap_feature.geom" in line
    finally:
        with connection.cursor() as cursor:
            cursor.execute(sql)
