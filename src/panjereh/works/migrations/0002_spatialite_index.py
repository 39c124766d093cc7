"""SpatiaLite only: the works table was rebuilt by SQLite while its first migration added a foreign key and
constraints, which leaves its geometry column's triggers and R*Tree index behind (docs/architecture.md, "A trap
in migrations on SpatiaLite"). Re-register the column and rebuild its spatial index."""

from django.conf import settings
from django.db import migrations


def recover(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in ("works_works", "works_moratorium"):
            cursor.execute("SELECT RecoverGeometryColumn(%s, 'geom', %s, 'GEOMETRY', 'XY')",
                           [table, settings.PANJEREH_STORAGE_SRID])
            cursor.execute(f"DROP TABLE IF EXISTS idx_{table}_geom")
            cursor.execute("SELECT CreateSpatialIndex(%s, 'geom')", [table])


class Migration(migrations.Migration):
    dependencies = [("works", "0001_street_works")]
    operations = [migrations.RunPython(recover, migrations.RunPython.noop)]
