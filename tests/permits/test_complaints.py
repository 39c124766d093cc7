"""Complaints about a connection or a bill (issue 30, B-READY 15): filed from home against one of the file's
agencies; its staff answer on their desk within the deadline; unanswered, the deadline pass escalates it to the
independent body (the coordinators), who answer it; SMS at each step; counted in the practices."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from panjereh.indicators import practices
from panjereh.permits import services
from panjereh.permits.models import Complaint
from panjereh.sms.models import SmsMessage
from tests.citizens.test_from_home import sign_in
from tests.conftest import user
from tests.permits.test_appeals import _staff, refused  # noqa: F401 — a file of this applicant

pytestmark = pytest.mark.django_db
TEXT = "انشعاب آب پس از پرداخت صورت‌حساب هنوز نصب نشده است."


def test_a_complaint_answered_by_the_agency_and_one_escalated_when_not(refused, fake_sms, fake_identity):  # noqa: F811
    citizen = Client()
    sign_in(citizen, fake_sms)
    page = f"/citizen/files/{refused.tracking_code}/"
    assert 'id="complaint-form"' in citizen.get(page).content.decode()
    bad = citizen.post(page, {"action": "complain", "agency": "water", "subject": "connection", "text": "بد"})
    assert bad.status_code == 400 and not Complaint.objects.exists()
    nowhere = citizen.post(page, {"action": "complain", "agency": "fire", "subject": "connection", "text": TEXT})
    assert nowhere.status_code == 400 and not Complaint.objects.exists()  # not one of the file's agencies
    assert citizen.post(page, {"action": "complain", "agency": "water", "subject": "connection",
                               "text": TEXT}).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.agency.code == "water" and complaint.status == "pending"
    assert SmsMessage.objects.filter(kind="complaint_filed", subject=refused.tracking_code).exists()

    # the water company's reviewer sees it; the power company's does not
    assert f'data-complaint="{complaint.pk}"' in _staff("reviewer.water").get("/complaints/").content.decode()
    assert f'data-complaint="{complaint.pk}"' not in _staff("reviewer.power").get("/complaints/").content.decode()
    _staff("reviewer.water").post("/complaints/", {"complaint": complaint.pk, "answer": "نصب فردا انجام می‌شود."})
    complaint.refresh_from_db()
    assert complaint.status == "answered" and complaint.answered_by.username == "reviewer.water"
    assert SmsMessage.objects.filter(kind="complaint_answered").exists()

    # another, to the power company, left unanswered past its deadline: escalated by the deadline pass
    late = services.file_complaint(application=refused, agency_code="power", subject="bill", text=TEXT)
    Complaint.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    counts = services.process_deadlines()
    late.refresh_from_db()
    assert counts["complaints_escalated"] == 1 and late.status == "escalated" and late.escalated_at
    assert SmsMessage.objects.filter(kind="complaint_escalated").exists()
    desk = _staff("coordinator").get("/complaints/").content.decode()
    assert f'data-complaint="{late.pk}" data-status="escalated"' in desk  # the independent body's
    services.answer_complaint(actor=user("coordinator"), complaint=late, answer="شرکت توزیع برق موظف به پاسخ است.")
    row = {p["key"]: p for p in practices.checklist()}["complaints"]
    assert row["met"] and row["complaints"] == {"filed": 2, "answered_in_time": 1, "escalated": 1}
