"""A file keeps its applicant as given on it; a parcel holds one open file per permit type; the tariff
history follows the parcel's real class."""

import pytest

from panjereh.permits.models import Applicant, Application, TariffChange
from tests.permits.helpers import approve_all, good_parcel, pay_in_cash, request_body

pytestmark = pytest.mark.django_db


def open_file(client_for, parcel, **applicant):
    body = request_body(parcel)
    body["applicant"] |= applicant
    return client_for("operator1").post("/api/v1/applications/", body, format="json")


def test_a_second_file_with_the_same_national_id_takes_nothing_from_the_first(client_for, city):
    """Before: update_or_create on the national ID rewrote the first file's name and mobile."""
    first = open_file(client_for, good_parcel(city), name="زهرا احمدی", mobile="09161111111").json()
    second = open_file(client_for, good_parcel(city), name="زهرا احمدی نژاد", mobile="09162222222").json()
    assert second["applicant"]["mobile"] == "09162222222"
    again = client_for("operator1").get(f"/api/v1/applications/{first['id']}/").json()
    assert again["applicant"] == first["applicant"]
    public = client_for()
    assert public.post(f"/api/v1/track/{first['tracking_code']}/", {"mobile": "09161111111"},
                       format="json").status_code == 200
    # the newcomer's mobile does not open the old file
    assert public.post(f"/api/v1/track/{first['tracking_code']}/", {"mobile": "09162222222"},
                       format="json").status_code == 404
    person = Applicant.objects.get(national_id=first["applicant"]["national_id"])
    assert [a.applicant_mobile for a in person.applications.order_by("id")] == ["09161111111", "09162222222"]


def test_one_open_file_per_parcel_and_permit_type(client_for, city):
    parcel = good_parcel(city)
    first = open_file(client_for, parcel).json()
    second = open_file(client_for, parcel)
    assert second.status_code == 400
    assert first["tracking_code"] in second.json()["error"]["message"]
    assert "parcel" in second.json()["error"]["details"]
    assert Application.objects.filter(parcel=parcel).count() == 1
    # a refused file no longer blocks the parcel
    client_for("reviewer.water").post(f"/api/v1/applications/{first['id']}/reviews/water/decision/",
                                      {"decision": "reject", "reason": 1}, format="json")
    assert Application.objects.get(pk=first["id"]).status == "rejected"
    assert open_file(client_for, parcel).status_code == 201


def test_tariff_history_starts_from_the_parcels_current_class(client_for, city):
    parcel = good_parcel(city)
    app = open_file(client_for, parcel).json()
    approve_all(client_for, app["id"])
    pay_in_cash(client_for, app["id"], "T-1")
    # an extension while the building is under construction: its switch starts from construction
    body = request_body(parcel, permit__permit_type="extension")
    ext = client_for("operator1").post("/api/v1/applications/", body, format="json").json()
    approve_all(client_for, ext["id"])
    pay_in_cash(client_for, ext["id"], "T-2")
    changes = list(TariffChange.objects.filter(parcel=parcel).order_by("id").values_list("from_class", "to_class"))
    assert changes == [("residential", "construction"), ("construction", "construction")]
