"""Which agency serves a city: the one place that answers it, so no caller writes an ``if city``."""

from panjereh.agencies.codes import MUNICIPALITY
from panjereh.agencies.models import Agency


def municipality_of(city_id: int) -> Agency:
    """The municipality that holds the single window of a city: the agency of kind municipality serving it. A
    deployment of one city has exactly one (code ``municipality``)."""
    found = Agency.objects.filter(kind=MUNICIPALITY, cities=city_id).order_by("id").first()
    return found if found is not None else Agency.objects.get(code=MUNICIPALITY)


def serves(agency: Agency, city_id: int) -> bool:
    return agency.cities.filter(pk=city_id).exists()
