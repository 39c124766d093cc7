"""panjereh doctor: on one screen, what this machine has for Panjereh and what is missing, with the fix."""

import shutil
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from panjereh import sqlite_compat


def _spatial_indexes_without_trigger(cursor) -> list[tuple[str, str]]:
    """SpatiaLite: the indexed geometry columns whose insert trigger (``gii_<table>_<column>``, which puts a new
    row into the R*Tree) is missing. Imports drop it for their length and write it again in the same savepoint
    (core.bulk.spatialite_index_at_end); without it new rows would be invisible to every map query."""
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'geometry_columns'")
    if cursor.fetchone() is None:  # a database not migrated yet: no spatial columns to look at
        return []
    cursor.execute("SELECT f_table_name, f_geometry_column FROM geometry_columns WHERE spatial_index_enabled = 1")
    columns = cursor.fetchall()
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    triggers = {name.lower() for (name,) in cursor.fetchall()}
    return [(t, c) for t, c in columns if f"gii_{t}_{c}".lower() not in triggers]


def _run(cmd: list[str]) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


class Command(BaseCommand):
    help = ("Print the GDAL/GEOS/PROJ/SpatiaLite/PostGIS versions found and what is missing, with the fix; the "
            "storage CRS and its scale error at the city's edges (and, with --cities, at Iran's large cities).")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--cities", action="store_true",
                            help="also the scale error of zone 39 and of each city's own zone for Iran's cities")

    def crs_rows(self, problems) -> list[tuple[str, str]]:
        """The storage CRS, its scale error over the configured extent, and whether the database's geometry
        columns are in it."""
        from panjereh.core import scale

        srid = settings.PANJEREH_STORAGE_SRID
        zone = srid % 100
        rows = [("city", f"{settings.PANJEREH_CITY_NAME} — extent {settings.PANJEREH_CITY_BBOX}"),
                ("storage CRS", f"EPSG:{srid} — {scale.report(settings.PANJEREH_CITY_BBOX, zone)}")]
        centre_zone = scale.utm_zone(settings.PANJEREH_CITY_CENTRE[0])
        if centre_zone != zone:
            problems.append(("storage CRS", f"the city's centre is in UTM zone {centre_zone}, storage is zone "
                             f"{zone}: distances are off by the error above; see docs/operations.md"))
        try:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SELECT DISTINCT srid FROM geometry_columns WHERE f_table_name LIKE 'citymap%%'")
                else:
                    cursor.execute("SELECT DISTINCT srid FROM geometry_columns WHERE f_table_name LIKE 'citymap%'")
                found = sorted(r[0] for r in cursor.fetchall())
            rows.append(("geometry columns", f"EPSG:{', '.join(map(str, found))}" if found else "not migrated yet"))
            if found and found != [srid]:
                problems.append(("geometry columns", f"the database stores EPSG:{found}, the settings say "
                                 f"EPSG:{srid}: run panjereh movecrs, or set PANJEREH_STORAGE_SRID back"))
        except Exception:  # noqa: BLE001 — no database yet: reported above
            pass
        return rows

    def deploy_rows(self, problems) -> list[tuple[str, str]]:
        """The security checks that apps register for a deployment (``check --deploy``) and that a machine's
        doctor should show too — demo users on a real city first among them. Asked through Django's check
        registry, so the kernel names no app."""
        from django.core import checks

        try:
            found = [m for m in checks.run_checks(include_deployment_checks=True, tags=["panjereh_demo"])
                     if m.level >= checks.ERROR]
        except Exception:  # noqa: BLE001 — no database yet: nothing to check
            return []
        for message in found:
            problems.append((message.id, f"{message.msg} — {message.hint}"))
        return [("demo users", "none with the demo password" if not found else "PRESENT (see below)")]

    def handle(self, *args, cities=False, **options):
        if cities:
            from panjereh.core import scale

            for name, (lon, lat, half) in scale.CITIES.items():
                bbox = (lon - half, lat - half, lon + half, lat + half)
                self.stdout.write(f"{name}: in zone 39 — {scale.report(bbox, 39).split(': ', 1)[1]}; "
                                  f"in its own {scale.report(bbox, scale.utm_zone(lon))}")
            return
        rows, problems = [], []

        def check(name, value, fix):
            rows.append((name, value or "MISSING"))
            if not value:
                problems.append((name, fix))

        rows.append(("Python", f"{sys.version.split()[0]} ({sys.executable})"))
        rows.append(("sqlite3 module", sqlite_compat.SQLITE_MODE))
        try:
            from django.contrib.gis.gdal import gdal_full_version
            gdal = gdal_full_version().decode()
        except Exception as exc:  # noqa: BLE001 — any failure means GDAL is unusable
            gdal = None
            rows.append(("GDAL error", str(exc)[:80]))
        check("GDAL library", gdal, "apt-get install gdal-bin libgdal-dev")
        try:
            from django.contrib.gis.geos import geos_version
            geos = geos_version().decode()
        except Exception:  # noqa: BLE001
            geos = None
        check("GEOS library", geos, "apt-get install libgeos-c1v5")
        try:
            from panjereh.citymap.crs import proj_version
            proj = f"{proj_version()} (through GDAL)"
        except Exception:  # noqa: BLE001
            proj = None
        check("PROJ", proj, "apt-get install proj-bin libproj-dev")
        try:
            import shapely
            geos_py = ".".join(map(str, shapely.geos_version))
            same_geos = geos and geos.startswith(geos_py)
            rows.append(("Shapely", f"{shapely.__version__} on GEOS {geos_py}"
                         + ("" if same_geos else "  ← not the system GEOS: reinstall with "
                                                  "pip install --no-binary shapely shapely")))
        except Exception:  # noqa: BLE001
            pass
        check("ogr2ogr", _run(["ogr2ogr", "--version"]) if shutil.which("ogr2ogr") else None,
              "apt-get install gdal-bin")
        engine = settings.DATABASES["default"]["ENGINE"]
        rows.append(("database", f"{engine.rsplit('.', 1)[-1]} — {settings.DATABASES['default'].get('NAME')}"))
        try:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SELECT postgis_full_version()")
                    check("PostGIS", cursor.fetchone()[0][:100], "apt-get install postgresql-15-postgis-3; "
                          "psql -c 'CREATE EXTENSION postgis'")
                else:
                    cursor.execute("SELECT spatialite_version()")
                    check("SpatiaLite", cursor.fetchone()[0], "apt-get install libsqlite3-mod-spatialite")
                    broken = _spatial_indexes_without_trigger(cursor)
                    check("spatial index triggers", "present on every indexed column" if not broken else None,
                          "in `panjereh dbshell`, for each of " + ", ".join(f"{t}.{c}" for t, c in broken)
                          + ": SELECT DisableSpatialIndex('<table>', '<column>'); SELECT CreateSpatialIndex("
                          "'<table>', '<column>'); (the index is built again from the table)")
        except Exception as exc:  # noqa: BLE001
            check("spatial database", None, f"{str(exc)[:120]} — apt-get install libsqlite3-mod-spatialite "
                  "(SpatiaLite) or postgresql-15-postgis-3 (PostGIS)")
        check("Chromium (page tests)", _run(["chromium", "--version"]) if shutil.which("chromium") else None,
              "apt-get install chromium")
        maplibre = settings.ASSETS_DIR / "maplibre-gl" / "package.json"
        font = settings.ASSETS_DIR / "vazirmatn" / "package.json"
        check("map library and font (npm)", "present in " + str(settings.ASSETS_DIR)
              if maplibre.exists() and font.exists() else None, "npm ci (scripts/setup.sh runs it)")
        rows += self.crs_rows(problems)
        rows += self.deploy_rows(problems)
        width = max(len(n) for n, _ in rows)
        for name, value in rows:
            self.stdout.write(f"{name.ljust(width)}  {value}")
        if problems:
            self.stdout.write(self.style.WARNING("\nmissing:"))
            for name, fix in problems:
                self.stdout.write(f"  {name}: {fix}")
            # a non-zero exit, so a script (CI, a deploy step) stops on what the screen says is missing
            raise CommandError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''}: see «missing» above")
        else:
            self.stdout.write(self.style.SUCCESS("\neverything Panjereh needs is here"))
