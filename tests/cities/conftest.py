"""Two cities in one deployment: the test city (Ahvaz) and a second one, Dezful, served by the same provincial
water, power, gas and telecom companies, with its own municipality, counter office and staff."""

import pytest
from django.contrib.auth import get_user_model

from panjereh.agencies import services as agency_services
from panjereh.agencies.models import Agency, CounterOffice, StaffProfile
from panjereh.citymap.models import Parcel
from panjereh.permits import services
from tests.permits.helpers import good_parcel, request_body

SERVICES = {"water": {"timing": "now", "size": {"diameter_mm": 20}}, "sewer": {"timing": "not_needed"},
            "power": {"timing": "not_needed"}, "gas": {"timing": "not_needed"}, "telecom": {"timing": "not_needed"}}


def staff(username, role, *, agency=None, office=None, cities=()):
    user = get_user_model().objects.create_user(username, password="x-not-a-demo-1405")
    profile = StaffProfile.objects.create(user=user, role=role, agency=agency, office=office)
    profile.cities.set(cities)
    return user


def open_file(operator, parcel, national_id):
    body = request_body(parcel, applicant={"kind": "person", "national_id": national_id, "name": "علی کریمی",
                                           "mobile": "09161234567"}, services=SERVICES)
    return services.submit_application(actor=operator, parcel=parcel, applicant=body["applicant"],
                                       permit=body["permit"], services=body["services"],
                                       office=operator.staff.office)


@pytest.fixture
def province(city):
    """Dezful added with createcity's service; one Ahvaz parcel moved into it (the access rules are about the
    city key, not where the parcel lies); a file in each city."""
    return build_province(city)


@pytest.fixture
def live_province(live_city):
    """The same province, committed: for a command run in its own process."""
    return build_province(live_city)


def build_province(city):
    dezful = agency_services.add_city(actor=None, code="dezful", prefix="DZF", name_fa="دزفول", name_en="Dezful",
                                      centre=(48.40, 32.38), served_by=["water", "power", "gas", "telecom", "fire"])
    ahvaz_parcel = good_parcel(city, needs=("water",))
    dezful_parcel = Parcel.objects.filter(land_use="residential").exclude(pk=ahvaz_parcel.pk).order_by("-id").first()
    Parcel.objects.filter(pk=dezful_parcel.pk).update(city=dezful)
    dezful_parcel.refresh_from_db()
    office = CounterOffice.objects.get(city=dezful)
    municipality = Agency.objects.get(kind="municipality", cities=dezful)
    people = {
        "dezful.operator": staff("dezful.operator", "operator", office=office),
        "dezful.reviewer": staff("dezful.reviewer", "reviewer", agency=municipality),
        "water.ahvaz_only": staff("water.ahvaz_only", "reviewer", agency=Agency.objects.get(code="water"),
                                  cities=[ahvaz_parcel.city_id]),
    }
    operator1 = get_user_model().objects.get(username="operator1")
    return {"dezful": dezful, "municipality": municipality, "people": people,
            "ahvaz_file": open_file(operator1, ahvaz_parcel, "4608968882"),
            "dezful_file": open_file(people["dezful.operator"], dezful_parcel, "0499370899"),
            "ahvaz_parcel": ahvaz_parcel, "dezful_parcel": dezful_parcel}
