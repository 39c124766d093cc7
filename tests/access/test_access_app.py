"""Issue 27 item 5: the permission module is an app of its own (``panjereh.access``) split by subject; the shapes of
the spatial answers are redacted through a registry the apps that know them fill; the doctor's checks are
Django system checks that ``check --deploy`` runs too; the database copy asks each app for its city's tables."""

import io

import pytest
from django.core import checks
from django.core.management import call_command

from panjereh.access import redactors
from panjereh.core import dbcopy


def test_every_spatial_answer_has_its_redactor_and_an_unknown_kind_is_refused():
    assert {"feasibility", "asset_groups", "incident"} <= set(redactors.kinds())
    with pytest.raises(LookupError, match="no redactor"):
        redactors.redact("a-new-answer", None, {"secret": 1})  # never returned as it is


def test_a_second_redactor_for_one_kind_is_refused():
    with pytest.raises(ValueError, match="already"):
        redactors.register("incident", lambda user, answer: answer)


def test_a_missing_tool_is_a_deployment_check_and_the_doctor_shows_the_same(db, monkeypatch):
    """Before: the doctor looked for ogr2ogr itself and `check --deploy` never did."""
    monkeypatch.setenv("PANJEREH_DEMO", "1")
    monkeypatch.setenv("PATH", "/nonexistent")
    found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "panjereh.E104"]
    assert found and found[0].obj == "ogr2ogr" and "apt-get install gdal-bin" in found[0].hint
    out = io.StringIO()
    with pytest.raises(Exception, match="problem"):
        call_command("doctor", stdout=out)
    assert "ogr2ogr: ogr2ogr is not on the PATH — apt-get install gdal-bin" in out.getvalue()


def test_the_copy_asks_each_app_which_tables_hold_a_city():
    tables = dbcopy.city_data_tables()
    assert "citymap_parcel" in tables and "auth_user" in tables
