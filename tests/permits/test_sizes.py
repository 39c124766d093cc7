"""Issue 27 item 10: the connection sizes a city offers are read from its fee schedules — one vocabulary for the
API's check, the counter's form and the fee. Before, the API kept its own list of gas meter classes, so a class
a city priced in the admin was still refused at the counter."""

import pytest

from panjereh.agencies import sizes
from panjereh.agencies.models import FeeSchedule
from panjereh.billing.models import BillLine
from tests.permits.helpers import approve_all, good_parcel, request_body

pytestmark = pytest.mark.django_db


def test_a_meter_class_the_city_prices_in_the_admin_is_accepted_and_billed(client_for, city):
    gas = FeeSchedule.objects.get(code="gas", city__isnull=True)
    gas.params = {**gas.params, "classes": {**gas.params["classes"], "G250": 1_300_000_000}}
    gas.save()
    assert "G250" in sizes.offered("gas")["meter_class"]
    body = request_body(good_parcel(city, needs=("water", "sewer", "power", "gas")))
    body["services"]["gas"] = {"timing": "now", "size": {"meter_class": "g250"}}
    r = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert r.status_code == 201, r.json()
    approve_all(client_for, r.json()["id"], agencies=[t["agency"] for t in r.json()["tasks"]])
    assert BillLine.objects.filter(bill__application_id=r.json()["id"], code="gas", amount=1_300_000_000).exists()


def test_a_size_the_schedule_does_not_price_is_refused_naming_what_is_offered(client_for, city):
    body = request_body(good_parcel(city))
    body["services"]["water"] = {"timing": "now", "size": {"diameter_mm": 63}}
    r = client_for("operator1").post("/api/v1/applications/", body, format="json")
    assert r.status_code == 400
    message = str(r.json()["error"]["details"])
    assert "diameter_mm" in message and ("۵۰" in message or "50" in message)
