"""Information requested stops the agency's clock until the applicant answers; a refusal withdraws the other
agencies' open tasks, saying why."""

import datetime
import json

import holidays
import pytest
from django.test import Client
from django.utils import timezone

from panjereh.core.calendar import local_date
from panjereh.core.models import OutboxEvent
from panjereh.permits import services
from panjereh.permits.models import Application, InfoRequest, ReviewTask
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def working_days_after(start: datetime.date, end: datetime.date) -> int:
    """An independent count: days after ``start`` up to ``end`` that are not Friday, Thursday or a holiday."""
    iran = holidays.country_holidays("IR", years=range(start.year, end.year + 1))
    return sum(1 for n in range(1, (end - start).days + 1)
               if (d := start + datetime.timedelta(days=n)).weekday() not in (3, 4) and d not in iran)


@pytest.fixture
def file(client_for, city):
    return client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()


def task(app_id, agency):
    return ReviewTask.objects.get(application_id=app_id, agency__code=agency, stage="initial")


def test_the_clock_stops_while_the_file_waits_on_the_applicant(client_for, file):
    r = client_for("reviewer.water").post(f"/api/v1/applications/{file['id']}/reviews/water/decision/",
                                          {"decision": "request_info", "info_request": "نقشه انشعاب را بفرستید"},
                                          format="json")
    assert r.status_code == 200
    due_before = task(file["id"], "water").due_date
    # the applicant takes 17 calendar days to answer
    asked = timezone.now() - datetime.timedelta(days=17)
    InfoRequest.objects.filter(task__application_id=file["id"]).update(asked_at=asked)
    # meanwhile the deadlines pass: a task waiting on the applicant is neither deemed approved nor escalated
    counts = services.process_deadlines(now=timezone.now() + datetime.timedelta(days=40))
    assert task(file["id"], "water").status == "info_requested" and task(file["id"], "water").overdue_at is None
    assert counts["escalated"] + counts["deemed_approved"] >= 1  # the other agencies' clocks ran
    ReviewTask.objects.filter(application_id=file["id"]).exclude(agency__code="water").update(overdue_at=None)

    r = client_for("operator1").post(f"/api/v1/applications/{file['id']}/reviews/water/answer/",
                                     {"answer": "نقشه در دفتر پیشخوان تحویل شد"}, format="json")
    assert r.status_code == 200, r.json()
    waited = working_days_after(local_date(asked), local_date(timezone.now()))
    assert waited >= 10
    water = task(file["id"], "water")
    assert water.status == "pending"
    assert working_days_after(due_before, water.due_date) == waited  # the deadline moved on by the wait
    shown = next(t for t in r.json()["application"]["tasks"] if t["agency"] == "water")
    assert shown["info_requests"][0]["waited_working_days"] == waited
    assert shown["info_requests"][0]["answered_at"] and shown["info_requests"][0]["asked_at"]
    assert OutboxEvent.objects.filter(event_type="review.info_answered", agency_code="water").exists()
    # the reviewer sees both times on the decide page
    reviewer = Client()
    reviewer.force_login(user("reviewer.water"))
    page = reviewer.get(f"/files/{file['id']}/decide/").content.decode()
    assert "نقشه در دفتر پیشخوان تحویل شد" in page and "نقشه انشعاب را بفرستید" in page


def test_answers_are_recorded_only_at_the_office_and_only_when_asked(client_for, file):
    url = f"/api/v1/applications/{file['id']}/reviews/water/answer/"
    assert client_for("operator1").post(url, {"answer": "x"}, format="json").status_code == 409  # nothing asked
    client_for("reviewer.water").post(f"/api/v1/applications/{file['id']}/reviews/water/decision/",
                                      {"decision": "request_info", "info_request": "سند"}, format="json")
    assert client_for("operator2").post(url, {"answer": "x"}, format="json").status_code in {403, 404}
    assert client_for("reviewer.water").post(url, {"answer": "x"}, format="json").status_code == 403
    empty = client_for("operator1").post(url, {"answer": "  "}, format="json")
    assert empty.status_code == 400 and "answer" in empty.json()["error"]["details"]
    assert task(file["id"], "water").status == "info_requested"


def test_the_operator_records_the_answer_on_the_file_page(client_for, file):
    client_for("reviewer.power").post(f"/api/v1/applications/{file['id']}/reviews/power/decision/",
                                      {"decision": "request_info", "info_request": "قدرت درخواستی را تأیید کنید"},
                                      format="json")
    counter = Client()
    counter.force_login(user("operator1"))
    page = counter.get(f"/files/{file['id']}/").content.decode()
    assert 'id="answer-power"' in page and "در انتظار پاسخ متقاضی" in page
    done = counter.post(f"/files/{file['id']}/", {"action": "answer", "agency": "power", "answer": "۱۰ کیلووات"})
    assert done.status_code == 302
    assert task(file["id"], "power").status == "pending"
    assert InfoRequest.objects.get(task__application_id=file["id"]).answer == "۱۰ کیلووات"


def test_a_refusal_withdraws_the_other_agencies_open_tasks(client_for, file):
    client_for("reviewer.municipality").post(f"/api/v1/applications/{file['id']}/reviews/municipality/decision/",
                                             {"decision": "request_info", "info_request": "سند مالکیت"},
                                             format="json")
    r = client_for("reviewer.water").post(f"/api/v1/applications/{file['id']}/reviews/water/decision/",
                                          {"decision": "reject", "reason": 1}, format="json")
    assert r.status_code == 200 and r.json()["application"]["status"] == "rejected"
    statuses = {t["agency"]: (t["status"], t["withdrawn_note"]) for t in r.json()["application"]["tasks"]}
    assert statuses["water"][0] == "rejected"
    for agency in ("municipality", "power"):
        assert statuses[agency][0] == "withdrawn" and "#1" in statuses[agency][1]
        inbox = Client()
        inbox.force_login(user(f"reviewer.{agency}"))
        assert file["tracking_code"] not in inbox.get("/inbox/").content.decode()
        assert OutboxEvent.objects.filter(event_type="review.withdrawn", agency_code=agency).exists()
    assert not InfoRequest.objects.filter(task__application_id=file["id"], answered_at__isnull=True).exists()
    late = client_for("reviewer.power").post(f"/api/v1/applications/{file['id']}/reviews/power/decision/",
                                             {"decision": "approve"}, format="json")
    assert late.status_code == 409


def test_a_refused_file_is_amended_and_reviewed_again_on_the_same_number(client_for, file):
    url = f"/api/v1/applications/{file['id']}/"
    assert client_for("operator1").post(url + "resubmit/", {}, format="json").status_code == 409  # not refused
    client_for("reviewer.water").post(url + "reviews/water/decision/", {"decision": "reject", "reason": 1},
                                      format="json")
    assert client_for("operator2").post(url + "resubmit/", {}, format="json").status_code in {403, 404}
    r = client_for("operator1").post(url + "resubmit/", {"permit": {"floors": "۱", "units": 1},
                                                         "note": "یک طبقه کمتر"}, format="json")
    assert r.status_code == 200, r.json()
    again = r.json()["application"]
    assert again["tracking_code"] == file["tracking_code"] and again["round"] == 2
    assert again["status"] == "under_review" and again["permit_request"]["floors"] == 1
    first = {t["agency"]: t["status"] for t in again["tasks"] if t["round"] == 1}
    second = {t["agency"]: t["status"] for t in again["tasks"] if t["round"] == 2}
    assert first["water"] == "rejected" and set(first.values()) == {"rejected", "withdrawn"}
    assert second == {"municipality": "pending", "power": "pending", "water": "pending"}
    # each agency reviews the amended file; the earlier refusal stays visible; the file goes on to its permit
    approve_all(client_for, file["id"])
    assert client_for("operator1").get(url).json()["status"] == "awaiting_payment"
    assert pay_in_cash(client_for, file["id"], "RS-1")["status"] == "issued"
    counter = Client()
    counter.force_login(user("operator1"))
    page = counter.get(f"/files/{file['id']}/").content.decode()
    assert "دور" in page and "شماره ۱" in page  # the earlier round's refusal, its numbered reason in Persian digits


def test_resubmitting_on_the_file_page(client_for, file):
    client_for("reviewer.power").post(f"/api/v1/applications/{file['id']}/reviews/power/decision/",
                                      {"decision": "reject", "reason": 1}, format="json")
    counter = Client()
    counter.force_login(user("operator1"))
    assert 'id="resubmit"' in counter.get(f"/files/{file['id']}/").content.decode()
    bad = counter.post(f"/files/{file['id']}/", {"action": "resubmit", "floors": "صفر", "units": "1",
                                                 "gross_floor_area": "100", "parking_spaces": "0"})
    assert bad.status_code == 200 and "floors" in bad.content.decode()
    done = counter.post(f"/files/{file['id']}/", {"action": "resubmit", "floors": "۲", "units": "۲",
                                                  "gross_floor_area": "۱۸۰٫۵", "parking_spaces": "۱", "note": "x"})
    assert done.status_code == 302
    from panjereh.permits.models import Application

    app = Application.objects.get(pk=file["id"])
    assert app.round == 2 and app.status == "under_review" and app.gross_floor_area == 180.5


def test_the_counter_estimate_writes_nothing_and_equals_the_bill(client_for, city):
    from panjereh.permits.models import Application

    body = request_body(good_parcel(city))
    body.pop("applicant")
    before = Application.objects.count()
    r = client_for("operator1").post("/api/v1/applications/estimate/", body, format="json")
    assert r.status_code == 200, r.json()
    estimate = r.json()
    assert Application.objects.count() == before
    assert {line["code"] for line in estimate["lines"]} == {"permit", "water", "sewer", "power"}
    assert estimate["total"] == sum(line["amount"] for line in estimate["lines"])
    # the file opened with the same request is billed exactly the estimate
    full = request_body(good_parcel(city))
    full["parcel"] = body["parcel"]
    app = client_for("operator1").post("/api/v1/applications/", full, format="json").json()
    approve_all(client_for, app["id"])
    bill = client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()["bills"][0]
    assert bill["total"] == estimate["total"]
    assert client_for("reviewer.water").post("/api/v1/applications/estimate/", body,
                                             format="json").status_code == 403


def test_address_engineers_and_documents_are_kept_and_checked(client_for, city):
    body = request_body(good_parcel(city))
    body["permit"] |= {"address": "کیانپارس، خیابان ۵ غربی", "designer_name": "مریم نوری",
                       "designer_membership": "۱-۲۳-۴۵۶۷۸", "supervisor_name": "رضا امیری",
                       "supervisor_membership": "12-34567", "documents": ["ownership_deed", "design_drawings"]}
    r = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert r.status_code == 201, r.json()
    shown = r.json()["permit_request"]
    assert shown["designer_membership"] == "1-23-45678" and shown["documents"] == ["design_drawings",
                                                                                    "ownership_deed"]
    for bad in ({"documents": ["a_poem"]}, {"designer_membership": "ABC"}):
        other = request_body(good_parcel(city))
        other["permit"] |= bad
        r = client_for("operator1").post("/api/v1/applications/", other, format="json")
        assert r.status_code == 400 and next(iter(bad)) in json.dumps(r.json())
    # an amended file keeps what was not changed
    app_id = Application.objects.get(address="کیانپارس، خیابان 5 غربی").pk  # digits stored normalised
    client_for("reviewer.water").post(f"/api/v1/applications/{app_id}/reviews/water/decision/",
                                      {"decision": "reject", "reason": 1}, format="json")
    again = client_for("operator1").post(f"/api/v1/applications/{app_id}/resubmit/", {"permit": {"floors": 1}},
                                         format="json").json()["application"]["permit_request"]
    assert again["address"] == "کیانپارس، خیابان 5 غربی" and again["parking_spaces"] == 1
    assert again["documents"] == ["design_drawings", "ownership_deed"] and again["floors"] == 1
