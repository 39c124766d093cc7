"""`panjereh copydatabase --city`: one city of a province moved into an empty database of its own — its rows and
everything of them, the reference tables, and nothing of another city (issue 28, item 6). The command runs as an
operator runs it, in its own process, on the committed province."""

import json

import pytest
from django.core.management import CommandError, call_command

from panjereh.agencies.models import Agency
from panjereh.citymap.models import Layer
from panjereh.permits.models import Application
from tests.ops.test_copydatabase import _run, _url_of_this_database, target  # noqa: F401 — the empty database


# What is read of the target, in its own process (the test's own connections are the source's)
QUERIES = {
    "cities": "SELECT code FROM cities_city",
    "files": "SELECT tracking_code FROM permits_application",
    "parcels": "SELECT id FROM citymap_parcel",
    "tasks": "SELECT COUNT(*) FROM permits_reviewtask",
    "applicants": "SELECT national_id FROM permits_applicant",
    "users": "SELECT username FROM auth_user",
    "profiles": "SELECT u.username FROM agencies_staffprofile p JOIN auth_user u ON u.id = p.user_id",
    "offices": "SELECT id FROM agencies_counteroffice",
    "audited": "SELECT DISTINCT object_id FROM core_auditrecord WHERE object_type = 'permits.application'",
    "agencies": "SELECT COUNT(*) FROM agencies_agency",
    "layers": "SELECT COUNT(*) FROM citymap_layer",
    "sessions": "SELECT COUNT(*) FROM django_session",
}
READ = """
import json, django
django.setup()
from django.db import connection
out = {}
with connection.cursor() as cursor:
    for name, sql in json.loads(%r).items():
        cursor.execute(sql)
        out[name] = sorted(r[0] for r in cursor.fetchall())
print(json.dumps(out, default=str))
"""


def _read(url) -> dict:
    result = _run(url, code=READ % json.dumps(QUERIES))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_one_city_moves_out_with_its_files_and_nothing_of_another(live_province, target):  # noqa: F811
    province = live_province
    dezful = province["dezful"]
    copied = _run(_url_of_this_database(), target, "--city", "dezful")
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert "PANJEREH_CITY_CODE=dezful" in copied.stdout and "PANJEREH_CITY_PREFIX=DZF" in copied.stdout

    got = _read(target)
    assert got["cities"] == ["dezful"]
    codes = sorted(Application.objects.filter(city=dezful).values_list("tracking_code", flat=True))
    assert got["files"] == codes and codes
    assert got["parcels"] == [province["dezful_parcel"].pk]
    # the file's tasks came with it; no other city's
    assert got["tasks"] == [province["dezful_file"].tasks.count()] != [0]
    assert got["applicants"] == ["0499370899"]
    # the staff who work in Dezful: its operator and reviewer, the provincial companies' staff; not a water
    # reviewer limited to Ahvaz, not Ahvaz's counter operator
    assert {"dezful.operator", "dezful.reviewer", "reviewer.water"} <= set(got["users"])
    assert "water.ahvaz_only" not in got["users"] and "operator1" not in got["users"]
    assert "water.ahvaz_only" not in got["profiles"] and "dezful.operator" in got["profiles"]
    assert got["offices"] == sorted(dezful.offices.values_list("pk", flat=True))
    # the audit trail of the city's file, no other file's
    assert got["audited"] == [str(province["dezful_file"].pk)]
    # the reference tables whole: agencies, layers
    assert got["agencies"] == [Agency.objects.count()] and got["layers"] == [Layer.objects.count()]
    # no session of the old deployment
    assert got["sessions"] == [0]


def test_an_unknown_city_is_named_and_nothing_is_copied(province, target):  # noqa: F811
    """Refused before the target is opened."""
    with pytest.raises(CommandError, match="no city 'nowhere'.*dezful"):
        call_command("copydatabase", target, city="nowhere")
