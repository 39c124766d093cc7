"""The excavation schedule's penalty per metre for a failed inspection, added to an existing database's
schedule where it has none (a city's own figures stay as it set them)."""

from django.db import migrations


def add_penalty(apps, schema_editor):
    from panjereh.agencies import defaults

    fee_model = apps.get_model("agencies", "FeeSchedule")
    default = next(params for code, _a, _f, params in defaults.FEES if code == "excavation")
    for schedule in fee_model.objects.using(schema_editor.connection.alias).filter(code="excavation"):
        if "inspection_penalty_per_m" not in schedule.params:
            schedule.params["inspection_penalty_per_m"] = default["inspection_penalty_per_m"]
            schedule.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0008_excavation_fee")]
    operations = [migrations.RunPython(add_penalty, migrations.RunPython.noop)]
