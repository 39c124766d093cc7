"""The street-works layer as vector tiles (EPSG:3857 z/x/y, one MVT layer ``works``), coloured on the map by
status and filtered by period; built with the map's own tile machinery (ST_AsMVT on PostGIS, the Python
encoder on SpatiaLite), never cached on disk: works change every day, a version of a layer does not."""

import datetime

from django.db import connection

from panjereh.citymap import spatial_sql, tiles
from panjereh.works.queries import PERIODS

NAME = "works"
MIN_ZOOM = 11
# what a tile tells (no contact, no notes: those are for the works API and its permissions)
COLUMNS = ["reference", "status", "works_class", "kind", "surface", "agency_id", "start_date", "end_date"]


def _period_filter(period: str, today: datetime.date) -> tuple[str, list]:
    days = PERIODS[period]
    where, params = "AND t.status <> 'cancelled'", []
    if days is not None:
        where += " AND t.start_date <= %s AND t.end_date >= %s"
        params = [today + datetime.timedelta(days=days), today]
    return where, params


def works_tile(z: int, x: int, y: int, *, period: str, today: datetime.date, agencies: dict[int, str]) -> bytes:
    """The works tile z/x/y of a period (``queries.PERIODS``); ``agencies`` maps agency ids to codes, written
    into each feature as ``agency``. Raises :class:`panjereh.citymap.tiles.TileError` for a tile that does not
    exist."""
    tiles.tile_bounds(z, x, y)
    if z < MIN_ZOOM or tiles.outside_city(z, x, y):
        return b""
    where, params = _period_filter(period, today)
    if spatial_sql.is_postgis():
        # dates as text, and the agency's code from the agencies table in the same query
        columns = [f"t.{c}::text AS {c}" if c.endswith("_date") else f"t.{c}" for c in COLUMNS if c != "agency_id"]
        columns.append("(SELECT a.code FROM agencies_agency a WHERE a.id = t.agency_id) AS agency")
        return tiles.postgis_tile(NAME, "works_works", columns, where, params, z, x, y)
    return tiles.python_tile(NAME, lambda box: _rows(box, where, params, agencies), z, x, y)


def _rows(storage_bbox, where: str, params: list, agencies: dict[int, str]):
    minx, miny, maxx, maxy = storage_bbox
    columns = ", ".join(f"t.{c}" for c in COLUMNS)
    sql = (f"SELECT t.id, {spatial_sql.as_binary('t.geom')}, {columns} FROM works_works t "
           f"WHERE {spatial_sql.bbox_filter('works_works', 't')} {where}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [minx, miny, maxx, maxy, *params])
        for row in cursor.fetchall():
            props = {k: (str(v) if isinstance(v, datetime.date) else v)
                     for k, v in zip(COLUMNS, row[2:]) if v not in (None, "")}
            props["agency"] = agencies.get(props.pop("agency_id", None), "")
            yield row[0], bytes(row[1]), props
