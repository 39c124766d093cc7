"""Issue 25, item 12: a layer upload reports every problem of the file in one pass (before: one kind of error
per try, three uploads to see five errors), refuses an empty ext_id, and says it in Persian a GIS clerk reads:
Persian digits, no developer's flags, no scientific notation."""

import pytest
from django.utils import translation

from panjereh.citymap.importing import ImportRejected
from panjereh.citymap.models import Layer
from panjereh.citymap.services import import_layer
from panjereh.core.text import local_value

from .files import LAT, LON, water_features, write_geojson

pytestmark = pytest.mark.django_db


def test_five_problems_of_three_kinds_in_one_upload(city, tmp_path):
    features = water_features(6)
    features[1]["geometry"] = {"type": "Point", "coordinates": [LON, LAT]}  # a type the layer does not hold
    features[2]["geometry"]["coordinates"] = [[LON, LAT], [LON, LAT]]  # invalid: a line of one point
    features[3]["geometry"]["coordinates"] = [[52.0, 35.7], [52.001, 35.701]]  # in Tehran, not Ahvaz
    features[4]["properties"]["material"] = "chocolate"  # an unknown material
    features[5]["properties"]["id"] = ""  # no identifier
    path = write_geojson(tmp_path / "five.geojson", features)
    layer = Layer.objects.get(code="water-mains")
    before = layer.current_version_id
    with translation.override("fa"), pytest.raises(ImportRejected) as refused:
        import_layer(layer=layer, path=path, original_name="five.geojson")
    text = "\n".join(refused.value.errors)
    for number in "۲۳۴۵۶":  # features 2 to 6, each named
        assert f"عارضه {number}" in text, (number, text)
    assert "chocolate" in text and "ext_id" in text and "Point" in text
    assert "keep_geometry=" not in text and not any(c in text for c in "0123456789" if f"عارضه {c}" in text)
    layer.refresh_from_db()
    assert layer.current_version_id == before  # nothing written


def test_numbers_in_messages_read_as_a_clerk_reads_them():
    import numpy as np

    with translation.override("fa"):
        assert local_value(np.int64(5)) == "۵"  # before: "5" (numpy's integers were not numbers)
        assert local_value(3466000.25) == "۳٬۴۶۶٬۰۰۰٫۲۵"  # before: "۳٫۴۶۶e+۰۶"
        assert local_value(100000) == "۱۰۰٬۰۰۰"
    with translation.override("en"):
        assert local_value(3466000.25) == "3,466,000.25"


def test_a_text_longer_than_its_column_is_refused_on_both_databases(city, tmp_path):
    """Issue 26, real data: a 27-character pressure class was a StringDataRightTruncation traceback on PostGIS
    and accepted whole on SpatiaLite; an ext_id was cut at 64 characters without a word."""
    features = water_features(2)
    features[0]["properties"]["pressure_class"] = "PN16 / class K9 / lined 1998"  # 28 characters
    features[1]["properties"]["id"] = "W-" + "7" * 70
    path = write_geojson(tmp_path / "long.geojson", features)
    layer = Layer.objects.get(code="water-mains")
    with translation.override("en"), pytest.raises(ImportRejected) as refused:
        import_layer(layer=layer, path=path, original_name="long.geojson")
    text = "\n".join(refused.value.errors)
    assert "pressure_class is 28 characters long; at most 24" in text
    assert "ext_id is 72 characters long; at most 64" in text


def test_a_pipe_in_a_gas_layer_is_a_gas_main(city, tmp_path):
    """Issue 26, real data: "pipe" in a gas layer was read as a water main (a common alias of the water
    vocabulary), and refused as a kind the gas layer does not hold."""
    from panjereh.citymap.models import Feature

    features = water_features(2, kind="pipe")
    for f in features:
        f["properties"]["material"] = "steel"
    path = write_geojson(tmp_path / "gas.geojson", features)
    layer = Layer.objects.get(code="gas-mains")
    version = import_layer(layer=layer, path=path, original_name="gas.geojson")
    assert set(Feature.objects.filter(version=version).values_list("kind", flat=True)) == {"gas_main"}
    water = import_layer(layer=Layer.objects.get(code="water-mains"), path=path, original_name="water.geojson")
    assert set(Feature.objects.filter(version=water).values_list("kind", flat=True)) == {"water_main"}


def test_movecrs_lists_only_panjerehs_own_geometry_columns(db):
    """Issue 26, real data: `movecrs --dry-run` on SpatiaLite listed SpatiaLite's own iso_metadata table."""
    from django.db import connection

    from panjereh.citymap.management.commands.movecrs import geometry_columns

    ours = set(connection.introspection.django_table_names(only_existing=True))
    listed = [row[0] for row in geometry_columns()]
    assert listed and set(listed) <= ours and "citymap_parcel" in listed
    assert not any(name.startswith(("iso_", "spatial_ref", "sql_")) for name in listed)


def test_the_outside_message_names_a_point_that_is_outside(city, tmp_path):
    """Issue 26, real data: a line starting in the city and ending far away was reported "outside the city's
    extent … at" its first point, which is inside."""
    features = water_features(1)
    features[0]["geometry"]["coordinates"] = [[LON, LAT], [LON + 2.5, LAT]]  # 2.5 degrees east: outside
    path = write_geojson(tmp_path / "far.geojson", features)
    with translation.override("en"), pytest.raises(ImportRejected) as refused:
        import_layer(layer=Layer.objects.get(code="water-mains"), path=path, original_name="far.geojson")
    text = " ".join(refused.value.errors)
    assert f"at {round(LON + 2.5, 5)}" in text.replace(",", "") and f"at {LON}," not in text
