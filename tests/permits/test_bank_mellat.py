"""Issue 32: card payments through Behpardakht Mellat's own protocol (SOAP) against its fake, the whole story —
file → the bank's page (a form POSTed with the RefId) → the callback → verify → settle → permit — and every
fault the banks are known for, with money never lost and never taken twice: the ledger is always the settled
sum, and a reversed payment is never in it."""

import html.parser
import json
import time
import urllib.parse
import urllib.request

import pytest
from django.db.models import Sum
from django.test import Client

from panjereh.billing.models import LedgerEntry, Payment
from panjereh.permits.models import Application, Permit
from tests.permits.helpers import approve_all, good_parcel, request_body

pytestmark = pytest.mark.django_db


class _Form(html.parser.HTMLParser):
    """A page's form (the one with ``form_id``, else the first): its action and its fields."""

    def __init__(self, form_id=None):
        super().__init__()
        self.form_id, self.inside, self.done = form_id, False, False
        self.action, self.fields, self.method = None, {}, "get"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and (self.form_id is None or attrs.get("id") == self.form_id):
            self.inside = True
            self.action, self.method = attrs.get("action"), (attrs.get("method") or "get").lower()
        elif tag == "input" and self.inside and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_of(page: str, form_id=None) -> _Form:
    parser = _Form(form_id)
    parser.feed(page)
    return parser


def post(url, fields) -> str:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
        return response.read().decode()


def mode(server, **faults):
    post_json = urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/_mode",
                                       data=json.dumps(faults).encode())
    urllib.request.urlopen(post_json, timeout=5).read()


@pytest.fixture
def awaiting(client_for, city):
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(city)), format="json").json()
    approve_all(client_for, app["id"])
    return client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()


def start(client_for, app) -> str:
    """The counter starts the card payment; our page that POSTs the payer to the bank."""
    r = client_for("operator1").post(f"/api/v1/applications/{app['id']}/payments/",
                                     {"provider": "gateway", "amount": app["bills"][0]["total"]}, format="json")
    assert r.status_code in (200, 201), r.json()
    return r.json()["pay_url"]


def to_the_bank(go_url: str, *, action="pay", page_path="/pgwchannel/startpay.mellat") -> dict:
    """The payer's browser: our go page's form to the bank, the bank's page, pay (or cancel), and the bank's form
    back to the callback: returns {"action": callback address, "fields": …}."""
    go = Client().get(urllib.parse.urlsplit(go_url).path)
    assert go.status_code == 200
    form = form_of(go.content.decode(), "gateway-form")
    assert form.method == "post" and form.action.endswith(page_path) and form.fields
    bank_origin = form.action[:-len(page_path)]
    assert bank_origin in go["Content-Security-Policy"]  # the page's policy admits the bank's form action
    page = post(form.action, form.fields)
    pay = form_of(page)
    back = form_of(post(bank_origin + pay.action, {**pay.fields, "action": action}))
    return {"action": back.action, "fields": back.fields}


def callback(back: dict):
    url = urllib.parse.urlsplit(back["action"])
    return Client().post(f"{url.path}?{url.query}", back["fields"])


def money_holds():
    settled = Payment.objects.filter(status="settled").aggregate(s=Sum("amount"))["s"] or 0
    assert (LedgerEntry.objects.aggregate(s=Sum("amount"))["s"] or 0) == settled
    assert not LedgerEntry.objects.filter(payment__status__in=["reversed", "failed"]).exists()


def test_mellat_whole_story_and_a_duplicate_callback(client_for, awaiting, fake_mellat):
    back = to_the_bank(start(client_for, awaiting))
    assert "order_id=PJ" in back["action"] and back["fields"]["ResCode"] == "0"
    r = callback(back)
    assert r.status_code == 200, r.content.decode()[:500]
    payment = Payment.objects.get(bill__application_id=awaiting["id"], provider="gateway")
    assert payment.status == "settled" and payment.bank_reference == back["fields"]["SaleReferenceId"]
    assert payment.gateway_data["SaleReferenceId"] == back["fields"]["SaleReferenceId"]
    assert Permit.objects.filter(application_id=awaiting["id"]).exists()
    again = callback(back)  # the browser posts the callback twice
    assert again.status_code == 200 and Payment.objects.filter(bill__application_id=awaiting["id"]).count() == 1
    money_holds()


def test_mellat_cancel_and_a_forged_callback_settle_nothing(client_for, awaiting, fake_mellat):
    back = to_the_bank(start(client_for, awaiting), action="cancel")
    assert back["fields"]["ResCode"] == "17"
    callback(back)
    assert Payment.objects.get(bill__application_id=awaiting["id"]).status == "failed"
    # a forged "paid" callback for a new payment: another RefId, an invented sale reference
    go = start(client_for, Application.objects.get(pk=awaiting["id"]) and
               client_for("operator1").get(f"/api/v1/applications/{awaiting['id']}/").json())
    order = urllib.parse.urlsplit(go).path.rstrip("/").rsplit("/", 1)[-1]
    forged = Client().post(f"/payments/gateway/return/?order_id={order}", {
        "RefId": "ABCDEF0123456789ABCD", "ResCode": "0", "SaleOrderId": "1", "SaleReferenceId": "999999999999"})
    assert forged.status_code == 404
    assert Payment.objects.get(reference=order).status == "pending"
    assert Application.objects.get(pk=awaiting["id"]).status == "awaiting_payment"
    money_holds()


def test_mellat_a_lost_verify_answer_is_learnt_by_inquiry(client_for, awaiting, fake_mellat):
    back = to_the_bank(start(client_for, awaiting))
    mode(fake_mellat, verify_lost=True)
    assert callback(back).status_code == 200
    assert Payment.objects.get(bill__application_id=awaiting["id"]).status == "settled"
    money_holds()


def test_mellat_settle_failing_after_verify_is_reversed_at_once(client_for, awaiting, fake_mellat):
    back = to_the_bank(start(client_for, awaiting))
    mode(fake_mellat, settle_fails=True)
    callback(back)
    payment = Payment.objects.get(bill__application_id=awaiting["id"])
    assert payment.status == "failed" and not Permit.objects.filter(application_id=awaiting["id"]).exists()
    tx = next(iter(fake_mellat.RequestHandlerClass.bank.by_ref.values()))
    assert tx["state"] == "reversed"  # the money went back to the payer
    money_holds()


def test_mellat_a_payer_back_after_the_banks_window_is_not_counted(client_for, awaiting, fake_mellat):
    """The bank reverses by itself a payment not verified and settled within its window: a payer who comes back
    late finds the payment not counted, and nothing of it is in the ledger (the bank gave the money back)."""
    mode(fake_mellat, window_seconds=0.3)
    back = to_the_bank(start(client_for, awaiting))
    time.sleep(0.5)
    assert callback(back).status_code == 200
    payment = Payment.objects.get(bill__application_id=awaiting["id"])
    assert payment.status == "failed" and not Permit.objects.filter(application_id=awaiting["id"]).exists()
    tx = next(iter(fake_mellat.RequestHandlerClass.bank.by_ref.values()))
    assert tx["state"] == "reversed_by_bank"
    # within the window the same story settles, and a settled payment is out of the bank's window for good
    app = Application.objects.get(pk=awaiting["id"])
    back = to_the_bank(start(client_for, client_for("operator1").get(f"/api/v1/applications/{app.pk}/").json()))
    assert callback(back).status_code == 200
    assert Payment.objects.filter(bill__application_id=app.pk, status="settled").count() == 1
    time.sleep(0.4)
    fake_mellat.RequestHandlerClass.bank.expire()
    assert [t["state"] for t in fake_mellat.RequestHandlerClass.bank.by_ref.values()] == ["reversed_by_bank",
                                                                                        "settled"]
    money_holds()


def test_the_mellat_fake_refuses_another_terminal_and_to_start_outside_a_demo(monkeypatch):
    from panjereh.billing import fakemellat
    from panjereh.billing.gateways.mellat import MellatGateway
    from panjereh.billing.psp import GatewayError

    monkeypatch.delenv("PANJEREH_DEMO", raising=False)
    with pytest.raises(RuntimeError):
        fakemellat.make_server(0, terminal="1", key="k")
    monkeypatch.setenv("PANJEREH_DEMO", "1")
    server = fakemellat.make_server(0, terminal="1", key="k", username="u")
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        other = MellatGateway(url=f"http://127.0.0.1:{server.server_address[1]}", public_url="", terminal="2",
                              username="u", password="k", timeout=2)
        with pytest.raises(GatewayError, match="code 21"):
            other.request_token(amount=1000, order_id="PJ" + "A" * 24, callback_url="http://x/")
    finally:
        server.shutdown()
        server.server_close()
