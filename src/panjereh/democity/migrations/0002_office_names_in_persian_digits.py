"""The demo's counter offices were named "دفتر پیشخوان اهواز 1": a Persian name with a Latin digit. Renamed
with Persian digits where the demo made them (a city's own offices are left as the city named them)."""

from django.db import migrations

LATIN_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def persian_digits(apps, schema_editor):
    CounterOffice = apps.get_model("agencies", "CounterOffice")
    db = schema_editor.connection.alias
    for office in CounterOffice.objects.using(db).filter(code__startswith="ahvaz-", name_fa__startswith="دفتر پیشخوان اهواز"):
        renamed = office.name_fa.translate(LATIN_TO_PERSIAN)
        if renamed != office.name_fa:
            CounterOffice.objects.using(db).filter(pk=office.pk).update(name_fa=renamed)


class Migration(migrations.Migration):
    dependencies = [("democity", "0001_demo_build"), ("agencies", "0012_names_in_the_catalogue")]
    operations = [migrations.RunPython(persian_digits, migrations.RunPython.noop, elidable=False)]
