"""Incidents recorded before the map kept version pins: each pins the version of the asset it is on, so the
archive keeps leaving those versions live (it no longer asks crisis)."""

from django.db import migrations


def pin(apps, schema_editor):
    db = schema_editor.connection.alias
    Incident = apps.get_model("crisis", "Incident")
    VersionPin = apps.get_model("citymap", "VersionPin")
    Feature = apps.get_model("citymap", "Feature")
    rows = []
    for incident_id, feature_id in Incident.objects.using(db).exclude(feature=None).values_list("pk", "feature_id"):
        version = Feature.objects.using(db).filter(pk=feature_id).values_list("version_id", flat=True).first()
        if version is not None:
            rows.append(VersionPin(version_id=version, holder=f"incident:{incident_id}"))
    VersionPin.objects.using(db).bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("crisis", "0004_board_notes_findings_history"), ("citymap", "0009_version_pins")]
    operations = [migrations.RunPython(pin, migrations.RunPython.noop)]
