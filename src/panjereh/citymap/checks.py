"""The storage CRS's system checks (``check --deploy``, ``panjereh doctor``): the city's centre in the storage
zone, and the database's geometry columns in the CRS the settings name."""

from django.conf import settings
from django.core import checks
from django.db import connection

from panjereh.core import scale
from panjereh.core.checks import TAG


def geometry_column_srids() -> list[int] | None:
    """The SRIDs of the city map's geometry columns in the database, or None if it cannot be asked."""
    try:
        with connection.cursor() as cursor:
            like = "citymap%%" if connection.vendor == "postgresql" else "citymap%"
            cursor.execute(f"SELECT DISTINCT srid FROM geometry_columns WHERE f_table_name LIKE '{like}'")
            return sorted(r[0] for r in cursor.fetchall())
    except Exception:  # noqa: BLE001 — no database or not migrated yet: the machine checks say so
        return None


@checks.register(TAG, deploy=True)
def storage_crs(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    found = []
    srid = settings.PANJEREH_STORAGE_SRID
    zone = srid % 100
    centre_zone = scale.utm_zone(settings.PANJEREH_CITY_CENTRE[0])
    tm = settings.PANJEREH_STORAGE_TM_MERIDIAN
    if tm is not None and connection.vendor != "postgresql":
        found.append(checks.Error(
            f"the storage CRS is a province's own Transverse Mercator (local SRID {srid}): SpatiaLite cannot "
            "transform to a CRS that PROJ's database does not know; a province runs on PostGIS",
            hint="unset PANJEREH_STORAGE_TM_MERIDIAN, or serve the province from PostgreSQL/PostGIS",
            obj="storage CRS", id="panjereh.E203"))
    elif tm is not None:  # a province's Transverse Mercator: its cities' errors are the cities app's check (E210)
        pass
    elif centre_zone != zone:
        found.append(checks.Error(
            f"the city's centre is in UTM zone {centre_zone}, storage is zone {zone}: distances are off by "
            f"{scale.report(settings.PANJEREH_CITY_BBOX, zone)}", hint="see docs/operations.md",
            obj="storage CRS", id="panjereh.E201"))
    srids = geometry_column_srids()
    if srids and srids != [srid]:
        found.append(checks.Error(
            f"the database stores EPSG:{srids}, the settings say EPSG:{srid}",
            hint="run panjereh movecrs, or set PANJEREH_STORAGE_SRID back", obj="geometry columns",
            id="panjereh.E202"))
    return found
