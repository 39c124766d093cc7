"""panjereh copydatabase <url>: the whole city into another, empty database (SpatiaLite to PostGIS)."""

from django.core.management.base import BaseCommand, CommandError

from panjereh.core.dbcopy import CopyRefused, copy_database


class Command(BaseCommand):
    help = ("Copy this Panjereh database (DATABASE_URL) into another, empty one, migrated first: every table, "
            "row for row, in one transaction on the target. For a city moving from SpatiaLite to PostGIS: stop the "
            "servers, run this, point DATABASE_URL at the target, start them.")

    def add_arguments(self, parser):
        parser.add_argument("url", help="the target, e.g. postgis://panjereh@db.example/panjereh (an empty database "
                                        "with the postgis extension)")

    def handle(self, *args, url, **options):
        shown = {}

        def progress(table, done, total):
            # a line per table, and one per 100,000 rows of the large ones
            if done == total or done - shown.get(table, 0) >= 100_000:
                shown[table] = done
                self.stdout.write(f"  {table}: {done:,} / {total:,}")

        try:
            counts = copy_database(url, progress=progress)
        except CopyRefused as exc:
            raise CommandError(f"nothing copied: {exc}") from exc
        rows = sum(c[0] for c in counts.values())
        self.stdout.write(self.style.SUCCESS(f"copied {rows:,} rows of {len(counts)} tables; now set DATABASE_URL "
                                             "to the target and start the servers"))
