"""Vector tiles (Mapbox Vector Tile, EPSG:3857 z/x/y) of a layer, so city-scale layers draw as tiles, not one
giant GeoJSON. PostGIS builds them with ST_AsMVT; on SpatiaLite the same tile is built in Python
(citymap.mvt) from the same spatial-index query."""

import math
import os
import tempfile
from pathlib import Path

import shapely
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from panjereh import access
from panjereh.citymap import crs as crsmod
from panjereh.citymap import mvt, spatial_sql
from panjereh.citymap.models import Layer
from panjereh.core.text import Localized

EXTENT = 4096
BUFFER = 64  # tile units drawn beyond the edge, so lines and fills join across tiles
WORLD = 20037508.342789244
MAX_ZOOM = 22
# Below these zooms a layer's tile is empty: a z10 tile of 300,000 parcels would be megabytes of unreadable
# lines, and anyone may ask for it. The map page starts drawing each kind at the same zoom.
# The feature attribute written into tiles as "name" (street names are drawn along the streets).
NAME_ATTRIBUTE = "name_fa"
# Bumped whenever what a tile holds changes, so that no cache serves tiles of the older form.
TILE_FORMAT = 2
MIN_ZOOM_BY_KIND = {"parcels": 14, "network": 12, "generic": 0}


def min_zoom(layer) -> int:
    """The lowest zoom at which ``layer`` has tiles."""
    return MIN_ZOOM_BY_KIND.get(layer.kind, 0)


class TileError(ValueError):
    """A tile address that does not exist."""


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's bounds in EPSG:3857 metres."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        # (2 ** z only once z is known to be small: an address's z of 10**18 must not be raised to a power)
        last = 2 ** z - 1 if 0 <= z <= MAX_ZOOM else 2 ** MAX_ZOOM - 1
        raise TileError(_("Tile %(tile)s does not exist (zoom 0–%(max)s, x and y within 0–%(last)s).")
                        % Localized({"tile": f"{z}/{x}/{y}"[:80], "max": MAX_ZOOM, "last": last}))
    size = 2 * WORLD / 2 ** z
    minx = -WORLD + x * size
    maxy = WORLD - y * size
    return minx, maxy - size, minx + size, maxy


def _storage_bounds(bounds, margin: float):
    minx, miny, maxx, maxy = bounds
    box = shapely.segmentize(shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin),
                             (maxx - minx) / 8)
    return crsmod.transform(box, "EPSG:3857", crsmod.STORAGE).bounds


def tile_storage_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A tile's box in the storage CRS (the bounds of its densified outline)."""
    return _storage_bounds(tile_bounds(z, x, y), 0.0)


def _rows(layer, storage_bbox):
    """(id, WKB, properties) of the layer's current features (or parcels) meeting a storage-CRS box."""
    minx, miny, maxx, maxy = storage_bbox
    if layer.kind == "parcels":
        sql = (f"SELECT p.id, {spatial_sql.as_binary('p.geom')}, p.land_use, p.plate_main, p.plate_sub, p.region "
               f"FROM citymap_parcel p WHERE {spatial_sql.bbox_filter('citymap_parcel', 'p')}")
        params = [minx, miny, maxx, maxy]
        names = ("land_use", "plate_main", "plate_sub", "region")
    else:
        sql = (f"SELECT f.id, {spatial_sql.as_binary('f.geom')}, f.kind, f.ext_id, f.depth_m, f.status, "
               f"json_extract(f.attrs, '$.{NAME_ATTRIBUTE}') "
               f"FROM citymap_feature f WHERE {spatial_sql.bbox_filter('citymap_feature', 'f')} "
               "AND f.version_id = %s")
        params = [minx, miny, maxx, maxy, layer.current_version_id or 0]
        names = ("kind", "ext_id", "depth_m", "status", "name")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            yield row[0], bytes(row[1]), {k: v for k, v in zip(names, row[2:]) if v not in (None, "")}


def _postgis_tile(layer, z, x, y) -> bytes:
    """ST_AsMVT over the features whose box meets the (margin-widened) tile, in the storage CRS."""
    if layer.kind == "parcels":
        table, columns, version = "citymap_parcel", ["land_use", "plate_main", "plate_sub", "region"], ""
        params = []
    else:
        # "+ 0": the version's own index is not to be ANDed with the spatial one. A provincial company's layer
        # version holds every city's features, and the planner scanned all of them (183,814 rows for a tile of 104
        # at 30 cities: 8 ms against 1.4 ms by the spatial index alone, which also halves the one-city tile)
        table, version = "citymap_feature", "AND t.version_id + 0 = %s"
        columns = ["kind", "ext_id", "depth_m", "status", f"attrs->>'{NAME_ATTRIBUTE}' AS name"]
        params = [layer.current_version_id or 0]
    return postgis_tile(layer.code, table, [f"t.{c}" for c in columns], version, params, z, x, y)


def postgis_tile(name: str, table: str, columns: list[str], where: str, params: list, z: int, x: int, y: int) -> bytes:
    """ST_AsMVT of the rows of ``table`` (alias ``t``, a ``geom`` column in the storage CRS) whose box meets the
    margin-widened tile, with ``columns`` (SQL expressions over ``t``) as properties and ``where`` ("AND …",
    taking ``params``) as a filter; one MVT layer called ``name``. Shared by the map's layers and other apps'
    tiles (street works)."""
    attrs = ", ".join(columns)
    sql = (f"WITH b AS (SELECT ST_TileEnvelope(%s, %s, %s) AS web, "
           f"ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), {crsmod.STORAGE_SRID}) AS storage), "
           f"q AS (SELECT t.id, {attrs}, "
           f"ST_AsMVTGeom(ST_Transform(t.geom, 3857), b.web, {EXTENT}, {BUFFER}, true) AS geom "
           f"FROM {table} t, b WHERE t.geom && b.storage {where}) "
           # No "WHERE q.geom IS NOT NULL": ST_AsMVT leaves out a row whose geometry clipped to nothing, and the
           # filter, pushed into the scan, made PostGIS clip every row twice (a fifth of a dense tile's time).
           f"SELECT ST_AsMVT(q, %s, {EXTENT}, 'geom', 'id') FROM q")
    with connection.cursor() as cursor:
        cursor.execute(sql, [z, x, y, z, x, y, BUFFER / EXTENT, *params, name])
        return bytes(cursor.fetchone()[0] or b"")


def cache_path(layer, z: int, x: int, y: int) -> Path | None:
    """Where the tile of the layer's current version is kept, or None when tiles are not cached.

    A version is never edited, so its tiles never go stale: a new version or a rollback changes the path.
    The version's creation time is part of the key because ids can repeat across databases (a rebuilt demo
    city, the test databases) that share one var/ folder.
    """
    root = settings.PANJEREH_TILE_CACHE_DIR
    if not root or layer.current_version is None:
        return None
    return Path(root) / f"v{TILE_FORMAT}" / layer.code / version_key(layer.current_version) / str(z) / str(x) \
        / f"{y}.mvt"


def version_key(version) -> str:
    """The cache folder name of a layer version."""
    return f"{version.pk}-{int(version.created_at.timestamp() * 1e6)}"


def _city_mercator_bounds() -> tuple[float, float, float, float]:
    """The city's extent in EPSG:3857 metres (spherical Mercator, as tiles are addressed)."""
    west, south, east, north = crsmod.city_bbox_lonlat()

    def y(lat):
        return WORLD / math.pi * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return west * WORLD / 180, y(south), east * WORLD / 180, y(north)


def cacheable(layer, z: int, x: int, y: int) -> bool:
    """Whether a tile may be written to the cache: inside the city's extent and the layer's zoom range.

    Anyone may ask for any tile; only tiles a map of this city really shows are kept, so the cache is
    bounded by the city (docs/operations.md gives its size) and not by what visitors type."""
    if not min_zoom(layer) <= z <= settings.PANJEREH_TILE_CACHE_MAX_ZOOM:
        return False
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    west, south, east, north = _city_mercator_bounds()
    return minx < east and maxx > west and miny < north and maxy > south


def outside_city(z: int, x: int, y: int) -> bool:
    """Whether a tile lies wholly outside the city's extent (then it is empty: nothing is queried)."""
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    west, south, east, north = _city_mercator_bounds()
    return minx >= east or maxx <= west or miny >= north or maxy <= south


def cached_tile(layer, z: int, x: int, y: int) -> bytes:
    """The tile from the cache, building and storing it on a miss (written whole, then renamed, so a reader
    in another worker never sees half a tile). Tiles outside the city or the layer's zooms are not kept."""
    tile_bounds(z, x, y)  # a tile that does not exist is an error before anything touches the disk
    if z < min_zoom(layer) or outside_city(z, x, y):
        return b""
    if not cacheable(layer, z, x, y):
        return tile(layer, z, x, y)
    path = cache_path(layer, z, x, y)
    if path is None:
        return tile(layer, z, x, y)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    body = tile(layer, z, x, y)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(body)
    os.replace(tmp, path)
    return body


def tile(layer, z: int, x: int, y: int) -> bytes:
    """The layer's vector tile z/x/y (one MVT layer named after the layer's code), built now."""
    tile_bounds(z, x, y)
    if z < min_zoom(layer):
        return b""
    if spatial_sql.is_postgis():
        return _postgis_tile(layer, z, x, y)
    return python_tile(layer.code, lambda storage_bbox: _rows(layer, storage_bbox), z, x, y)


def python_tile(name: str, rows_in, z: int, x: int, y: int) -> bytes:
    """The tile built in Python (SpatiaLite has no ST_AsMVT): ``rows_in(storage_bbox)`` yields (id, WKB in the
    storage CRS, properties) of the rows meeting the margin-widened tile; one MVT layer called ``name``."""
    bounds = tile_bounds(z, x, y)
    margin = (bounds[2] - bounds[0]) * BUFFER / EXTENT
    rows = list(rows_in(_storage_bounds(bounds, margin)))
    if not rows:
        return b""
    geoms = crsmod.transform(shapely.from_wkb([r[1] for r in rows]), crsmod.STORAGE, "EPSG:3857")
    clip = (bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin)
    # Only shapes crossing the clip box's edge are cut (most of a dense tile lies wholly inside it).
    box = shapely.bounds(geoms)
    crossing = ~((box[:, 0] >= clip[0]) & (box[:, 1] >= clip[1]) & (box[:, 2] <= clip[2]) & (box[:, 3] <= clip[3]))
    geoms[crossing] = shapely.intersection(geoms[crossing], shapely.box(*clip))
    keep = ~shapely.is_empty(geoms)
    rows = [r for r, k in zip(rows, keep) if k]
    return mvt.encode_layer(name, [r[0] for r in rows], geoms[keep], [r[2] for r in rows], bounds, EXTENT)


def prune_cache() -> int:
    """Delete the cached tiles of every layer version that is not current (and of layers that are gone).
    Returns how many version folders went. Safe while serving: a version made current again is rebuilt."""
    import shutil

    root = settings.PANJEREH_TILE_CACHE_DIR
    if not root or not Path(root).is_dir():
        return 0
    current = {layer.code: version_key(layer.current_version) if layer.current_version else None
               for layer in Layer.objects.select_related("current_version")}
    removed = 0
    for entry in Path(root).iterdir():
        if entry.is_dir() and entry.name != f"v{TILE_FORMAT}":  # tiles of an older form, or the old layout
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    formatted = Path(root) / f"v{TILE_FORMAT}"
    for layer_dir in (formatted.iterdir() if formatted.is_dir() else []):
        for version_dir in (layer_dir.iterdir() if layer_dir.is_dir() else []):
            if version_dir.name != current.get(layer_dir.name):
                shutil.rmtree(version_dir, ignore_errors=True)
                removed += 1
    return removed


def _tile_range(bbox_lonlat, z: int):
    west, south, east, north = bbox_lonlat
    x0, y0 = lonlat_to_tile(west, north, z)
    x1, y1 = lonlat_to_tile(east, south, z)
    return x0, y0, x1, y1


def count_tiles(bbox_lonlat, z: int) -> int:
    """How many tiles at zoom z meet a (west, south, east, north) box in degrees (counted, not listed)."""
    x0, y0, x1, y1 = _tile_range(bbox_lonlat, z)
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def tiles_covering(bbox_lonlat, z: int):
    """Every (x, y) tile at zoom z that meets a (west, south, east, north) box in degrees, one at a time."""
    x0, y0, x1, y1 = _tile_range(bbox_lonlat, z)
    return ((x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1))


def warm_cache(layer, zooms, bbox_lonlat, progress=None) -> int:
    """Build and store the layer's tiles over a box at each zoom (those below the layer's own minimum are
    skipped: they are empty). Returns how many tiles were built or found."""
    count = 0
    for z in zooms:
        if z < min_zoom(layer):
            continue
        for x, y in tiles_covering(bbox_lonlat, z):
            cached_tile(layer, z, x, y)
            count += 1
            if progress:
                progress(count)
    return count


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile holding a lon/lat point at zoom z."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y



# One colour per agency (its row's ``colour``, editable in the admin), so a reader tells whose pipe is whose at a
# glance (and a legend says the same); sewers, the water company's, in their own.
SEWER_COLOUR = "#6d4c41"
NETWORK_AGENCIES = ("water", "gas", "power")


def layer_colour(layer) -> str:
    return SEWER_COLOUR if layer.code.startswith("sewer") else layer.agency.colour


def network_layers(user) -> list[dict]:
    """The networks' layers (water, gas, power) and the streets that ``user`` may see, for a desk page's map
    to draw from these tiles and to click (the crisis room, the findings and works desks)."""
    from django.db.models import Q

    layers = access.visible_layers(user, Layer.objects.select_related("agency", "current_version").filter(
        Q(agency__code__in=NETWORK_AGENCIES) | Q(code="streets"))).exclude(current_version=None).order_by("code")
    return [{"code": layer.code, "geometry": layer.geometry_type, "colour": layer_colour(layer),
             "version": layer.current_version_id, "minzoom": min_zoom(layer),
             "bbox": layer.current_version.bbox} for layer in layers]


def extent_of(layers: list[dict]) -> list[float]:
    """[west, south, east, north] of the layers' current versions (the map opens where the networks are, not
    on the whole configured extent, where their tiles are not drawn yet); the city's extent if none has one."""
    boxes = [layer["bbox"] for layer in layers if layer.get("bbox")]
    if not boxes:
        return list(crsmod.city_bbox_lonlat())
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
