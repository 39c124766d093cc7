"""The agencies' tables as one city's rows (``panjereh copydatabase --city``): the staff who work in the city."""

from django.db.models import Exists, OuterRef, Q


def staff_profiles(city_id, rows):
    """The city's counter operators, and the staff of the agencies serving it who are not limited to other
    cities: nobody who could not open the city's files in the province."""
    from panjereh.agencies.models import Agency, StaffProfile

    Limits = StaffProfile.cities.through
    limited = Exists(Limits.objects.filter(staffprofile_id=OuterRef("pk")))
    limited_here = Exists(Limits.objects.filter(staffprofile_id=OuterRef("pk"), city_id=city_id))
    serving = Agency.objects.filter(cities=city_id).values("pk")
    works_here = Q(office__city_id=city_id) | Q(office__isnull=True, agency__in=serving)
    return StaffProfile._base_manager.filter(works_here).filter(~limited | limited_here)


def staff_tokens(city_id, rows):
    """API tokens of the staff copied, no one else's."""
    from panjereh.agencies.models import StaffToken

    return StaffToken._base_manager.filter(user__in=rows("agencies.staffprofile").values("user"))


RULES = {"StaffProfile": staff_profiles, "StaffToken": staff_tokens}
