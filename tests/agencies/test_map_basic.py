"""HTTP Basic on the map's read endpoints, for desktop GIS (QGIS, ArcGIS): HTTPS only outside a demo, counted
by the sign-in lockout, remembered without the password, and nowhere else (agencies.map_basic)."""

import base64

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Layer, Parcel
from panjereh.citymap.tiles import lonlat_to_tile
from panjereh.democity.people import DEFAULT_DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def basic(username, password=DEFAULT_DEMO_PASSWORD):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def collections(response):
    return {c["id"] for c in response.json()["collections"]} if response.status_code == 200 else None


@pytest.fixture
def hidden_power(city):
    cache.clear()
    Layer.objects.filter(code__in=["power-cables", "power-nodes"]).update(visibility="agency")
    return city


def test_a_gis_officer_reads_their_agencys_layers_with_a_password_over_https(hidden_power):
    client = Client()
    public = collections(client.get("/ogc/collections", secure=True))
    power = collections(client.get("/ogc/collections", secure=True, **basic("reviewer.power")))
    water = collections(client.get("/ogc/collections", secure=True, **basic("reviewer.water")))
    assert "power-cables" not in public and "power-cables" in power and "power-cables" not in water
    assert "water-mains" in water and "water-mains" not in public
    # items and tiles too: their own hidden layer, and not another agency's
    assert client.get("/ogc/collections/power-cables/items?limit=5", secure=True,
                      **basic("reviewer.power")).status_code == 200
    assert client.get("/ogc/collections/power-cables/items?limit=5", secure=True,
                      **basic("reviewer.water")).status_code == 404
    lon, lat = crsmod.to_crs84(shapely.from_wkb(bytes(Parcel.objects.first().geom.wkb)).centroid).coords[0]
    x, y = lonlat_to_tile(lon, lat, 15)
    tile = f"/tiles/power-cables/15/{x}/{y}.mvt"
    assert client.get(tile, secure=True, **basic("reviewer.power")).status_code == 200
    assert client.get(tile, secure=True, **basic("reviewer.water")).status_code == 404
    assert client.get(tile, secure=True).status_code == 404


def test_a_password_in_clear_is_refused_outside_a_demo(hidden_power, settings):
    settings.PANJEREH_DEMO = False
    refused = Client().get("/ogc/collections", **basic("reviewer.power"))
    assert refused.status_code == 401 and "HTTPS" in refused.json()["description"]
    settings.PANJEREH_DEMO = True  # a demo on a laptop: plain HTTP on 127.0.0.1
    assert "power-cables" in collections(Client().get("/ogc/collections", **basic("reviewer.power")))


def test_wrong_passwords_are_counted_by_the_sign_in_lockout(hidden_power, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    assert client.get("/ogc/collections", secure=True, **basic("reviewer.power")).status_code == 200  # remembered
    for _ in range(3):
        assert client.get("/ogc/collections", secure=True, **basic("reviewer.power", "guess")).status_code in (401,
                                                                                                                 403,
                                                                                                                 429)
    # locked out: the right password is refused too, even the one remembered a moment ago
    assert collections(client.get("/ogc/collections", secure=True, **basic("reviewer.power"))) is None


def test_a_changed_password_ends_the_remembered_pair(hidden_power):
    client = Client()
    assert "power-cables" in collections(client.get("/ogc/collections", secure=True, **basic("reviewer.power")))
    officer = get_user_model().objects.get(username="reviewer.power")
    officer.set_password("a-new-password-1405")
    officer.save()
    assert client.get("/ogc/collections", secure=True, **basic("reviewer.power")).status_code == 401
    assert "power-cables" in collections(client.get("/ogc/collections", secure=True,
                                                    **basic("reviewer.power", "a-new-password-1405")))
    # nothing of the password is kept: the cache holds an HMAC key and the stored hash
    for key in cache._cache.keys() if hasattr(cache, "_cache") else []:
        assert "a-new-password-1405" not in str(key)


def test_only_the_maps_read_endpoints_take_a_password(hidden_power):
    """PANJEREH_API_BASIC_AUTH is off (the default): the rest of the API, where requests change things, wants a
    token or a session."""
    client = Client()
    assert client.get("/api/v1/applications/", secure=True, **basic("operator1")).status_code in (401, 403)
    assert client.post("/api/v1/applications/", {}, secure=True, **basic("operator1")).status_code in (401, 403)
