"""Issue 25's dead ends a citizen hits and what an attacker found on the citizen's side, each with the test that
failed before its fix:

7.  the SMS "answer" and "pay" links land on the page that does it (sign-in first, then back there);
9.  a tracking code is one script everywhere (the characters typed and texted), isolated from the text;
13. one citizen cannot hold a street's parcels: open files from home are limited, staff close a file waiting
    for the check with a numbered reason, a file left unchecked expires, and the applicant is told;
18. applying on a parcel with someone else's open file says only that one exists and where to ask.
"""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from panjereh.permits import services
from panjereh.permits.models import Application
from panjereh.sms.models import SmsMessage
from tests.conftest import user
from tests.permits.helpers import good_parcel, request_body

from .helpers import last_code, send_outbox

pytestmark = pytest.mark.django_db
NID, MOBILE = "4608968882", "09161234567"  # the counter's applicant in request_body


def _sign_in(client, fake_sms, national_id=NID, mobile=MOBILE):
    client.post("/citizen/", {"national_id": national_id, "mobile": mobile})
    return client.post("/citizen/code/", {"code": last_code(fake_sms, mobile)})


def test_the_sms_links_land_on_the_page_that_answers_and_pays(client_for, city, fake_sms, fake_identity):
    """Before: every link opened /track/, which can neither answer nor pay."""
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                       format="json").json()
    client_for("reviewer.water").post(f"/api/v1/applications/{app['id']}/reviews/water/decision/",
                                      {"decision": "request_info", "info_request": "نقشه"}, format="json")
    send_outbox()
    texts = [m["message"] for m in fake_sms.sent(MOBILE)]
    asked = next(t for t in texts if "نقشه" in t or "اطلاعات" in t)
    link = re.search(r"https?://\S+", asked).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert path == f"citizen/files/{app['tracking_code']}/?to=questions", link
    # not signed in: the sign-in first, then straight back to the question
    citizen = Client()
    first = citizen.get("/" + path)
    assert first.status_code == 302 and first["Location"] == "/citizen/"
    back = _sign_in(citizen, fake_sms)
    assert back.status_code == 302 and back["Location"] == "/" + path
    there = citizen.get(back["Location"])
    assert there.status_code == 302 and there["Location"].endswith(f"/citizen/files/{app['tracking_code']}/#questions")
    page = citizen.get(there["Location"].split("#")[0]).content.decode()
    assert 'id="questions"' in page and 'name="answer"' in page
    # an address of another site stored as "next" is never followed
    other = Client()
    other.get("/citizen/files/X/?to=bills")
    session = other.session
    session["citizen_next"] = "//evil.example/"
    session.save()
    assert _sign_in(other, fake_sms)["Location"] == "/citizen/files/"


def test_a_tracking_code_is_one_script_on_every_page(client_for, city):
    """Before: "A۲M۸SD۴AZU" on pages, "A2M8SD4AZU" in the SMS."""
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                       format="json").json()
    code = app["tracking_code"]
    mixed = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    operator = Client()
    operator.force_login(user("operator1"))
    water = Client()
    water.force_login(user("reviewer.water"))
    pages = [operator.get(f"/files/{app['id']}/"), operator.get("/counter/"), water.get("/inbox/"),
             water.get(f"/files/{app['id']}/decide/"), operator.get(f"/files/{app['id']}/receipt/")]
    for response in pages:
        html = response.content.decode()
        assert code in html, response.request["PATH_INFO"]
        if mixed != code:
            assert mixed not in html, response.request["PATH_INFO"]
    assert f'<bdi dir="ltr">{code}</bdi>' in pages[2].content.decode()


def _from_home(citizen, parcel):
    form = {"kind": "person", "name": "زهرا احمدی", "permit_type": "new", "land_use": "residential", "floors": "2",
            "units": "2", "gross_floor_area": str(round(parcel.area_m2)), "parking_spaces": "1",
            "timing_water": "now", "water_diameter_mm": "20", "timing_sewer": "now", "timing_power": "now",
            "power_phases": "1", "power_kw": "5", "timing_gas": "not_needed", "timing_telecom": "not_needed",
            "action": "submit"}
    return citizen.post(f"/citizen/apply/?parcel={parcel.pk}", form)


def _free_parcels(n):
    from panjereh.citymap.models import Parcel

    busy = Application.objects.exclude(status__in=Application.CLOSED).values("parcel_id")
    return list(Parcel.objects.filter(land_use="residential").exclude(pk__in=busy).order_by("id")[:n])


def test_one_citizen_cannot_hold_a_streets_parcels(city, fake_sms, fake_identity, settings):
    """Before: one signed-in citizen opened 19 files on 20 parcels in 2.9 s, and the counter then refused them."""
    settings.PANJEREH_CITIZEN_OPEN_FILES = 3
    citizen = Client()
    _sign_in(citizen, fake_sms, national_id="0499370899", mobile="09123456789")
    parcels = _free_parcels(5)
    made = [_from_home(citizen, p).status_code for p in parcels]
    assert made[:3] == [302, 302, 302] and made[3] == 400
    assert Application.objects.filter(applicant__national_id="0499370899").count() == 3
    # the municipality closes one with a numbered reason: the parcel is free again, the applicant told
    held = Application.objects.filter(applicant__national_id="0499370899").order_by("id")
    reviewer = Client()
    reviewer.force_login(user("reviewer.municipality"))
    page = reviewer.get(f"/files/{held[0].pk}/").content.decode()
    assert 'id="close-unchecked"' in page
    no_reason = reviewer.post(f"/files/{held[0].pk}/", {"action": "close_unchecked", "outcome": "withdraw"})
    assert no_reason.status_code == 200 and Application.objects.get(pk=held[0].pk).status == "awaiting_check"
    reviewer.post(f"/files/{held[0].pk}/", {"action": "close_unchecked", "outcome": "withdraw", "reason": "1",
                                             "note": "قطعه متعلق به متقاضی نیست"})
    assert Application.objects.get(pk=held[0].pk).status == "withdrawn"
    assert SmsMessage.objects.filter(kind="check_closed", subject=held[0].tracking_code).exists()
    counter = user("operator1")
    opened = services.submit_application(actor=counter, parcel=held[0].parcel, applicant={
        "kind": "person", "national_id": NID, "name": "مالک", "mobile": MOBILE},
        permit=request_body(held[0].parcel)["permit"], services=request_body(held[0].parcel)["services"])
    assert opened.status == "under_review"
    # a file left unchecked expires after the configured working days, and its applicant is told
    Application.objects.filter(pk=held[1].pk).update(submitted_at=timezone.now() - datetime.timedelta(days=40))
    counts = services.process_deadlines()
    assert counts["expired_unchecked"] == 1 and Application.objects.get(pk=held[1].pk).status == "withdrawn"
    assert SmsMessage.objects.filter(kind="check_expired", subject=held[1].tracking_code).exists()
    assert Application.objects.get(pk=held[2].pk).status == "awaiting_check"
    # room again: the citizen may open another
    assert _from_home(citizen, parcels[4]).status_code == 302


def test_someone_elses_open_file_is_not_shown_to_a_citizen(client_for, city, fake_sms, fake_identity):
    """Before: the refusal showed the other file's tracking code and status."""
    parcel = good_parcel(city)
    theirs = client_for("operator1").post("/api/v1/applications/", request_body(parcel), format="json").json()
    citizen = Client()
    _sign_in(citizen, fake_sms, national_id="0499370899", mobile="09123456789")
    refused = _from_home(citizen, parcel)
    html = refused.content.decode()
    assert refused.status_code == 400 and "پرونده‌ای باز" in html
    assert theirs["tracking_code"] not in html and "در حال بررسی" not in html.split('class="error"')[-1][:400]
    # the counter still sees which file it is
    again = client_for("operator1").post("/api/v1/applications/", request_body(parcel), format="json")
    assert again.status_code == 400 and theirs["tracking_code"] in again.json()["error"]["message"]
