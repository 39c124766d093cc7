"""Issue 32: card payments through Saman's (SEP) own REST protocol against its fake, the whole story and the
faults: a cancel, a forged callback, a callback naming another terminal, a lost verify answer (the payment
stays pending, never settled twice, and settles on the bank's retry of the callback), the bank's window, a
terminal in tomans; the ledger is always the settled sum."""

import time
import urllib.parse

import pytest
from django.test import Client

from panjereh.billing.models import Payment
from panjereh.permits.models import Permit
from tests.permits.test_bank_mellat import awaiting, callback, mode, money_holds, start, to_the_bank  # noqa: F401

pytestmark = pytest.mark.django_db
PAGE = "/OnlinePG/OnlinePG"


def test_sep_whole_story_and_a_duplicate_callback(client_for, awaiting, fake_sep):  # noqa: F811
    back = to_the_bank(start(client_for, awaiting), page_path=PAGE)
    assert back["fields"]["State"] == "OK" and back["fields"]["ResNum"].startswith("PJ")
    assert callback(back).status_code == 200
    payment = Payment.objects.get(bill__application_id=awaiting["id"])
    assert payment.status == "settled" and payment.bank_reference == back["fields"]["RRN"]
    assert payment.card == "621986****1234" and Permit.objects.filter(application_id=awaiting["id"]).exists()
    assert callback(back).status_code == 200
    assert Payment.objects.filter(bill__application_id=awaiting["id"]).count() == 1
    money_holds()


def test_sep_cancel_forgery_and_another_terminal_settle_nothing(client_for, awaiting, fake_sep):  # noqa: F811
    back = to_the_bank(start(client_for, awaiting), action="cancel", page_path=PAGE)
    callback(back)
    assert Payment.objects.get(bill__application_id=awaiting["id"]).status == "failed"
    fresh = client_for("operator1").get(f"/api/v1/applications/{awaiting['id']}/").json()
    go = start(client_for, fresh)
    order = urllib.parse.urlsplit(go).path.rstrip("/").rsplit("/", 1)[-1]
    forged = Client().post("/payments/gateway/return/", {"ResNum": order, "Token": "f" * 32, "State": "OK",
                                                         "Status": "2", "RefNum": "X", "MID": "12345678"})
    assert forged.status_code == 404 and Payment.objects.get(reference=order).status == "pending"
    mode(fake_sep, other_terminal=True)
    back = to_the_bank(go, page_path=PAGE)
    callback(back)
    payment = Payment.objects.get(reference=order)
    assert payment.status == "failed"  # a callback for another terminal is not our money
    money_holds()


def test_sep_a_lost_verify_answer_leaves_it_pending_and_the_retry_settles_once(client_for, awaiting, fake_sep):  # noqa: F811,E501
    back = to_the_bank(start(client_for, awaiting), page_path=PAGE)
    mode(fake_sep, verify_lost=True)
    lost = callback(back)
    assert lost.status_code == 503  # not known yet: nothing settled, nothing failed
    payment = Payment.objects.get(bill__application_id=awaiting["id"])
    assert payment.status == "pending"
    assert callback(back).status_code == 200  # the payer (or the bank) comes back: verify says "verified before"
    payment.refresh_from_db()
    assert payment.status == "settled"
    money_holds()


def test_sep_the_banks_window_and_a_terminal_in_tomans(client_for, awaiting, fake_sep, settings):  # noqa: F811
    mode(fake_sep, window_seconds=0.3)
    back = to_the_bank(start(client_for, awaiting), page_path=PAGE)
    time.sleep(0.5)
    callback(back)
    assert Payment.objects.get(bill__application_id=awaiting["id"]).status == "failed"
    mode(fake_sep, window_seconds=0, toman=True)
    settings.PANJEREH_PSP_UNIT = "toman"
    # a terminal in tomans takes whole tomans: the bill made a multiple of 10 rials (its first line less the rest)
    from panjereh.billing.models import Bill, BillLine

    bill = Bill.objects.get(application_id=awaiting["id"], settled_at__isnull=True)
    odd = bill.total % 10
    line = bill.lines.order_by("id").first()
    BillLine.objects.filter(pk=line.pk).update(amount=line.amount - odd)
    Bill.objects.filter(pk=bill.pk).update(total=bill.total - odd)
    fresh = client_for("operator1").get(f"/api/v1/applications/{awaiting['id']}/").json()
    back = to_the_bank(start(client_for, fresh), page_path=PAGE)
    tx = next(t for t in fake_sep.RequestHandlerClass.bank.by_token.values() if t["state"] == "paid")
    assert tx["amount"] * 10 == fresh["bills"][0]["total"]  # the bank was asked in tomans
    callback(back)
    assert Payment.objects.filter(bill__application_id=awaiting["id"], status="settled").count() == 1
    money_holds()
