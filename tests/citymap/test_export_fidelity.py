"""Issue 15 item 5: an export never loses data silently. A Shapefile that cannot hold a long text or JSON value
(dBASE: 254 bytes) is refused naming the field, not cut with HTTP 200; a whole-number attribute with some nulls
stays whole (103, not 103.0); a JSON value is written as JSON; a GeoJSON feature carries only its own keys."""

import json

import pyogrio
import pyogrio.raw
import pytest

from panjereh.citymap.exporting import ExportRefused, export_layer
from panjereh.citymap.models import Layer
from panjereh.citymap.services import import_layer
from tests.citymap.files import LAT, LON, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture
def layer(city, tmp_path):
    """A generic layer whose features each have their own attributes: some a long JSON value, some a storey
    count, one a field of its own."""
    layer = Layer.objects.get(code="streets")
    features = []
    for i in range(30):
        props = {"id": f"E-{i}", "name_fa": f"کوچه {i}"}
        if i % 6 == 0:
            props["survey"] = {"points": [[i, i + 0.5]] * 40, "by": "اداره نقشه‌برداری"}
        if i % 2 == 0:
            props["floors"] = 103 + i
        if i == 7:
            props["only_here"] = "تنها در این عارضه"
        features.append({"type": "Feature", "properties": props, "geometry": {
            "type": "LineString", "coordinates": [[LON + i * 0.0002, LAT], [LON + i * 0.0002 + 0.0001, LAT + 0.0001]]}})
    import_layer(layer=layer, path=write_geojson(tmp_path / "e.geojson", features), original_name="e.geojson")
    layer.refresh_from_db()
    return layer


def test_a_shapefile_that_would_cut_a_value_is_refused_naming_it(layer, client_for, tmp_path):
    with pytest.raises(ExportRefused) as refused:
        export_layer(layer, "shapefile-zip", directory=str(tmp_path))
    assert refused.value.fields == ["survey"]
    answer = client_for("gis.municipality").get("/api/v1/layers/streets/export/", {"format": "shapefile-zip"},
                                                HTTP_ACCEPT_LANGUAGE="fa")
    assert answer.status_code == 400 and answer.json()["error"]["details"]["fields"] == ["survey"]
    assert "survey" in answer.json()["error"]["message"] and "GeoPackage" in answer.json()["error"]["message"]


def test_geopackage_keeps_json_and_whole_numbers(layer, tmp_path):
    path = export_layer(layer, "gpkg", directory=str(tmp_path))
    info = pyogrio.read_info(path)
    dtypes = dict(zip(info["fields"], info["dtypes"]))
    assert dtypes["floors"] == "int64"  # whole numbers with some missing stay whole
    meta, _fids, _geoms, columns = pyogrio.raw.read(path)
    rows = {r["ext_id"]: r for r in (dict(zip(meta["fields"], values)) for values in zip(*columns))}
    assert json.loads(rows["E-6"]["survey"]) == {"points": [[6, 6.5]] * 40, "by": "اداره نقشه‌برداری"}
    assert rows["E-6"]["floors"] == 109
    assert rows["E-1"]["floors"] != rows["E-1"]["floors"]  # missing (NaN as read back), not 0


def test_geojson_features_carry_only_their_own_keys(layer, tmp_path):
    path = export_layer(layer, "geojson", directory=str(tmp_path))
    with open(path, encoding="utf-8") as handle:
        doc = json.load(handle)
    by_id = {f["properties"]["ext_id"]: f["properties"] for f in doc["features"]}
    assert set(by_id["E-1"]) == {"ext_id", "name_fa"}
    assert set(by_id["E-7"]) == {"ext_id", "name_fa", "only_here"}
    assert by_id["E-0"]["survey"]["by"] == "اداره نقشه‌برداری" and by_id["E-2"]["floors"] == 105
    assert isinstance(by_id["E-2"]["floors"], int)
