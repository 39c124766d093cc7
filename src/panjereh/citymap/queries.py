"""Spatial reads over the current features, written once for both databases.

Each query narrows the candidates with the spatial index (see
:mod:`panjereh.citymap.spatial_sql`) and then measures exact distances with
``ST_Distance``, which both SpatiaLite and PostGIS compute in the metres of
the storage CRS (metres). Ties are broken by id, so both databases give the same answer.
"""

import shapely
from django.db import connection

from panjereh.citymap import spatial_sql
from panjereh.citymap.models import Feature
from panjereh.core.text import search_key

FEATURE_TABLE = "citymap_feature"
# A feature is current when its version is its layer's current version (a handful of rows to look up).
CURRENT = "f.version_id IN (SELECT current_version_id FROM citymap_layer WHERE current_version_id IS NOT NULL)"


def _nearest_sql(kinds, min_spare_kva, pressure_classes) -> tuple[str, list]:
    """The nearest-feature statement (index window, distance, first by distance then id) and its extra params;
    it takes [wkb, minx, miny, maxx, maxy, *kinds, *extra]."""
    kind_params = ", ".join(["%s"] * len(kinds))
    spare = ""
    extra = []
    if min_spare_kva is not None:
        spare = "AND f.capacity_kva IS NOT NULL AND f.capacity_kva - COALESCE(f.load_kva, 0) >= %s"
        extra = [min_spare_kva]
    if pressure_classes:  # a gas connection that needs a main of these pressure classes
        spare += " AND f.pressure_class IN (" + ", ".join(["%s"] * len(pressure_classes)) + ")"
        extra += list(pressure_classes)
    sql = (f"SELECT f.id, ST_Distance(f.geom, {spatial_sql.geom_from_wkb()}) AS d FROM {FEATURE_TABLE} f "
           f"WHERE {spatial_sql.bbox_filter(FEATURE_TABLE, 'f')} AND {CURRENT} "
           f"AND f.status = 'active' AND f.kind IN ({kind_params}) {spare} ORDER BY d, f.id LIMIT 1")
    return sql, extra


def _settled(hit, margin: float, limit_m: float) -> tuple[bool, tuple | None]:
    """Whether a window of ``margin`` metres settles a nearest search, and its answer: a hit no farther than the
    margin is the true nearest; a window already at the limit settles with its hit within the limit, or none."""
    if hit is not None and hit[1] <= margin:
        return True, hit
    if margin >= limit_m:
        return True, hit if hit is not None and hit[1] <= limit_m else None
    return False, None


def nearest_feature(wkb: bytes, bounds, kinds, *, limit_m: float, min_spare_kva: float | None = None,
                    pressure_classes: list[str] | None = None, start_margin_m: float = 64.0):
    """The nearest current active feature of ``kinds`` to a geometry, within ``limit_m`` metres.

    ``bounds`` is the geometry's (minx, miny, maxx, maxy). The search window grows
    until it holds a feature no farther than the window's margin, which makes the
    first hit the true nearest (``start_margin_m``: the first window's margin; sparse assets such as stations
    start wider). Returns ``(feature_id, distance_m)`` or None.
    """
    kinds = list(kinds)
    if not kinds:
        return None
    minx, miny, maxx, maxy = bounds
    sql, extra = _nearest_sql(kinds, min_spare_kva, pressure_classes)
    margin = min(start_margin_m, limit_m)
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [wkb, minx - margin, miny - margin, maxx + margin, maxy + margin, *kinds, *extra])
            row = cursor.fetchone()
            settled, answer = _settled((int(row[0]), float(row[1])) if row else None, margin, limit_m)
            if settled:
                return answer
            margin = min(margin * 4, limit_m)


def nearest_features(wkb: bytes, bounds, searches: list[dict]) -> list:
    """Several :func:`nearest_feature` searches around one geometry, the same answers, in one round trip.

    Each search is a dict of nearest_feature's keyword arguments plus ``kinds``. Every search's first window
    goes to the database in one statement (UNION ALL of the per-search statements); only a search whose first
    window holds nothing close enough — rare: a parcel far from a network — widens, on its own, as
    nearest_feature does. A feasibility check asks six of these; on PostgreSQL each round trip was a third of
    a millisecond."""
    minx, miny, maxx, maxy = bounds
    parts, params, first = [], [], {}
    for n, search in enumerate(searches):
        kinds = list(search["kinds"])
        if not kinds:
            continue
        margin = min(search.get("start_margin_m", 64.0), search["limit_m"])
        sql, extra = _nearest_sql(kinds, search.get("min_spare_kva"), search.get("pressure_classes"))
        parts.append(f"SELECT {n} AS search, s{n}.id, s{n}.d FROM ({sql}) s{n}")
        params += [wkb, minx - margin, miny - margin, maxx + margin, maxy + margin, *kinds, *extra]
        first[n] = margin
    found = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = {int(n): (int(i), float(d)) for n, i, d in cursor.fetchall()}
    out = []
    for n, search in enumerate(searches):
        if n not in first:
            out.append(None)
            continue
        settled, answer = _settled(found.get(n), first[n], search["limit_m"])
        # unsettled: widen from where the first window stopped
        out.append(answer if settled else nearest_feature(wkb, bounds, **{**search, "start_margin_m": first[n] * 4}))
    return out


def parcel_wkb(parcel_id: int) -> bytes | None:
    """A parcel's polygon as WKB in the storage CRS, or None when there is no such parcel. One plain statement for
    the API's feasibility check, which needs nothing else of the parcel (the model object cost three times more)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {spatial_sql.as_binary('geom')} FROM citymap_parcel WHERE id = %s", [parcel_id])
        row = cursor.fetchone()
    return bytes(row[0]) if row else None


SUMMARY_COLUMNS = ("id", "layer", "ext_id", "kind", "diameter_mm", "depth_m", "material", "capacity_kva",
                   "load_kva")
# What a dig check says of each asset near a trench, with its layer and owning agency.
DIG_COLUMNS = ("id", "layer_id", "layer", "agency", "agency_name_fa", "agency_name_en", "ext_id", "kind", "status",
               "depth_m", "diameter_mm", "material", "voltage_kv", "pressure_class", "layer_visibility",
               "layer_agency_id")


def _rows_by_id(ids, select: str, names: tuple) -> dict[int, dict]:
    """{id: {name: value}} of the current or old features of ``ids``: ``select`` names one column per name (the
    feature is ``f``, its layer ``l``, its agency ``a``). One plain statement: asked for a handful of features on
    every feasibility and dig check, the ORM's building of the same query (and of each feature's geometry, which
    neither answer shows) cost more than running it."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    sql = (f"SELECT {select} FROM {FEATURE_TABLE} f JOIN citymap_layer l ON l.id = f.layer_id "
           f"JOIN agencies_agency a ON a.id = f.agency_id WHERE f.id IN ({', '.join(['%s'] * len(ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


def feature_summaries(ids) -> dict[int, dict]:
    """What a feasibility answer says of each feature of ``ids`` (SUMMARY_COLUMNS: its layer's code for
    ``layer``), by id."""
    return _rows_by_id(ids, "f.id, l.code, f.ext_id, f.kind, f.diameter_mm, f.depth_m, f.material, f.capacity_kva, "
                            "f.load_kva", SUMMARY_COLUMNS)


def dig_hits(wkb: bytes, bounds, distance_m: float) -> list[dict]:
    """Every current feature (any layer, any status) within ``distance_m`` of a trench, nearest first (then by
    id), each with what a dig check says of it (DIG_COLUMNS: its layer's visibility and owner among them, for the
    permission module's rule) and its ``distance_m``: the distances, the rows and what decides who may see them
    in one statement (three round trips were half of the answer on PostgreSQL)."""
    minx, miny, maxx, maxy = bounds
    g = spatial_sql.geom_from_wkb()
    sql = (f"SELECT f.id, f.layer_id, l.code, a.code, a.name_fa, a.name_en, f.ext_id, f.kind, f.status, f.depth_m, "
           f"f.diameter_mm, f.material, f.voltage_kv, f.pressure_class, l.visibility, l.agency_id, "
           f"ST_Distance(f.geom, {g}) AS d "
           f"FROM {FEATURE_TABLE} f JOIN citymap_layer l ON l.id = f.layer_id "
           f"JOIN agencies_agency a ON a.id = f.agency_id "
           f"WHERE {spatial_sql.bbox_filter(FEATURE_TABLE, 'f')} AND {CURRENT} "
           f"AND ST_Distance(f.geom, {g}) <= %s ORDER BY d, f.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [wkb, minx - distance_m, miny - distance_m, maxx + distance_m, maxy + distance_m,
                             wkb, distance_m])
        return [{**dict(zip(DIG_COLUMNS, row)), "distance_m": float(row[-1])} for row in cursor.fetchall()]


def area_params(area) -> list:
    """The five parameters of spatial_sql.intersects_filter for a storage-CRS shapely geometry."""
    return [*area.bounds, shapely.to_wkb(area)]


def _in_cities(cities) -> tuple[str, list]:
    """The SQL (and its parameters) that keeps parcels of ``cities`` (None: every city)."""
    if cities is None:
        return "", []
    ids = sorted(cities) or [0]
    return f" AND p.city_id IN ({', '.join(['%s'] * len(ids))})", ids


def parcels_in_area(area, limit: int, *, after: int = 0, offset: int = 0, cities=None):
    """Ids of parcels that intersect ``area`` (a storage-CRS shapely geometry), by id, one page at a time
    (keyset: ids above ``after``; or ``offset`` rows skipped), of ``cities`` (ids; None: every city)."""
    where, params = _in_cities(cities)
    sql = (f"SELECT p.id FROM citymap_parcel p WHERE {spatial_sql.intersects_filter('citymap_parcel', 'p')} "
           f"{where} AND p.id > %s ORDER BY p.id LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*area_params(area), *params, after, limit, offset])
        return [int(r[0]) for r in cursor.fetchall()]


def count_parcels_in_area(area, cities=None) -> int:
    """How many parcels of ``cities`` (None: every city) intersect ``area``."""
    where, params = _in_cities(cities)
    sql = (f"SELECT COUNT(*) FROM citymap_parcel p WHERE {spatial_sql.intersects_filter('citymap_parcel', 'p')}"
           f"{where}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*area_params(area), *params])
        return int(cursor.fetchone()[0])


def features_in_area(version_id: int, area, limit: int, *, after: int = 0):
    """Ids of one layer version's features that intersect ``area``, by id, above ``after``."""
    sql = (f"SELECT f.id FROM {FEATURE_TABLE} f WHERE {spatial_sql.intersects_filter(FEATURE_TABLE, 'f')} "
           "AND f.version_id = %s AND f.id > %s ORDER BY f.id LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*area_params(area), version_id or 0, after, limit])
        return [int(r[0]) for r in cursor.fetchall()]


def count_features_in_area(version_id: int, area) -> int:
    """How many of one layer version's features intersect ``area``."""
    sql = (f"SELECT COUNT(*) FROM {FEATURE_TABLE} f WHERE {spatial_sql.intersects_filter(FEATURE_TABLE, 'f')} "
           "AND f.version_id + 0 = %s")  # the spatial index alone (citymap/tiles.py says why)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*area_params(area), version_id or 0])
        return int(cursor.fetchone()[0])


def streets_named(version_ids: list[int], key: str, *, limit: int) -> list[tuple[str, list]]:
    """The named lines of these layer versions whose name's search key contains ``key`` (see
    core.text.search_key), grouped by the name as written: [(name, [Feature, …]), …], exact names first.

    The keys are computed here from the stored names (a few thousand streets in a city), so the stored
    names stay exactly as the agency wrote them."""
    groups: dict[str, list] = {}
    for feature in Feature.objects.filter(version_id__in=version_ids).select_related("layer").order_by("id"):
        name = (feature.attrs or {}).get("name_fa") or (feature.attrs or {}).get("name")
        if isinstance(name, str) and key in search_key(name):
            groups.setdefault(name, []).append(feature)
    ordered = sorted(groups.items(), key=lambda item: (search_key(item[0]) != key, len(item[0]), item[0]))
    return ordered[:limit]
