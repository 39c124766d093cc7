"""Bad input, permissions, decisions, payments and deadlines of the single window."""

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from panjereh.agencies.models import Agency, StaffProfile
from panjereh.core.models import OutboxEvent
from panjereh.permits import services
from panjereh.permits.models import Applicant, Application, Permit, ReviewTask
from panjereh.billing.models import Bill, Payment
from tests.permits.helpers import good_parcel, request_body

REVIEWERS = {"municipality": "reviewer.municipality", "water": "reviewer.water", "power": "reviewer.power"}


def apply(client_for, city, **overrides):
    response = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city), **overrides),
                                            format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def decide(client_for, app, agency, **body):
    return client_for(REVIEWERS.get(agency, f"reviewer.{agency}")).post(
        f"/api/v1/applications/{app['id']}/reviews/{agency}/decision/", body or {"decision": "approve"}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("override,field", [
    ({"applicant": {"kind": "person", "national_id": "4608968872", "name": "x", "mobile": "09161234567"}},
     "national_id"),
    ({"applicant": {"kind": "entity", "national_id": "10380284791", "name": "x", "mobile": "09161234567"}},
     "national_id"),
    ({"applicant": {"kind": "person", "national_id": "4608968882", "name": "x", "mobile": "0812345678"}}, "mobile"),
    ({"applicant": {"kind": "alien", "national_id": "4608968882", "name": "x", "mobile": "09161234567"}}, "kind"),
    ({"parcel": 99999999}, "parcel"),
    ({"permit__floors": 0}, "floors"),
    ({"permit__gross_floor_area": "lots"}, "gross_floor_area"),
    ({"permit__land_use": "spaceport"}, "land_use"),
    ({"services": {"water": {"timing": "now"}}}, "services"),
    ({"services": {"water": {"timing": "now"}, "sewer": {"timing": "now"}, "power": {"timing": "now"},
                   "gas": {"timing": "now"}, "telecom": {"timing": "now"}, "cable_tv": {"timing": "now"}}}, "services"),
    ({"services": {"water": {"timing": "soon"}, "sewer": {"timing": "now"}, "power": {"timing": "now"},
                   "gas": {"timing": "now"}, "telecom": {"timing": "now"}}}, "water"),
    ({"services": {"water": {"timing": "now"}, "sewer": {"timing": "now"},
                   "power": {"timing": "now", "size": {"phases": 2, "kw": 5}},
                   "gas": {"timing": "now"}, "telecom": {"timing": "now"}}}, "phases"),
    ({"services": {"water": {"timing": "now"}, "sewer": {"timing": "now"}, "power": {"timing": "now"},
                   "gas": {"timing": "now", "size": {"meter_class": "G7"}}, "telecom": {"timing": "now"}}},
     "meter_class"),
    ({"services": {"water": {"timing": "now", "size": {"diameter_mm": 17}}, "sewer": {"timing": "now"},
                   "power": {"timing": "now"}, "gas": {"timing": "now"}, "telecom": {"timing": "now"}},
      "permit__land_use": "commercial"}, "diameter_mm"),
])
def test_bad_applications_name_the_field_and_change_nothing(client_for, city, override, field):
    body = request_body(good_parcel(city), **override)
    before = (Application.objects.count(), Applicant.objects.count(), ReviewTask.objects.count(),
              OutboxEvent.objects.count())
    response = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400
    assert field in str(response.json()["error"]["details"])
    assert before == (Application.objects.count(), Applicant.objects.count(), ReviewTask.objects.count(),
                      OutboxEvent.objects.count())


@pytest.mark.django_db
def test_persian_digits_and_legal_entities_are_accepted(client_for, city):
    app = apply(client_for, city, applicant={"kind": "entity", "national_id": "۱۰۳۸۰۲۸۴۷۹۰", "name": "شركت ساختماني",
                                             "mobile": "+98 916 123 4567"},
                permit__floors="۲", permit__units="٢")
    assert app["applicant"] == {"kind": "entity", "national_id": "10380284790", "name": "شرکت ساختمانی",
                                "mobile": "09161234567"}
    assert app["permit_request"]["floors"] == 2


@pytest.mark.django_db
def test_only_operators_open_files_and_each_sees_only_what_is_theirs(client_for, city):
    body = request_body(good_parcel(city))
    for user in ("reviewer.water", "coordinator", "signer", None):
        assert client_for(user).post("/api/v1/applications/", body, format="json").status_code in (401, 403)
    app = apply(client_for, city)
    url = f"/api/v1/applications/{app['id']}/"
    assert client_for("operator1").get(url).status_code == 200
    assert client_for("coordinator").get(url).status_code == 200
    assert client_for("reviewer.water").get(url).status_code == 200  # water has a task
    assert client_for("reviewer.telecom").get(url).status_code == 404  # telecom has none
    assert client_for("operator2").get(url).status_code == 404  # another office
    assert client_for().get(url).status_code == 401
    listed = client_for("reviewer.gas").get("/api/v1/applications/").json()["applications"]
    assert app["id"] not in {a["id"] for a in listed}


@pytest.mark.django_db
def test_an_agency_cannot_decide_for_another(client_for, city):
    app = apply(client_for, city)
    r = client_for("reviewer.power").post(f"/api/v1/applications/{app['id']}/reviews/water/decision/",
                                          {"decision": "approve"}, format="json")
    assert r.status_code == 403
    assert ReviewTask.objects.get(application_id=app["id"], agency__code="water").status == "pending"
    # an agency with no task in the file cannot even see it
    r = client_for("reviewer.telecom").post(f"/api/v1/applications/{app['id']}/reviews/telecom/decision/",
                                            {"decision": "approve"}, format="json")
    assert r.status_code == 404


@pytest.mark.django_db
def test_refusal_must_cite_a_published_numbered_reason(client_for, city):
    app = apply(client_for, city)
    assert decide(client_for, app, "water", decision="reject").status_code == 400
    r = decide(client_for, app, "water", decision="reject", reason=77)
    assert r.status_code == 400 and "reason" in r.json()["error"]["details"]
    assert decide(client_for, app, "water", decision="approve_with_conditions").status_code == 400
    r = decide(client_for, app, "water", decision="reject", reason=1)
    assert r.status_code == 200
    task = r.json()["task"]
    assert task["reason"]["number"] == 1 and task["reason"]["fa"]
    assert r.json()["application"]["status"] == "rejected"
    assert decide(client_for, app, "municipality").status_code == 409  # its task was withdrawn with the refusal
    assert Bill.objects.filter(application_id=app["id"]).count() == 0
    r = client_for("operator1").post(f"/api/v1/applications/{app['id']}/payments/",
                                     {"provider": "cash", "amount": 1000, "reference": "X"}, format="json")
    assert r.status_code == 409 and Permit.objects.count() == 0


@pytest.mark.django_db
def test_decisions_twice_and_request_for_information(client_for, city):
    app = apply(client_for, city)
    r = decide(client_for, app, "water", decision="request_info", info_request="نقشه معماری ارسال شود")
    assert r.json()["task"]["status"] == "info_requested"
    again = decide(client_for, app, "water", decision="request_info", info_request="نقشه معماری ارسال شود")
    assert again.status_code == 200 and not again.json()["changed"]
    assert decide(client_for, app, "water").json()["changed"]
    repeat = decide(client_for, app, "water")
    assert repeat.status_code == 200 and not repeat.json()["changed"]
    change_of_mind = decide(client_for, app, "water", decision="reject", reason=1)
    assert change_of_mind.status_code == 409
    assert ReviewTask.objects.get(application_id=app["id"], agency__code="water").status == "approved"


@pytest.mark.django_db
def test_payment_rules(client_for, city):
    app = apply(client_for, city)
    pay = f"/api/v1/applications/{app['id']}/payments/"
    operator = client_for("operator1")
    assert operator.post(pay, {"provider": "cash", "amount": 1, "reference": "A"}, format="json").status_code == 409
    for agency in ("municipality", "water", "power"):
        decide(client_for, app, agency)
    total = operator.get(f"/api/v1/applications/{app['id']}/").json()["bills"][0]["total"]
    r = operator.post(pay, {"provider": "cash", "amount": total - 1, "reference": "A"}, format="json")
    assert r.status_code == 400 and "amount" in r.json()["error"]["details"]
    assert operator.post(pay, {"provider": "cash", "amount": total}, format="json").status_code == 400  # no receipt
    assert operator.post(pay, {"provider": "cheque", "amount": total, "reference": "A"},
                         format="json").status_code == 400
    assert client_for("reviewer.water").post(pay, {"provider": "cash", "amount": total, "reference": "A"},
                                             format="json").status_code == 403
    assert Payment.objects.count() == 0 and Permit.objects.count() == 0
    assert operator.post(pay, {"provider": "cash", "amount": total, "reference": "A"}, format="json").status_code == 201
    assert Permit.objects.filter(application_id=app["id"]).count() == 1
    # the same receipt number on another file is refused, not applied
    other = apply(client_for, city, applicant={"kind": "person", "national_id": "0499370899", "name": "y",
                                               "mobile": "09170000000"})
    for agency in ("municipality", "water", "power"):
        decide(client_for, other, agency)
    total2 = operator.get(f"/api/v1/applications/{other['id']}/").json()["bills"][0]["total"]
    r = operator.post(f"/api/v1/applications/{other['id']}/payments/",
                      {"provider": "cash", "amount": total2, "reference": "A"}, format="json")
    assert r.status_code == 409


@pytest.mark.django_db
def test_activation_rules(client_for, city):
    app = apply(client_for, city)
    url = f"/api/v1/applications/{app['id']}/services/gas/activate/"
    operator = client_for("operator1")
    assert operator.post(url, {}, format="json").status_code == 409  # no permit yet
    for agency in ("municipality", "water", "power"):
        decide(client_for, app, agency)
    total = operator.get(f"/api/v1/applications/{app['id']}/").json()["bills"][0]["total"]
    operator.post(f"/api/v1/applications/{app['id']}/payments/", {"provider": "cash", "amount": total,
                                                                  "reference": "B"}, format="json")
    assert operator.post(f"/api/v1/applications/{app['id']}/services/water/activate/", {},
                         format="json").status_code == 409  # already ordered with the permit
    assert operator.post(url, {"size": {"meter_class": "G999"}}, format="json").status_code == 400
    assert operator.post(url, {}, format="json").status_code == 201
    assert operator.post(url, {}, format="json").status_code == 200  # twice: no second task
    assert ReviewTask.objects.filter(application_id=app["id"], stage="activation:gas").count() == 1


@pytest.mark.django_db
def test_deadlines_deemed_approval_and_escalation(client_for, city):
    app = apply(client_for, city)
    Agency.objects.filter(code="power").update(silence_means_approval=False)
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=60)
    counts = services.process_deadlines(now=later)
    tasks = {t.agency.code: t for t in ReviewTask.objects.filter(application_id=app["id"]).select_related("agency")}
    assert tasks["water"].status == "deemed_approved"  # water: silence counts as approval
    assert tasks["municipality"].status == "pending" and tasks["municipality"].overdue_at is not None
    assert tasks["power"].status == "pending" and tasks["power"].overdue_at is not None
    assert counts == {"deemed_approved": 1, "escalated": 2, "expired_unchecked": 0, "complaints_escalated": 0}
    assert OutboxEvent.objects.filter(event_type="review.deadline_missed", agency_code="municipality").exists()
    assert services.process_deadlines(now=later) == {"deemed_approved": 0, "escalated": 0, "expired_unchecked": 0,
                                                         "complaints_escalated": 0}  # flagged once
    detail = client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()
    assert {t["agency"]: t["overdue"] for t in detail["tasks"]} == {"municipality": True, "water": True,
                                                                     "power": True}


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_cannot_both_win(live_city):
    from tests.conftest import ensure_city

    ensure_city()
    user_model = get_user_model()
    second = user_model.objects.create(username="reviewer.water.2")
    StaffProfile.objects.create(user=second, role="reviewer", agency=Agency.objects.get(code="water"))
    first = user_model.objects.get(username="reviewer.water")
    parcel = good_parcel(live_city)
    body = request_body(parcel)
    app = services.submit_application(actor=None, parcel=parcel, applicant={
        "kind": "person", "national_id": "4608968882", "name": "x", "mobile": "09161234567"},
        permit=body["permit"], services=body["services"])
    barrier = threading.Barrier(2)
    results = []

    def act(user, decision, reason):
        try:
            barrier.wait()
            outcome = services.record_decision(actor=user, application=app, agency_code="water", decision=decision,
                                               reason_number=reason)
            results.append(("won", outcome.changed))
        except services.Conflict:
            results.append(("conflict", None))
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(first, "approve", None)),
               threading.Thread(target=act, args=(second, "reject", 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r[0] for r in results) == ["conflict", "won"]
    task = ReviewTask.objects.get(application=app, agency__code="water")
    assert task.status in {"approved", "rejected"}


@pytest.mark.django_db
def test_storytime_and_deadlines_commands(client_for, city):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("storytime", "--start", "2026-11-28", stdout=out)
    text = out.getvalue()
    assert "in parallel (one window, one visit):  15 working days" in text
    assert "one after another (5 visits):     52 working days" in text
    apply(client_for, city)
    out = io.StringIO()
    call_command("deadlines", stdout=out)
    assert "deemed approved: 0, escalated: 0" in out.getvalue()  # nothing is late on day one
