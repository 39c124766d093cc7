"""QGIS itself reads the staff layers: its OGC API – Features and vector-tile providers, signed in with its stock
Basic authentication (agencies.map_basic) — every layer the officer's agency may see, none that it may not."""

import json
import os
import subprocess
from pathlib import Path

import pytest
import shapely

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer
from panjereh.democity.people import DEFAULT_DEMO_PASSWORD

QGIS_PYTHON = "/usr/bin/python3"
READER = Path(__file__).with_name("qgis_reader.py")


def _qgis_present() -> bool:
    return subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


@pytest.mark.django_db(transaction=True)
def test_qgis_adds_the_layers_its_agency_may_see_and_no_other(live_server, live_city, settings):
    if not _qgis_present():
        # CI installs Debian's python3-qgis and sets PANJEREH_REQUIRE_QGIS, so there this is a failure, not a skip
        assert not os.environ.get("PANJEREH_REQUIRE_QGIS"), "python3-qgis is not installed"
        pytest.skip("Debian's python3-qgis is not installed on this machine")
    settings.PANJEREH_DEMO = True  # plain HTTP on 127.0.0.1; outside a demo the password goes over HTTPS only
    Layer.objects.filter(code__in=["power-cables", "power-nodes", "water-mains", "water-nodes"]).update(
        visibility="agency")
    cable = Feature.objects.current().filter(layer__code="power-cables").order_by("id")[len(
        Feature.objects.current().filter(layer__code="power-cables")) // 2]
    lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(cable.geom.wkb)).centroid).coords[0]
    run = subprocess.run([QGIS_PYTHON, str(READER), live_server.url, "reviewer.power", DEFAULT_DEMO_PASSWORD,
                          "streets,power-cables,water-mains", "power-cables,water-mains", str(lon), str(lat)],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr[-2000:]
    read = json.loads(run.stdout.strip().splitlines()[-1])
    streets, cables, water = (read["collections"][c] for c in ("streets", "power-cables", "water-mains"))
    # the public streets, with their Persian names, and the agency's own hidden layer, feature for feature
    assert streets["valid"] and streets["count"] == Feature.objects.current().filter(layer__code="streets").count()
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in name) for name in streets["names"])
    assert cables["valid"] and cables["count"] == Feature.objects.current().filter(
        layer__code="power-cables").count()
    # another agency's hidden layer: QGIS cannot add it
    assert not water["valid"] and water["count"] == 0
    # the vector tiles: the power company's cables drawn, the water company's mains not a pixel
    assert read["tiles"]["power-cables"]["drawn"] > 0
    assert read["tiles"]["water-mains"]["drawn"] == 0
