"""Another city's map is not read through the map's doors (issue 28 item 3): OGC items and features, vector
tiles, the dig check, the asset search and the export stop at the edges of the cities a staff member works in."""

import shapely
from django.contrib.gis.geos import GEOSGeometry

from panjereh.citymap import crs as crsmod
from panjereh.citymap.models import Feature, Layer, Parcel
from panjereh.citymap.tiles import lonlat_to_tile
from tests.citymap.test_spatial import trench_lonlat


def _a_water_main():
    layer = Layer.objects.get(code="water-mains")
    return layer, Feature.objects.filter(version_id=layer.current_version_id).order_by("id").first()


def test_ogc_items_and_features_stop_at_the_cities_a_user_works_in(province, client_for):
    layer, main = _a_water_main()
    ahvaz = client_for("reviewer.municipality").get("/ogc/collections/water-mains/items", {"limit": 5}).json()
    dezful = client_for("dezful.reviewer").get("/ogc/collections/water-mains/items", {"limit": 5}).json()
    both = client_for("reviewer.water").get("/ogc/collections/water-mains/items", {"limit": 5}).json()
    assert ahvaz["numberMatched"] > 0 and ahvaz["numberMatched"] == both["numberMatched"]
    assert dezful["numberMatched"] == 0 and dezful["features"] == []
    box = {"bbox": "48.45,31.10,48.90,31.55", "limit": 5}
    assert client_for("dezful.reviewer").get("/ogc/collections/water-mains/items", box).json()["numberMatched"] == 0
    assert client_for("dezful.reviewer").get(f"/ogc/collections/water-mains/items/{main.pk}").status_code == 404
    assert client_for("reviewer.municipality").get(f"/ogc/collections/water-mains/items/{main.pk}").status_code == 200
    # the parcels collection: Dezful's one parcel for Dezful's staff, none of Ahvaz's
    parcels = client_for("dezful.reviewer").get("/ogc/collections/parcels/items", {"limit": 5}).json()
    assert {f["id"] for f in parcels["features"]} <= {province["dezful_parcel"].pk}


def test_a_tile_of_another_city_is_empty(province, client_for):
    layer, main = _a_water_main()
    lon, lat = shapely.get_coordinates(crsmod.to_crs84(shapely.from_wkb(bytes(main.geom.wkb))))[0]
    z, (x, y) = 16, lonlat_to_tile(lon, lat, 16)
    url = f"/tiles/water-mains/{z}/{x}/{y}.mvt"
    assert len(client_for("reviewer.municipality").get(url).content) > 0
    assert client_for("dezful.reviewer").get(url).content == b""


def test_the_dig_check_and_the_asset_search_stop_at_the_city(province, client_for):
    parcel = Parcel.objects.exclude(pk=province["dezful_parcel"].pk).order_by("id")[20]
    trench = {"geometry": trench_lonlat(parcel), "buffer_m": 4}
    assert client_for("reviewer.municipality").post("/api/v1/dig-check/", trench, format="json").status_code == 200
    refused = client_for("dezful.reviewer").post("/api/v1/dig-check/", trench, format="json")
    assert refused.status_code == 400 and "geometry" in str(refused.json())
    layer, main = _a_water_main()
    found = client_for("reviewer.municipality").get("/api/v1/assets/", {"q": main.ext_id}).json()
    assert found["numberReturned"] >= 1
    assert client_for("dezful.reviewer").get("/api/v1/assets/", {"q": main.ext_id}).json()["numberReturned"] == 0


def test_a_layer_reaching_beyond_the_users_cities_is_not_exported_whole(province, client_for):
    assert client_for("reviewer.municipality").get("/api/v1/layers/water-mains/export/").status_code == 200
    assert client_for("dezful.reviewer").get("/api/v1/layers/water-mains/export/").status_code == 403
    assert client_for("reviewer.water").get("/api/v1/layers/water-mains/export/").status_code == 200


def test_an_import_into_the_second_city_is_inside_the_deployment(province):
    """The deployment's extent is the box around its cities: a feature at Dezful is inside it now."""
    assert crsmod.inside_city((48.40, 32.38, 48.40, 32.38))[0]
    assert not crsmod.inside_city((51.4, 35.7, 51.4, 35.7))[0]  # Tehran is not this province's
