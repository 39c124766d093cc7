"""Demo users (whose password is in the README) exist only in a database the demo city built, never overwrite
anyone, and a city starts without them through `panjereh createcityadmin`."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client

from panjereh.agencies.models import StaffProfile
from panjereh.democity.models import DemoBuild
from panjereh.democity.people import DEFAULT_DEMO_PASSWORD, NotADemoDatabase, create_demo_people

pytestmark = pytest.mark.django_db
Users = get_user_model()


def test_a_city_database_gets_no_demo_users(city, monkeypatch):
    monkeypatch.setenv("PANJEREH_DEMO", "1")
    """Before: `make run` (democity --if-empty) made demo users on any database that had parcels."""
    DemoBuild.objects.all().delete()  # a city's own map: parcels, but not built by the demo city
    Users.objects.filter(username__in=["admin", "reviewer.gas"]).delete()
    with pytest.raises(NotADemoDatabase):
        create_demo_people()
    out = io.StringIO()
    call_command("democity", "--if-empty", stdout=out)
    assert "no demo users" in out.getvalue()
    assert not Users.objects.filter(username__in=["admin", "reviewer.gas"]).exists()


def test_existing_users_are_never_touched(city):
    """Before: an existing user's role was reset to the demo's (a city's 'operator1' became an operator)."""
    mine = Users.objects.get(username="operator1")
    mine.set_password("a city's own long password 1405")
    mine.save()
    StaffProfile.objects.filter(user=mine).update(role="coordinator", office=None)
    Users.objects.filter(username="gis.fire").delete()
    password, made = create_demo_people()
    assert made == ["gis.fire"]
    mine.refresh_from_db()
    assert mine.check_password("a city's own long password 1405") and not mine.check_password(password)
    assert StaffProfile.objects.get(user=mine).role == "coordinator"
    assert Users.objects.get(username="gis.fire").check_password(DEFAULT_DEMO_PASSWORD)


def test_createcityadmin_with_a_one_time_link(db):
    out = io.StringIO()
    call_command("createcityadmin", "mayor.it", "--link", stdout=out)
    user = Users.objects.get(username="mayor.it")
    assert user.is_superuser and not user.has_usable_password() and user.staff.role == "admin"
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+/)", out.getvalue()).group(1)
    browser = Client()
    form_url = browser.get(link).url  # Django moves the token into the session, then shows the form
    new = "Karun river at dawn 1405!"
    done = browser.post(form_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    again = Client().get(link, follow=True)
    assert b"new_password1" not in again.content  # used once: the link no longer sets a password
    with pytest.raises(CommandError, match="already exists"):
        call_command("createcityadmin", "mayor.it", "--link", stdout=io.StringIO())


def test_democity_refuses_outside_a_demo_and_the_deploy_check_reports_demo_users(city, monkeypatch):
    """Before: with PANJEREH_DEMO unset, `democity` made the demo users with the README's password, and
    `check --deploy` said nothing about them."""
    monkeypatch.delenv("PANJEREH_DEMO", raising=False)
    Users.objects.filter(username="gis.fire").delete()
    with pytest.raises(CommandError, match="PANJEREH_DEMO=1"):
        call_command("democity", "--if-empty", stdout=io.StringIO())
    assert not Users.objects.filter(username="gis.fire").exists()
    from django.core import checks

    found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "panjereh.E001"]
    assert len(found) == 1 and "operator1" in found[0].msg and "reviewer.water" in found[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check", "--deploy", "--fail-level", "ERROR", stdout=io.StringIO(), stderr=io.StringIO())
    doctor = io.StringIO()
    with pytest.raises(CommandError, match="problem"):  # issue 26: it exits non-zero when it lists a problem
        call_command("doctor", stdout=doctor)
    assert "panjereh.E001" in doctor.getvalue() and "operator1" in doctor.getvalue()
    # a user whose password the city changed is no longer a demo user
    for name in [u for u in found[0].msg.split(": ", 1)[1].split(", ") if u != "admin"]:
        Users.objects.filter(username=name).update(is_active=False)
    admin = Users.objects.get(username="admin")
    admin.set_password("the city's own long password 1405")
    admin.save()
    assert [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "panjereh.E001"] == []
    # and in a demo, the demo users are expected
    monkeypatch.setenv("PANJEREH_DEMO", "1")
    Users.objects.filter(username="operator1").update(is_active=True)
    assert [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "panjereh.E001"] == []
