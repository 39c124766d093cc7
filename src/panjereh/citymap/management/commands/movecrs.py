"""panjereh movecrs: move every stored geometry to the CRS the settings now name (PANJEREH_STORAGE_SRID), in one
transaction — for a city that started in the wrong UTM zone (docs/operations.md). Stop the servers first;
afterwards, delete the tile cache (`panjereh tiles --prune` keeps only current versions; tiles are in web
Mercator and do not change, but a cache must never outlive a move)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# SpatiaLite's geometry type codes (geometry_columns.geometry_type) as RecoverGeometryColumn names them
SPATIALITE_TYPES = {0: "GEOMETRY", 1: "POINT", 2: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT", 5: "MULTILINESTRING",
                    6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}


def geometry_columns() -> list[tuple[str, str, int, object]]:
    """(table, column, srid, type) of every geometry column of Panjereh's own tables (not SpatiaLite's
    metadata tables, such as iso_metadata, which are never moved)."""
    ours = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns "
                           "WHERE f_table_schema = current_schema() ORDER BY 1, 2")
        else:
            cursor.execute("SELECT f_table_name, f_geometry_column, srid, geometry_type, spatial_index_enabled "
                           "FROM geometry_columns ORDER BY 1, 2")
        return [tuple(row) for row in cursor.fetchall() if row[0] in ours]


class Command(BaseCommand):
    help = "Transform every stored geometry into PANJEREH_STORAGE_SRID (set it first), in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say what would move, move nothing")

    def handle(self, *args, dry_run=False, **options):
        from panjereh.citymap import storage_crs

        target = settings.PANJEREH_STORAGE_SRID
        if not dry_run:
            storage_crs.register()  # a province's own CRS, known to the database before anything moves into it
        columns = geometry_columns()
        moving = [c for c in columns if c[2] != target]
        if not columns:
            raise CommandError("no geometry columns: migrate the database first")
        if not moving:
            self.stdout.write(f"every geometry is already in EPSG:{target}; nothing to do")
            return
        for table, column, srid, *_rest in moving:
            self.stdout.write(f"{table}.{column}: EPSG:{srid} → EPSG:{target}")
        if dry_run:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for table, column, _srid, gtype, *rest in moving:
                if connection.vendor == "postgresql":
                    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE geometry({gtype}, {target}) '
                                   f'USING ST_Transform("{column}", {target})')
                    continue
                indexed = bool(rest and rest[0])
                cursor.execute("SELECT DiscardGeometryColumn(%s, %s)", [table, column])  # its triggers go too
                cursor.execute(f'UPDATE "{table}" SET "{column}" = Transform("{column}", %s) '
                               f'WHERE "{column}" IS NOT NULL', [target])
                cursor.execute("SELECT RecoverGeometryColumn(%s, %s, %s, %s, 'XY')",
                               [table, column, target, SPATIALITE_TYPES.get(int(gtype) % 1000, "GEOMETRY")])
                if indexed:
                    cursor.execute(f'DROP TABLE IF EXISTS "idx_{table}_{column}"')
                    cursor.execute("SELECT CreateSpatialIndex(%s, %s)", [table, column])
        self.stdout.write(self.style.SUCCESS(f"{len(moving)} geometry columns now in EPSG:{target}"))
