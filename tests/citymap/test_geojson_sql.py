"""On PostGIS the OGC items page is written by the database (citymap.geojson_sql): the same features, properties
and geometries (to the 8th decimal of a degree, about a millimetre) as the Python writer (citymap.geojson)."""

import random

import pytest
import shapely
from django.db import connection

from panjereh.citymap import crs as crsmod
from panjereh.citymap import geojson
from panjereh.citymap.models import Feature, Layer, Parcel

pytestmark = pytest.mark.django_db


def _same_shape(a: dict, b: dict, tolerance=2e-8) -> bool:
    """Two GeoJSON geometries with the same vertices to ``tolerance`` (a ring may start at another vertex)."""
    one, other = shapely.geometry.shape(a), shapely.geometry.shape(b)
    return shapely.equals_exact(shapely.normalize(one), shapely.normalize(other), tolerance=tolerance)


def _counterclockwise(geometry: dict) -> bool:
    """RFC 7946 §3.1.6: every exterior ring counterclockwise."""
    shape = shapely.geometry.shape(geometry)
    polygons = getattr(shape, "geoms", [shape])
    return all(p.exterior.is_ccw for p in polygons if p.geom_type == "Polygon")


@pytest.mark.parametrize("collection", ["parcels", "water-mains", "streets", "power-nodes"])
def test_postgis_writes_the_same_features_as_python(client_for, city, collection):
    if connection.vendor != "postgresql":
        pytest.skip("SpatiaLite pages are written by Python (no JSON functions to build a feature)")
    client = client_for("coordinator")
    layer = Layer.objects.get(code=collection)
    if collection == "parcels":
        qs, props = Parcel.objects.all(), geojson.parcel_properties
    else:
        qs = Feature.objects.filter(version_id=layer.current_version_id).select_related("agency", "layer")
        props = geojson.feature_properties
    rng = random.Random(7)
    parcels = list(Parcel.objects.values_list("id", flat=True))
    compared = 0
    for _ in range(6):
        centre = shapely.from_wkb(bytes(Parcel.objects.get(pk=rng.choice(parcels)).geom.wkb)).centroid
        box = crsmod.to_crs84(shapely.box(centre.x - 150, centre.y - 150, centre.x + 150, centre.y + 150)).bounds
        body = client.get(f"/ogc/collections/{collection}/items",
                          {"bbox": ",".join(map(str, box)), "limit": 50}).json()
        ids = [f["id"] for f in body["features"]]
        assert ids == sorted(ids)
        expected = geojson.features(sorted(qs.filter(pk__in=ids), key=lambda o: o.pk), props)
        for got, want in zip(body["features"], expected, strict=True):
            assert got["id"] == want["id"] and got["type"] == "Feature"
            assert got["properties"] == want["properties"], got["id"]
            assert got["geometry"]["type"] == want["geometry"]["type"]
            assert _same_shape(got["geometry"], want["geometry"]), got["id"]
            assert _counterclockwise(got["geometry"]) and _counterclockwise(want["geometry"])
            compared += 1
    assert compared > 0
