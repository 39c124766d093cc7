"""What this machine must have for Panjereh, as Django system checks (``check --deploy`` runs them, and
``panjereh doctor`` shows them beside the versions it found).

Each check reports only a problem — an Error naming what is missing (``obj``), why it matters (``msg``) and the
fix (``hint``) — so a machine with everything says "no issues". The storage CRS's checks are the city map's
(``citymap/checks.py``); the demo users' are the demo city's (``democity/checks.py``): the kernel names no app."""

import ctypes
import shutil
import subprocess

from django.conf import settings
from django.core import checks
from django.db import connection

TAG = "panjereh_machine"


def run_first_line(cmd: list[str]) -> str | None:
    """The first line a command prints, or None if it cannot be run."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def gdal_version() -> str | None:
    try:
        from django.contrib.gis.gdal import gdal_full_version
        return gdal_full_version().decode()
    except Exception:  # noqa: BLE001 — any failure means GDAL is unusable
        return None


def geos_version() -> str | None:
    try:
        from django.contrib.gis.geos import geos_version as version
        return version().decode()
    except Exception:  # noqa: BLE001
        return None


def proj_version() -> str | None:
    """The PROJ version GDAL uses, asked of GDAL itself (Panjereh reaches PROJ only through GDAL)."""
    try:
        from django.contrib.gis.gdal.libgdal import lgdal

        major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        lgdal.OSRGetPROJVersion(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
        return f"{major.value}.{minor.value}.{patch.value}"
    except Exception:  # noqa: BLE001
        return None


def ogr2ogr_version() -> str | None:
    return run_first_line(["ogr2ogr", "--version"]) if shutil.which("ogr2ogr") else None


def spatial_database() -> tuple[str, str | None, str]:
    """(name, version or None, the error if it could not be asked) of the spatial extension of the database."""
    name = "PostGIS" if connection.vendor == "postgresql" else "SpatiaLite"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_full_version()" if name == "PostGIS" else "SELECT spatialite_version()")
            return name, str(cursor.fetchone()[0])[:100], ""
    except Exception as exc:  # noqa: BLE001 — reported as the problem it is
        return name, None, str(exc)[:120]


def spatial_indexes_without_trigger() -> list[tuple[str, str]]:
    """SpatiaLite: the indexed geometry columns whose insert trigger (``gii_<table>_<column>``, which puts a new
    row into the R*Tree) is missing. Imports drop it for their length and write it again in the same savepoint
    (core.bulk.spatialite_index_at_end); without it new rows would be invisible to every map query."""
    if connection.vendor != "sqlite":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'geometry_columns'")
            if cursor.fetchone() is None:  # a database not migrated yet: no spatial columns to look at
                return []
            cursor.execute("SELECT f_table_name, f_geometry_column FROM geometry_columns "
                           "WHERE spatial_index_enabled = 1")
            columns = cursor.fetchall()
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {name.lower() for (name,) in cursor.fetchall()}
    except Exception:  # noqa: BLE001 — no database: the spatial database check says so
        return []
    return [(t, c) for t, c in columns if f"gii_{t}_{c}".lower() not in triggers]


def map_assets_present() -> bool:
    """The map library and the font, installed from npm (scripts/setup.sh), that the pages and papers serve."""
    return (settings.ASSETS_DIR / "maplibre-gl" / "package.json").exists() and \
        (settings.ASSETS_DIR / "vazirmatn" / "package.json").exists()


@checks.register(TAG, deploy=True)
def machine(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The libraries, tools and database extension every Panjereh machine needs."""
    found = []

    def need(present, name, msg, fix, number):
        if not present:
            found.append(checks.Error(msg, hint=fix, obj=name, id=f"panjereh.E1{number:02d}"))

    need(gdal_version(), "GDAL library", "GDAL cannot be loaded", "apt-get install gdal-bin libgdal-dev", 1)
    need(geos_version(), "GEOS library", "GEOS cannot be loaded", "apt-get install libgeos-c1v5", 2)
    need(proj_version(), "PROJ", "PROJ cannot be reached through GDAL", "apt-get install proj-bin libproj-dev", 3)
    need(ogr2ogr_version(), "ogr2ogr", "ogr2ogr is not on the PATH", "apt-get install gdal-bin", 4)
    name, version, error = spatial_database()
    need(version, name, f"the spatial extension does not answer: {error}",
         "apt-get install libsqlite3-mod-spatialite (SpatiaLite) or postgresql-15-postgis-3 and "
         "psql -c 'CREATE EXTENSION postgis' (PostGIS)", 5)
    broken = spatial_indexes_without_trigger()
    need(not broken, "spatial index triggers",
         "indexed geometry columns without their insert trigger: " + ", ".join(f"{t}.{c}" for t, c in broken),
         "in `panjereh dbshell`, for each column: SELECT DisableSpatialIndex('<table>', '<column>'); "
         "SELECT CreateSpatialIndex('<table>', '<column>'); (the index is built again from the table)", 6)
    need(map_assets_present(), "map library and font (npm)", f"not found in {settings.ASSETS_DIR}",
         "npm ci (scripts/setup.sh runs it)", 7)
    return found
