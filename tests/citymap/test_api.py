"""The REST API of the shared map, through HTTP (Django's test client), with real tokens."""

import json

import pytest
import shapely

from panjereh.citymap.models import Feature, Layer, LayerVersion, Parcel
from tests.citymap.files import water_features, write_geojson
from tests.citymap.test_spatial import trench_lonlat

pytestmark = pytest.mark.django_db


def test_token_auth(client_for):
    client = client_for()
    bad = client.post("/api/v1/auth/token/", {"username": "gis.water", "password": "wrong"}, format="json")
    assert bad.status_code == 401 and "password" in bad.json()["error"]["details"]
    ok = client.post("/api/v1/auth/token/", {"username": "gis.water", "password": "demo-only-1405"}, format="json")
    assert ok.status_code == 200 and len(ok.json()["token"]) >= 40 and ok.json()["expires_at"]


def test_parcels_need_sign_in(client_for, city):
    assert client_for().get("/api/v1/parcels/").status_code == 401


def test_parcel_search_by_plate_and_postal_code_in_any_digits(client_for, city):
    client = client_for("operator1")
    parcel = Parcel.objects.order_by("id")[5]
    fa_plate = f"{parcel.plate_main}/{parcel.plate_sub}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    body = client.get("/api/v1/parcels/", {"q": fa_plate}).json()
    assert [f["id"] for f in body["features"]] == [parcel.pk]
    props = body["features"][0]["properties"]
    assert props["plate_main"] == parcel.plate_main and props["land_use"] == parcel.land_use
    lon, lat = body["features"][0]["geometry"]["coordinates"][0][0]
    assert 48.4 < lon < 48.9 and 31.1 < lat < 31.5  # CRS84: longitude first
    by_postal = client.get("/api/v1/parcels/", {"q": parcel.postal_code}).json()
    assert [f["id"] for f in by_postal["features"]] == [parcel.pk]
    full = client.get("/api/v1/parcels/", {"q": f"{parcel.registry_district}/{parcel.plate_main}/{parcel.plate_sub}"})
    assert full.json()["numberMatched"] == 1


def test_parcels_bbox_and_paging(client_for, city):
    client = client_for("operator1")
    parcel = Parcel.objects.order_by("id")[10]
    geom = shapely.from_wkb(bytes(parcel.geom.wkb))
    from panjereh.citymap import crs as crsmod
    bbox = crsmod.to_crs84(geom.buffer(30)).bounds
    body = client.get("/api/v1/parcels/", {"bbox": ",".join(map(str, bbox)), "limit": 2}).json()
    assert body["numberMatched"] >= 3 and body["numberReturned"] == 2
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    page2 = client.get(nxt).json()
    assert {f["id"] for f in page2["features"]}.isdisjoint({f["id"] for f in body["features"]})


@pytest.mark.parametrize("params,field", [({"q": "abc"}, "q"), ({"bbox": "1,2,3"}, "bbox"),
                                          ({"bbox": "48.7,31.3,48.6,31.4"}, "bbox"), ({"bbox": "a,b,c,d"}, "bbox"),
                                          ({"limit": "0"}, "limit"), ({"limit": "x"}, "limit")])
def test_parcel_search_bad_input_names_the_field(client_for, city, params, field):
    response = client_for("operator1").get("/api/v1/parcels/", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_parcel_detail_and_feasibility(client_for, city):
    client = client_for("reviewer.gas")
    parcel = Parcel.objects.first()
    detail = client.get(f"/api/v1/parcels/{parcel.pk}/")
    assert detail.status_code == 200 and detail.json()["properties"]["region"] == parcel.region
    feas = client.get(f"/api/v1/parcels/{parcel.pk}/feasibility/").json()
    assert {s["service"] for s in feas["services"]} == {"water", "sewer", "power", "gas", "telecom"}
    assert client.get("/api/v1/parcels/999999999/").status_code == 404


def test_dig_check_over_http(client_for, city):
    parcel = Parcel.objects.order_by("id")[20]
    response = client_for("reviewer.power").post("/api/v1/dig-check/", {"geometry": trench_lonlat(parcel),
                                                                         "buffer_m": 4}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] > 0 and all("assets" in g for g in body["agencies"])
    bad = client_for("reviewer.power").post("/api/v1/dig-check/", {"geometry": trench_lonlat(parcel),
                                                                    "buffer_m": 1000}, format="json")
    assert bad.status_code == 400 and "buffer_m" in bad.json()["error"]["details"]
    missing = client_for("reviewer.power").post("/api/v1/dig-check/", {"buffer_m": 3}, format="json")
    assert missing.status_code == 400 and "geometry" in missing.json()["error"]["details"]


def test_layer_list_follows_visibility(client_for, city):
    public = {layer["code"] for layer in client_for().get("/api/v1/layers/").json()["layers"]}
    assert public == {"streets"}
    staff = {layer["code"] for layer in client_for("reviewer.gas").get("/api/v1/layers/").json()["layers"]}
    assert {"water-mains", "gas-mains", "parcels"} <= staff
    Layer.objects.filter(code="gas-mains").update(visibility="agency")
    assert "gas-mains" not in {x["code"] for x in client_for("reviewer.water").get("/api/v1/layers/").json()["layers"]}
    assert client_for("reviewer.water").get("/api/v1/layers/gas-mains/").status_code == 404
    assert client_for("reviewer.gas").get("/api/v1/layers/gas-mains/").status_code == 200
    assert client_for("coordinator").get("/api/v1/layers/gas-mains/versions/").status_code == 200


def _state(code):
    layer = Layer.objects.get(code=code)
    return (layer.current_version_id, LayerVersion.objects.filter(layer=layer).count(),
            Feature.objects.filter(layer=layer).count())


@pytest.mark.parametrize("username,status", [("gis.water", 201), ("gis.gas", 403), ("reviewer.water", 403),
                                             ("coordinator", 403), (None, 401)])
def test_only_the_owning_agencys_gis_staff_upload(client_for, city, tmp_path, username, status):
    before = _state("water-mains")
    path = write_geojson(tmp_path / "m.geojson", water_features(2))
    with open(path, "rb") as fh:
        response = client_for(username).post("/api/v1/layers/water-mains/upload/", {"file": fh}, format="multipart")
    assert response.status_code == status
    if status != 201:
        assert _state("water-mains") == before
    else:
        assert response.json()["feature_count"] == 2 and response.json()["is_current"]


def test_upload_errors_are_listed_and_nothing_changes(client_for, city, tmp_path):
    before = _state("water-mains")
    features = water_features(3)
    features[2]["properties"]["kind"] = "lava_pipe"
    path = write_geojson(tmp_path / "m.geojson", features)
    with open(path, "rb") as fh:
        response = client_for("gis.water").post("/api/v1/layers/water-mains/upload/", {"file": fh},
                                                format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "import_rejected" and "nothing changed" in error["message"]
    assert any("feature 3 (id T-2)" in e and "lava_pipe" in e for e in error["details"]["file"])
    assert _state("water-mains") == before


def test_upload_with_stale_base_version_conflicts(client_for, city, tmp_path):
    path = write_geojson(tmp_path / "m.geojson", water_features(1))
    with open(path, "rb") as fh:
        response = client_for("gis.water").post("/api/v1/layers/water-mains/upload/",
                                                {"file": fh, "base_version": 0}, format="multipart")
    assert response.status_code == 409


def test_versions_and_rollback_over_http(client_for, city, tmp_path):
    client = client_for("gis.water")
    path = write_geojson(tmp_path / "m.geojson", water_features(2))
    with open(path, "rb") as fh:
        assert client.post("/api/v1/layers/water-mains/upload/", {"file": fh}, format="multipart").status_code == 201
    versions = client.get("/api/v1/layers/water-mains/versions/").json()["versions"]
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["is_current"]
    assert client_for("gis.gas").post("/api/v1/layers/water-mains/rollback/", {"version": 1},
                                      format="json").status_code == 403
    response = client.post("/api/v1/layers/water-mains/rollback/", {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["number"] == 1
    assert client.post("/api/v1/layers/water-mains/rollback/", {"version": 9}, format="json").status_code == 409
    assert client.post("/api/v1/layers/water-mains/rollback/", {"version": "x"}, format="json").status_code == 400


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shapefile-zip"])
def test_export_round_trips_through_import(client_for, city, tmp_path, fmt):
    client = client_for("gis.water")
    response = client.get("/api/v1/layers/water-nodes/export/", {"format": fmt})
    assert response.status_code == 200
    name = response["Content-Disposition"].split("filename=")[1].strip('"')
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    layer = Layer.objects.get(code="water-nodes")
    before = layer.current_version
    with open(path, "rb") as fh:
        upload = client.post("/api/v1/layers/water-nodes/upload/", {"file": fh}, format="multipart")
    assert upload.status_code == 201, upload.json()
    new = Feature.objects.current().filter(layer=layer)
    old = {f.ext_id: f for f in Feature.objects.filter(version=before)}
    assert new.count() == len(old)
    for f in new[:50]:
        o = old[f.ext_id]
        assert (f.kind, f.diameter_mm, f.depth_m, f.install_year) == (o.kind, o.diameter_mm, o.depth_m, o.install_year)
        assert f.geom.distance(o.geom) < 0.01


def test_export_bad_format(client_for, city):
    response = client_for("gis.water").get("/api/v1/layers/water-nodes/export/", {"format": "kml"})
    assert response.status_code == 400 and "format" in response.json()["error"]["details"]


def test_schema_endpoint_and_docs(client_for):
    schema = client_for().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in ("/api/v1/parcels/", "/api/v1/parcels/{id}/feasibility/", "/api/v1/dig-check/",
                 "/api/v1/layers/{code}/upload/", "/api/v1/layers/{code}/rollback/"):
        assert path in paths
    assert client_for().get("/api/v1/docs/").status_code == 200


def test_asset_search_by_agency_id(client_for, city):
    from panjereh.citymap.models import Feature, Layer

    valve = Feature.objects.current().filter(layer__code="water-nodes", kind="valve").order_by("id")[2]
    gis = client_for("gis.power")
    body = gis.get("/api/v1/assets/", {"q": f" {valve.ext_id.lower()} "}).json()
    assert body["features"][0]["id"] == valve.pk  # exact match first, any case
    assert body["features"][0]["properties"]["layer"] == "water-nodes"
    prefix = valve.ext_id[:-1]
    ids = [f["properties"]["ext_id"] for f in gis.get("/api/v1/assets/", {"q": prefix}).json()["features"]]
    assert ids and all(i.upper().startswith(prefix.upper()) for i in ids) and len(ids) <= 20
    # only current versions of layers the user may see
    Layer.objects.filter(code="water-nodes").update(visibility="agency")
    assert gis.get("/api/v1/assets/", {"q": valve.ext_id}).json()["features"] == []
    assert client_for("reviewer.water").get("/api/v1/assets/", {"q": valve.ext_id}).json()["numberReturned"] >= 1
    assert client_for().get("/api/v1/assets/", {"q": valve.ext_id}).status_code in (401, 403)
    # bad input names the field
    for q in ("", "x" * 65):
        r = gis.get("/api/v1/assets/", {"q": q})
        assert r.status_code == 400 and "q" in r.json()["error"]["details"]
