"""A citizen from home in Chromium, on the database under test: signs in with the code read from the fake SMS
provider, finds the parcel, sends the file, uploads the documents; the municipality checks them; the water
company asks for a document and the citizen answers online; the agencies approve; the citizen pays online at
the fake bank, downloads the permit PDF, and the public verify page confirms its hash. The fake provider's
record shows exactly the expected messages, each once. axe at 0 violations on the citizen's pages."""

import hashlib

import pytest

from panjereh.permits import services
from panjereh.permits.models import Application, ReviewTask
from panjereh.permits.required_documents import required_documents
from panjereh.sms.models import SmsMessage
from tests.citizens.helpers import last_code, pdf_bytes, send_outbox
from tests.conftest import user
from tests.permits.helpers import good_parcel

from .browser import SHOTS
from .test_accessibility import AXE, audit_now

NID, MOBILE = "0499370899", "09123456789"


def upload_document(page, kind: str, name: str):
    page.select_option("#upload-document select[name=kind]", kind)
    page.set_input_files("#document", files=[{"name": name, "mimeType": "application/pdf",
                                              "buffer": pdf_bytes(kind)}])
    page.click("#upload-document button")
    page.wait_for_selector("#document-list")


@pytest.mark.django_db(transaction=True)
def test_a_citizen_from_home_to_a_verified_permit(live_server, live_city, browser, fake_sms, fake_identity,
                                                 fake_psp, settings, tmp_path):
    assert AXE.exists()
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    page = browser.new_page()
    problems = []

    # sign in: the code comes by SMS (the worker sends the outbox)
    page.goto(f"{base}/citizen/")
    problems += audit_now(page, "citizen sign-in")
    page.fill("#national_id", "۰۴۹۹۳۷۰۸۹۹")  # Persian digits typed: the same national ID
    page.fill("#mobile", MOBILE)
    page.click("#citizen-start button")
    page.wait_for_url(f"{base}/citizen/code/")
    page.fill("#code", last_code(fake_sms, MOBILE))
    page.click("#citizen-code button")
    page.wait_for_url(f"{base}/citizen/files/")
    problems += audit_now(page, "citizen's files")

    # find the parcel, see the estimate, send the file
    parcel = good_parcel(live_city)
    page.click("#new-file")
    page.fill("#q", f"{parcel.plate_main}/{parcel.plate_sub}")
    page.click("#find-parcel button")
    page.click(f"#parcels a[href='?parcel={parcel.pk}']")
    page.fill("#name", "زهرا احمدی")
    page.fill("#gross_floor_area", str(round(parcel.area_m2)))
    page.click("input[name=timing_gas][value=not_needed]")
    page.click("input[name=timing_telecom][value=not_needed]")
    page.click("#check")
    page.wait_for_selector("#estimate-total")
    problems += audit_now(page, "citizen's application with the estimate")
    page.click("#submit-file")
    page.wait_for_selector("#upload-document")
    app = Application.objects.get(parcel=parcel, channel="online")
    assert app.status == "awaiting_check" and app.applicant.national_id == NID

    # the documents, then the municipality's check
    for kind in required_documents("new"):
        upload_document(page, kind, f"{kind}.pdf")
    assert page.locator("#missing").count() == 0
    problems += audit_now(page, "citizen's file with documents")
    services.accept_documents(actor=user("reviewer.municipality"), application=app)

    # the water company asks for a document; the citizen answers on the page with it
    services.record_decision(actor=user("reviewer.water"), application=app, agency_code="water",
                             decision="request_info", info_request="نقشه انشعاب آب را بفرستید")
    page.reload()
    page.wait_for_selector("form.answer[data-agency=water]")
    page.fill("form.answer[data-agency=water] textarea", "نقشه پیوست شد")
    page.select_option("form.answer[data-agency=water] select", "design_drawings")
    page.set_input_files("form.answer[data-agency=water] input[type=file]",
                         files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("plan")}])
    page.click("form.answer[data-agency=water] button")
    page.wait_for_selector("#documents")
    assert page.locator("form.answer").count() == 0
    app.refresh_from_db()
    for task in app.tasks.filter(round=app.round, status__in=ReviewTask.OPEN).select_related("agency"):
        services.record_decision(actor=user(f"reviewer.{task.agency.code}"), application=app,
                                 agency_code=task.agency.code, decision="approve")

    # pay online at the fake bank, back to the file: the permit is issued
    page.reload()
    page.click("#pay-online button")
    page.wait_for_selector("#pay")
    page.click("#pay")
    page.wait_for_load_state("networkidle")
    page.click(f"a[href='/citizen/files/{app.tracking_code}/']")
    page.wait_for_selector("#permit")
    app.refresh_from_db()
    assert app.status == "issued"
    problems += audit_now(page, "citizen's file with the permit")
    page.screenshot(path=str(SHOTS / "citizen-file-fa.png"), full_page=True)

    # the permit PDF, and the public verify page confirming its hash
    downloaded = page.request.get(f"{base}/permits/{app.permit.number}/certificate.pdf")
    assert downloaded.status == 200 and downloaded.body().startswith(b"%PDF-")
    digest = hashlib.sha256(downloaded.body()).hexdigest()
    page.goto(f"{base}/verify/{app.permit.verification_code}/")
    assert page.inner_text("#sha256") == digest

    # what reached the citizen's phone: each expected message, once
    send_outbox()
    kinds = list(SmsMessage.objects.filter(mobile=MOBILE).order_by("id").values_list("kind", flat=True))
    assert kinds == ["code", "opened", "info_requested", "bill_ready", "permit_issued", "tariff_changed"]
    received = fake_sms.sent(MOBILE)
    assert len(received) == len(kinds) and len({r["localid"] for r in received}) == len(kinds)
    assert problems == [], "\n".join(problems)
