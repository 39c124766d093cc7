"""Inputs that answered 500 (or were taken wrongly) now get a 4xx naming the field, and change nothing."""

import json

import pytest

from panjereh.citymap.models import LayerVersion
from panjereh.permits.models import Applicant, Application
from tests.citymap.files import LAT, LON, write_geojson
from tests.permits.helpers import good_parcel, request_body

pytestmark = pytest.mark.django_db


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def field_named(response, field):
    body = json.dumps(response.json(), ensure_ascii=False)
    assert field in body, body


@pytest.mark.parametrize("national_id", ["460896888²", "４６０８９６８８８２", "४६०८९६८८८२", "4608968882\u0660x"])
def test_national_ids_in_other_scripts_are_refused(client_for, city, national_id):
    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city), applicant={
        "kind": "person", "national_id": national_id, "name": "x", "mobile": "09161234567"}), format="json")
    assert r.status_code == 400
    field_named(r, "national_id")
    assert not Applicant.objects.filter(name="x").exists()


def test_persian_and_arabic_digits_are_the_same_person(client_for, city):
    for digits in ("۴۶۰۸۹۶۸۸۸۲", "٤٦٠٨٩٦٨٨٨٢"):
        r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city), applicant={
            "kind": "person", "national_id": digits, "name": "x", "mobile": "۰۹۱۶۱۲۳۴۵۶۷"}), format="json")
        assert r.status_code == 201 and r.json()["applicant"]["national_id"] == "4608968882"
    assert Applicant.objects.filter(national_id__startswith="46089").count() == 1


@pytest.mark.parametrize("mobile", ["０９１６１２３４５６７", "०९१६१२३४५६७"])
def test_mobiles_in_other_scripts_are_refused(client_for, city, mobile):
    r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city), applicant={
        "kind": "person", "national_id": "4608968882", "name": "x", "mobile": mobile}), format="json")
    assert r.status_code == 400
    field_named(r, "mobile")


@pytest.mark.parametrize("size", [{"diameter_mm": 10 ** 30}, {"diameter_mm": "２０"}, {"diameter_mm": 3}])
def test_water_sizes_out_of_range_are_refused(client_for, city, size):
    body = request_body(good_parcel(city))
    body["services"]["water"]["size"] = size
    before = Application.objects.count()
    r = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert r.status_code == 400
    field_named(r, "diameter_mm")  # the error names the size field itself, full-width digits or not
    assert Application.objects.count() == before


@pytest.mark.parametrize("gtype", [["LineString"], {"a": 1}, 7, None])
def test_dig_check_geometry_type_not_a_string(client_for, city, gtype):
    r = client_for("reviewer.water").post("/api/v1/dig-check/", {
        "geometry": {"type": gtype, "coordinates": [[LON, LAT], [LON + 0.001, LAT]]}, "buffer_m": 5}, format="json")
    assert r.status_code == 400
    field_named(r, "geometry")


@pytest.mark.parametrize("levels", [30, 1000, 100_000])
@pytest.mark.parametrize("path", ["/api/v1/dig-check/", "/api/v1/inbound/decisions/", "/api/v1/applications/"])
def test_deeply_nested_json_is_a_400(client_for, city, levels, path):
    r = client_for("operator1").generic("POST", path, deep(levels), content_type="application/json")
    assert r.status_code in {400, 401, 403}
    if r.status_code == 400:
        assert "nested" in json.dumps(r.json())


def test_deeply_nested_geojson_upload_is_refused(client_for, city, tmp_path):
    path = tmp_path / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"a": '
                    + deep(100_000) + '}, "geometry": {"type": "LineString", "coordinates": [[48.67, 31.32], '
                    '[48.671, 31.321]]}}]}')
    before = LayerVersion.objects.count()
    with open(path, "rb") as fh:
        r = client_for("gis.water").post("/api/v1/layers/water-mains/upload/", {"file": fh}, format="multipart")
    assert r.status_code == 400
    assert LayerVersion.objects.count() == before


def test_upload_of_features_all_at_one_point(client_for, city, tmp_path):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [LON, LAT]},
                 "properties": {"id": f"V-{i}", "kind": "valve", "status": "active"}} for i in range(3)]
    path = write_geojson(tmp_path / "one-point.geojson", features)
    with open(path, "rb") as fh:
        r = client_for("gis.water").post("/api/v1/layers/water-nodes/upload/", {"file": fh}, format="multipart")
    assert r.status_code == 201, r.content
    version = LayerVersion.objects.get(layer__code="water-nodes", number=r.json()["number"])
    west, south, east, north = version.bbox
    assert west < LON < east and south < LAT < north
