"""A house connection is fed from the low-voltage network whether it is underground or overhead: the power
service's default network kinds gain lv_overhead (a city that set its own kinds keeps them)."""

from django.db import migrations


def add_overhead(apps, schema_editor):
    service_model = apps.get_model("agencies", "Service")
    for service in service_model.objects.using(schema_editor.connection.alias).filter(code="power"):
        if service.network_kinds == ["lv_cable"]:
            service.network_kinds = ["lv_cable", "lv_overhead"]
            service.save(update_fields=["network_kinds"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0009_inspection_penalty")]
    operations = [migrations.RunPython(add_overhead, migrations.RunPython.noop)]
