"""The map a staff member reads ends at their cities' edges (issue 28): the extents of the cities they work in
(``access.city_ids``), as one storage-CRS geometry that every map door — OGC items, vector tiles, the dig check,
the asset and street searches, the export — intersects what it was asked with. Coordinators, and the public and
citizens (whose doors have their own rules: public layers, their own files), have no fence.

A layer is an agency's, and a provincial company's layer covers several cities; its features carry no city key
yet, so the fence is drawn by where the cities are. Cities' extents do not overlap in a province, so another
city's features are outside the fence; a vector tile that straddles the fence's edge is served whole (the
caveat is in docs/architecture.md)."""

import shapely
from django.contrib.gis.geos import GEOSGeometry

from panjereh import access
from panjereh.cities.models import City
from panjereh.citymap import crs as crsmod


def user_fence(user):
    """None for no fence; else the user's cities' extents in the storage CRS (empty: they work in no city).
    Remembered on the user object for the request."""
    cached = getattr(user, "_panjereh_fence", False)
    if cached is not False:
        return cached
    fence = None
    if access.staff_profile(user) is not None and access.city_ids(user) is not None:
        boxes = [crsmod.bbox_crs84_to_storage(c.bbox) for c in City.objects.filter(pk__in=access.city_ids(user))]
        fence = shapely.union_all(boxes) if boxes else shapely.Polygon()
        shapely.prepare(fence)
    try:
        user._panjereh_fence = fence
    except AttributeError:
        pass
    return fence


def fenced(user, area):
    """``area`` (a storage-CRS geometry, or None for everywhere) within the user's fence."""
    fence = user_fence(user)
    if fence is None:
        return area
    return fence if area is None else shapely.intersection(area, fence)


def outside(user, geometry) -> bool:
    """Whether a storage-CRS geometry lies wholly outside the user's fence (never, without a fence)."""
    fence = user_fence(user)
    return fence is not None and not shapely.intersects(fence, geometry)


def tile_outside(user, storage_bbox) -> bool:
    """Whether a tile's box (storage CRS: minx, miny, maxx, maxy) lies wholly outside the user's fence."""
    fence = user_fence(user)
    return fence is not None and not shapely.intersects(fence, shapely.box(*storage_bbox))


def within(user, queryset, field: str):
    """``queryset`` narrowed to rows whose ``field`` (a geometry) meets the user's fence: incidents, street works
    — the rows of a city found by where they are (a small table each: the spatial lookup scans it)."""
    fence = user_fence(user)
    if fence is None:
        return queryset
    if fence.is_empty:
        return queryset.none()
    return queryset.filter(**{f"{field}__intersects": GEOSGeometry(fence.wkb_hex, srid=crsmod.STORAGE_SRID)})
