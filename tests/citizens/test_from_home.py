"""A citizen from home, through the pages (Django's test client; the browser walk is in tests/web): the one-time
code read from the fake SMS provider, the mobile checked by the fake identity inquiry, a file sent and held for
the document check, documents checked by content, an agency's question answered with a document, online
payment through the fake bank gateway, the permit — and everything a citizen must not be able to do."""

import datetime
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from panjereh.citizens.models import OneTimeCode
from panjereh.permits.models import Application, FileDocument, InfoRequest
from panjereh.billing.models import Payment
from panjereh.permits.required_documents import required_documents
from panjereh.sms.models import SmsMessage
from tests.permits.helpers import good_parcel, pay_at_psp

from .helpers import encrypted_pdf_bytes, last_code, pdf_bytes, send_outbox, upload

pytestmark = pytest.mark.django_db
NID, MOBILE = "0499370899", "09123456789"


def sign_in(client, fake_sms, national_id=NID, mobile=MOBILE):
    r = client.post("/citizen/", {"national_id": national_id, "mobile": mobile})
    assert r.status_code == 302 and r["Location"].endswith("/citizen/code/"), r.content.decode()[:500]
    return client.post("/citizen/code/", {"code": last_code(fake_sms, mobile)})


def test_sign_in_refusals(fake_sms, fake_identity, settings):
    client = Client()
    bad = client.post("/citizen/", {"national_id": "1234567890", "mobile": MOBILE})
    assert bad.status_code == 400 and "کد ملی" in bad.content.decode()  # Persian, naming the field
    assert OneTimeCode.objects.count() == 0
    assert client.post("/citizen/", {"national_id": NID, "mobile": MOBILE}).status_code == 302
    # a wrong code, then the right one twice: the second time it is already used
    wrong = client.post("/citizen/code/", {"code": "000000"})
    assert wrong.status_code == 400 and "نادرست" in wrong.content.decode()
    right = last_code(fake_sms, MOBILE)
    assert client.post("/citizen/code/", {"code": right}).status_code == 302
    other = Client()
    other.post("/citizen/", {"national_id": NID, "mobile": MOBILE})
    otp = OneTimeCode.objects.order_by("-id").first()
    session = other.session
    session["citizen_code"] = OneTimeCode.objects.order_by("id").first().pk  # the code already used
    session.save()
    reused = other.post("/citizen/code/", {"code": right})
    assert reused.status_code == 400 and "پیش‌تر به کار رفته" in reused.content.decode()
    # an expired code
    OneTimeCode.objects.filter(pk=otp.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    session = other.session
    session["citizen_code"] = otp.pk
    session.save()
    assert other.post("/citizen/code/", {"code": last_code(fake_sms, MOBILE)}).status_code == 400
    # too many codes for one number in the window
    for _ in range(settings.PANJEREH_OTP_PER_MOBILE):
        Client().post("/citizen/", {"national_id": NID, "mobile": "09350000000"})
    refused = Client().post("/citizen/", {"national_id": NID, "mobile": "09350000000"})
    assert refused.status_code == 400 and OneTimeCode.objects.filter(mobile="09350000000").count() == \
        settings.PANJEREH_OTP_PER_MOBILE


def test_too_many_wrong_tries_end_the_code(fake_sms, fake_identity, settings):
    client = Client()
    client.post("/citizen/", {"national_id": NID, "mobile": MOBILE})
    for _ in range(settings.PANJEREH_OTP_MAX_TRIES):
        client.post("/citizen/code/", {"code": "999999"})
    right = last_code(fake_sms, MOBILE)
    assert client.post("/citizen/code/", {"code": right}).status_code == 400  # even the right code now
    assert "citizen" not in client.session


def test_a_mobile_of_someone_else_and_the_inquiry_down(fake_sms, fake_identity):
    fake_identity.register(NID, "09121111111", False)
    client = Client()
    refused = sign_in(client, fake_sms, mobile="09121111111")
    assert refused.status_code == 400 and "citizen" not in client.session
    fake_identity.state["mode"] = "down"
    waiting = Client()
    assert sign_in(waiting, fake_sms).status_code == 302
    assert waiting.session["citizen"]["identity"] == "pending"
    page = waiting.get("/citizen/files/")
    assert 'id="identity-pending"' in page.content.decode()


def test_from_home_to_permit(client_for, city, fake_sms, fake_identity, fake_psp, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    citizen = Client()
    assert sign_in(citizen, fake_sms).status_code == 302
    parcel = good_parcel(city)
    found = citizen.get("/citizen/apply/", {"q": f"{parcel.plate_main}/{parcel.plate_sub}"})
    assert f"?parcel={parcel.pk}" in found.content.decode()
    form = {"kind": "person", "name": "زهرا احمدی", "permit_type": "new", "land_use": "residential", "floors": "2",
            "units": "2", "gross_floor_area": str(round(parcel.area_m2)), "parking_spaces": "1",
            "timing_water": "now", "water_diameter_mm": "20", "timing_sewer": "now", "timing_power": "now",
            "power_phases": "1", "power_kw": "5", "timing_gas": "not_needed", "timing_telecom": "not_needed"}
    # the national ID and mobile are the proven ones, whatever the form says
    sent = citizen.post(f"/citizen/apply/?parcel={parcel.pk}", {**form, "national_id": "4608968882",
                                                                  "mobile": "09160000000", "action": "submit"})
    assert sent.status_code == 302, sent.content.decode()[:800]
    app = Application.objects.get(parcel=parcel, channel="online")
    assert app.applicant.national_id == NID and app.applicant_mobile == MOBILE
    assert app.status == "awaiting_check" and app.tasks.count() == 0 and app.identity_verified is True
    page = citizen.get(sent["Location"])
    assert page.status_code == 200 and app.tracking_code in page.content.decode()
    url = f"/citizen/files/{app.tracking_code}/"

    # documents: by content, not by name
    fake = citizen.post(url, {"action": "upload", "kind": "ownership_deed",
                              "document": upload("deed.pdf", b"this is not a pdf")})
    assert fake.status_code == 400 and FileDocument.objects.count() == 0
    locked = citizen.post(url, {"action": "upload", "kind": "ownership_deed",
                                "document": upload("deed.pdf", encrypted_pdf_bytes())})
    assert locked.status_code == 400 and "گذرواژه" in locked.content.decode()
    truncated = pdf_bytes()[:-200]
    assert citizen.post(url, {"action": "upload", "kind": "ownership_deed",
                              "document": upload("deed.pdf", truncated)}).status_code == 400
    assert citizen.post(url, {"action": "upload", "kind": "ownership_deed",
                              "document": upload("empty.pdf", b"")}).status_code == 400
    assert FileDocument.objects.count() == 0 and not list(tmp_path.rglob("*.pdf"))
    deed = pdf_bytes("سند مالکیت")
    assert citizen.post(url, {"action": "upload", "kind": "ownership_deed",
                              "document": upload("deed.pdf", deed)}).status_code == 302
    stored = FileDocument.objects.get()
    assert stored.sha256 == hashlib.sha256(deed).hexdigest() and stored.by_applicant
    download = citizen.get(f"{url}documents/{stored.pk}/")
    assert b"".join(download.streaming_content) == deed and download["X-Content-SHA256"] == stored.sha256

    # the municipality's check: refused while documents are missing, the applicant told; then accepted
    reviewer = Client()
    reviewer.force_login(__import__("tests.conftest", fromlist=["user"]).user("reviewer.municipality"))
    assert f"/files/{app.pk}/" in reviewer.get("/inbox/").content.decode()
    refused = reviewer.post(f"/files/{app.pk}/", {"action": "accept_documents"})
    assert refused.status_code == 200 and Application.objects.get(pk=app.pk).status == "awaiting_check"
    reviewer.post(f"/files/{app.pk}/", {"action": "return_documents", "note": "نقشه تفکیکی را بارگذاری کنید"})
    assert "نقشه تفکیکی" in citizen.get(url).content.decode()
    for kind in required_documents("new")[1:]:
        assert citizen.post(url, {"action": "upload", "kind": kind,
                                  "document": upload(f"{kind}.pdf", pdf_bytes(kind))}).status_code == 302
    assert reviewer.post(f"/files/{app.pk}/", {"action": "accept_documents"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "under_review" and {t.agency.code for t in app.tasks.all()} >= {"municipality", "water"}
    # the water company's reviewer sees the documents of a file in its inbox
    water = Client()
    water.force_login(__import__("tests.conftest", fromlist=["user"]).user("reviewer.water"))
    assert water.get(f"/files/{app.pk}/documents/{stored.pk}/").status_code == 200

    # the water company asks for a document; the citizen answers online with it
    client_for("reviewer.water").post(f"/api/v1/applications/{app.pk}/reviews/water/decision/",
                                      {"decision": "request_info", "info_request": "نقشه انشعاب را بفرستید"},
                                      format="json")
    page = citizen.get(url).content.decode()
    assert "نقشه انشعاب را بفرستید" in page and 'data-agency="water"' in page
    bad_answer = citizen.post(url, {"action": "answer", "agency": "water", "answer": "پیوست شد",
                                    "kind": "design_drawings", "document": upload("x.pdf", b"%PDF-1.4 broken")})
    assert bad_answer.status_code == 400 and InfoRequest.objects.get().answered_at is None  # nothing half-written
    answered = citizen.post(url, {"action": "answer", "agency": "water", "answer": "پیوست شد",
                                  "kind": "design_drawings", "document": upload("plan.pdf", pdf_bytes("نقشه"))})
    assert answered.status_code == 302
    question = InfoRequest.objects.get()
    assert question.answered_at and question.documents.get().version == 2

    # every agency approves; the citizen pays online at the fake bank; the permit is issued
    for agency in sorted({t.agency.code for t in app.tasks.filter(round=app.round)}):
        r = client_for(f"reviewer.{agency}").post(f"/api/v1/applications/{app.pk}/reviews/{agency}/decision/",
                                                  {"decision": "approve"}, format="json")
        assert r.status_code == 200, r.json()
    pay = citizen.post(url, {"action": "pay"})
    assert pay.status_code == 302 and pay["Location"].startswith(settings.PANJEREH_PSP_URL)
    back = pay_at_psp(pay["Location"])
    done = citizen.get("/payments/gateway/return/", back)
    assert done.status_code == 200 and url in done.content.decode()  # back to the citizen's own file
    assert Payment.objects.get(reference=back["order_id"]).status == "settled"
    app.refresh_from_db()
    assert app.status == "issued"
    certificate = citizen.get(f"/permits/{app.permit.number}/certificate/")
    from panjereh.core.text import persian_digits

    assert certificate.status_code == 200 and persian_digits(app.permit.number) in certificate.content.decode()

    # the messages the citizen received, each once
    send_outbox()
    kinds = list(SmsMessage.objects.filter(mobile=MOBILE).order_by("id").values_list("kind", flat=True))
    assert kinds == ["code", "opened", "documents_returned", "info_requested", "bill_ready", "permit_issued",
                     "tariff_changed"]
    assert len(fake_sms.sent(MOBILE)) == len(kinds)

    # nobody else sees the file: another citizen, an anonymous visitor, a staff page without the file
    stranger = Client()
    assert sign_in(stranger, fake_sms, national_id="4608968882", mobile="09187654321").status_code == 302
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"{url}documents/{stored.pk}/").status_code == 404
    assert stranger.get(f"/permits/{app.permit.number}/certificate/").status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page
    operator2 = Client()
    operator2.force_login(__import__("tests.conftest", fromlist=["user"]).user("operator2"))
    assert operator2.get(f"/files/{app.pk}/documents/{stored.pk}/").status_code == 404
