"""A feature row's keys are no longer checked by PostgreSQL row by row (see citymap.models.Feature).

On PostgreSQL the three foreign-key constraints of citymap_feature are dropped and a trigger refuses to delete
a layer version whose features are still live — what the version's key guarded. On SQLite the constraints stay
in the table (they are cheap there, and dropping them would rebuild the table, which loses SpatiaLite's spatial
index); only the model's state changes.
"""

import django.db.models.deletion
from django.db import migrations, models

KEYS = {"layer_id": "citymap_layer", "version_id": "citymap_layerversion", "agency_id": "agencies_agency"}
TRIGGER = ["""
    CREATE FUNCTION citymap_version_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM citymap_feature WHERE version_id = OLD.id) THEN
            RAISE EXCEPTION 'layer version % still has features in citymap_feature', OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN OLD;
    END $$""",
    "CREATE TRIGGER citymap_version_in_use BEFORE DELETE ON citymap_layerversion "
    "FOR EACH ROW EXECUTE FUNCTION citymap_version_in_use()"]


def unchecked(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "citymap_feature")
    for name, info in constraints.items():
        if info["foreign_key"] and info["columns"][0] in KEYS:
            schema_editor.execute(f'ALTER TABLE citymap_feature DROP CONSTRAINT "{name}"')
    for sql in TRIGGER:
        schema_editor.execute(sql, None)  # no parameters: the % of RAISE's message is its own


def checked(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER citymap_version_in_use ON citymap_layerversion")
    schema_editor.execute("DROP FUNCTION citymap_version_in_use()")
    for column, table in KEYS.items():
        schema_editor.execute(f"ALTER TABLE citymap_feature ADD CONSTRAINT citymap_feature_{column}_fk "
                              f"FOREIGN KEY ({column}) REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0010_power_from_overhead_lines'),
        ('citymap', '0006_agencies_own_asset_kinds'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='feature',
                    name='agency',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
                ),
                migrations.AlterField(
                    model_name='feature',
                    name='layer',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='features', to='citymap.layer'),
                ),
                migrations.AlterField(
                    model_name='feature',
                    name='version',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='features', to='citymap.layerversion'),
                ),
            ],
            database_operations=[migrations.RunPython(unchecked, checked)],
        ),
    ]
