"""Issue 25, item 8 and the screenshots of every page it changed.

Every citizen page (start, code, apply with its estimate, the file with its questions, documents and bill,
track) works on a 390×844 and a 360×740 phone: nothing wider than the screen (before: the apply form was 762 px
wide on a 390 px phone and its check button could not be clicked), each screenshot kept. Then the staff pages
this issue changed, on a desktop, as a clerk sees them: connections, decide with its summary, the file's
documents and completion step, the signer's desk, the verify page with its comparison, the sign-in locks."""

import pytest

from panjereh.permits.models import Application
from tests.citizens.helpers import last_code, pdf_bytes
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

from .browser import SHOTS, login
from .test_accessibility import api_as

NID, MOBILE = "0499370899", "09123456789"
PHONES = {"390": {"width": 390, "height": 844}, "360": {"width": 360, "height": 740}}


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.pdf", pdf_bytes(name))


def fits(page, what):
    """Nothing on the page is wider than the screen: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    screen = page.evaluate("window.innerWidth")
    assert width <= screen, f"{what}: {width} px wide on a {screen} px screen"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phone", list(PHONES))
def test_every_citizen_page_fits_a_phone(live_server, live_city, browser, fake_sms, fake_identity, fake_psp, phone,
                                         settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    page = browser.new_page()
    page.set_viewport_size(PHONES[phone])

    def shot(name):
        fits(page, name)
        page.screenshot(path=str(SHOTS / f"phone-{phone}-{name}.png"), full_page=True)

    page.goto(f"{base}/citizen/")
    shot("start")
    page.fill("#national_id", NID)
    page.fill("#mobile", MOBILE)
    page.click("#citizen-start button")
    page.wait_for_url(f"{base}/citizen/code/")
    shot("code")
    page.fill("#code", last_code(fake_sms, MOBILE))
    page.click("#citizen-code button")
    page.wait_for_url(f"{base}/citizen/files/")
    shot("files")
    parcel = good_parcel(live_city)
    page.goto(f"{base}/citizen/apply/?parcel={parcel.pk}")
    shot("apply")
    page.fill("#name", "زهرا احمدی")
    page.fill("#gross_floor_area", str(round(parcel.area_m2)))
    page.click("input[name=timing_gas][value=not_needed]")
    page.click("input[name=timing_telecom][value=not_needed]")
    page.click("#check")  # before: outside the screen, not clickable
    page.wait_for_selector("#estimate-total")
    shot("apply-estimate")
    page.click("#submit-file")
    page.wait_for_selector("#upload-document")
    shot("file-documents")
    page.set_input_files("#document", files=[{"name": "deed.pdf", "mimeType": "application/pdf",
                                              "buffer": pdf_bytes("deed")}])
    page.click("#upload-document button")
    page.wait_for_selector("#document-list")
    shot("file-uploaded")
    # the file checked and approved by every agency: its bill, paid from here on the phone
    from panjereh.permits import services
    from panjereh.permits.required_documents import required_documents

    app = Application.objects.get(parcel=parcel, channel="online")
    for kind in required_documents("new")[1:]:
        services.add_document(actor=None, application=app, kind=kind, upload=_pdf(kind), by_applicant=True)
    services.accept_documents(actor=user("reviewer.municipality"), application=app)
    for agency in ("municipality", "water", "power"):
        services.record_decision(actor=user(f"reviewer.{agency}"), application=app, agency_code=agency,
                                 decision="approve")
    page.reload()
    page.wait_for_selector("#pay-online")  # the pay button, on the screen
    shot("file-bill")
    page.goto(f"{base}/track/")
    shot("track")
    # the public pages of B-READY: the check before applying, the procedures, the plan's rules
    page.goto(f"{base}/precheck/?parcel={parcel.pk}")
    page.fill("#gross_floor_area", str(round(parcel.area_m2)))
    page.click("#check")
    page.wait_for_selector("#estimate-total")
    shot("precheck")
    for name, path in (("procedure", "/procedures/permits/new/"), ("connection", "/procedures/connections/water/"),
                       ("zoning-rules", "/procedures/zoning/")):
        page.goto(f"{base}{path}")
        shot(name)


@pytest.mark.django_db(transaction=True)
def test_screens_of_the_changed_staff_pages(live_server, live_city, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    page = browser.new_page()
    body = request_body(good_parcel(live_city), permit__documents=["ownership_deed", "national_card"])
    app = api_as("operator1").post("/api/v1/applications/", body, format="json").json()
    login(page, base, "reviewer.power")
    page.goto(f"{base}/files/{app['id']}/decide/")
    page.check("input[name=decision][value=reject]")
    page.select_option("#reason", "1")
    page.click("#decision button[type=submit]")
    page.wait_for_selector("#confirm-summary")
    page.screenshot(path=str(SHOTS / "decide-confirm.png"), full_page=True)
    page.click("#confirm button[value=change]")
    page.wait_for_selector("#decision")
    assert page.is_checked("input[name=decision][value=reject]")
    page.check("input[name=decision][value=approve]")
    page.click("#decision button[type=submit]")
    page.click("#confirm button[value=confirm]")
    page.wait_for_selector("#messages")
    page.screenshot(path=str(SHOTS / "inbox-after-decision.png"), full_page=True)
    approve_all(lambda name: api_as(name), app["id"], agencies=("municipality", "water"))
    login(page, base, "operator1")
    page.goto(f"{base}/files/{app['id']}/")
    assert page.locator("#missing").count() == 1
    page.screenshot(path=str(SHOTS / "file-documents-missing.png"), full_page=True)
    page.check("#seen-documents input[value=survey_map]")
    page.click("#seen-documents button")
    page.wait_for_selector("#messages")
    login(page, base, "signer")
    page.goto(f"{base}/signing/")
    page.screenshot(path=str(SHOTS / "signing.png"), full_page=True)
    # a second file, complete and paid: its orders on the water company's page, its permit's verify page
    paid = api_as("operator1").post("/api/v1/applications/", request_body(good_parcel(live_city)),
                                    format="json").json()
    approve_all(lambda name: api_as(name), paid["id"])
    pay_in_cash(lambda name=None: api_as(name or "operator1"), paid["id"], "SCR-1")
    login(page, base, "reviewer.water")
    page.goto(f"{base}/connections/")
    assert page.locator("#connections tr[data-status=ordered]").count() >= 1
    page.screenshot(path=str(SHOTS / "connections.png"), full_page=True)
    from panjereh.permits import pdf
    from panjereh.permits.models import Permit

    pdf.render_pending()
    permit = Permit.objects.get(application_id=paid["id"])
    page.goto(f"{base}/verify/{permit.verification_code}/")
    with open(tmp_path / permit.pdf_file, "rb") as handle:
        original = handle.read()
    page.set_input_files("#pdf", files=[{"name": "permit.pdf", "mimeType": "application/pdf", "buffer": original}])
    page.click("#compare button")
    page.wait_for_selector("#compare-result[data-same='1']")
    page.screenshot(path=str(SHOTS / "verify-same.png"), full_page=True)
    login(page, base, "admin")
    page.goto(f"{base}/signin-locks/")
    page.screenshot(path=str(SHOTS / "signin-locks.png"), full_page=True)
    assert Application.objects.filter(pk=app["id"]).exists()
