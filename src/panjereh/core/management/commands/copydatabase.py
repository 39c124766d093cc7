"""panjereh copydatabase <url> [--city CODE]: the whole city into another, empty database (SpatiaLite to
PostGIS) — or one city of a province into a deployment of its own."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panjereh.core.dbcopy import CopyRefused, copy_database


class Command(BaseCommand):
    help = ("Copy this Panjereh database (DATABASE_URL) into another, empty one, migrated first: every table, "
            "row for row, in one transaction on the target. For a city moving from SpatiaLite to PostGIS: stop the "
            "servers, run this, point DATABASE_URL at the target, start them.")

    def add_arguments(self, parser):
        parser.add_argument("url", help="the target, e.g. postgis://panjereh@db.example/panjereh (an empty database "
                                        "with the postgis extension)")
        parser.add_argument("--city", metavar="CODE", help=(
            "copy only this city of the province: its parcels, files and everything of them, its offices and "
            "staff, the map's features in its extent, and the deployment's reference tables (docs/operations.md)"))

    def handle(self, *args, url, city=None, **options):
        shown = {}
        chosen = None
        if city:
            chosen = apps.get_model("cities", "City").objects.filter(code=city).first()
            if chosen is None:
                known = ", ".join(apps.get_model("cities", "City").objects.order_by("code").values_list(
                    "code", flat=True))
                raise CommandError(f"nothing copied: no city {city!r} in this deployment (its cities: {known})")

        def progress(table, done, total):
            # a line per table, and one per 100,000 rows of the large ones
            if done == total or done - shown.get(table, 0) >= 100_000:
                shown[table] = done
                self.stdout.write(f"  {table}: {done:,} / {total:,}")

        try:
            counts = copy_database(url, progress=progress, city_id=chosen.pk if chosen else None)
        except CopyRefused as exc:
            raise CommandError(f"nothing copied: {exc}") from exc
        rows = sum(c[0] for c in counts.values())
        if chosen is None:
            self.stdout.write(self.style.SUCCESS(f"copied {rows:,} rows of {len(counts)} tables; now set "
                                                 "DATABASE_URL to the target and start the servers"))
            return
        # the new deployment's home city is this one, and its map stays in the province's storage CRS until
        # `panjereh movecrs` moves it into the city's own zone
        self.stdout.write(self.style.SUCCESS(
            f"copied {rows:,} rows of city {chosen.code}; the new deployment's settings:\n"
            f"  DATABASE_URL={url}\n  PANJEREH_CITY_CODE={chosen.code}\n  PANJEREH_CITY_PREFIX={chosen.prefix}\n"
            f"  PANJEREH_CITY_NAME={chosen.name_fa}\n  PANJEREH_CITY_NAME_EN={chosen.name_en}\n"
            f"  PANJEREH_CITY_CENTRE={chosen.centre_lon},{chosen.centre_lat}\n"
            f"  PANJEREH_CITY_BBOX={chosen.west},{chosen.south},{chosen.east},{chosen.north}\n"
            f"  PANJEREH_STORAGE_SRID={settings.PANJEREH_STORAGE_SRID}  (then `panjereh movecrs` into EPSG:"
            f"{chosen.srid}, the city's own zone)"))
