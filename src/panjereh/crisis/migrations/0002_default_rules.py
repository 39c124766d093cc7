"""Load the default laying rules and clearances (DOMAIN.md)."""

from django.db import migrations


def load(apps, schema_editor):
    from panjereh.crisis import defaults

    defaults.load(apps.get_model("crisis", "LayingRule"), apps.get_model("crisis", "ClearanceRule"),
                  using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("crisis", "0001_rules_runs_findings_incidents")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
