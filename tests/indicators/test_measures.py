"""Every indicator equals an independent calculation over hand-built files with known timestamps: a closure
day, official holidays, a clock stopped by an information request, a Jalali month boundary, and cells under
five files suppressed. The files are made by the real services, then their moments are set to known ones."""

import datetime
import math
import statistics

import jdatetime
import pytest

from panjereh.core.calendar import TEHRAN, working_days_between
from panjereh.core.models import ClosureDay
from panjereh.indicators import measures
from panjereh.permits.models import Application, ConnectionOrder, InfoRequest, Permit, ReviewTask
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def at(jy, jm, jd, hour=10) -> datetime.datetime:
    """A moment in Tehran on a Jalali date."""
    day = jdatetime.date(jy, jm, jd).togregorian()
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TEHRAN)


def p90(values):
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


# water's decisions: (given to the agency, decided, working days the applicant took to answer)
WATER_MEHR = [((1405, 7, 1), (1405, 7, 8), 0), ((1405, 7, 1), (1405, 7, 20), 3), ((1405, 6, 25), (1405, 7, 2), 0),
              ((1405, 7, 5), (1405, 7, 6), 0), ((1405, 7, 10), (1405, 7, 30), 0), ((1405, 7, 12), (1405, 7, 15), 0)]
WATER_SHAHRIVAR = [((1405, 6, 20), (1405, 6, 31), 0)]  # the last day of Shahrivar: another month, another cell
POWER_MEHR = [((1405, 7, 1), (1405, 7, 9), 0), ((1405, 7, 2), (1405, 7, 3), 0)]  # two files: suppressed


@pytest.fixture
def files(client_for, city):
    return build_history(client_for, city)


def build_history(client_for, city):
    """The hand-built files above, made by the services and then set to their known moments."""
    # a heat closure in the middle of Mehr: not a working day
    ClosureDay.objects.create(date=jdatetime.date(1405, 7, 14).togregorian(), reason_fa="گرما", reason_en="heat")
    made = []
    for n in range(len(WATER_MEHR) + len(WATER_SHAHRIVAR)):
        r = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json")
        assert r.status_code == 201, r.json()
        app_id = r.json()["id"]
        approve_all(client_for, app_id)
        pay_in_cash(client_for, app_id, f"IND-{n}")
        made.append(app_id)
    schedule = WATER_MEHR + WATER_SHAHRIVAR
    for i, app_id in enumerate(made):
        (given, decided, waited) = schedule[i]
        tasks = ReviewTask.objects.filter(application_id=app_id)
        # the other agencies decided in Mordad (their own cells), but for two power decisions in Mehr
        tasks.update(created_at=at(1405, 5, 1), decided_at=at(1405, 5, 3), due_date=at(1405, 5, 20).date())
        water = tasks.get(agency__code="water")
        tasks.filter(pk=water.pk).update(created_at=at(*given), decided_at=at(*decided),
                                         due_date=at(1405, 7, 16).date())
        if waited:
            InfoRequest.objects.create(task=water, question="?", asked_at=at(*given), answer="!",
                                       answered_at=at(*given), waited_working_days=waited)
        for j, (pg, pd, _) in enumerate(POWER_MEHR):
            if i == j:
                tasks.filter(agency__code="power").update(created_at=at(*pg), decided_at=at(*pd))
        Application.objects.filter(pk=app_id).update(submitted_at=at(*given))
        Permit.objects.filter(application_id=app_id).update(issued_at=at(*decided, hour=12))
        ConnectionOrder.objects.filter(application_id=app_id, service__code="water").update(
            created_at=at(*decided, hour=12), installed_at=at(1405, 8, 5 + i), status="installed")
    return made


def expected_cell(schedule):
    agency_days = [working_days_between(at(*g).date(), at(*d).date()) - w for g, d, w in schedule]
    calendar = [(at(*d).date() - at(*g).date()).days for g, d, w in schedule]
    return agency_days, calendar


def test_review_times_per_agency_and_month(files):
    rows = {(r["agency"], r["month"]): r for r in measures.reviews_by_agency_month()}
    water = rows[("water", "1405-07")]
    agency_days, calendar = expected_cell(WATER_MEHR)
    assert water["suppressed"] is False and water["decisions"] == 6 and water["files"] == 6
    assert water["agency_days_median"] == statistics.median(agency_days)
    assert water["agency_days_p90"] == p90(agency_days)
    assert water["calendar_days_median"] == statistics.median(calendar)
    assert water["applicant_days_median"] == 0
    # decided by Mehr 16 (the due date): all but the 20th and the 30th
    assert water["within_deadline"] == round(4 / 6, 4)
    assert water["deemed"] == 0 and water["refused"] == 0
    # the closure day (Mehr 14) lies in the 10→30 and 12→15 intervals: one working day fewer than without it
    with_closure = working_days_between(at(1405, 7, 12).date(), at(1405, 7, 15).date())
    ClosureDay.objects.all().delete()
    assert working_days_between(at(1405, 7, 12).date(), at(1405, 7, 15).date()) == with_closure + 1
    # the month boundary: Shahrivar 31 is its own cell, with one file: suppressed
    assert rows[("water", "1405-06")] == {"agency": "water", "month": "1405-06", "files": 1, "suppressed": True}
    # power decided two files in Mehr: suppressed, no figures published
    assert rows[("power", "1405-07")]["suppressed"] is True and "agency_days_median" not in rows[("power", "1405-07")]


def test_the_database_aggregate_equals_the_row_by_row_one(files):
    """review_sql's one query (window-function medians over a joined calendar) and the row-by-row Python
    computation agree on every cell."""
    assert measures.reviews_by_agency_month() == measures.reviews_by_agency_month(measures.review_rows())


def test_the_clock_stopped_by_an_information_request_is_not_the_agencys(files):
    row = next(r for r in measures.review_rows() if r["agency"] == "water" and r["applicant_days"] == 3)
    g, d, w = WATER_MEHR[1]
    assert row["agency_days"] == working_days_between(at(*g).date(), at(*d).date()) - 3
    assert row["calendar_days"] == (at(*d).date() - at(*g).date()).days == 19


def test_days_to_permit_actions_and_cost(files, settings):
    rows = {r["month"]: r for r in measures.permits_by_month()}
    mehr = rows["1405-07"]
    schedule = WATER_MEHR
    calendar = [(at(*d).date() - at(*g).date()).days for g, d, w in schedule]
    working = [working_days_between(at(*g).date(), at(*d).date()) for g, d, w in schedule]
    assert mehr["permits"] == 6 and mehr["calendar_days_median"] == statistics.median(calendar)
    assert mehr["calendar_days_p90"] == p90(calendar) and mehr["working_days_median"] == statistics.median(working)
    # submitted once, paid once; the file with an answer to an information request: three things
    assert mehr["actions_median"] == 2
    apps = Application.objects.filter(pk__in=files[:6])
    shares = sorted(sum(b.total for b in a.bills.all()) / (float(a.gross_floor_area)
                                                           * settings.PANJEREH_BUILDING_VALUE_PER_M2) for a in apps)
    assert mehr["cost_share_median"] == pytest.approx(statistics.median(shares), rel=1e-5)
    assert rows["1405-06"]["suppressed"] is True


def test_connections_from_permit_to_installation(files):
    rows = {(r["service"], r["month"]): r for r in measures.connections_by_service_month()}
    water = rows[("water", "1405-08")]
    days = [(at(1405, 8, 5 + i).date() - at(*d).date()).days for i, (g, d, w) in enumerate(WATER_MEHR + WATER_SHAHRIVAR)]
    assert water["connections"] == 7 and water["calendar_days_median"] == statistics.median(days)


def test_the_open_data_carry_no_personal_data(files, client):
    body = client.get("/indicators/data.json").json()
    text = str(body)
    for app in Application.objects.filter(pk__in=files):
        assert app.tracking_code not in text and app.applicant_name not in text
        assert app.applicant.national_id not in text and app.applicant_mobile not in text
    assert body["min_cell"] == 5 and body["reviews"]
    csv = client.get("/indicators/data.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("table,") and "1405-07" in csv


def test_the_calendar_table_follows_the_working_day_rules():
    """The review indicators join a calendar table (for the database's planner); it is rewritten when the rules
    give other counts — here a closure day declared after it was written — and left alone when they do not."""
    from panjereh.indicators.models import CalendarDay
    from panjereh.indicators.services import refresh_calendar

    first, last = jdatetime.date(1405, 2, 1).togregorian(), jdatetime.date(1405, 3, 31).togregorian()
    assert refresh_calendar(first, last) is True
    assert refresh_calendar(first, last) is False
    before = dict(CalendarDay.objects.values_list("day", "working_index"))
    closed = jdatetime.date(1405, 2, 20).togregorian()  # a Sunday: a working day until the province closes it
    day_after = closed + datetime.timedelta(days=1)
    assert working_days_between(closed - datetime.timedelta(days=1), day_after) == 2
    ClosureDay.objects.create(date=closed, reason_fa="گرد و غبار")
    assert refresh_calendar(first, last) is True
    after = dict(CalendarDay.objects.values_list("day", "working_index"))
    assert after[day_after] == before[day_after] - 1 and after[closed - datetime.timedelta(days=1)] == before[
        closed - datetime.timedelta(days=1)]
    assert CalendarDay.objects.filter(day=day_after).values_list("month", flat=True).get() == "1405-02"
    assert CalendarDay.objects.count() == (last - first).days + 1
