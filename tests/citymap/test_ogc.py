"""OGC API – Features: the JSON contract, and GDAL's own OAPIF client reading every collection."""

import os
import re
import shutil
import subprocess

import pytest
import shapely

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer, Parcel


@pytest.mark.django_db
def test_landing_conformance_collections(client_for, city):
    client = client_for("reviewer.water")
    landing = client.get("/ogc/").json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "conformance", "data", "service-desc"}
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    collections = client.get("/ogc/collections").json()["collections"]
    ids = {c["id"] for c in collections}
    assert {"parcels", "streets", "water-mains", "gas-mains", "power-nodes"} <= ids
    water = next(c for c in collections if c["id"] == "water-mains")
    west, south, east, north = water["extent"]["spatial"]["bbox"][0]
    assert 48.4 < west < east < 48.9 and 31.1 < south < north < 31.6


@pytest.mark.django_db
def test_items_paging_follows_next_links_to_every_feature(client_for, city):
    client = client_for("reviewer.water")
    expected = set(Feature.objects.current().filter(layer__code="water-nodes").values_list("id", flat=True))
    seen, url, pages = [], "/ogc/collections/water-nodes/items?limit=100", 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == len(expected)
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert pages == -(-len(expected) // 100)


@pytest.mark.django_db
def test_items_bbox_and_single_item(client_for, city):
    client = client_for("reviewer.water")
    parcel = Parcel.objects.order_by("id")[30]
    box = crsmod.to_crs84(shapely.from_wkb(bytes(parcel.geom.wkb)).buffer(40)).bounds
    body = client.get("/ogc/collections/water-mains/items", {"bbox": ",".join(map(str, box))}).json()
    assert 0 < body["numberReturned"] == body["numberMatched"]
    area = shapely.box(*box)
    for feature in body["features"]:
        assert shapely.geometry.shape(feature["geometry"]).intersects(area.buffer(1e-6))
    fid = body["features"][0]["id"]
    item = client.get(f"/ogc/collections/water-mains/items/{fid}")
    assert item.status_code == 200 and item.json()["properties"]["kind"] == "water_main"
    assert client.get(f"/ogc/collections/gas-mains/items/{fid}").status_code == 404
    parcels = client.get("/ogc/collections/parcels/items", {"bbox": ",".join(map(str, box))}).json()
    assert parcel.pk in {f["id"] for f in parcels["features"]}


@pytest.mark.django_db
def test_bbox_selects_what_the_box_intersects_not_what_its_bounding_box_overlaps(client_for, city):
    """OGC API – Features Part 1 (/req/core/fc-bbox-response): the items in a bbox are those whose geometry
    intersects it. Before the fix 26 of 200 boxes returned lots the box does not touch (bounding boxes only)."""
    import random

    from django.contrib.gis.geos import GEOSGeometry

    client = client_for("reviewer.water")
    rng = random.Random(29)
    parcels = list(Parcel.objects.order_by("id").values_list("id", flat=True))
    water = Layer.objects.get(code="water-mains")
    discriminating = 0
    for _ in range(40):
        centre = shapely.from_wkb(bytes(Parcel.objects.get(pk=rng.choice(parcels)).geom.wkb)).centroid
        half = rng.uniform(8, 60)
        box = crsmod.to_crs84(shapely.box(centre.x - half, centre.y - half * 0.7, centre.x + half,
                                          centre.y + half * 0.7)).bounds
        area = GEOSGeometry(crsmod.bbox_crs84_to_storage(box).wkt, srid=crsmod.STORAGE_SRID)
        for collection, qs in (("parcels", Parcel.objects.all()),
                               ("water-mains", Feature.objects.filter(version_id=water.current_version_id))):
            expected = set(qs.filter(geom__intersects=area).values_list("id", flat=True))
            overlapping = set(qs.filter(geom__bboverlaps=area).values_list("id", flat=True))
            discriminating += overlapping != expected
            body = client.get(f"/ogc/collections/{collection}/items",
                              {"bbox": ",".join(map(str, box)), "limit": 1000}).json()
            assert {f["id"] for f in body["features"]} == expected, (collection, box)
            assert body["numberMatched"] == len(expected)
        rest = client.get("/api/v1/parcels/", {"bbox": ",".join(map(str, box)), "limit": 200}).json()
        assert {f["id"] for f in rest["features"]} == set(
            Parcel.objects.filter(geom__intersects=area).values_list("id", flat=True))
    # The boxes include ones where overlap and intersection differ, so the test can tell them apart.
    assert discriminating >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("query,message", [("limit=abc", "limit"), ("bbox=1,2", "bbox"), ("colour=red", "colour"),
                                           ("bbox-crs=EPSG:4326&bbox=48.6,31.3,48.7,31.4", "bbox-crs")])
def test_items_bad_parameters(client_for, city, query, message):
    response = client_for("reviewer.water").get(f"/ogc/collections/water-mains/items?{query}")
    assert response.status_code == 400 and message in response.json()["description"]


@pytest.mark.django_db
def test_same_permission_check_as_rest(client_for, city):
    anonymous = client_for()
    assert {c["id"] for c in anonymous.get("/ogc/collections").json()["collections"]} == {"streets"}
    assert anonymous.get("/ogc/collections/water-mains/items").status_code == 404
    Layer.objects.filter(code="gas-mains").update(visibility="agency")
    assert client_for("reviewer.water").get("/ogc/collections/gas-mains").status_code == 404
    assert client_for("reviewer.gas").get("/ogc/collections/gas-mains").status_code == 200


def _gdal_env(token=None):
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"}
    if token:
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Token {token}"
    return env


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is required (make test installs it)")
def test_gdal_oapif_reads_every_collection(live_server, live_city, tmp_path):
    from django.contrib.auth import get_user_model

    from panjereh.agencies.staff_tokens import issue_token

    token = issue_token(get_user_model().objects.get(username="coordinator"))
    url = f"OAPIF:{live_server.url}/ogc"
    listing = subprocess.run(["ogrinfo", "-ro", "-q", url], capture_output=True, text=True, env=_gdal_env(token),
                             timeout=300)
    assert listing.returncode == 0, listing.stderr
    codes = list(Layer.objects.values_list("code", flat=True))
    for code in codes:
        assert code in listing.stdout
    for code in codes:
        out = tmp_path / f"{code}.gpkg"
        copy = subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), url, code, "-oo", "PAGE_SIZE=1000"],
                              capture_output=True, text=True, env=_gdal_env(token), timeout=600)
        assert copy.returncode == 0, copy.stderr
        info = subprocess.run(["ogrinfo", "-ro", "-so", str(out), code], capture_output=True, text=True)
        count = int(re.search(r"Feature Count: (\d+)", info.stdout).group(1))
        if code == "parcels":
            assert count == Parcel.objects.count()
        else:
            assert count == Feature.objects.current().filter(layer__code=code).count()
    anonymous = subprocess.run(["ogrinfo", "-ro", "-q", url], capture_output=True, text=True, env=_gdal_env(),
                               timeout=120)
    assert "streets" in anonymous.stdout and "water-mains" not in anonymous.stdout
