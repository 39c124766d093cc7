"""panjereh doctor: on one screen, what this machine has for Panjereh and what is missing, with the fix."""

import shutil
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from panjereh import sqlite_compat


def _run(cmd: list[str]) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


class Command(BaseCommand):
    help = "Print the GDAL/GEOS/PROJ/SpatiaLite/PostGIS versions found and what is missing, with the fix."
    requires_system_checks = []

    def handle(self, *args, **options):
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
        except Exception as exc:  # noqa: BLE001
            check("spatial database", None, f"{str(exc)[:120]} — apt-get install libsqlite3-mod-spatialite "
                  "(SpatiaLite) or postgresql-15-postgis-3 (PostGIS)")
        check("Chromium (page tests)", _run(["chromium", "--version"]) if shutil.which("chromium") else None,
              "apt-get install chromium")
        maplibre = settings.ASSETS_DIR / "maplibre-gl" / "package.json"
        font = settings.ASSETS_DIR / "vazirmatn" / "package.json"
        check("map library and font (npm)", "present in " + str(settings.ASSETS_DIR)
              if maplibre.exists() and font.exists() else None, "npm ci (scripts/setup.sh runs it)")
        width = max(len(n) for n, _ in rows)
        for name, value in rows:
            self.stdout.write(f"{name.ljust(width)}  {value}")
        if problems:
            self.stdout.write(self.style.WARNING("\nmissing:"))
            for name, fix in problems:
                self.stdout.write(f"  {name}: {fix}")
        else:
            self.stdout.write(self.style.SUCCESS("\neverything Panjereh needs is here"))
