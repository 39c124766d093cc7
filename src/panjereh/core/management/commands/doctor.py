"""panjereh doctor: on one screen, what this machine has for Panjereh and what is missing, with the fix.

The versions are read here; what is missing is what the system checks say (``core/checks.py`` and the apps' own,
the same checks ``check --deploy`` runs), so the doctor and a deployment's check never disagree."""

import sys

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from panjereh import sqlite_compat
from panjereh.core import checks as machine
from panjereh.core import scale


def _storage_line(srid: int) -> str:
    """The storage CRS and its worst scale error over the home city's extent."""
    bbox, tm = settings.PANJEREH_CITY_BBOX, settings.PANJEREH_STORAGE_TM_MERIDIAN
    if tm is None:
        return f"EPSG:{srid} — {scale.report(bbox, srid % 100)}"
    error = scale.storage_error(bbox, srid, tm)
    return (f"local SRID {srid}, {scale.storage_name(srid, tm)}, scale 1 there: worst scale error at the edges "
            f"{error * 100:.3f}% ({error * 1000:.2f} m per km)")


class Command(BaseCommand):
    help = ("Print the GDAL/GEOS/PROJ/SpatiaLite/PostGIS versions found and what is missing, with the fix; the "
            "storage CRS and its scale error at the city's edges (and, with --cities, at Iran's large cities).")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--cities", action="store_true",
                            help="also the scale error of zone 39 and of each city's own zone for Iran's cities")

    def crs_rows(self) -> list[tuple[str, str]]:
        """The storage CRS and its scale error over the configured extent (a problem is the checks' to say)."""
        srid = settings.PANJEREH_STORAGE_SRID
        return [("city", f"{settings.PANJEREH_CITY_NAME} — extent {settings.PANJEREH_CITY_BBOX}"),
                ("storage CRS", _storage_line(srid))]

    def problems(self) -> list[tuple[str, str]]:
        """(what, the problem and its fix) from every Panjereh system check a deployment runs: this machine's,
        the storage CRS's, and demo users on a real city. Asked through Django's check registry, so the kernel
        names no app."""
        found = checks.run_checks(include_deployment_checks=True, tags=[machine.TAG, "panjereh_demo"])
        return [(str(m.obj or m.id), f"{m.msg} — {m.hint}" if m.hint else str(m.msg))
                for m in found if m.level >= checks.ERROR]

    def _deployment_cities(self):
        """This deployment's own cities (the cities app's rows, asked by label: the kernel imports no app): each
        one's worst scale error in the storage CRS, against the limit."""
        from django.apps import apps
        from django.db.utils import DatabaseError

        srid, tm = settings.PANJEREH_STORAGE_SRID, settings.PANJEREH_STORAGE_TM_MERIDIAN
        storage, limit = scale.storage_name(srid, tm), settings.PANJEREH_MAX_SCALE_ERROR
        try:
            rows = list(apps.get_model("cities", "City").objects.order_by("id"))
        except DatabaseError:
            self.stdout.write("this deployment's cities: the database is not migrated yet")
            return
        self.stdout.write(f"this deployment's cities, stored in {storage} (limit {limit * 100:.3f}%):")
        # the design's alternative for a province (docs/architecture.md): one Transverse Mercator on the
        # meridian through the middle of its cities, scale 1 on it
        meridian = round((min(c.west for c in rows) + max(c.east for c in rows)) / 2, 1) if rows else 0
        for city in rows:
            error = scale.storage_error(city.bbox, srid, tm)
            verdict = "ok" if error <= limit else "OVER THE LIMIT"
            self.stdout.write(f"  {city.code}: {error * 100:.3f}% in the storage CRS, "
                              f"{scale.worst_error(city.bbox, scale.utm_zone(city.centre_lon)) * 100:.3f}% in its "
                              f"own zone {scale.utm_zone(city.centre_lon)}, "
                              f"{scale.worst_error(city.bbox, 0, meridian=meridian, k0=1.0) * 100:.3f}% in a "
                              f"Transverse Mercator on {meridian:g}° E — {verdict}")

    def handle(self, *args, cities=False, **options):
        if cities:
            from panjereh.core import scale

            for name, (lon, lat, half) in scale.CITIES.items():
                bbox = (lon - half, lat - half, lon + half, lat + half)
                self.stdout.write(f"{name}: in zone 39 — {scale.report(bbox, 39).split(': ', 1)[1]}; "
                                  f"in its own {scale.report(bbox, scale.utm_zone(lon))}")
            self._deployment_cities()
            return
        rows = [("Python", f"{sys.version.split()[0]} ({sys.executable})"),
                ("sqlite3 module", sqlite_compat.SQLITE_MODE)]
        gdal, geos = machine.gdal_version(), machine.geos_version()
        rows += [("GDAL library", gdal), ("GEOS library", geos),
                 ("PROJ", f"{machine.proj_version()} (through GDAL)" if machine.proj_version() else None)]
        try:
            import shapely
            geos_py = ".".join(map(str, shapely.geos_version))
            same_geos = geos and geos.startswith(geos_py)
            # The wheel's own GEOS beside the system's is the default set-up (scripts/setup.sh): said, not a
            # fault; PANJEREH_GEO_FROM_SOURCE=1 builds Shapely on the system's instead.
            rows.append(("Shapely", f"{shapely.__version__} on GEOS {geos_py}"
                         + (" (the system's)" if same_geos else " (its wheel's own, beside the system's)")))
        except Exception:  # noqa: BLE001
            pass
        rows.append(("ogr2ogr", machine.ogr2ogr_version()))
        engine = settings.DATABASES["default"]["ENGINE"]
        rows.append(("database", f"{engine.rsplit('.', 1)[-1]} — {settings.DATABASES['default'].get('NAME')}"))
        name, version, _ = machine.spatial_database()
        rows.append((name, version))
        if name == "SpatiaLite":
            broken = machine.spatial_indexes_without_trigger()
            rows.append(("spatial index triggers", "present on every indexed column" if not broken else None))
        # for the page tests only, so a row and not a deployment's check
        rows.append(("Chromium (page tests)", machine.run_first_line(["chromium", "--version"])))
        rows.append(("map library and font (npm)",
                     f"present in {settings.ASSETS_DIR}" if machine.map_assets_present() else None))
        rows += self.crs_rows()
        problems = self.problems()
        rows = [(n, v or "MISSING") for n, v in rows]
        width = max(len(n) for n, _ in rows)
        for name, value in rows:
            self.stdout.write(f"{name.ljust(width)}  {value}")
        if not machine.run_first_line(["chromium", "--version"]):
            problems.append(("Chromium (page tests)", "apt-get install chromium"))
        if problems:
            self.stdout.write(self.style.WARNING("\nmissing:"))
            for name, fix in problems:
                self.stdout.write(f"  {name}: {fix}")
            # a non-zero exit, so a script (CI, a deploy step) stops on what the screen says is missing
            raise CommandError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''}: see «missing» above")
        else:
            self.stdout.write(self.style.SUCCESS("\neverything Panjereh needs is here"))
