"""The pages, driven in Debian's Chromium (Playwright): counter to permit, an agency decision, a citizen
tracking the file. Screenshots of each main page go to test-artifacts/screenshots/."""

import re


from panjereh.citymap.models import Parcel

from .browser import FA, SHOTS, login, logout, wait_until

def test_counter_to_permit_agency_decisions_and_tracking(live_server, live_city, browser):
    base = live_server.url
    page = browser.new_page()
    parcel = Parcel.objects.filter(land_use="residential").order_by("id")[3]

    # the counter: find the parcel by its plate in Persian digits, open a file
    login(page, base, "operator1")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto(f"{base}/counter/?q=" + f"{parcel.plate_main}/{parcel.plate_sub}".translate(FA))
    page.screenshot(path=str(SHOTS / "counter.png"), full_page=True)
    page.click(f"a[href='/counter/parcels/{parcel.pk}/apply/']")
    page.fill("#national_id", "۴۶۰۸۹۶۸۸۸۲")
    page.fill("#name", "علي كريمي")
    page.fill("#mobile", "۰۹۱۶۱۲۳۴۵۶۷")
    page.fill("#gross_floor_area", str(round(parcel.area_m2)).translate(FA))
    page.check("input[name=timing_gas][value=later]")
    page.check("input[name=timing_telecom][value=not_needed]")
    for kind in ("ownership_deed", "national_card", "survey_map", "design_drawings", "supervision_contract"):
        page.check(f"input[name=documents][value={kind}]")  # the originals the clerk sees
    # first the check: the map, the zoning and the fees, before anything is opened
    page.click("#check")
    page.wait_for_selector("#estimate")
    assert page.locator("#estimate-feasibility li[data-service=water][data-feasible='1']").count() == 1
    estimate = int(page.get_attribute("#estimate-total", "data-amount"))
    assert estimate > 0 and "٬" in page.inner_text("#estimate-total")
    assert page.input_value("#national_id") == "۴۶۰۸۹۶۸۸۸۲"  # nothing typed is lost
    page.screenshot(path=str(SHOTS / "application-form.png"), full_page=True)
    page.click("#submit-file")
    page.wait_for_url(re.compile(r".*/files/\d+/$"))
    code = page.inner_text("#tracking-code").strip()
    file_url = page.url
    tasks = page.inner_text("#tasks")
    for agency in ("شهرداری", "آب و فاضلاب", "برق"):
        assert agency in tasks
    assert "گاز" not in tasks  # gas is 'later': no review yet
    assert re.search("[۰-۹]", tasks)  # deadlines in Persian digits (Jalali)
    assert page.locator("#missing").count() == 0  # the originals seen are the file's documents
    assert page.locator("#document-list tr[data-source=seen]").count() == 5
    page.screenshot(path=str(SHOTS / "file.png"), full_page=True)
    logout(page)

    # every agency decides from its inbox
    for username, decision in (("reviewer.municipality", "approve"), ("reviewer.water", "approve"),
                               ("reviewer.power", "approve_with_conditions")):
        login(page, base, username)
        page.goto(f"{base}/inbox/")
        if username == "reviewer.water":
            page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
        page.click(f"text={code}")
        page.check(f"input[name=decision][value={decision}]")
        if decision == "approve_with_conditions":
            # the parcel on the map, with this agency's network, inside the decide page
            frame = page.frame_locator("#parcel-map")
            frame.locator("#attributes-table").wait_for()
            assert frame.locator("#layer-power-cables").is_checked()
            wait_until(page, "document.getElementById('parcel-map').contentWindow.panjerehMap"
                                   " && document.getElementById('parcel-map').contentWindow.panjerehMap.areTilesLoaded()")
            page.fill("#conditions", "کنتور در ورودی نصب شود")
            page.screenshot(path=str(SHOTS / "decide.png"), full_page=True)
        page.click("#decision button[type=submit]")
        page.click("#confirm button[value=confirm]")
        page.wait_for_url(f"{base}/inbox/")
        assert code in page.inner_text("#messages")  # the message says what was done …
        assert code not in page.inner_text("main").replace(page.inner_text("#messages"), "")  # … and the task left
        logout(page)

    # back at the counter: one payment, and the permit prints with its QR code
    login(page, base, "operator1")
    page.goto(file_url)
    assert page.locator("#bill-total").count() == 1
    page.fill("#reference", "R-۱۲۳")
    page.click("#pay button[type=submit]")
    page.wait_for_selector("#permit-link")
    assert "پروانه صادر شد" in page.inner_text("#status")
    page.click("#permit-link")
    page.wait_for_selector("svg")
    certificate = page.content()
    assert "پروانه ساختمان" in certificate and "<svg" in certificate
    page.screenshot(path=str(SHOTS / "permit.png"), full_page=True)
    # printed to PDF by the same browser: the Persian font Panjereh serves is embedded (shaped text, not boxes)
    pdf = page.pdf(path=str(SHOTS / "permit.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and b"Vazirmatn" in pdf
    # the printed bill: every agency's share, the total, paid
    page.goto(file_url)
    page.click("#bill-link")
    page.wait_for_selector(".bill-total")
    assert int(page.get_attribute(".bill-total", "data-amount")) == app_total(file_url)
    assert "پرداخت شده" in page.inner_text("main") and "<svg" in page.content()
    page.screenshot(path=str(SHOTS / "bill.png"), full_page=True)
    page.goto(file_url)
    logout(page)

    # the citizen follows the file with the tracking code and mobile (Persian digits), no sign-in
    citizen = browser.new_page()
    citizen.goto(f"{base}/track/")
    citizen.fill("#code", code.lower())
    citizen.fill("#mobile", "۰۹۱۶۱۲۳۴۵۶۷")
    citizen.click("form button[type=submit]")
    citizen.wait_for_selector("#permit")
    assert "پروانه صادر شد" in citizen.inner_text("#status")
    citizen.screenshot(path=str(SHOTS / "track.png"), full_page=True)
    # English is a click away
    citizen.click("header form[action='/i18n/setlang/'] button")
    citizen.wait_for_load_state()
    assert citizen.locator("html").get_attribute("dir") == "ltr"
    assert "Track a file" in citizen.content()


def app_total(file_url):
    from panjereh.permits.models import Application

    app = Application.objects.get(pk=int(file_url.rstrip("/").rsplit("/", 1)[1]))
    return sum(b.total for b in app.bills.all())


def test_pages_enforce_the_permission_module(live_server, live_city, browser):
    base = live_server.url
    page = browser.new_page()
    response = page.goto(f"{base}/counter/")
    assert "/login/" in page.url  # signed out: sign in first
    login(page, base, "reviewer.water")
    response = page.goto(f"{base}/counter/")
    assert response.status == 403  # reviewers do not open files
    login(page, base, "operator1")
    response = page.goto(f"{base}/inbox/")
    assert response.status == 403  # operators have no agency inbox
    page.goto(f"{base}/track/")
    page.fill("#code", "NOPE")
    page.fill("#mobile", "09160000000")
    with page.expect_response(lambda r: r.url.endswith("/track/") and r.request.method == "POST") as bad:
        page.click("form button[type=submit]")
    assert bad.value.status == 404


def test_tracking_page_slows_down_guessing(client, db):
    from django.core.cache import cache

    try:
        for _ in range(30):
            client.post("/track/", {"code": "ABCDEFGHJK", "mobile": "09160000000"})
        assert client.post("/track/", {"code": "ABCDEFGHJK", "mobile": "09160000000"}).status_code == 429
        # a forged X-Forwarded-For does not make a new client (no trusted proxy is configured)
        assert client.post("/track/", {"code": "ABCDEFGHJK", "mobile": "09160000000"},
                           HTTP_X_FORWARDED_FOR="10.9.8.7").status_code == 429
    finally:
        cache.clear()  # the count lives in the shared cache: leave none for the browser tests


def test_english_pages_use_the_english_names(client, live_city):
    """On English pages the agencies, services, bill lines and feasibility messages are in English."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from tests.permits.helpers import good_parcel, request_body

    operator = APIClient()
    operator.force_authenticate(get_user_model().objects.get(username="operator1"))
    app = operator.post("/api/v1/applications/", request_body(good_parcel(None)), format="json").json()
    client.force_login(get_user_model().objects.get(username="operator1"))
    client.cookies["django_language"] = "en"
    page = client.get(f"/files/{app['id']}/").content.decode()
    from django.utils.html import escape

    from panjereh.agencies.models import Agency

    for code in ("municipality", "water", "power"):
        assert escape(Agency.objects.get(code=code).name_en) in page
    assert "شهرداری" not in page and "آب و فاضلاب" not in page
    client.cookies["django_language"] = "fa"
    assert "شهرداری" in client.get(f"/files/{app['id']}/").content.decode()


def fake_psp_url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_card_payment_at_the_counter_through_the_bank_gateway(live_server, live_city, browser, fake_psp):
    """The operator sends the bill to the bank's page (the fake PSP, its own server); back on our callback
    page, the payment is verified with the bank server to server and the permit is issued."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from panjereh.permits.models import Application
    from panjereh.billing.models import Payment
    from tests.permits.helpers import good_parcel, request_body

    def api(username):
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(username=username))
        return client

    app = api("operator1").post("/api/v1/applications/", request_body(good_parcel(None)), format="json").json()
    for agency in ("municipality", "water", "power"):
        api(f"reviewer.{agency}").post(f"/api/v1/applications/{app['id']}/reviews/{agency}/decision/",
                                       {"decision": "approve"}, format="json")
    base = live_server.url
    page = browser.new_page()
    login(page, base, "operator1")
    page.goto(f"{base}/files/{app['id']}/")
    total = int(page.get_attribute("#bill-total", "data-amount"))
    page.click("#pay-card button[type=submit]")
    page.wait_for_url(re.compile(re.escape(fake_psp_url(fake_psp)) + r"/pay/.+"))
    assert int(page.get_attribute("#amount", "data-amount")) == total
    page.click("#pay")
    page.wait_for_selector("#gateway-result")
    assert "پرداخت انجام و با بانک تأیید شد" in page.inner_text("#gateway-result")
    page.screenshot(path=str(SHOTS / "gateway-result.png"), full_page=True)
    page.click("#back")
    page.wait_for_selector("#permit-link")
    assert Application.objects.get(pk=app["id"]).status == Application.Status.ISSUED
    assert Payment.objects.filter(bill__application_id=app["id"], status=Payment.Status.SETTLED).count() == 1
    assert page.locator("#pay-card").count() == 0  # nothing left to pay
