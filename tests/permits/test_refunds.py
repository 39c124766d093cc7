"""Issue 32 item 4: a settled payment given back in full — through Mellat's refund service where the bank
offers it, as the city's recorded transfer where it does not (Saman, cash) — each agency's share off its ledger
in the same transaction: the ledger is always settled minus refunded; once per payment; only the treasury."""

import pytest
from django.db.models import Sum
from django.test import Client

from panjereh.billing.models import Bill, LedgerEntry, Payment, Refund
from tests.conftest import user
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body
from tests.permits.test_bank_mellat import awaiting, callback, start, to_the_bank  # noqa: F401

pytestmark = pytest.mark.django_db


def ledger_holds():
    settled = Payment.objects.filter(status="settled").aggregate(s=Sum("amount"))["s"] or 0
    refunded = Refund.objects.aggregate(s=Sum("amount"))["s"] or 0
    assert (LedgerEntry.objects.aggregate(s=Sum("amount"))["s"] or 0) == settled - refunded


def treasury():
    client = Client()
    client.force_login(user("coordinator"))
    return client


def test_a_card_payment_is_refunded_through_mellat(client_for, awaiting, fake_mellat):  # noqa: F811
    callback(to_the_bank(start(client_for, awaiting)))
    payment = Payment.objects.get(bill__application_id=awaiting["id"], status="settled")
    shares = dict(payment.ledger.values_list("agency_id", "amount"))
    page = treasury().get("/finance/").content.decode()
    assert 'id="refund-form"' in page
    assert treasury().post("/finance/", {"payment": payment.reference, "reason": "کوتاه"}).status_code == 302
    assert not Refund.objects.exists()  # no reason: nothing given back
    r = treasury().post("/finance/", {"payment": payment.reference, "reason": "رأی کمیسیون: پرونده ابطال شد"})
    assert r.status_code == 302
    refund = Refund.objects.get(payment=payment)
    assert refund.method == "gateway" and refund.amount == payment.amount
    tx = next(iter(fake_mellat.RequestHandlerClass.bank.by_ref.values()))
    assert tx["state"] == "refunded"  # the bank gave it back
    assert dict(refund.ledger.values_list("agency_id", "amount")) == {a: -v for a, v in shares.items()}
    assert Bill.objects.get(pk=payment.bill_id).paid == 0
    # twice: refused, nothing more taken off
    treasury().post("/finance/", {"payment": payment.reference, "reason": "دوباره، به اشتباه"})
    assert Refund.objects.count() == 1
    ledger_holds()


def test_saman_and_cash_are_given_back_by_a_recorded_transfer(client_for, awaiting, fake_sep, city):  # noqa: F811
    callback(to_the_bank(start(client_for, awaiting), page_path="/OnlinePG/OnlinePG"))
    card = Payment.objects.get(bill__application_id=awaiting["id"], status="settled")
    treasury().post("/finance/", {"payment": card.reference, "reason": "ابطال پرونده به درخواست مالک"})
    assert not Refund.objects.exists()  # Saman offers no refund here: a transfer's reference is needed
    treasury().post("/finance/", {"payment": card.reference, "reason": "ابطال پرونده به درخواست مالک",
                                  "transfer_reference": "SATNA-14050916-001"})
    assert Refund.objects.get(payment=card).method == "transfer"
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)),
                                       format="json").json()
    approve_all(client_for, app["id"])
    pay_in_cash(client_for, app["id"], "R-REFUND-1")
    cash = Payment.objects.get(reference="R-REFUND-1")
    treasury().post("/finance/", {"payment": "R-REFUND-1", "reason": "پرداخت تکراری در صندوق",
                                  "transfer_reference": "PAYA-77"})
    assert Refund.objects.get(payment=cash).reference == "PAYA-77"
    ledger_holds()
    # only the treasury gives money back
    clerk = Client()
    clerk.force_login(user("reviewer.water"))
    assert clerk.post("/finance/", {"payment": "R-REFUND-1", "reason": "x" * 20}).status_code == 403
