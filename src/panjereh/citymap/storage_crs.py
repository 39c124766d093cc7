"""The province's own storage CRS, registered in the database (issue 28, item 5).

A province that crosses UTM zones stores its map in one Transverse Mercator of its own
(``PANJEREH_STORAGE_TM_MERIDIAN``): a CRS with no EPSG code, so it gets a local SRID (940000 + 100 × meridian, in
PostGIS's range for user SRIDs) and a row in the database's ``spatial_ref_sys`` — written with GeoDjango's own
``add_srs_entry`` before the first geometry column is made (``pre_migrate``: SpatiaLite refuses a geometry column
of an unknown SRID) and before ``movecrs`` moves a city into it. The database then transforms to and from it like
any EPSG CRS (tiles, OGC, lookups with a lon/lat geometry); Python transforms through ``citymap.crs``, which uses
the PROJ definition (``PANJEREH_STORAGE_PROJ``) instead of an EPSG code."""

from django.conf import settings
from django.contrib.gis.gdal import SpatialReference
from django.contrib.gis.utils import add_srs_entry
from django.db import connections

AUTHORITY = "PANJEREH"


def local_srs() -> SpatialReference | None:
    """The storage CRS as a spatial reference that carries its local SRID (None when storage is an EPSG CRS)."""
    if not settings.PANJEREH_STORAGE_PROJ:
        return None
    srid, meridian = settings.PANJEREH_STORAGE_SRID, settings.PANJEREH_STORAGE_TM_MERIDIAN
    wkt = SpatialReference(settings.PANJEREH_STORAGE_PROJ).wkt
    name = f"Panjereh TM {meridian:g}E"
    wkt = wkt.replace('PROJCS["unknown"', f'PROJCS["{name}"', 1)
    return SpatialReference(f'{wkt[:-1]},AUTHORITY["{AUTHORITY}","{srid}"]]')


def register(using: str = "default") -> bool:
    """Make sure the database at ``using`` knows the local storage CRS; whether it is a local one."""
    srs = local_srs()
    if srs is None:
        return False
    if not hasattr(connections[using].ops, "spatial_version"):
        return False
    add_srs_entry(srs, auth_name=AUTHORITY, auth_srid=settings.PANJEREH_STORAGE_SRID,
                  ref_sys_name=srs.name, database=using)
    return True


def before_migrate(sender, using="default", **kwargs) -> None:
    """``pre_migrate``: the storage CRS exists before any geometry column is created in it."""
    register(using)
