"""GeoJSON features written by PostGIS: each feature of an OGC items page as JSON text from one statement.

Why: on PostgreSQL the OGC items page was built in Python — model objects, their geometries parsed, transformed
and written again as JSON — and that was most of the request (1.5–1.7× tipg, which lets PostGIS write the
geometry). Here PostGIS transforms the geometry to CRS84, writes it (``ST_AsGeoJSON``, 8 decimals: about a
millimetre, as :mod:`panjereh.citymap.geojson` rounds; exterior rings counterclockwise, as RFC 7946 asks) and
builds each feature's JSON with the same properties as :func:`panjereh.citymap.geojson.parcel_properties` /
``feature_properties``; Python only joins the texts.
``tests/citymap/test_geojson_sql.py`` holds the two writers to the same answer. SpatiaLite keeps the Python
writer (no JSON functions to build a feature with)."""

from django.db import connection

from panjereh.citymap import spatial_sql
from panjereh.citymap import queries
from panjereh.citymap.queries import FEATURE_TABLE

DECIMALS = 8

_PARCEL_PROPERTIES = (
    "json_build_object('registry_district', p.registry_district, 'plate_main', p.plate_main, "
    "'plate_sub', p.plate_sub, 'plate', p.plate_main || '/' || p.plate_sub, 'postal_code', p.postal_code, "
    "'land_use', p.land_use, 'max_floors', p.max_floors, 'max_density', p.max_density, 'area_m2', p.area_m2, "
    "'region', p.region, 'regional_value', p.regional_value)")

# feature_properties: layer, agency and id; the typed columns when the feature has a kind; its own attributes
# last, which win over a typed column of the same name (as dict.update does there).
_FEATURE_PROPERTIES = (
    "jsonb_build_object('layer', l.code, 'agency', a.code, 'ext_id', f.ext_id) "
    "|| CASE WHEN COALESCE(f.kind, '') <> '' THEN jsonb_build_object('kind', f.kind, 'status', f.status, "
    "'diameter_mm', f.diameter_mm, 'material', f.material, 'depth_m', f.depth_m, "
    "'pressure_class', f.pressure_class, 'voltage_kv', f.voltage_kv, 'install_year', f.install_year, "
    "'capacity_kva', f.capacity_kva, 'load_kva', f.load_kva) ELSE '{}'::jsonb END "
    "|| CASE WHEN jsonb_typeof(f.attrs) = 'object' THEN f.attrs ELSE '{}'::jsonb END")


def _feature_json(alias: str, properties: str) -> str:
    return (f"json_build_object('type', 'Feature', 'id', {alias}.id, 'geometry', "
            f"ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform({alias}.geom, 4326)), {DECIMALS})::json, "
            f"'properties', {properties})::text")


def _page(sql: str, params: list) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def parcels_page(area, *, after: int, limit: int) -> list[tuple[int, str]]:
    """[(id, feature JSON text), …] of the parcels above ``after`` (by id), ``limit`` of them, meeting ``area``
    (a storage-CRS shapely geometry) when it is given."""
    where, params = "", []
    if area is not None:
        where = f"AND {spatial_sql.intersects_filter('citymap_parcel', 'p')}"
        params = queries.area_params(area)
    return _page(f"SELECT p.id, {_feature_json('p', _PARCEL_PROPERTIES)} FROM citymap_parcel p "
                 f"WHERE p.id > %s {where} ORDER BY p.id LIMIT %s", [after, *params, limit])


def features_page(version_id: int, area, *, after: int, limit: int) -> list[tuple[int, str]]:
    """The same for one layer version's features."""
    where, params = "", []
    if area is not None:
        where = f"AND {spatial_sql.intersects_filter(FEATURE_TABLE, 'f')}"
        params = queries.area_params(area)
    return _page(f"SELECT f.id, {_feature_json('f', _FEATURE_PROPERTIES)} FROM {FEATURE_TABLE} f "
                 f"JOIN citymap_layer l ON l.id = f.layer_id JOIN agencies_agency a ON a.id = f.agency_id "
                 f"WHERE f.version_id = %s AND f.id > %s {where} ORDER BY f.id LIMIT %s",
                 [version_id or 0, after, *params, limit])
