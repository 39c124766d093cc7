"""Issue 30's desks in a real Chromium, as their people use them, with their screenshots: the supervising
engineer reports a phase from a 390 px phone (signed in as any citizen, by one-time code), the municipality's
inspector passes the final inspection on their desk, the signer then certifies completion; the appeal body's
and the agencies' complaint desks with an item waiting."""

import pytest

from panjereh.permits import services
from panjereh.permits.models import Application, BuildingInspection, Engineer, RefusalReason
from tests.citizens.helpers import last_code
from tests.conftest import user
from tests.permits.helpers import SUPERVISOR, approve_all, good_parcel, pay_in_cash, png, request_body, \
    supervise_to_completion

from .browser import SHOTS, login, logout
from .test_accessibility import api_as
from .test_phone_and_screens import PHONES, fits


def _file(city, **permit):
    body = request_body(good_parcel(city))
    body["permit"] |= permit
    return api_as("operator1").post("/api/v1/applications/", body, format="json").json()


@pytest.mark.django_db(transaction=True)
def test_the_engineer_reports_from_a_phone_and_the_inspector_clears_the_completion(
        live_server, live_city, browser, fake_sms, fake_identity, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PANJEREH_INSPECTION_SAMPLING = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}  # the final one only
    base = live_server.url
    app = _file(live_city, supervisor_name="مهندس کامران شریفی", supervisor_membership=SUPERVISOR)
    approve_all(api_as, app["id"])
    assert pay_in_cash(api_as, app["id"], "R-SUP-PAGE")["status"] == "issued"
    supervise_to_completion(app["id"], phases=["foundation", "frame", "roof"])
    engineer = Engineer.objects.get(membership=SUPERVISOR)

    # the engineer, on a phone, signs in with the register's national ID and mobile
    page = browser.new_page()
    page.set_viewport_size(PHONES["390"])
    page.goto(f"{base}/citizen/")
    page.fill("#national_id", engineer.national_id)
    page.fill("#mobile", engineer.mobile)
    page.click("#citizen-start button")
    page.wait_for_url(f"{base}/citizen/code/")
    page.fill("#code", last_code(fake_sms, engineer.mobile))
    page.click("#citizen-code button")
    page.wait_for_url(f"{base}/citizen/files/")
    page.click("#supervision-link a")
    page.wait_for_selector(f"[data-file='{app['tracking_code']}']")
    fits(page, "supervised buildings")
    page.screenshot(path=str(SHOTS / "phone-390-supervised.png"), full_page=True)
    page.click(f"[data-file='{app['tracking_code']}'] a")
    page.wait_for_selector("#report-form")
    assert page.locator("input[name=phase]").get_attribute("value") == "completion"
    page.set_input_files("#photos", files=[{"name": "facade.png", "mimeType": "image/png",
                                            "buffer": png((200, 190, 160), (64, 48)).read()}])
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#nothing-to-report")
    assert page.get_attribute("tr[data-phase=completion]", "data-state") == "inspection_due"
    fits(page, "supervision of a file")
    page.screenshot(path=str(SHOTS / "phone-390-supervision-file.png"), full_page=True)

    # the municipality's inspector, on the desktop desk
    desk = browser.new_page()
    login(desk, base, "reviewer.municipality")
    desk.goto(f"{base}/inspections/")
    inspection = BuildingInspection.objects.get(application_id=app["id"], inspected_at__isnull=True)
    section = f"[data-inspection='{inspection.pk}']"
    desk.wait_for_selector(section)
    assert "پایان کار" in desk.inner_text(section) and "پایه ۱" in desk.inner_text("#inspector")
    desk.screenshot(path=str(SHOTS / "inspections-desk.png"), full_page=True)
    desk.click(f"{section} button[value=pass]")
    desk.wait_for_selector("#no-inspections")
    assert services.final_inspection_passed(Application.objects.get(pk=app["id"]))
    logout(desk)

    # the signer now finds the completion step on the file, every phase cleared
    login(desk, base, "signer")
    desk.goto(f"{base}/files/{app['id']}/")
    desk.wait_for_selector("#completion-step")
    assert desk.locator("#phases tr[data-state=cleared]").count() == 4
    desk.screenshot(path=str(SHOTS / "file-construction-cleared.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_the_appeal_and_complaint_desks_with_an_item_waiting(live_server, live_city, browser, fake_sms, settings,
                                                           tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    refused = _file(live_city)
    reason = RefusalReason.objects.filter(agency__code="power", active=True).order_by("number").first()
    services.record_decision(actor=user("reviewer.power"), application=Application.objects.get(pk=refused["id"]),
                             agency_code="power", decision="reject", reason_number=reason.number)
    services.file_appeal(application=Application.objects.get(pk=refused["id"]),
                         grounds="شبکه برق در خیابان مجاور ظرفیت دارد و نقشه مشترک همین را نشان می‌دهد.")
    issued = _file(live_city)
    approve_all(api_as, issued["id"])
    pay_in_cash(api_as, issued["id"], "R-DESKS")
    services.file_complaint(application=Application.objects.get(pk=issued["id"]), agency_code="water",
                            subject="connection", text="انشعاب آب پس از سه هفته هنوز نصب نشده است.")
    page = browser.new_page()
    login(page, base, "signer")
    page.goto(f"{base}/appeals/")
    page.wait_for_selector("[data-appeal]")
    assert refused["tracking_code"] in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "appeals-desk.png"), full_page=True)
    logout(page)
    login(page, base, "reviewer.water")
    page.goto(f"{base}/complaints/")
    page.wait_for_selector("[data-complaint]")
    assert "سه هفته" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "complaints-desk.png"), full_page=True)
