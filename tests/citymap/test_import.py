"""Importing layer files: every good format, versions and rollback, and every bad input refused cleanly."""

import io
import json
import os
import zipfile

import pytest
from django.core.management import CommandError, call_command

from panjereh.citymap.importing import ImportRejected
from panjereh.citymap.models import Feature, Layer, LayerVersion
from panjereh.citymap.services import LayerConflict, import_layer, rollback_layer
from panjereh.core.models import AuditRecord, OutboxEvent
from tests.citymap.files import LAT, LON, water_features, write_geojson, write_ogr, write_shapefile_zip

# The import messages are read in English here (the default language is Persian: see test_import_in_persian).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def layer(city):
    return Layer.objects.get(code="water-mains")


def snapshot(layer):
    layer.refresh_from_db()
    return (Feature.objects.filter(layer=layer).count(), LayerVersion.objects.filter(layer=layer).count(),
            layer.current_version_id, Feature.objects.current().filter(layer=layer).count(),
            AuditRecord.objects.count(), OutboxEvent.objects.count())


def rejected(layer, path, name=None, **kwargs):
    """Import a bad file; assert it is refused and nothing changed; return the messages."""
    before = snapshot(layer)
    with pytest.raises(ImportRejected) as info:
        import_layer(layer=layer, path=path, original_name=name or os.path.basename(path), **kwargs)
    assert snapshot(layer) == before
    return " | ".join(info.value.errors)


def test_geojson_import_is_a_new_current_version(layer, tmp_path):
    before_version = layer.current_version.number
    old_current = Feature.objects.current().filter(layer=layer).count()
    path = write_geojson(tmp_path / "mains.geojson", water_features(3))
    version = import_layer(layer=layer, path=path, original_name="mains.geojson")
    assert version.number == before_version + 1
    current = Feature.objects.current().filter(layer=layer)
    assert current.count() == 3
    assert set(current.values_list("ext_id", flat=True)) == {"T-0", "T-1", "T-2"}
    f = current.get(ext_id="T-0")
    assert (f.kind, f.diameter_mm, f.material, f.depth_m, f.install_year) == ("water_main", 150, "hdpe", 1.2, 2010)
    # stored in UTM 39N metres, not degrees
    assert 270000 < f.geom.coords[0][0] < 290000 and f.geom.srid == 32639
    # the old version's features are kept, not overwritten
    layer.refresh_from_db()
    assert Feature.objects.filter(layer=layer).exclude(version=layer.current_version).count() == old_current
    assert AuditRecord.objects.filter(action="layer.import").exists()
    assert OutboxEvent.objects.filter(event_type="layer.version_published", agency_code="water").exists()

    rollback_layer(layer=layer, version_number=before_version)
    assert Feature.objects.current().filter(layer=layer).count() == old_current
    layer.refresh_from_db()
    assert layer.current_version.number == before_version
    assert LayerVersion.objects.filter(layer=layer).count() == before_version + 1  # nothing deleted


def test_geopackage_in_utm_and_zipped_shapefile(layer, tmp_path):
    gpkg = write_ogr(tmp_path / "mains.gpkg", water_features(4), driver="GPKG", crs="EPSG:32639")
    v1 = import_layer(layer=layer, path=gpkg, original_name="mains.gpkg")
    assert v1.feature_count == 4 and v1.source_crs == "EPSG:32639"
    zpath = write_shapefile_zip(tmp_path, water_features(2))
    v2 = import_layer(layer=layer, path=zpath, original_name="mains.zip")
    assert v2.feature_count == 2
    a = Feature.objects.get(version=v1, ext_id="T-0").geom
    b = Feature.objects.get(version=v2, ext_id="T-0").geom
    assert a.distance(b) < 0.01  # same place whatever the format


def test_any_declared_crs_is_transformed(layer, tmp_path):
    # The same line in Web Mercator lands where the lon/lat one does.
    gpkg = write_ogr(tmp_path / "m.gpkg", water_features(1), driver="GPKG", crs="EPSG:3857")
    v = import_layer(layer=layer, path=gpkg, original_name="m.gpkg")
    ref = write_geojson(tmp_path / "m.geojson", water_features(1))
    v2 = import_layer(layer=layer, path=ref, original_name="m.geojson")
    assert Feature.objects.get(version=v).geom.distance(Feature.objects.get(version=v2).geom) < 0.01


def test_self_intersecting_polygon_refused_then_repaired_when_asked(city, tmp_path):
    streets = Layer.objects.get(code="streets")
    bow = {"type": "Feature", "properties": {"id": "B1"}, "geometry": {"type": "Polygon", "coordinates": [[
        [LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001], [LON, LAT]]]}}
    generic = Layer.objects.create(code="test-areas", name_fa="آزمون", name_en="test", agency=streets.agency,
                                   kind="generic", geometry_type="Polygon")
    path = write_geojson(tmp_path / "bow.geojson", [bow])
    message = rejected(generic, path)
    assert "feature 1 (id B1)" in message and "Self-intersection" in message and "repair" in message
    version = import_layer(layer=generic, path=path, original_name="bow.geojson", repair=True)
    assert version.repaired_count == 1
    assert Feature.objects.get(version=version).geom.valid


def test_missing_crs(layer, tmp_path):
    zpath = write_shapefile_zip(tmp_path, water_features(2), with_prj=False)
    assert "has no CRS" in rejected(layer, zpath, "net.zip")
    # declaring it makes the same file acceptable
    assert import_layer(layer=layer, path=zpath, original_name="net.zip", declared_crs="EPSG:32639").feature_count == 2


def test_outside_city_extent(layer, tmp_path):
    features = water_features(2)
    features[1]["geometry"]["coordinates"] = [[51.39, 35.69], [51.40, 35.70]]  # Tehran
    message = rejected(layer, write_geojson(tmp_path / "far.geojson", features))
    assert "feature 2 (id T-1)" in message and "outside the city's extent" in message


def test_longitude_latitude_swapped(layer, tmp_path):
    features = water_features(2)
    for f in features:
        f["geometry"]["coordinates"] = [[y, x] for x, y in f["geometry"]["coordinates"]]
    assert "swapped" in rejected(layer, write_geojson(tmp_path / "swap.geojson", features))


def test_degrees_declared_as_metres(layer, tmp_path):
    path = write_geojson(tmp_path / "deg.geojson", water_features(1), crs_name="urn:ogc:def:crs:EPSG::32639")
    assert "look like degrees" in rejected(layer, path)


def test_mixed_geometry_types_in_a_typed_layer(layer, tmp_path):
    features = water_features(2)
    features.append({"type": "Feature", "properties": {"id": "P", "kind": "water_main"},
                     "geometry": {"type": "Point", "coordinates": [LON, LAT]}})
    message = rejected(layer, write_geojson(tmp_path / "mixed.geojson", features))
    assert "feature 3 (id P): is a Point" in message and "LineString" in message


@pytest.mark.parametrize("prop,value,expected", [
    ("kind", "gas_main", "kind «gas_main» is not allowed in layer water-mains"),
    ("status", "broken", "status «broken» is unknown"),
    ("material", "unobtainium", "material «unobtainium» is unknown"),
    ("diameter_mm", "wide", "diameter_mm «wide» is not a number"),
    ("depth_m", -3, "depth_m -3 is outside"),
])
def test_unknown_attribute_values(layer, tmp_path, prop, value, expected):
    features = water_features(2)
    features[1]["properties"][prop] = value
    message = rejected(layer, write_geojson(tmp_path / "attrs.geojson", features))
    assert "feature 2 (id T-1)" in message and expected in message


def test_every_problem_is_listed_feature_by_feature(layer, tmp_path):
    """Attributes are checked field by field (as arrays), but the refusal still reads feature by feature, each
    feature's problems in the order of its fields; the good values of a column around a bad one are kept."""
    features = water_features(40)
    features[3]["properties"].update(depth_m=99, status="broken")
    features[1]["properties"].update(diameter_mm=0, material="unobtainium")
    features[20]["properties"]["kind"] = "gas_main"
    lines = rejected(layer, write_geojson(tmp_path / "many.geojson", features)).split(" | ")
    assert [line.split(":")[0] for line in lines] == [
        "feature 2 (id T-1)", "feature 2 (id T-1)", "feature 4 (id T-3)", "feature 4 (id T-3)", "feature 21 (id T-20)"]
    assert "diameter_mm 0 is outside" in lines[0] and "material «unobtainium»" in lines[1]
    assert "depth_m 99 is outside" in lines[2] and "status «broken»" in lines[3]
    features = water_features(40)
    features[5]["properties"]["install_year"] = None
    v = import_layer(layer=layer, path=write_geojson(tmp_path / "good.geojson", features), original_name="g.geojson")
    years = dict(Feature.objects.filter(version=v).values_list("ext_id", "install_year"))
    assert years["T-5"] is None and years["T-6"] == 2010 and isinstance(years["T-6"], int)


def test_import_in_persian(layer, tmp_path):
    """GIS staff read the same refusal in Persian: the feature named, the value quoted and isolated."""
    from django.utils import translation

    features = water_features(2)
    features[1]["properties"]["status"] = "broken"
    with translation.override("fa"):
        message = rejected(layer, write_geojson(tmp_path / "fa-attrs.geojson", features))
    assert "عارضه ۲ (شناسه \u2068T-1\u2069)" in message and "وضعیت «\u2068broken\u2069» شناخته نیست" in message


def test_persian_digits_in_attributes_are_accepted(layer, tmp_path):
    features = water_features(1)
    features[0]["properties"]["diameter_mm"] = "۲۰۰"
    features[0]["properties"]["kind"] = "WATER_MAIN"
    v = import_layer(layer=layer, path=write_geojson(tmp_path / "fa.geojson", features), original_name="fa.geojson")
    assert Feature.objects.get(version=v).diameter_mm == 200


def test_empty_file_and_empty_collection(layer, tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    assert "empty" in rejected(layer, str(empty))
    assert "no features" in rejected(layer, write_geojson(tmp_path / "none.geojson", []))


def test_file_not_what_its_name_says(layer, tmp_path):
    fake = tmp_path / "mains.gpkg"
    fake.write_text(json.dumps({"type": "FeatureCollection", "features": water_features(1)}))
    assert "the name says gpkg but the file is JSON text" in rejected(layer, str(fake))
    notzip = tmp_path / "mains.zip"
    notzip.write_bytes(b"%PDF-1.4 not a zip")
    assert "is a PDF document" in rejected(layer, str(notzip))
    odd = tmp_path / "mains.kml"
    odd.write_text("<kml/>")
    assert "unsupported file type" in rejected(layer, str(odd))
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    assert "not valid JSON" in rejected(layer, str(broken))


def test_file_over_size_limit(layer, tmp_path, settings):
    settings.PANJEREH_IMPORT_MAX_BYTES = 100
    path = write_geojson(tmp_path / "big.geojson", water_features(5))
    assert "over the limit" in rejected(layer, path)


@pytest.mark.parametrize("member", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp"])
def test_zip_with_paths_leaving_its_folder(layer, tmp_path, member):
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        archive.writestr(member, b"x")
        archive.writestr("net.shx", b"x")
    assert "leaves the archive's folder" in rejected(layer, str(zpath))
    assert not (tmp_path.parent / "evil.shp").exists()


def test_base_version_conflict(layer, tmp_path):
    path = write_geojson(tmp_path / "m.geojson", water_features(1))
    stale = layer.current_version.number - 1
    before = snapshot(layer)
    with pytest.raises(LayerConflict, match="is at version"):
        import_layer(layer=layer, path=path, original_name="m.geojson", base_version=stale)
    assert snapshot(layer) == before


def test_parcel_base_map_is_not_uploaded(city, tmp_path):
    parcels = Layer.objects.get(code="parcels")
    with pytest.raises(ImportRejected, match="parcel base map"):
        import_layer(layer=parcels, path=write_geojson(tmp_path / "p.geojson", water_features(1)),
                     original_name="p.geojson")


def test_importlayer_command(layer, tmp_path):
    path = write_geojson(tmp_path / "m.geojson", water_features(3))
    out = io.StringIO()
    call_command("importlayer", "water-mains", path, "--no-progress", stdout=out)
    assert "published with 3 features" in out.getvalue()
    bad = water_features(1)
    bad[0]["properties"]["kind"] = "nonsense"
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("importlayer", "water-mains", write_geojson(tmp_path / "b.geojson", bad), "--no-progress")
    with pytest.raises(CommandError, match="may not change layer water-mains"):
        call_command("importlayer", "water-mains", path, "--user", "gis.gas", "--no-progress")
    call_command("importlayer", "water-mains", "--rollback-to", "1", stdout=out)
    layer.refresh_from_db()
    assert layer.current_version.number == 1


def test_exportlayer_command_runs_and_takes_a_layer_version(city, tmp_path):
    """Before: every call failed (argparse: conflicting option string --version)."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("exportlayer", "streets", "--format", "geojson", "--layer-version", "1", "--out", str(tmp_path),
                 stdout=out)
    written = list(tmp_path.iterdir())
    assert len(written) == 1 and written[0].stat().st_size > 100


# the last: a quote, a backslash and a tab, which the JSON written into PostgreSQL's binary COPY must escape
NAMES_AS_WRITTEN = ["مقاطعة عبادان", "۱۶ آذر", "کوی ـ ملت", "کندهار ښار", "ايرنا", "زیرک‌زاده", "  دو  فاصله  ",
                    'کوچه "نو" \\ ۲\tغربی']


def test_names_are_stored_and_exported_as_written(city, tmp_path):
    """Issue 15 item 4: import rewrote text in every attribute (Arabic ة and ي, Persian digits, a tatweel used as
    a dash, Pashto letters). The stored and exported values are the file's, byte for byte; search has its keys."""
    layer = Layer.objects.get(code="streets")
    features = [{"type": "Feature", "properties": {"id": f"N-{i}", "name_fa": name, "note": name},
                 "geometry": {"type": "LineString", "coordinates": [[LON + i * 0.0005, LAT],
                                                                    [LON + i * 0.0005 + 0.0004, LAT + 0.0002]]}}
                for i, name in enumerate(NAMES_AS_WRITTEN)]
    import_layer(layer=layer, path=write_geojson(tmp_path / "names.geojson", features), original_name="names.geojson")
    stored = dict(Feature.objects.current().filter(layer=layer).values_list("ext_id", "attrs"))
    assert [stored[f"N-{i}"]["name_fa"] for i in range(len(NAMES_AS_WRITTEN))] == NAMES_AS_WRITTEN
    out = tmp_path / "out"
    out.mkdir()
    call_command("exportlayer", "streets", "--format", "geojson", "--out", str(out), stdout=io.StringIO())
    exported = json.loads(next(out.iterdir()).read_text(encoding="utf-8"))
    names = sorted(f["properties"]["name_fa"] for f in exported["features"])
    assert names == sorted(NAMES_AS_WRITTEN)


def test_real_vocabularies_overhead_lines_and_aliases(city, tmp_path):
    """Issue 15 item 3: a power layer takes overhead lines and stations as the agency names them: the common
    names (MV-OH, 20kV overhead, trafo, bus) and the agency's own (/admin/ KindAlias) map to the vocabulary."""
    from panjereh.agencies.models import Agency
    from panjereh.citymap.models import KindAlias
    from panjereh.citymap.services import create_layer

    power = Agency.objects.get(code="power")
    lines = create_layer(actor=None, code="power-lines-real", name_fa="خطوط برق", name_en="power lines",
                         agency=power, kind="network", geometry_type="LineString",
                         allowed_kinds=["mv_overhead", "lv_overhead", "mv_cable", "hv_line"])
    KindAlias.objects.create(agency=power, alias="خط ۲۰ کیلوولت", kind="mv_overhead")
    names = ["MV-OH", "20kV overhead", "lv oh", "خط ۲۰ کیلوولت", "132kV line"]
    features = [{"type": "Feature", "properties": {"id": f"L{i}", "kind": name},
                 "geometry": {"type": "LineString", "coordinates": [[LON + i * 0.0003, LAT],
                                                                    [LON + i * 0.0003 + 0.0002, LAT + 0.0002]]}}
                for i, name in enumerate(names)]
    import_layer(layer=lines, path=write_geojson(tmp_path / "lines.geojson", features), original_name="lines.geojson")
    kinds = dict(Feature.objects.current().filter(layer=lines).values_list("ext_id", "kind"))
    assert kinds == {"L0": "mv_overhead", "L1": "mv_overhead", "L2": "lv_overhead", "L3": "mv_overhead",
                     "L4": "hv_line"}
    features[0]["properties"]["kind"] = "pylon"
    with pytest.raises(ImportRejected, match="pylon"):
        import_layer(layer=lines, path=write_geojson(tmp_path / "bad.geojson", features), original_name="bad.geojson")


def _feature_triggers():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'citymap_feature'")
        return dict(cursor.fetchall())


def test_imported_features_are_in_the_spatial_index(layer, tmp_path):
    """SpatiaLite's index is written once at the end of an import (core.bulk.spatialite_index_at_end): every new
    feature's box is in it and holds the feature, the map finds them, and SpatiaLite's triggers are as it wrote
    them — after an import, and after a block that failed half way."""
    from django.db import connection, transaction

    from panjereh.citymap import queries
    from panjereh.core import bulk

    sqlite = connection.vendor == "sqlite"
    triggers = _feature_triggers() if sqlite else None
    version = import_layer(layer=layer, path=write_geojson(tmp_path / "m.geojson", water_features(40)),
                           original_name="m.geojson")
    new = {f.pk: f.geom for f in Feature.objects.filter(version=version)}
    assert len(new) == 40
    for pk, geom in list(new.items())[:5]:  # the map's own bounding-box query finds each of them
        g = bytes(geom.wkb)
        assert pk in {hit["id"] for hit in queries.dig_hits(g, geom.extent, 0.5)}
    if not sqlite:
        return
    assert _feature_triggers() == triggers
    with connection.cursor() as cursor:
        cursor.execute("SELECT pkid, xmin, xmax, ymin, ymax FROM idx_citymap_feature_geom WHERE pkid >= %s",
                       [min(new)])
        boxes = {row[0]: row[1:] for row in cursor.fetchall()}
    assert set(boxes) == set(new)
    for pk, (xmin, xmax, ymin, ymax) in boxes.items():
        gxmin, gymin, gxmax, gymax = new[pk].extent
        assert xmin <= gxmin and xmax >= gxmax and ymin <= gymin and ymax >= gymax
    # a failure inside the block: the savepoint takes the dropped triggers back with it
    with pytest.raises(RuntimeError), transaction.atomic():
        with bulk.spatialite_index_at_end("citymap_feature", "geom"):
            assert "gii_citymap_feature_geom" not in _feature_triggers()
            raise RuntimeError("half way")
    assert _feature_triggers() == triggers


def test_exportlayer_to_a_missing_folder_says_so(city, tmp_path):
    """Issue 26, real data: `exportlayer --out` to a missing folder was a traceback."""
    with pytest.raises(CommandError, match="no such folder"):
        call_command("exportlayer", "streets", "--format", "geojson", "--out", str(tmp_path / "missing"),
                     stdout=io.StringIO())
