"""The life of a file after the counter, done on the pages in Chromium as the staff do it, in Persian, with
axe-core's WCAG 2.1 A/AA check on each page state, and the rich file page checked again in English:

2. an agency asks for information, the counter records the applicant's answer, the agency's clock restarts;
3. an agency refuses: the others' tasks are withdrawn, the file is amended and resubmitted, reviewed again;
4. a service chosen "later" is activated from the file page (size, bill, payment, order);
5. the signer certifies completion and the tariff switches back;
6. the agency records the connection installed on its connections page;
7. the municipality's accounts page shows the money by agency, and its CSV.
"""

import csv
import io

from panjereh.permits.models import Application, ConnectionOrder, InfoRequest, ReviewTask

from .browser import SHOTS, login
from .test_accessibility import AXE, api_as, audit, audit_now
from tests.permits.helpers import good_parcel, request_body, supervise_to_completion


def decide(page, base, app_id, decision, *, text="", reason=None):
    page.goto(f"{base}/files/{app_id}/decide/")
    page.check(f"input[name=decision][value={decision}]")
    if text:
        page.fill("#conditions", text)
    if reason:
        page.select_option("#reason", str(reason))
    page.click("#decision button[type=submit]")
    page.wait_for_selector("#confirm-summary")  # a summary of what will be recorded, confirmed before it is
    page.click("#confirm button[value=confirm]")
    page.wait_for_url(f"{base}/inbox/")


def test_a_files_whole_life_on_the_pages(live_server, live_city, browser):
    assert AXE.exists(), "scripts/setup.sh installs axe-core from npm"
    base = live_server.url
    parcel = good_parcel(None)
    app_id = api_as("operator1").post("/api/v1/applications/", request_body(parcel), format="json").json()["id"]
    page = browser.new_page()
    problems = []

    # 2. the water company asks; the question reaches the counter; the answer restarts the clock
    login(page, base, "reviewer.water")
    problems += audit(page, f"{base}/files/{app_id}/decide/")
    decide(page, base, app_id, "request_info", text="نقشه تأسیسات زیرزمین را بفرستید")
    login(page, base, "operator1")
    page.goto(f"{base}/files/{app_id}/")
    assert "نقشه تأسیسات زیرزمین را بفرستید" in page.inner_text("#tasks")
    problems += audit_now(page, "file page, waiting on the applicant")
    page.fill("#answer-text-water", "نقشه تحویل شد (۳ برگ)")
    page.click("#answer-water button[type=submit]")
    page.wait_for_selector("#tasks")
    asked = InfoRequest.objects.get(task__application_id=app_id)
    assert asked.answered_at is not None and asked.answer == "نقشه تحویل شد (۳ برگ)"  # kept as typed
    assert ReviewTask.objects.get(application_id=app_id, agency__code="water", round=1).status == "pending"
    assert "نقشه تحویل شد" in page.inner_text("#tasks")

    # 3. the power company refuses with a numbered reason: the others' tasks are withdrawn
    login(page, base, "reviewer.power")
    decide(page, base, app_id, "reject", reason=1)
    login(page, base, "reviewer.municipality")
    page.goto(f"{base}/inbox/")
    assert page.locator(f"#inbox a[href='/files/{app_id}/decide/']").count() == 0
    assert Application.objects.get(pk=app_id).status == "rejected"
    login(page, base, "operator1")
    page.goto(f"{base}/files/{app_id}/")
    withdrawn = page.locator("#tasks .withdrawn").first.inner_text()
    assert "شرکت توزیع نیروی برق" in withdrawn and "شماره ۱" in withdrawn and "Power" not in withdrawn
    problems += audit_now(page, "file page, refused")
    page.fill("#rs-floors", "۱")
    page.fill("#rs-note", "یک طبقه کم شد")
    page.click("#resubmit button[type=submit]")
    page.wait_for_selector("#status")
    app = Application.objects.get(pk=app_id)
    assert app.status == "under_review" and app.round == 2 and app.floors == 1
    assert page.locator("#tasks tr.round-1").count() >= 3  # the earlier decisions stay visible
    for agency in ("municipality", "water", "power"):
        login(page, base, f"reviewer.{agency}")
        decide(page, base, app_id, "approve")

    # the bill, paid in cash at the counter: permit issued, water tariff switched to construction
    login(page, base, "operator1")
    page.goto(f"{base}/files/{app_id}/")
    page.fill("#reference", "R-۷۷۱")
    page.click("#pay button[type=submit]")
    page.wait_for_selector("#permit-link")
    assert "پروانه صادر شد" in page.inner_text("#status")

    # 4. gas was chosen "later": activated from the file page with its meter class
    page.fill("#gas_meter_class", "G4")
    page.click("#activate-gas button[type=submit]")
    page.wait_for_selector("#tasks")
    assert ReviewTask.objects.filter(application_id=app_id, stage="activation:gas", status="pending").exists()
    login(page, base, "reviewer.gas")  # the gas company reviews the activated connection, then it is billed
    decide(page, base, app_id, "approve")
    login(page, base, "operator1")
    page.goto(f"{base}/files/{app_id}/")
    page.wait_for_selector("#pay")
    gas_bill = page.locator("#bill-total").last.get_attribute("data-amount")
    page.fill("#reference", "R-۷۷۲")
    page.click("#pay button[type=submit]")
    page.wait_for_selector("#orders")
    assert ConnectionOrder.objects.filter(application_id=app_id, service__code="gas").exists() and int(gas_bill) > 0
    problems += audit_now(page, "file page, issued with a later service")

    # 6. the water company records its connection installed on its connections page
    login(page, base, "reviewer.water")
    page.goto(f"{base}/connections/")
    problems += audit_now(page, "connections page")
    order = ConnectionOrder.objects.get(application_id=app_id, service__code="water")
    page.fill(f"#sub-{order.pk}", "۴۴۵۵۶۶")
    page.click(f"tr[data-order='{order.pk}'] form.install button")
    page.wait_for_selector("#messages")  # a message says it is recorded; the open list no longer holds it
    assert page.locator(f"tr[data-order='{order.pk}']").count() == 0
    page.goto(f"{base}/connections/?status=installed")
    order.refresh_from_db()
    assert order.status == "installed" and order.subscription_number == "445566"
    assert "۴۴۵۵۶۶" in page.inner_text(f"tr[data-order='{order.pk}']")

    # 5. completion, certified by the signer after the final inspection: the tariff goes back to residential
    supervise_to_completion(app_id)
    login(page, base, "signer")
    page.goto(f"{base}/files/{app_id}/")
    page.click("#complete button[type=submit]")
    # a confirmation first, listing what is not installed yet; certified only with a reason
    uninstalled = page.inner_text("#uninstalled")
    assert "برق" in uninstalled and "آب" not in uninstalled.replace("فاضلاب", "")
    assert Application.objects.get(pk=app_id).status == "issued"
    page.fill("#completion-reason", "مالک انشعاب برق را پس از سکونت می‌خواهد")
    page.click("#complete-confirm button[value=confirm]")
    page.wait_for_selector("#completion-paper")
    assert Application.objects.get(pk=app_id).status == "completed"
    rows = page.locator("#tariffs tr").all_inner_texts()
    assert len(rows) == 3 and "بنایی" in rows[1] and "مسکونی" in rows[2]  # header, to construction, back to the building's use
    problems += audit_now(page, "file page, completed")
    page.screenshot(path=str(SHOTS / "file-completed-fa.png"), full_page=True)

    # 7. the accounts page and its CSV: the file's two payments, by agency
    login(page, base, "reviewer.municipality")
    problems += audit(page, f"{base}/finance/")
    with page.expect_download() as download:
        page.click("#csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert sum(1 for _ in csv.reader(io.StringIO(text))) > 1

    # the same file page, in English
    login(page, base, "operator1")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    problems += audit(page, f"{base}/files/{app_id}/")
    assert "completed" in page.inner_text("#status")
    page.screenshot(path=str(SHOTS / "file-completed-en.png"), full_page=True)
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": base}])
    assert problems == [], "\n".join(problems)
