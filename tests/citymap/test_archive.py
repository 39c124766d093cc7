"""Archiving old layer versions: the live table keeps only recent versions, nothing is lost, rollback and
export still reach every version."""

from io import StringIO

import pytest
import shapely
from django.core.management import CommandError, call_command

from panjereh.citymap import archive
from panjereh.citymap.exporting import export_layer
from panjereh.citymap.models import Feature, FeatureArchive, Layer
from panjereh.citymap.services import dig_check, import_layer, parse_dig_area, rollback_layer

from .files import LAT, LON, water_features, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(city, tmp_path):
    """water-mains with four more versions (2–5), each a few lines shifted east: a different answer each."""
    layer = Layer.objects.get(code="water-mains")
    for n in range(4):
        features = water_features(n + 2, dx=0.0003 * (n + 1))
        import_layer(layer=layer, path=write_geojson(tmp_path / f"v{n}.geojson", features),
                     original_name=f"v{n}.geojson")
    layer.refresh_from_db()
    return layer


def snapshot(version):
    return sorted((f.pk, f.ext_id, f.depth_m, f.geom.wkb.hex()) for f in archive.features_of(version))


def test_old_versions_leave_the_live_table_and_nothing_is_lost(versions):
    layer = versions
    assert layer.current_version.number == 5
    before = {v.number: snapshot(v) for v in layer.versions.all()}
    out = StringIO()
    call_command("archiveversions", "water-mains", "--keep", "2", stdout=out)
    archived = {v.number for v in layer.versions.exclude(archived_at=None)}
    assert archived == {1, 2, 3}  # 4 and 5 (current) stay live
    live_versions = set(Feature.objects.filter(layer=layer).values_list("version__number", flat=True))
    assert live_versions == {4, 5}
    assert set(FeatureArchive.objects.filter(layer=layer).values_list("version__number", flat=True)) == {1, 2, 3}
    # every version's features are still there, ids, attributes and geometry unchanged
    assert {v.number: snapshot(v) for v in layer.versions.all()} == before
    assert "v1:" in out.getvalue() and "feature(s) archived" in out.getvalue()
    # running it again moves nothing
    again = StringIO()
    call_command("archiveversions", "water-mains", "--keep", "2", stdout=again)
    assert again.getvalue().strip() == "0 feature(s) archived"


def test_rollback_to_an_archived_version_brings_it_back(versions):
    layer = versions
    archive.archive_layer(layer, keep=1)
    v2 = layer.versions.get(number=2)
    assert v2.archived_at is not None
    expected = snapshot(v2)
    # the dig check over version 2's lines, before (version 5 current) and after the rollback
    area = parse_dig_area({"type": "Point", "coordinates": [LON + 0.0003, LAT]}, 15)
    rollback_layer(layer=layer, version_number=2)
    v2.refresh_from_db()
    assert v2.archived_at is None and snapshot(v2) == expected
    assert not FeatureArchive.objects.filter(version=v2).exists()
    water = {a["ext_id"] for g in dig_check(area)["agencies"] if g["agency"] == "water" for a in g["assets"]}
    assert {"T-0"} <= water
    # and version 5, no longer current but among the newest, stays live until the next run archives it
    assert Feature.objects.filter(version__number=5, layer=layer).exists()


def test_export_reads_an_archived_version(versions, tmp_path):
    layer = versions
    archive.archive_layer(layer, keep=1)
    v3 = layer.versions.get(number=3)
    path = export_layer(layer, "geojson", version=v3, directory=str(tmp_path))
    import json

    with open(path, encoding="utf-8") as fh:
        exported = json.load(fh)["features"]
    assert len(exported) == v3.feature_count == FeatureArchive.objects.filter(version=v3).count()
    assert {f["properties"]["ext_id"] for f in exported} == set(
        FeatureArchive.objects.filter(version=v3).values_list("ext_id", flat=True))
    assert shapely.geometry.shape(exported[0]["geometry"]).length > 0


def test_a_pinned_version_stays_live(versions, client_for):
    """An incident points into version 1 (crisis pins it, as its service does: issue 27 item 6 — the map keeps
    the pins and no longer asks crisis); the archive leaves that version live, and archives it once unpinned."""
    from panjereh.citymap.services import pin_version, unpin_version
    from panjereh.crisis.models import Incident

    layer = versions
    v1_feature = Feature.objects.filter(layer=layer, version__number=1).first()
    incident = Incident.objects.create(kind="water_burst", location=v1_feature.geom.centroid, feature=v1_feature)
    pin_version(v1_feature.version_id, f"incident:{incident.pk}")
    archive.archive_layer(layer, keep=1)
    assert layer.versions.get(number=1).archived_at is None
    assert Feature.objects.filter(pk=v1_feature.pk).exists()
    assert layer.versions.get(number=2).archived_at is not None
    Incident.objects.filter(pk=incident.pk).update(feature=None)
    unpin_version(v1_feature.version_id, f"incident:{incident.pk}")
    archive.archive_layer(layer, keep=1)
    assert layer.versions.get(number=1).archived_at is not None


def test_an_incident_on_an_asset_pins_its_version(city):
    from panjereh.citymap.models import VersionPin
    from panjereh.crisis.services import report_incident

    main = Feature.objects.current().filter(kind="water_main").order_by("id")[40]
    incident = report_incident(actor=None, kind="water_burst", feature_id=main.pk)
    assert VersionPin.objects.filter(version_id=main.version_id, holder=f"incident:{incident.pk}").exists()


def test_bad_arguments_are_named(city):
    for args, message in ((["--keep", "0"], "keep at least 1"), (["nope", "water-mains"], "no such layer")):
        with pytest.raises(CommandError, match=message):
            call_command("archiveversions", *args, stdout=StringIO())
    with pytest.raises(ValueError, match="at least 1"):
        archive.archive_layer(Layer.objects.get(code="water-mains"), keep=0)


def test_versions_api_says_which_are_archived(versions, client_for):
    archive.archive_layer(versions, keep=2)
    body = client_for("gis.water").get("/api/v1/layers/water-mains/versions/").json()
    flags = {v["number"]: v["archived"] for v in body["versions"]}
    assert flags == {5: False, 4: False, 3: True, 2: True, 1: True}


def test_the_database_refuses_to_delete_a_version_whose_features_are_live(versions):
    """PostgreSQL does not check the feature rows' version key row by row (it made imports slow); a trigger
    keeps what it guarded: a version with live features cannot be deleted, even by SQL that bypasses Django.
    (SQLite keeps the key itself, checked here as its commit would.)"""
    from django.db import DatabaseError, connection, transaction

    version = versions.current_version
    assert Feature.objects.filter(version=version).exists()
    with pytest.raises(DatabaseError, match="still has features|invalid foreign key"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM citymap_layerversion WHERE id = %s", [version.pk])
            connection.check_constraints(table_names=["citymap_feature"])
    assert Feature.objects.filter(version=version).count() == version.feature_count
    # a version whose features went first (Django's own cascade, the demo city's rebuild) may go
    archived = layer_version = versions.versions.get(number=1)
    Feature.objects.filter(version=layer_version).delete()
    FeatureArchive.objects.filter(version=layer_version).delete()
    archived.delete()
    assert not versions.versions.filter(number=1).exists()
