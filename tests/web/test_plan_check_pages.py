"""Issue 31 in a real Chromium: the counter uploads a drawing for a parcel and reads the findings on a desktop;
the citizen's designer does it from a 390 px phone; axe finds no WCAG 2.1 A/AA violation on either page, before
and after the check; the screenshots are kept."""

import pytest

from panjereh.citymap.models import Parcel
from panjereh.citizens import session
from tests.citizens.helpers import last_code
from tests.plancheck.drawings import dxf, from_north

from .browser import SHOTS, login, logout
from .test_accessibility import audit, audit_now
from .test_phone_and_screens import PHONES, fits


def _drawing(parcel, floors):
    minx, miny, maxx, maxy = parcel.geom.extent
    wd = (maxx - minx, maxy - miny)
    return dxf(lot=wd, storeys=[from_north(wd, wd[1] * 0.5)] * floors, roof=floors * 3.2 + 1, parking=2, units=2)


@pytest.mark.django_db(transaction=True)
def test_the_counter_and_the_designer_check_a_drawing(live_server, live_city, browser, fake_sms, fake_identity,
                                                      settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    parcel = Parcel.objects.filter(land_use="residential", max_floors__gte=2).order_by("id").first()
    page = browser.new_page()
    login(page, base, "operator1")
    url = f"{base}/plan-check/?parcel={parcel.pk}"
    problems = audit(page, url)
    page.set_input_files("#drawing", files=[{"name": "plans.dxf", "mimeType": "application/octet-stream",
                                             "buffer": _drawing(parcel, 2)}])
    page.fill("#units", "۲")
    page.click("#plan-check-form button[type=submit]")
    page.wait_for_selector("#findings")
    assert page.locator("#findings tbody tr").count() == 11
    assert page.get_attribute("tr[data-rule=placement]", "data-status") == "pass"
    assert page.get_attribute("tr[data-rule=street]", "data-status") == "pass"
    assert page.get_attribute("tr[data-rule=floors]", "data-status") == "pass"
    problems += audit_now(page, "plan check, checked")
    page.screenshot(path=str(SHOTS / "plan-check-counter.png"), full_page=True)
    logout(page)  # the phone below shares the browser: the designer is a citizen, not the clerk

    # the designer, signed in from home on a phone, checks a drawing with too many floors
    phone = browser.new_page()
    phone.set_viewport_size(PHONES["390"])
    nid, mobile = "0499370899", "09123456780"
    phone.goto(f"{base}/citizen/")
    phone.fill("#national_id", nid)
    phone.fill("#mobile", mobile)
    phone.click("#citizen-start button")
    phone.wait_for_url(f"{base}/citizen/code/")
    phone.fill("#code", last_code(fake_sms, mobile))
    phone.click("#citizen-code button")
    phone.wait_for_url(f"{base}/citizen/files/")
    phone.goto(f"{base}/citizen/plan-check/?parcel={parcel.pk}")
    phone.set_input_files("#drawing", files=[{"name": "plans.dxf", "mimeType": "application/octet-stream",
                                              "buffer": _drawing(parcel, parcel.max_floors + 2)}])
    phone.click("#plan-check-form button[type=submit]")
    phone.wait_for_selector("#findings")
    assert phone.get_attribute("tr[data-rule=floors]", "data-status") == "fail"
    assert phone.get_attribute("#verdict", "data-passed") == "0"
    fits(phone, "plan check on a phone")
    problems += audit_now(phone, "plan check on a phone")
    phone.screenshot(path=str(SHOTS / "phone-390-plan-check.png"), full_page=True)
    assert session.SESSION_KEY  # the citizen's session, not a staff account, did it
    assert problems == [], problems
