"""Issue 32: the payment path's attack tests against every bank adapter (Mellat's SOAP, Saman's REST), each
through its fake: racing callbacks settle once, a bank down at the callback settles nothing (the payment waits,
the reconciliation finds it), another amount taken is given back; the ledger is the settled sum every time."""

import threading

import pytest
from django.db import connection

from panjereh.billing.models import Payment
from tests.permits.test_bank_mellat import awaiting, callback, mode, money_holds, start, to_the_bank  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
ADAPTERS = {"mellat": ("fake_mellat", "/pgwchannel/startpay.mellat"), "sep": ("fake_sep", "/OnlinePG/OnlinePG")}


@pytest.fixture(params=sorted(ADAPTERS))
def bank(request):
    fixture, page = ADAPTERS[request.param]
    return request.param, request.getfixturevalue(fixture), page


def test_racing_callbacks_settle_once(client_for, live_city, bank):
    from tests.permits.helpers import approve_all, good_parcel, request_body

    name, server, page = bank
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(live_city)),
                                       format="json").json()
    approve_all(client_for, app["id"])
    app = client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()
    back = to_the_bank(start(client_for, app), page_path=page)
    codes = []

    def race():
        try:
            codes.append(callback(back).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert Payment.objects.filter(bill__application_id=app["id"], status="settled").count() == 1, codes
    money_holds()


def test_a_bank_down_at_the_callback_settles_nothing(client_for, live_city, bank):
    from tests.permits.helpers import approve_all, good_parcel, request_body

    name, server, page = bank
    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(live_city)),
                                       format="json").json()
    approve_all(client_for, app["id"])
    app = client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()
    back = to_the_bank(start(client_for, app), page_path=page)
    server.shutdown()
    server.server_close()
    assert callback(back).status_code == 503
    assert Payment.objects.get(bill__application_id=app["id"]).status == "pending"
    money_holds()


def test_another_amount_taken_is_given_back(client_for, live_city, fake_sep):
    from tests.permits.helpers import approve_all, good_parcel, request_body

    app = client_for("operator1").post("/api/v1/applications/", request_body(good_parcel(live_city)),
                                       format="json").json()
    approve_all(client_for, app["id"])
    app = client_for("operator1").get(f"/api/v1/applications/{app['id']}/").json()
    back = to_the_bank(start(client_for, app), page_path="/OnlinePG/OnlinePG")
    mode(fake_sep, charged=app["bills"][0]["total"] - 1000)
    callback(back)
    assert Payment.objects.get(bill__application_id=app["id"]).status == "reversed"
    tx = next(iter(fake_sep.RequestHandlerClass.bank.by_token.values()))
    assert tx["state"] == "reversed"
    money_holds()
