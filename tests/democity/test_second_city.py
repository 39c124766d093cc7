"""The demo's second city: Dezful beside Ahvaz, each apart."""

from panjereh.cities.models import City
from panjereh.citymap.models import Parcel
from panjereh.democity.second_city import add_second_city

AHVAZ_BOX = "48.45,31.10,48.90,31.55"
DEZFUL_BOX = "48.30,32.30,48.50,32.46"


def test_dezful_is_added_once_with_its_parcels_and_staff(city, client_for):
    dezful, made = add_second_city()
    assert made == ["operator.dezful", "reviewer.dezful", "signer.dezful"]
    assert Parcel.objects.filter(city=dezful).count() == 128 and dezful.srid == 32639
    again, made_again = add_second_city()
    assert again == dezful and made_again == [] and Parcel.objects.filter(city=dezful).count() == 128
    assert City.objects.count() == 2


def test_each_citys_staff_find_only_their_own_citys_parcels_on_the_map(city, client_for):
    dezful, _ = add_second_city()
    ahvaz_parcels = Parcel.objects.exclude(city=dezful).count()
    for username, in_ahvaz, in_dezful in (("reviewer.dezful", 0, 128), ("reviewer.municipality", ahvaz_parcels, 0),
                                          ("coordinator", ahvaz_parcels, 128)):
        api = client_for(username)
        ahvaz = api.get("/api/v1/parcels/", {"bbox": AHVAZ_BOX, "limit": 1}).json()
        there = api.get("/api/v1/parcels/", {"bbox": DEZFUL_BOX, "limit": 1}).json()
        assert (ahvaz["numberMatched"], there["numberMatched"]) == (in_ahvaz, in_dezful), username
