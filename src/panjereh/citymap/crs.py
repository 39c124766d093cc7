"""Coordinate reference systems: everything in, the city's projected CRS stored (PANJEREH_STORAGE_SRID: the UTM
zone of its centre; EPSG:32639 for Ahvaz), CRS84 out.

Transformations go through the system's GDAL/PROJ (the libraries GeoDjango and SpatiaLite already load),
called on whole coordinate arrays. Panjereh deliberately does not use pyproj's wheel: it carries a second
PROJ, and two PROJ libraries in one process corrupt each other's memory (a crash at exit, seen here).
GDAL is told to use the traditional GIS axis order, so longitude always comes first.
"""

import ctypes
import threading
import time

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.gdal.libgdal import lgdal

from panjereh.cities.services import generation

STORAGE_SRID = settings.PANJEREH_STORAGE_SRID
# a province's own Transverse Mercator has no EPSG code: its PROJ definition (citymap/storage_crs.py)
STORAGE = settings.PANJEREH_STORAGE_PROJ or f"EPSG:{STORAGE_SRID}"

_double_p = ctypes.POINTER(ctypes.c_double)
_transform_ex = lgdal.OCTTransformEx
_transform_ex.argtypes = [ctypes.c_void_p, ctypes.c_int, _double_p, _double_p, _double_p,
                          ctypes.POINTER(ctypes.c_int)]
_transform_ex.restype = ctypes.c_int
_is_same = lgdal.OSRIsSame
_is_same.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_is_same.restype = ctypes.c_int


class UnknownCRS(ValueError):
    """A CRS definition GDAL/PROJ cannot read."""


# GDAL spatial references and transformations are not safe to share between threads (each holds PROJ
# objects made in its thread's PROJ context): two map tiles built at once in one process crashed it. So the
# cache is per thread; a thread builds each object once.
_local = threading.local()
_CACHE_SIZE = 64


def _cached(kind: str, key, build):
    cache = _local.__dict__.setdefault(kind, {})
    if key not in cache:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = build()
    return cache[key]


def srs(definition: str) -> SpatialReference:
    """A spatial reference from 'EPSG:4326', 'OGC:CRS84', WKT or a PROJ string (cached in this thread)."""
    def build():
        try:
            return SpatialReference(str(definition))
        except (GDALException, TypeError, ValueError) as exc:
            raise UnknownCRS(f"«{definition}» is not a known CRS") from exc

    return _cached("srs", definition, build)


def same(a: str, b: str) -> bool:
    """Whether two CRS definitions mean the same CRS."""
    return a == b or bool(_is_same(srs(a).ptr, srs(b).ptr))


def label(definition: str) -> str:
    """A short name for a CRS: AUTHORITY:CODE where it has one, else its WKT."""
    ref = srs(definition)
    name, code = ref.auth_name(None), ref.auth_code(None)
    return f"{name}:{code}" if name and code else ref.wkt


def is_geographic(definition: str) -> bool:
    return bool(srs(definition).geographic)


def _coord_transform(source: str, target: str) -> CoordTransform:
    return _cached("transform", (source, target), lambda: CoordTransform(srs(source), srs(target)))


def transform_xy(x: np.ndarray, y: np.ndarray, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays; points that cannot be transformed become NaN."""
    x = np.array(x, dtype=np.float64, copy=True, order="C")
    y = np.array(y, dtype=np.float64, copy=True, order="C")
    if len(x) == 0:
        return x, y
    z = np.zeros_like(x)
    ok = np.zeros(len(x), dtype=np.intc)
    _transform_ex(_coord_transform(source, target).ptr, len(x), x.ctypes.data_as(_double_p),
                  y.ctypes.data_as(_double_p), z.ctypes.data_as(_double_p),
                  ok.ctypes.data_as(ctypes.POINTER(ctypes.c_int)))
    bad = ok == 0
    x[bad] = np.nan
    y[bad] = np.nan
    return x, y


def transform(geoms, source: str, target: str):
    """Transform a shapely geometry or an array of them between two CRSs."""
    if same(source, target):
        return geoms

    def apply(coords):
        x, y = transform_xy(coords[:, 0], coords[:, 1], source, target)
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def to_storage(geoms, source: str):
    """Transform from ``source`` to the storage CRS (EPSG:32639)."""
    return transform(geoms, source, STORAGE)


def to_crs84(geoms):
    """Transform from the storage CRS to CRS84 (lon/lat), as GeoJSON wants."""
    return transform(geoms, STORAGE, "OGC:CRS84")


_EXTENT: dict[str, tuple[float, tuple, int]] = {}
EXTENT_SECONDS = 60.0  # how long a process keeps the extent before asking the cities again


def city_bbox_lonlat() -> tuple[float, float, float, float]:
    """The deployment's extent (west, south, east, north) in degrees: the box around every city's extent (one
    city: its own, settings PANJEREH_CITY_BBOX). Asked of the cities once a minute per process (and at once in
    the process that adds a city: ``forget_extent``), since every tile and import asks it."""
    now = time.monotonic()
    key = (generation(), tuple(settings.PANJEREH_CITY_BBOX), settings.PANJEREH_CITY_CODE)
    kept = _EXTENT.get("box")
    if kept is not None and now - kept[0] < EXTENT_SECONDS and kept[2] == key:
        return kept[1]
    box = _cities_box()
    _EXTENT["box"] = (now, box, key)
    return box


def _cities_box() -> tuple[float, float, float, float]:
    """The home city's extent as the settings give it (they are its truth, whatever its row says), widened to
    every other city's."""
    from django.db.models import Max, Min
    from django.db.utils import DatabaseError

    from panjereh.cities.models import City

    home = tuple(settings.PANJEREH_CITY_BBOX)
    try:
        found = City.objects.exclude(code=settings.PANJEREH_CITY_CODE).aggregate(
            w=Min("west"), s=Min("south"), e=Max("east"), n=Max("north"))
    except DatabaseError:  # not migrated yet (a command before migrate): the settings' extent
        return home
    if found["w"] is None:
        return home
    return (min(found["w"], home[0]), min(found["s"], home[1]), max(found["e"], home[2]), max(found["n"], home[3]))


def forget_extent() -> None:
    _EXTENT.clear()


def inside_city(bounds) -> np.ndarray:
    """For each lon/lat bounding box (rows of west, south, east, north — a point's is its x, y, x, y), whether it
    lies inside the city's extent. The one extent check of every door: the dig check, an import, an EPANET
    network, an incident's point. NaN bounds (an empty geometry) count as outside."""
    west, south, east, north = city_bbox_lonlat()
    b = np.atleast_2d(np.asarray(bounds, dtype=float))
    with np.errstate(invalid="ignore"):
        return (b[:, 0] >= west) & (b[:, 2] <= east) & (b[:, 1] >= south) & (b[:, 3] <= north)


def swapped_into_city(bounds) -> np.ndarray:
    """For each bounding box read as lon/lat, whether it would lie inside the city with its axes swapped (a file
    or a client that gives latitude first)."""
    b = np.atleast_2d(np.asarray(bounds, dtype=float))
    return inside_city(b[:, [1, 0, 3, 2]])


def city_extent_words() -> dict:
    """The extent for a message: ``%(west)s–%(east)s E, %(south)s–%(north)s N``."""
    west, south, east, north = city_bbox_lonlat()
    return {"west": west, "east": east, "south": south, "north": north}


def city_polygon_storage():
    """The city extent as a polygon in the storage CRS (densified, so its edges follow the projection)."""
    west, south, east, north = city_bbox_lonlat()
    box = shapely.segmentize(shapely.box(west, south, east, north), 0.01)
    return transform(box, "OGC:CRS84", STORAGE)


def bbox_crs84_to_storage(bbox: tuple[float, float, float, float]):
    """A lon/lat bounding box as a storage-CRS polygon."""
    box = shapely.segmentize(shapely.box(*bbox), 0.001)
    return transform(box, "OGC:CRS84", STORAGE)
