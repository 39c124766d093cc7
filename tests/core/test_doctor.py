import io

from django.core.management import call_command


def test_doctor_reports_versions(db):
    out = io.StringIO()
    call_command("doctor", stdout=out)
    text = out.getvalue()
    for name in ("GDAL library", "GEOS library", "PROJ", "ogr2ogr"):
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert "MISSING" not in line, line
    assert ("SpatiaLite" in text) or ("PostGIS" in text)
