"""Issue 15 item 2: a GIS administrator creates a layer (API and command, one service, one permission rule),
and a file whose geometry types are mixed can be imported one type at a time instead of only being refused."""

import io

import pytest
from django.core.management import CommandError, call_command

from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import import_layer
from tests.citymap.files import LAT, LON, write_geojson

pytestmark = pytest.mark.django_db


def test_an_agency_creates_its_layer_and_nobody_else_does(client_for, city):
    body = {"code": "power-overhead", "name_fa": "خطوط هوایی فشار متوسط", "name_en": "MV overhead lines",
            "kind": "network", "geometry_type": "LineString", "allowed_kinds": ["mv_cable"]}
    assert client_for("gis.water").post("/api/v1/layers/", {**body, "agency": "power"},
                                        format="json").status_code == 403
    assert client_for("reviewer.power").post("/api/v1/layers/", body, format="json").status_code == 403
    made = client_for("gis.power").post("/api/v1/layers/", body, format="json")
    assert made.status_code == 201, made.json()
    layer = Layer.objects.get(code="power-overhead")
    assert (layer.agency.code, layer.kind, layer.allowed_kinds, layer.visibility) == \
        ("power", "network", ["mv_cable"], "staff")
    again = client_for("gis.power").post("/api/v1/layers/", body, format="json")
    assert again.status_code == 400 and "code" in again.json()["error"]["details"]
    wrong = client_for("gis.power").post("/api/v1/layers/", {**body, "code": "power-x",
                                                            "allowed_kinds": ["transformer"]}, format="json")
    assert wrong.status_code == 400 and "allowed_kinds" in wrong.json()["error"]["details"]
    reserved = client_for("admin").post("/api/v1/layers/", {**body, "code": "works", "agency": "power"},
                                        format="json")
    assert reserved.status_code == 400 and "code" in reserved.json()["error"]["details"]
    no_agency = client_for("admin").post("/api/v1/layers/", {**body, "code": "power-y"}, format="json")
    assert no_agency.status_code == 400 and "agency" in no_agency.json()["error"]["details"]
    assert not Layer.objects.filter(code__in=["power-x", "power-y", "works"]).exists()


def test_the_command_creates_a_layer_with_the_same_checks(city):
    out = io.StringIO()
    call_command("createlayer", "county-lines", "--agency", "municipality", "--kind", "generic", "--geometry",
                 "Polygon", "--name-fa", "مرز شهرستان", "--visibility", "public", stdout=out)
    assert "county-lines: created" in out.getvalue()
    with pytest.raises(CommandError, match="allowed_kinds"):
        call_command("createlayer", "gas-x", "--agency", "gas", "--kind", "network", "--geometry", "Point",
                     "--name-fa", "گاز")


def test_a_mixed_file_is_imported_one_type_at_a_time(city, tmp_path):
    call_command("createlayer", "telecom-poles", "--agency", "telecom", "--kind", "generic", "--geometry", "Point",
                 "--name-fa", "تیرهای مخابرات", stdout=io.StringIO())
    features = [{"type": "Feature", "properties": {"id": f"P{i}"}, "geometry": {"type": "Point", "coordinates": [
        LON + i * 0.0003, LAT]}} for i in range(3)]
    features.append({"type": "Feature", "properties": {"id": "L1"}, "geometry": {"type": "LineString", "coordinates": [
        [LON, LAT + 0.0005], [LON + 0.0004, LAT + 0.0006]]}})
    path = write_geojson(tmp_path / "mixed.geojson", features)
    layer = Layer.objects.get(code="telecom-poles")
    from panjereh.citymap.importing import ImportRejected

    with pytest.raises(ImportRejected, match="چند نوع هندسه") as refused:
        import_layer(layer=layer, path=path, original_name="mixed.geojson")
    assert refused.value.keep_geometry == "Point"  # what the command line suggests, and the page's option
    assert "keep_geometry=" not in str(refused.value)  # no developer's flag in a sentence a person reads
    version = import_layer(layer=layer, path=path, original_name="mixed.geojson", keep_geometry="Point")
    assert version.feature_count == 3 and "1 features of other geometry types left out" in version.note
    assert set(Feature.objects.current().filter(layer=layer).values_list("ext_id", flat=True)) == {"P0", "P1", "P2"}


def test_an_agency_extends_the_vocabulary_with_a_kind_of_its_own(client_for, city, tmp_path):
    """Issue 15 item 3: vocabularies are data: the power company adds a 33 kV sub-transmission line kind in
    /admin/ (AssetKind), lists it in a new layer and imports features of it; another geometry is refused."""
    from panjereh.agencies.models import Agency
    from panjereh.citymap.models import AssetKind

    power = Agency.objects.get(code="power")
    body = {"code": "power-33kv", "name_fa": "خطوط ۳۳ کیلوولت", "kind": "network", "geometry_type": "LineString",
            "allowed_kinds": ["line_33kv"]}
    refused = client_for("gis.power").post("/api/v1/layers/", body, format="json")
    assert refused.status_code == 400 and "allowed_kinds" in refused.json()["error"]["details"]
    AssetKind.objects.create(code="line_33kv", geometry="LineString", agency=power, name_fa="خط ۳۳ کیلوولت",
                             name_en="33 kV line")
    assert client_for("gis.power").post("/api/v1/layers/", body, format="json").status_code == 201
    point = client_for("gis.power").post("/api/v1/layers/", {**body, "code": "power-33kv-points",
                                                            "geometry_type": "Point"}, format="json")
    assert point.status_code == 400
    features = [{"type": "Feature", "properties": {"id": "K1", "kind": "line_33kv"},
                 "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.001, LAT]]}}]
    import_layer(layer=Layer.objects.get(code="power-33kv"),
                 path=write_geojson(tmp_path / "k.geojson", features), original_name="k.geojson")
    assert Feature.objects.current().get(layer__code="power-33kv").kind == "line_33kv"
