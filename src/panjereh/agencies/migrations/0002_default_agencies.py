"""Load the default agencies and services (editable afterwards in the admin)."""

from django.db import migrations


def load_defaults(apps, schema_editor):
    from panjereh.agencies import defaults

    defaults.load(apps.get_model("agencies", "Agency"), apps.get_model("agencies", "Service"),
                  using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_agencies_services_staff")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
