"""A province on one deployment (issue 28): cities added as data, agencies across cities, each city apart."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from panjereh.access.middleware import CityScopeMiddleware
from panjereh.agencies.models import Agency, CounterOffice
from panjereh.cities.models import City
from panjereh.cities.services import home_city_id
from panjereh.core.models import AuditRecord, OutboxEvent
from panjereh.permits.models import Application
from panjereh.permits.services.issue import _permit_number
from panjereh.core.calendar import jalali_year, local_date
from django.utils import timezone


def test_createcity_adds_a_city_with_its_municipality_in_seconds(db, capsys):
    cities, agencies = City.objects.count(), Agency.objects.count()
    started = time.monotonic()
    call_command("createcity", "shush", "--name", "شوش", "--name-en", "Shush", "--centre", "48.25,32.19",
                 "--prefix", "SHU", "--served-by", "water,power")
    seconds = time.monotonic() - started
    shush = City.objects.get(code="shush")
    assert seconds < 5 and City.objects.count() == cities + 1 and Agency.objects.count() == agencies + 1
    assert shush.srid == 32639 and shush.prefix == "SHU" and "EPSG:32639" in capsys.readouterr().out
    municipality = Agency.objects.get(kind="municipality", cities=shush)
    assert municipality.code == "municipality-shush" and municipality.refusal_reasons.exists()
    assert CounterOffice.objects.filter(city=shush).count() == 1
    assert set(shush.agencies.values_list("code", flat=True)) == {"municipality-shush", "water", "power"}
    assert AuditRecord.objects.filter(action="city.added", object_id=str(shush.pk)).exists()
    assert OutboxEvent.objects.filter(event_type="city.added", payload__city="shush").exists()


def test_a_city_the_storage_zone_would_stretch_beyond_the_limit_is_refused_naming_its_own_zone(db):
    """Bostan (47.99° E) lies in zone 38: stored in this deployment's zone 39 its distances would be off by
    0.067%, over the 0.05% a city is promised; Shush (48.25° E), also near the boundary, stays within it."""
    with pytest.raises(CommandError) as error:
        call_command("createcity", "bostan", "--name", "بستان", "--centre", "47.99,31.72", "--prefix", "BOS")
    assert str(error.value).startswith("centre") and "۳۸" in str(error.value) and "۰٫۰۶۷" in str(error.value)
    assert not City.objects.filter(code="bostan").exists()
    call_command("createcity", "shush", "--name", "شوش", "--centre", "48.25,32.19", "--prefix", "SHU",
                 "--half-width", "0.03")
    assert City.objects.get(code="shush").srid == 32639


@pytest.mark.parametrize("args, field", [
    (["Bad Code", "--name", "x", "--centre", "48.2,32.1", "--prefix", "ABC"], "code"),
    (["ahvaz", "--name", "x", "--centre", "48.2,32.1", "--prefix", "ABC"], "code"),
    (["newcity", "--name", "x", "--centre", "48.2,32.1", "--prefix", "AHV"], "prefix"),
    (["newcity", "--name", "x", "--centre", "48.2,32.1", "--prefix", "ab1"], "prefix"),
    (["newcity", "--name", "x", "--centre", "north", "--prefix", "ABC"], "--centre"),
    (["newcity", "--name", "x", "--centre", "248.2,32.1", "--prefix", "ABC"], "centre"),
    (["newcity", "--name", "x", "--centre", "48.2,32.1", "--prefix", "ABC", "--served-by", "water,nowhere"],
     "served_by"),
    (["newcity", "--name", "x", "--centre", "48.2,32.1", "--prefix", "ABC", "--served-by", "municipality"],
     "served_by"),
])
def test_createcity_names_what_is_wrong_and_writes_nothing(db, args, field):
    before = (City.objects.count(), Agency.objects.count(), CounterOffice.objects.count(), AuditRecord.objects.count())
    with pytest.raises(CommandError) as error:
        call_command("createcity", *args)
    assert str(error.value).startswith(field)
    assert (City.objects.count(), Agency.objects.count(), CounterOffice.objects.count(),
            AuditRecord.objects.count()) == before


def test_each_file_goes_to_its_own_citys_municipality_and_the_provincial_agencies(province):
    dezful_file, ahvaz_file = province["dezful_file"], province["ahvaz_file"]
    assert dezful_file.city == province["dezful"] and ahvaz_file.city_id == home_city_id()
    assert set(dezful_file.tasks.values_list("agency__code", flat=True)) == {"municipality-dezful", "water"}
    assert set(ahvaz_file.tasks.values_list("agency__code", flat=True)) == {"municipality", "water"}


def test_a_permit_number_says_its_city_and_each_city_counts_its_own(province):
    year = jalali_year(local_date(timezone.now()))
    today = local_date(timezone.now())
    dezful_file = Application.objects.select_related("city").get(pk=province["dezful_file"].pk)
    ahvaz_file = Application.objects.select_related("city").get(pk=province["ahvaz_file"].pk)
    first_ahvaz = _permit_number(ahvaz_file, today)
    assert _permit_number(dezful_file, today) == f"DZF-{year}-000001"
    assert _permit_number(dezful_file, today) == f"DZF-{year}-000002"
    second_ahvaz = _permit_number(ahvaz_file, today)
    assert first_ahvaz.startswith(f"AHV-{year}-") and int(second_ahvaz[-6:]) == int(first_ahvaz[-6:]) + 1


# (user, sees the Ahvaz file, sees the Dezful file)
WHO_SEES_WHAT = [
    ("reviewer.municipality", True, False),
    ("dezful.reviewer", False, True),
    ("reviewer.water", True, True),          # the provincial company serves both cities
    ("water.ahvaz_only", True, False),       # … but this reviewer of it is limited to Ahvaz
    ("operator1", True, False),
    ("dezful.operator", False, True),
    ("coordinator", True, True),
    ("reviewer.power", False, False),        # no task on either file
]


@pytest.mark.parametrize("username, sees_ahvaz, sees_dezful", WHO_SEES_WHAT)
def test_another_citys_file_is_not_found_through_every_door(province, client, client_for, username, sees_ahvaz,
                                                              sees_dezful):
    api = client_for(username)
    client.force_login(get_user_model().objects.get(username=username))
    listed = {a["id"] for a in api.get("/api/v1/applications/").json()["applications"]}
    for app, sees in ((province["ahvaz_file"], sees_ahvaz), (province["dezful_file"], sees_dezful)):
        expected = 200 if sees else 404
        assert api.get(f"/api/v1/applications/{app.pk}/").status_code == expected, (username, app.city.code)
        assert client.get(f"/files/{app.pk}/").status_code == expected, (username, app.city.code)
        assert (app.pk in listed) == sees


@pytest.mark.parametrize("username, sees_ahvaz, sees_dezful", [
    ("reviewer.municipality", True, False), ("dezful.reviewer", False, True), ("water.ahvaz_only", True, False),
    ("gis.water", True, True), ("coordinator", True, True)])
def test_another_citys_parcel_is_not_found(province, client_for, username, sees_ahvaz, sees_dezful):
    api = client_for(username)
    for parcel, sees in ((province["ahvaz_parcel"], sees_ahvaz), (province["dezful_parcel"], sees_dezful)):
        expected = 200 if sees else 404
        assert api.get(f"/api/v1/parcels/{parcel.pk}/").status_code == expected
        assert api.get(f"/api/v1/parcels/{parcel.pk}/feasibility/").status_code == expected


def test_a_counter_opens_files_only_on_its_own_citys_parcels(province, client, client_for):
    from tests.permits.helpers import request_body

    body = request_body(province["dezful_parcel"], applicant={"kind": "person", "national_id": "4608968882",
                                                                "name": "علی کریمی", "mobile": "09161234567"})
    before = Application.objects.count()
    r = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert r.status_code == 400 and "parcel" in str(r.json())
    client.force_login(get_user_model().objects.get(username="operator1"))
    assert client.get(f"/counter/parcels/{province['dezful_parcel'].pk}/apply/").status_code == 404
    assert client.get(f"/counter/parcels/{province['ahvaz_parcel'].pk}/apply/").status_code == 200
    assert Application.objects.count() == before


def test_the_province_page_compares_the_cities(province, client):
    page = client.get("/indicators/province/")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-city="ahvaz"' in text and 'data-city="dezful"' in text
    data = client.get("/indicators/province.json").json()
    by_city = {c["city"]: c for c in data["cities"]}
    assert set(by_city) >= {"ahvaz", "dezful"}
    # Dezful has one file and no permit: suppressed, never a figure of one applicant
    assert by_city["dezful"]["permits"] == {"files": 0, "suppressed": True}
    assert "4608968882" not in page.content.decode() and "0499370899" not in str(data)


def _scope_seen_in_request(user) -> str:
    seen = {}

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('panjereh.cities', true)")
            seen["value"] = cursor.fetchone()[0]
        return None

    request = RequestFactory().get("/")
    request.user = user
    CityScopeMiddleware(view)(request)
    return seen["value"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's")
def test_a_staff_request_runs_scoped_to_the_users_cities(province):
    users = get_user_model().objects
    ahvaz, dezful = home_city_id(), province["dezful"].pk
    assert _scope_seen_in_request(users.get(username="reviewer.municipality")) == str(ahvaz)
    assert _scope_seen_in_request(users.get(username="reviewer.water")) == ",".join(map(str, sorted([ahvaz, dezful])))
    assert _scope_seen_in_request(users.get(username="coordinator")) == "*"
    with connection.cursor() as cursor:  # after the request: every city again (the worker, commands)
        cursor.execute("SELECT current_setting('panjereh.cities', true)")
        assert cursor.fetchone()[0] == "*"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's")
def test_the_database_itself_refuses_another_citys_rows(province):
    """As an ordinary role (a deployment's, not a superuser, which passes every policy), scoped to Ahvaz: a query
    that names Dezful's rows outright gets none of them; scoped to nothing, none at all."""
    ahvaz, dezful = home_city_id(), province["dezful"].pk
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE panjereh_rls_probe NOLOGIN")
        cursor.execute("GRANT SELECT ON citymap_parcel, permits_application TO panjereh_rls_probe")
        cursor.execute("SET LOCAL ROLE panjereh_rls_probe")

        def count(table, city, scope):
            cursor.execute("SELECT set_config('panjereh.cities', %s, true)", [scope])
            cursor.execute(f"SELECT count(*) FROM {table} WHERE city_id = %s", [city])
            return cursor.fetchone()[0]

        for table in ("citymap_parcel", "permits_application"):
            assert count(table, dezful, str(ahvaz)) == 0
            assert count(table, ahvaz, str(ahvaz)) > 0
            assert count(table, dezful, f"{ahvaz},{dezful}") > 0
            assert count(table, dezful, "*") > 0
            assert count(table, ahvaz, "") == 0 and count(table, ahvaz, "-") == 0
        cursor.execute("RESET ROLE")


def test_a_provincial_agencys_inbox_shows_each_tasks_city_filters_by_one_and_pages(province, client):
    client.force_login(get_user_model().objects.get(username="reviewer.water"))
    page = client.get("/inbox/").content.decode()
    assert 'id="city-filter"' in page and "دزفول" in page
    assert province["dezful_file"].tracking_code in page and province["ahvaz_file"].tracking_code in page
    only = client.get("/inbox/", {"city": "dezful"}).content.decode()
    assert province["dezful_file"].tracking_code in only and province["ahvaz_file"].tracking_code not in only
    client.force_login(get_user_model().objects.get(username="water.ahvaz_only"))
    limited = client.get("/inbox/").content.decode()
    assert province["dezful_file"].tracking_code not in limited and 'id="city-filter"' not in limited
    client.force_login(get_user_model().objects.get(username="dezful.reviewer"))
    own = client.get("/inbox/").content.decode()
    assert province["dezful_file"].tracking_code in own and province["ahvaz_file"].tracking_code not in own


def test_a_citizen_signed_in_once_sees_their_files_in_every_city(province, city, fake_sms, fake_identity):
    from django.test import Client

    from tests.cities.conftest import open_file
    from tests.citizens.test_from_home import sign_in
    from tests.permits.helpers import good_parcel

    operator1 = get_user_model().objects.get(username="operator1")
    ahvaz_file = open_file(operator1, good_parcel(city, needs=("water",)), "0499370899")  # the Dezful applicant
    citizen = Client()
    sign_in(citizen, fake_sms, national_id="0499370899", mobile="09161234567")
    page = citizen.get("/citizen/files/").content.decode()
    assert province["dezful_file"].tracking_code in page and ahvaz_file.tracking_code in page
    assert province["ahvaz_file"].tracking_code not in page  # another person's


def test_a_city_may_have_its_own_fee_schedule_and_its_permit_fee_is_its_municipalitys(province):
    """Dezful's council sets its own permit fee schedule; Ahvaz keeps every city's. The permit fee of a Dezful
    file is Dezful's municipality's line of the bill, computed by Dezful's schedule."""
    from panjereh.agencies.models import FeeSchedule
    from panjereh.permits.services.apply import fee_lines

    default = FeeSchedule.objects.get(code="permit", city__isnull=True)
    own = FeeSchedule.objects.create(code="permit", city=province["dezful"], agency=province["municipality"],
                                     formula=default.formula, params={
                                         **default.params, "K": {**default.params["K"], "residential": 0.04}})
    parcel = province["dezful_parcel"]

    def permit_line(city_parcel):
        line = next(li for li in fee_lines(parcel=city_parcel, land_use="residential", units=2, floor_area=200,
                                          parking=1, requests=[]) if li[1] == "permit")
        return line[0], line[4]

    agency, own_fee = permit_line(parcel)
    assert agency == province["municipality"]
    assert permit_line(province["ahvaz_parcel"])[0].code == "municipality"  # Ahvaz's fee, Ahvaz's municipality
    own.delete()
    agency, every_citys_fee = permit_line(parcel)
    assert agency == province["municipality"] and own_fee * 2 in range(every_citys_fee - 1, every_citys_fee + 2)


def test_a_closure_declared_for_one_city_moves_only_that_citys_deadlines(province, city):
    """The governor closes Dezful's offices for three days of heat: a file opened in Dezful gets its agencies'
    deadlines three working days later than one opened in Ahvaz the same moment; a closure of every city moves
    both. Each city's days are told apart by the calendar itself."""

    from django.db import IntegrityError, transaction

    from panjereh.core.calendar import add_working_days, is_working_day
    from panjereh.citymap.models import Parcel
    from panjereh.core.models import ClosureDay
    from tests.cities.conftest import open_file
    from tests.permits.helpers import good_parcel

    dezful, ahvaz_id = province["dezful"], home_city_id()
    today = local_date(timezone.now())
    heat = [add_working_days(today, n) for n in (1, 2, 3)]  # the next three working days of every city
    for day in heat:
        ClosureDay.objects.create(date=day, city=dezful, reason_fa="گرمای هوا", reason_en="heat")
    assert not any(is_working_day(d, city=dezful.pk) for d in heat)
    assert all(is_working_day(d, city=ahvaz_id) for d in heat) and all(is_working_day(d) for d in heat)

    operator1 = get_user_model().objects.get(username="operator1")
    ahvaz_file = open_file(operator1, good_parcel(city, needs=("water",)), "4608968882")
    busy = Application.objects.values("parcel_id")
    parcel = Parcel.objects.filter(land_use="residential").exclude(pk__in=busy).order_by("-id").first()
    Parcel.objects.filter(pk=parcel.pk).update(city=dezful)
    parcel.refresh_from_db()
    dezful_file = open_file(province["people"]["dezful.operator"], parcel, "0499370899")

    water = Agency.objects.get(code="water")
    due = {name: app.tasks.get(agency=water).due_date for name, app in
           (("ahvaz", ahvaz_file), ("dezful", dezful_file))}
    assert due["ahvaz"] == add_working_days(today, water.review_days)
    assert due["dezful"] == add_working_days(today, water.review_days + 3) != due["ahvaz"]
    assert due["dezful"] == add_working_days(today, water.review_days, dezful.pk)

    # a closure of every city: both cities' days
    every = add_working_days(today, 5)
    ClosureDay.objects.create(date=every, reason_fa="غبار", reason_en="dust")
    assert not is_working_day(every, city=ahvaz_id) and not is_working_day(every, city=dezful.pk)
    # one closure of every city a day, and one per city a day
    for duplicate in ({"city": None}, {"city": dezful}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ClosureDay.objects.create(date=heat[0] if duplicate["city"] else every, reason_fa="دوباره", **duplicate)


def test_each_city_has_its_own_indicators_page_and_open_data(province, client):
    """``/indicators/?city=dezful`` and its JSON and CSV count Dezful's files alone; the deployment's figures
    are every city's; an unknown city is a 404, not the deployment's figures under its name."""
    def files(data):
        return sum(r["files"] for r in data["permits"])

    from panjereh.democity.history import build_history

    build_history(months=1, per_month=12, seed=28)
    permitted = list(Application.objects.filter(permit__isnull=False).order_by("id").values_list("pk", flat=True))
    assert len(permitted) >= 8, "a month of the city's files, most of them with a permit"
    Application.objects.filter(pk__in=permitted[:6]).update(city=province["dezful"])
    whole = client.get("/indicators/data.json").json()
    dezful = client.get("/indicators/data.json?city=dezful").json()
    ahvaz = client.get("/indicators/data.json?city=ahvaz").json()
    assert (files(dezful), files(ahvaz), files(whole)) == (6, len(permitted) - 6, len(permitted))
    assert dezful["city"] == "dezful" and whole["city"] is None
    served = {r["customers_served"] for r in dezful["reliability"]}
    assert served <= {1}  # Dezful's one parcel is its customers (no interruption may have touched it)

    page = client.get("/indicators/?city=dezful")
    text = page.content.decode()
    assert page.status_code == 200 and "دزفول" in text.split("</h1>")[0]
    assert 'href="/indicators/data.json?city=dezful"' in text and 'id="city-pages"' in text
    csv = client.get("/indicators/data.csv?city=dezful")
    assert csv.status_code == 200 and "panjereh-indicators-dezful.csv" in csv["Content-Disposition"]
    assert client.get("/indicators/?city=nowhere").status_code == 404
    assert client.get("/indicators/data.json?city=nowhere").status_code == 404
    assert 'href="/indicators/?city=dezful"' in client.get("/indicators/province/").content.decode()
