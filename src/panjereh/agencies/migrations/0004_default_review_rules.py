"""Load default review deadlines, numbered refusal reasons and fee schedules (editable in the admin)."""

from django.db import migrations


def load(apps, schema_editor):
    from panjereh.agencies import defaults

    defaults.load_review_rules(apps.get_model("agencies", "Agency"), apps.get_model("agencies", "RefusalReason"),
                               apps.get_model("agencies", "FeeSchedule"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_review_rules_reasons_fees")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
