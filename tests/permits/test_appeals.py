"""Appeals of a refusal online (issue 30, B-READY 3): the applicant appeals from home with grounds and a document;
the city's appeal body decides within its working days on its own desk; upheld reopens the review in a new round,
dismissed leaves the refusal; the clock and the outcome are on the file, in the SMS and in the indicators."""

import pytest
from django.test import Client

from panjereh.citymap.models import Parcel
from panjereh.indicators import practices
from panjereh.permits import services
from panjereh.permits.models import Appeal, Application, ReviewTask
from panjereh.sms.models import SmsMessage
from tests.citizens.helpers import pdf_bytes, upload
from tests.citizens.test_from_home import MOBILE, NID, sign_in
from tests.conftest import user
from tests.permits.helpers import good_parcel, request_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(city):
    body = request_body(good_parcel(city), applicant={"kind": "person", "national_id": NID, "name": "زهرا احمدی",
                                                      "mobile": MOBILE})
    app = services.submit_application(actor=user("operator1"), parcel=Parcel.objects.get(pk=body["parcel"]),
                                      applicant=body["applicant"], permit=body["permit"], services=body["services"],
                                      office=user("operator1").staff.office)
    services.record_decision(actor=user("reviewer.power"), application=app, agency_code="power", decision="reject",
                             reason_number=1)
    app.refresh_from_db()
    assert app.status == "rejected"
    return app


def _citizen(fake_sms):
    client = Client()
    sign_in(client, fake_sms)
    return client


def _staff(username):
    client = Client()
    client.force_login(user(username))
    return client


def test_an_applicant_appeals_online_and_the_commission_upholds_it(refused, fake_sms, fake_identity):
    citizen = _citizen(fake_sms)
    page = citizen.get(f"/citizen/files/{refused.tracking_code}/").content.decode()
    assert 'id="appeal-form"' in page
    # grounds that say nothing are refused, in Persian, and nothing is written
    short = citizen.post(f"/citizen/files/{refused.tracking_code}/", {"action": "appeal", "grounds": "قبول ندارم"})
    assert short.status_code == 400 and "دلایل" in short.content.decode() and not Appeal.objects.exists()
    sent = citizen.post(f"/citizen/files/{refused.tracking_code}/", {
        "action": "appeal", "grounds": "ترانسفورماتور محله سال گذشته تعویض شده و ظرفیت کافی دارد.",
        "document": upload("letter.pdf", pdf_bytes("letter"))})
    assert sent.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.status == "pending" and appeal.task.agency.code == "power" and appeal.document is not None
    assert SmsMessage.objects.filter(kind="appeal_filed", subject=refused.tracking_code).exists()
    again = citizen.post(f"/citizen/files/{refused.tracking_code}/", {"action": "appeal", "grounds": "x" * 30})
    assert again.status_code == 400 and "در انتظار رسیدگی" in again.content.decode()  # one waits at a time
    assert 'id="appeal-form"' not in again.content.decode()
    assert Appeal.objects.count() == 1
    # the clock on the file
    assert 'data-appeal-status="pending"' in citizen.get(f"/citizen/files/{refused.tracking_code}/").content.decode()

    # only the appeal body sees the desk; the reviewer who refused does not decide it
    assert _staff("reviewer.power").get("/appeals/").status_code == 403
    signer = _staff("signer")
    desk = signer.get("/appeals/").content.decode()
    assert f'data-appeal="{appeal.pk}"' in desk
    no_reasons = signer.post("/appeals/", {"appeal": appeal.pk, "decision": "uphold", "note": ""}, follow=True)
    assert Appeal.objects.get().status == "pending" and "دلایل" in no_reasons.content.decode()
    signer.post("/appeals/", {"appeal": appeal.pk, "decision": "uphold",
                              "note": "ظرفیت ترانسفورماتور کافی است؛ بررسی دوباره شود."})
    appeal.refresh_from_db()
    refused.refresh_from_db()
    assert appeal.status == "upheld" and appeal.decided_by.username == "signer"
    assert refused.status == "under_review" and refused.round == 2  # the review reopened in a new round
    assert ReviewTask.objects.filter(application=refused, round=2, agency__code="power", status="pending").exists()
    assert SmsMessage.objects.filter(kind="appeal_decided", subject=refused.tracking_code).exists()
    # decided once
    with pytest.raises(services.Conflict):
        services.decide_appeal(actor=user("signer"), appeal=appeal, upheld=False, note="دوباره")
    # in the indicators: one appeal, decided, upheld
    row = {p["key"]: p for p in practices.checklist()}["online_appeal"]
    assert row["met"] and row["appeals"]["filed"] == 1 and row["appeals"]["upheld"] == 1 and row["share"] == 1.0


def test_a_dismissed_appeal_leaves_the_refusal_and_a_file_not_refused_cannot_be_appealed(refused, city):
    appeal = services.file_appeal(application=refused, grounds="پرونده به اشتباه رد شده است؛ مدارک کامل بود.")
    services.decide_appeal(actor=user("signer"), appeal=appeal, upheld=False,
                           note="دلیل رد درست است: ظرفیت کافی نیست.")
    refused.refresh_from_db()
    assert refused.status == "rejected" and refused.round == 1
    assert Appeal.objects.get().status == "dismissed"
    other = Application.objects.exclude(status="rejected").first()
    if other is not None:
        with pytest.raises(services.Conflict):
            services.file_appeal(application=other, grounds="این پرونده رد نشده ولی اعتراض دارم به آن.")
