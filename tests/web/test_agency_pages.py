"""Each agency's connection orders and ledger, the municipality's reconciliation with CSV, and a menu that
shows each role only what it can use."""

import csv
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from panjereh.permits.models import ConnectionOrder
from panjereh.billing.models import LedgerEntry
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body, supervise_to_completion

pytestmark = pytest.mark.django_db


def signed_in(username):
    client = Client()
    client.force_login(user(username))
    return client


@pytest.fixture
def issued(client_for, city):
    """Two files paid and issued: connection orders to water, sewer (water company) and power."""
    ids = []
    for n in range(2):
        app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                           format="json").json()
        approve_all(client_for, app["id"])
        assert pay_in_cash(client_for, app["id"], f"F-{n}")["status"] == "issued"
        ids.append(app["id"])
    return ids


def test_each_agency_sees_and_installs_only_its_connections(issued):
    power = signed_in("reviewer.power")
    page = power.get("/connections/").content.decode()
    orders = ConnectionOrder.objects.filter(application_id__in=issued)
    mine = orders.filter(agency__code="power")
    assert all(f'data-order="{o.pk}"' in page for o in mine)
    assert not any(f'data-order="{o.pk}"' in page for o in orders.exclude(agency__code="power"))
    water_order = orders.filter(agency__code="water").first()
    assert power.post("/connections/", {"order": water_order.pk, "subscription_number": "X"}).status_code == 403
    bad = power.post("/connections/", {"order": mine[0].pk, "subscription_number": "  "})
    assert bad.status_code == 400
    assert power.post("/connections/", {"order": mine[0].pk, "subscription_number": "P-۱۲۳۴"}).status_code == 302
    done = ConnectionOrder.objects.get(pk=mine[0].pk)
    assert done.status == "installed" and done.subscription_number == "P-1234" and done.installed_at
    # an order older than the agency's connection deadline is marked overdue
    ConnectionOrder.objects.filter(pk=mine[1].pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    row = power.get("/connections/").content.decode().split(f'data-order="{mine[1].pk}"')[1].split("</tr>")[0]
    assert "دیرکرد" in row
    assert signed_in("operator1").get("/connections/").status_code == 403
    assert signed_in("coordinator").get("/connections/?agency=water").status_code == 200


def test_ledgers_and_the_municipalitys_reconciliation(issued):
    entries = LedgerEntry.objects.filter(payment__bill__application_id__in=issued)
    power_total = sum(e.amount for e in entries if e.agency.code == "power")
    grand = sum(e.amount for e in entries)
    power = signed_in("reviewer.power").get("/finance/").content.decode()
    assert f'data-amount="{power_total}"' in power and 'data-agency="water"' not in power
    town = signed_in("reviewer.municipality").get("/finance/").content.decode()
    assert f'id="grand-total" data-amount="{grand}"' in town and 'data-agency="water"' in town
    assert "٬" in town  # amounts with the Persian thousands separator
    download = signed_in("coordinator").get("/finance/", {"format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    # headers and agencies in the reader's language (Persian by default), amounts in whole rials
    assert sum(int(r["مبلغ (ریال)"]) for r in rows) == grand
    assert {r["دستگاه"] for r in rows} >= {"شرکت آب و فاضلاب", "شرکت توزیع نیروی برق"}
    assert "amount_rials" not in download.content.decode("utf-8-sig")
    assert signed_in("operator1").get("/finance/").status_code == 403
    assert signed_in("gis.power").get("/finance/").status_code == 403


@pytest.mark.parametrize("username, shown, hidden", [
    ("operator1", ["/counter/"], ["/inbox/", "/connections/", "/finance/"]),
    ("reviewer.water", ["/inbox/", "/connections/", "/finance/"], ["/counter/"]),
    ("gis.gas", ["/inbox/", "/connections/"], ["/counter/", "/finance/"]),
    ("coordinator", ["/connections/", "/finance/"], ["/counter/", "/inbox/"]),
])
def test_the_menu_shows_what_the_role_can_use(city, username, shown, hidden):
    header = signed_in(username).get("/map/").content.decode().split("</header>")[0]
    for href in shown:
        assert f'href="{href}"' in header
    for href in hidden:
        assert f'href="{href}"' not in header


@pytest.mark.parametrize("typed, expected", [("۱۴۰۵/۰۹/۰۸", datetime.date(2026, 11, 29)),
                                             ("1405-09-08", datetime.date(2026, 11, 29)),
                                             ("2026-11-29", datetime.date(2026, 11, 29)),
                                             ("۱۴۰۵/۱۳/۰۱", None), ("x", None), ("", None)])
def test_finance_dates_are_typed_in_jalali_or_iso(typed, expected):
    from panjereh.web.finance import parse_day

    assert parse_day(typed) == expected


def test_later_service_and_completion_on_the_file_page(issued):
    app_id = issued[0]
    counter = signed_in("operator1")
    page = counter.get(f"/files/{app_id}/").content.decode()
    assert 'id="activate-gas"' in page and 'id="complete"' not in page
    bad = counter.post(f"/files/{app_id}/", {"action": "activate", "service": "gas", "gas_meter_class": "G999"})
    assert bad.status_code == 200 and "meter_class" in bad.content.decode()
    assert counter.post(f"/files/{app_id}/", {"action": "activate", "service": "gas",
                                              "gas_meter_class": "g10"}).status_code == 302
    from panjereh.permits.models import Application, ReviewTask

    assert ReviewTask.objects.filter(application_id=app_id, stage="activation:gas", status="pending").exists()
    assert counter.post(f"/files/{app_id}/", {"action": "complete"}).status_code == 403
    signer = signed_in("signer")
    # the completion step waits for the municipality's final inspection (B-READY 7) …
    waiting = signer.get(f"/files/{app_id}/").content.decode()
    assert 'id="completion-waits"' in waiting and 'id="complete"' not in waiting
    assert signer.post(f"/files/{app_id}/", {"action": "complete", "step": "confirm", "reason": "x" * 30}
                       ).status_code == 200 and Application.objects.get(pk=app_id).status == "issued"
    supervise_to_completion(app_id)
    assert 'id="complete"' in signer.get(f"/files/{app_id}/").content.decode()
    # item 5: never one click. A confirmation first, listing the connections not installed yet …
    confirm = signer.post(f"/files/{app_id}/", {"action": "complete"}).content.decode()
    assert 'id="complete-confirm"' in confirm and "برق" in confirm.split('id="uninstalled"')[1].split("</p>")[0]
    assert Application.objects.get(pk=app_id).status == "issued"
    # … certified only with the reason while any is not installed …
    no_reason = signer.post(f"/files/{app_id}/", {"action": "complete", "step": "confirm"})
    assert no_reason.status_code == 200 and Application.objects.get(pk=app_id).status == "issued"
    done = signer.post(f"/files/{app_id}/", {"action": "complete", "step": "confirm",
                                             "reason": "مالک انشعاب‌ها را پس از سکونت می‌خواهد"}, follow=True)
    assert Application.objects.get(pk=app_id).status == "completed"
    from panjereh.permits.models import CompletionCertificate

    certificate = CompletionCertificate.objects.get(application_id=app_id)
    assert certificate.uninstalled and certificate.uninstalled_reason.startswith("مالک")
    # … and the staff file page links its certificate
    page = done.content.decode()
    assert f"/verify/completion/{certificate.verification_code}/paper.pdf" in page and "پایان کار" in page
    tariffs = page.split('id="tariffs"')[1]
    assert tariffs.count("<tr>") == 3  # header, construction, back to residential


def test_the_bills_qr_fills_in_the_tracking_code_only(client, issued):
    from panjereh.permits.models import Application

    code = Application.objects.get(pk=issued[0]).tracking_code
    page = client.get("/track/", {"code": code, "mobile": "09161234567"}).content.decode()
    assert f'value="{code}"' in page and 'id="status"' not in page and "09161234567" not in page


def test_the_applicants_receipt(issued):
    from panjereh.permits.models import Application

    app = Application.objects.get(pk=issued[0])
    page = signed_in("operator1").get(f"/files/{app.pk}/receipt/").content.decode()
    assert app.tracking_code in page and "<svg" in page and "data-print" in page
    deadlines = page.split('id="receipt-deadlines"')[1].split("</table>")[0]
    assert deadlines.count("<tr>") == 1 + 3 and "۱۴۰" in deadlines  # three agencies, Jalali dates
    assert signed_in("operator2").get(f"/files/{app.pk}/receipt/").status_code == 404


def test_no_template_carries_inline_script():
    """The Content-Security-Policy runs scripts from our own files only: an onclick= would silently die."""
    import re
    from pathlib import Path

    import panjereh

    root = Path(panjereh.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html")
                 if re.search(r"\son[a-z]+\s*=|<script>(?!\s*</script>)", p.read_text())]
    assert offenders == []


def test_error_pages_are_persian_in_the_sites_layout(city):
    reviewer = signed_in("reviewer.water")
    forbidden = reviewer.get("/counter/")
    assert forbidden.status_code == 403
    body = forbidden.content.decode()
    assert "دسترسی مجاز نیست" in body and "<header class=\"site-header" in body and "Forbidden" not in body
    missing = reviewer.get("/files/999999/")
    assert missing.status_code == 404 and "صفحه پیدا نشد" in missing.content.decode()
    assert "<header class=\"site-header" in missing.content.decode()


def test_codes_keep_their_order_and_decimals_use_the_persian_separator():
    from django.utils import translation

    from panjereh.web.templatetags.panjereh import code, digits

    with translation.override("fa"):
        assert digits("314.25") == "۳۱۴٫۲۵" and digits("1405/09/08") == "۱۴۰۵/۰۹/۰۸"
        assert code("1405-000001") == '<bdi dir="ltr">۱۴۰۵-۰۰۰۰۰۱</bdi>'
    with translation.override("en"):
        assert digits("314.25") == "314.25"


def test_the_permit_certificate_has_the_municipality_signer_and_validity(issued):
    from panjereh.permits.models import Application

    app = Application.objects.get(pk=issued[0])
    page = signed_in("operator1").get(f"/permits/{app.permit.number}/certificate/").content.decode()
    assert "شهرداری اهواز" in page.split('id="heading"')[1].split("</p>")[0]
    signer = page.split('id="signer"')[1].split("</p>")[0]
    assert "مهندس سارا موسوی" in signer and "معاون شهرسازی و معماری" in signer and "reviewer" not in signer
    assert "۱۴۰" in page.split('id="validity"')[1].split("</p>")[0]
    assert app.permit.number.startswith("AHV-")  # its city's prefix: a code with Latin letters stays as typed
    assert f'<bdi dir="ltr">{app.permit.number}</bdi>' in page
