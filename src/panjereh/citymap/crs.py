"""Coordinate reference systems: everything in, EPSG:32639 stored, CRS84 out.

pyproj transformers are built with ``always_xy=True`` so that longitude always
comes first, whatever axis order the EPSG definition of a CRS declares.
"""

from functools import lru_cache

import numpy as np
import shapely
from django.conf import settings
from pyproj import CRS, Transformer

STORAGE_SRID = 32639


@lru_cache(maxsize=64)
def transformer(source: str, target: str) -> Transformer:
    """A cached, always-x-then-y transformer between two CRS definitions."""
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True)


def transform(geoms, source: str, target: str):
    """Transform a shapely geometry or an array of them between two CRSs."""
    if CRS.from_user_input(source) == CRS.from_user_input(target):
        return geoms
    t = transformer(source, target)

    def apply(coords):
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def to_storage(geoms, source: str):
    """Transform from ``source`` to the storage CRS (EPSG:32639)."""
    return transform(geoms, source, f"EPSG:{STORAGE_SRID}")


def to_crs84(geoms):
    """Transform from the storage CRS to CRS84 (lon/lat), as GeoJSON wants."""
    return transform(geoms, f"EPSG:{STORAGE_SRID}", "OGC:CRS84")


def city_bbox_lonlat() -> tuple[float, float, float, float]:
    """The configured city extent (west, south, east, north) in degrees."""
    return tuple(settings.PANJEREH_CITY_BBOX)


def city_polygon_storage():
    """The city extent as a polygon in the storage CRS (densified, so its edges follow the projection)."""
    west, south, east, north = city_bbox_lonlat()
    box = shapely.segmentize(shapely.box(west, south, east, north), 0.01)
    return transform(box, "OGC:CRS84", f"EPSG:{STORAGE_SRID}")


def bbox_crs84_to_storage(bbox: tuple[float, float, float, float]):
    """A lon/lat bounding box as a storage-CRS polygon."""
    box = shapely.segmentize(shapely.box(*bbox), 0.001)
    return transform(box, "OGC:CRS84", f"EPSG:{STORAGE_SRID}")
