"""Issue 32 item 5: the parcel's postal code fills the application's address through the post's inquiry (its
fake, over HTTP); the counter still works when the post is down, slow or does not know the code — the address is
typed and kept as unchecked; a changed address is unchecked too; the file page says which."""

import json
import urllib.request

import pytest
from django.test import Client

from panjereh.citizens import addresses
from panjereh.permits.models import Application
from tests.conftest import user
from panjereh.permits.required_documents import REQUIRED_DOCUMENTS
from tests.permits.helpers import good_parcel

pytestmark = pytest.mark.django_db


def _mode(server, **body):
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{server.server_address[1]}/_mode",
                                                  data=json.dumps(body).encode()), timeout=5).read()


def _form(parcel, address):
    return {"kind": "person", "national_id": "4608968882", "name": "علی کریمی", "mobile": "09161234567",
            "permit_type": "new", "land_use": "residential", "floors": "2", "units": "2",
            "gross_floor_area": str(round(parcel.area_m2)), "parking_spaces": "1", "address": address,
            "timing_water": "now", "water_diameter_mm": "20", "timing_sewer": "now", "timing_power": "now",
            "power_phases": "1", "power_kw": "5", "timing_gas": "not_needed", "timing_telecom": "not_needed",
            "documents": list(REQUIRED_DOCUMENTS["new"])}


def test_the_post_fills_the_address_and_the_file_keeps_whether_it_was_checked(city, fake_address):
    counter = Client()
    counter.force_login(user("operator1"))
    parcel = good_parcel(city)
    page = counter.get(f"/counter/parcels/{parcel.pk}/apply/").content.decode()
    expected = addresses.lookup(parcel.postal_code)
    assert expected["state"] == "found" and expected["address"] in page and 'data-state="found"' in page
    r = counter.post(f"/counter/parcels/{parcel.pk}/apply/", _form(parcel, expected["address"]))
    assert r.status_code == 302, r.content.decode()[:3000]
    app = Application.objects.get(parcel=parcel)
    assert app.address == expected["address"] and app.address_checked is True
    assert 'data-checked="1"' in counter.get(f"/files/{app.pk}/").content.decode()


@pytest.mark.parametrize("trouble", ["down", "slow", "unknown"])
def test_the_counter_works_when_the_post_does_not_answer(city, fake_address, trouble):
    counter = Client()
    counter.force_login(user("operator1"))
    parcel = good_parcel(city)
    if trouble == "unknown":
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{fake_address.server_address[1]}/_register",
            data=json.dumps({"postal_code": parcel.postal_code}).encode()), timeout=5).read()
    else:
        _mode(fake_address, mode=trouble, seconds=3)
    started = __import__("time").monotonic()
    page = counter.get(f"/counter/parcels/{parcel.pk}/apply/").content.decode()
    assert __import__("time").monotonic() - started < 2.5  # the timeout, not the post's slowness
    state = "unknown" if trouble == "unknown" else "unavailable"
    assert f'data-state="{state}"' in page
    r = counter.post(f"/counter/parcels/{parcel.pk}/apply/", _form(parcel, "اهواز، کیانپارس، خیابان ۵"))
    assert r.status_code == 302
    app = Application.objects.get(parcel=parcel)
    assert app.address_checked is False and app.address.startswith("اهواز")
    assert 'data-checked="0"' in counter.get(f"/files/{app.pk}/").content.decode()


def test_a_changed_address_is_unchecked_and_no_service_means_not_asked(city, fake_address, settings):
    counter = Client()
    counter.force_login(user("operator1"))
    parcel = good_parcel(city)
    counter.post(f"/counter/parcels/{parcel.pk}/apply/", _form(parcel, "نشانی دیگری که متصدی نوشت"))
    assert Application.objects.get(parcel=parcel).address_checked is False
    settings.PANJEREH_ADDRESS_URL = ""
    other = good_parcel(city)
    counter.post(f"/counter/parcels/{other.pk}/apply/", _form(other, "اهواز"))
    assert Application.objects.get(parcel=other).address_checked is None
    assert addresses.lookup("12345") == {"state": "invalid"}
