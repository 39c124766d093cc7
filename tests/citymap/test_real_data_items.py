"""Issue 26 item 5, the map's side of real data: ids stored as the agency writes them, a Shapefile export that
would lose spaces refused, "parcels" reserved, a nested attribute surviving a GeoPackage round trip."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from panjereh.agencies.models import Agency
from panjereh.citymap.exporting import ExportRefused, export_layer
from panjereh.citymap.models import Feature, Layer
from panjereh.citymap.services import import_layer

pytestmark = pytest.mark.django_db

POINT = [48.67, 31.32]


def _layer(code, kind="generic"):
    return Layer.objects.create(code=code, name_fa=code, name_en=code, kind=kind, geometry_type="Point",
                                agency=Agency.objects.get(code="water"),
                                allowed_kinds=["hydrant"] if kind == "network" else [])


def _geojson(tmp_path, name, features):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [POINT[0] + i * 1e-4, POINT[1]]},
         "properties": props} for i, props in enumerate(features)]}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_ids_are_stored_as_the_agency_writes_them(city, tmp_path):
    """Before: Persian digits in an id were rewritten to Latin ("HY-۱۲" became "HY-12"), so the map's id was
    not the one the agency's system answers to. Only the spaces around it are trimmed."""
    layer = _layer("hydrants-fa", kind="network")
    import_layer(layer=layer, path=_geojson(tmp_path, "h.geojson", [{"ext_id": "HY-۱۲", "kind": "hydrant"},
                                                                   {"ext_id": "  HY-13 ", "kind": "hydrant"}]),
                 original_name="h.geojson")
    assert sorted(Feature.objects.current().filter(layer=layer).values_list("ext_id", flat=True)) == \
        ["HY-13", "HY-۱۲"]


def test_a_shapefile_export_that_would_lose_spaces_is_refused(city, tmp_path):
    """Before: "  Naderi " was written, and read back as "Naderi". Refused, naming the field; GeoPackage keeps it."""
    layer = _layer("names-spaced")
    import_layer(layer=layer, path=_geojson(tmp_path, "n.geojson", [{"ext_id": "N-1", "label": "  Naderi "}]),
                 original_name="n.geojson")
    layer.refresh_from_db()
    with pytest.raises(ExportRefused, match="label"):
        export_layer(layer, "shapefile-zip", directory=str(tmp_path))
    with pytest.raises(CommandError, match="label"):
        call_command("exportlayer", "names-spaced", "--format", "shapefile-zip", "--out", str(tmp_path),
                     stdout=io.StringIO())
    path = export_layer(layer, "gpkg", directory=str(tmp_path))
    again = _layer("names-again")
    import_layer(layer=again, path=path, original_name="names.gpkg")
    assert Feature.objects.current().get(layer=again).attrs["label"] == "  Naderi "


def test_parcels_is_a_reserved_layer_code(city):
    """Before: `createlayer parcels --kind generic` then an import replaced what /ogc/collections/parcels/items
    serves."""
    with pytest.raises(CommandError, match="رزرو"):  # the message in the city's language
        call_command("createlayer", "parcels", "--agency", "municipality", "--kind", "generic", "--geometry",
                     "Polygon", "--name-fa", "قطعات", stdout=io.StringIO())


def test_a_nested_attribute_survives_a_geopackage_round_trip(city, tmp_path):
    """Before: exported to GeoPackage and imported again, {"meter": {"class": "B"}} came back as the text
    '{"meter": {"class": "B"}}'."""
    layer = _layer("nested-attrs")
    nested = {"class": "B", "readings": [1, 2]}
    import_layer(layer=layer, path=_geojson(tmp_path, "m.geojson", [{"ext_id": "M-1", "meter": nested}]),
                 original_name="m.geojson")
    layer.refresh_from_db()
    path = export_layer(layer, "gpkg", directory=str(tmp_path))
    again = _layer("nested-again")
    import_layer(layer=again, path=path, original_name="nested.gpkg")
    assert Feature.objects.current().get(layer=again).attrs["meter"] == nested
