"""Card payments through the bank gateway (the fake PSP, over HTTP, through the real adapter):
nothing is settled unless the bank's server verifies it, for the right amount, once."""

import datetime
import os
import subprocess
import sys

import pytest
from django.test import Client

from panjereh.core.calendar import local_date
from panjereh.billing import reconciliation, psp
from panjereh.permits.models import Application
from panjereh.billing.models import LedgerEntry, Payment
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_at_psp, request_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(client_for, city):
    """A file every agency approved, with its bill open."""
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    detail = client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()
    assert detail["status"] == "awaiting_payment"
    return detail


def start(client_for, app, **extra):
    total = app["bills"][0]["total"]
    return client_for("operator1").post(f"/api/v1/applications/{app['id']}/payments/",
                                        {"provider": "gateway", "amount": total} | extra, format="json")


def status_of(app) -> str:
    return Application.objects.get(pk=app["id"]).status


def test_the_old_simulator_is_gone_and_a_forged_payment_settles_nothing(client_for, awaiting, fake_psp):
    """Before: GET/POST /gateway/pay/<reference>/ settled any gateway payment, with no login and no money."""
    r = start(client_for, awaiting)
    assert r.status_code == 201
    reference = r.json()["payment"]["reference"]
    public = client_for()
    assert public.post(f"/gateway/pay/{reference}/", {"pay": "1"}).status_code == 404
    assert public.post("/api/v1/payments/gateway/callback/", {}, format="json").status_code == 404
    # A forged "OK" callback with the right order id and token, but nothing paid at the bank:
    token = Payment.objects.get(reference=reference).token
    forged = public.get("/payments/gateway/return/", {"order_id": reference, "token": token, "state": "OK",
                                                      "ref_num": "123456789012"})
    assert forged.status_code == 200
    assert Payment.objects.get(reference=reference).status == "failed"
    assert status_of(awaiting) == "awaiting_payment" and not LedgerEntry.objects.filter(
        payment__bill__application_id=awaiting["id"]).exists()
    # A guessed token for a real order id: refused without asking the bank, nothing changes.
    assert public.get("/payments/gateway/return/", {"order_id": reference, "token": "x" * 32}).status_code == 404


def test_paid_verified_settled_and_a_replayed_callback_changes_nothing(client_for, awaiting, fake_psp):
    r = start(client_for, awaiting)
    assert r.status_code == 201 and r.json()["payment"]["status"] == "pending"
    assert status_of(awaiting) == "awaiting_payment"
    back = pay_at_psp(r.json()["pay_url"])
    assert back["state"] == "OK" and back["order_id"] == r.json()["payment"]["reference"]
    page = client_for().get("/payments/gateway/return/", back)
    assert page.status_code == 200 and "تأیید" in page.content.decode()
    payment = Payment.objects.get(reference=back["order_id"])
    assert payment.status == "settled" and payment.bank_reference == back["ref_num"] and payment.card
    assert status_of(awaiting) == "issued"
    ledger = LedgerEntry.objects.filter(payment__bill__application_id=awaiting["id"]).count()
    for _ in range(2):  # the payer reloads the page; an attacker replays the callback
        assert client_for().get("/payments/gateway/return/", back).status_code == 200
        assert client_for().post("/payments/gateway/return/", back).status_code == 200
    assert LedgerEntry.objects.filter(payment__bill__application_id=awaiting["id"]).count() == ledger
    assert Payment.objects.filter(bill__application_id=awaiting["id"], status="settled").count() == 1


def test_cancelled_at_the_bank_is_failed_and_the_bill_stays_open(client_for, awaiting, fake_psp):
    back = pay_at_psp(start(client_for, awaiting).json()["pay_url"], action="cancel")
    assert back["state"] == "CANCELED"
    assert client_for().get("/payments/gateway/return/", back | {"state": "OK"}).status_code == 200
    assert Payment.objects.get(reference=back["order_id"]).status == "failed"
    assert status_of(awaiting) == "awaiting_payment"
    # the operator can start again; the second attempt settles the bill
    back = pay_at_psp(start(client_for, awaiting).json()["pay_url"])
    client_for().get("/payments/gateway/return/", back)
    assert status_of(awaiting) == "issued"


def test_a_tampered_amount_is_reversed_at_the_bank(client_for, awaiting, fake_psp):
    r = start(client_for, awaiting)
    back = pay_at_psp(r.json()["pay_url"], amount=1000)  # the payer changed the amount at the bank's page
    client_for().get("/payments/gateway/return/", back)
    payment = Payment.objects.get(reference=back["order_id"])
    assert payment.status == "reversed"
    assert status_of(awaiting) == "awaiting_payment"
    assert not psp.gateway().verify(token=payment.token).ok  # the bank's own books: reversed, not verified
    report = psp.gateway().report(date=local_date(payment.created_at).isoformat())
    assert [t["status"] for t in report if t["order_id"] == payment.reference] == ["reversed"]


def test_the_operator_never_types_a_gateway_reference_and_no_gateway_means_no_card(client_for, awaiting, fake_psp,
                                                                                  settings):
    r = start(client_for, awaiting, reference="GW-CHOSEN-BY-ME")
    assert r.status_code == 400 and r.json()["error"]["details"].keys() == {"reference"}
    assert not Payment.objects.filter(bill__application_id=awaiting["id"]).exists()
    settings.PANJEREH_PSP_URL = ""
    r = start(client_for, awaiting)
    assert r.status_code == 400 and "provider" in r.json()["error"]["details"]
    page = Client()
    page.force_login(user("operator1"))
    html = page.get(f"/files/{awaiting['id']}/").content.decode()
    assert 'id="pay"' in html and 'id="pay-card"' not in html


@pytest.mark.refusal_records("billing.Payment", "core.AuditRecord")  # the failed attempt is kept, for the audit
def test_a_gateway_that_does_not_answer_leaves_nothing_settled(client_for, awaiting, fake_psp):
    fake_psp.shutdown()
    fake_psp.server_close()
    r = start(client_for, awaiting)
    assert r.status_code == 409 and "bank gateway" in r.json()["error"]["message"]
    assert list(Payment.objects.filter(bill__application_id=awaiting["id"]).values_list("status", flat=True)) == [
        "failed"]


def test_reconciliation_finds_what_the_bank_and_we_disagree_on(client_for, awaiting, fake_psp, city):
    # one card payment that went through: agrees
    back = pay_at_psp(start(client_for, awaiting).json()["pay_url"])
    client_for().get("/payments/gateway/return/", back)
    today = local_date(Payment.objects.get(reference=back["order_id"]).settled_at)
    assert reconciliation.reconcile(date=today) == {"date": today.isoformat(), "gateway": "json", "matched": 1,
                                              "confirmed_not_settled": [], "settled_not_confirmed": [],
                                              "amounts_differ": []}
    # the bank verified a payment but our server died before settling it
    other = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                         format="json").json()
    approve_all(client_for, other["id"])
    other = client_for("operator1").get(f"/api/v1/applications/{other['id']}/").json()
    lost = pay_at_psp(start(client_for, other).json()["pay_url"])
    assert psp.gateway().verify(token=lost["token"]).ok
    # and a payment marked settled here that the bank never confirmed (a tampered database)
    forged = Payment.objects.create(bill_id=Payment.objects.get(reference=back["order_id"]).bill_id,
                                    provider="gateway", reference="PJFORGED", amount=5, status="settled",
                                    settled_at=Payment.objects.get(reference=back["order_id"]).settled_at)
    result = reconciliation.reconcile(date=today)
    assert result["matched"] == 1
    assert [r["order_id"] for r in result["confirmed_not_settled"]] == [lost["order_id"]]
    assert [r["order_id"] for r in result["settled_not_confirmed"]] == [forged.reference]
    assert reconciliation.reconcile(date=today - datetime.timedelta(days=3))["confirmed_not_settled"] == []


def test_the_fake_psp_refuses_to_start_outside_a_demo():
    env = {k: v for k, v in os.environ.items() if k != "PANJEREH_DEMO"}
    done = subprocess.run([sys.executable, "-m", "panjereh.billing.fakepsp", "--port", "0", "--key", "k"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "PANJEREH_DEMO" in done.stderr
