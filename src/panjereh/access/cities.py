"""Which cities a user's work covers — the one rule every door asks before anything else (issue 28).

A counter operator works in their office's city; the staff of an agency in the cities their agency serves (a
municipality or fire service: one; a provincial water, power, gas or telecom company: its area), or in fewer
where their profile limits them; coordinators and administrators in every city. A citizen's own files are theirs
in every city (``access.citizens``), and public answers are not the staff's to narrow."""

from django.apps import apps

from panjereh.access.roles import is_coordinator, staff_profile

ALL = None  # every city


def city_ids(user) -> frozenset[int] | None:
    """The ids of the cities ``user`` works in; None for every city (coordinators, administrators), an empty
    set for a user who works in none. Remembered on the user object for the request."""
    cached = getattr(user, "_panjereh_city_ids", False)
    if cached is not False:
        return cached
    found = _city_ids(user)
    try:
        user._panjereh_city_ids = found
    except AttributeError:  # AnonymousUser is a shared object: never cache on it
        pass
    return found


def _city_ids(user) -> frozenset[int] | None:
    if is_coordinator(user):
        return ALL
    profile = staff_profile(user)
    if profile is None:
        return frozenset()
    if profile.role == "operator":
        return frozenset({profile.office.city_id}) if profile.office_id else frozenset()
    if not profile.agency_id:
        return frozenset()
    served = set(profile.agency.cities.values_list("pk", flat=True))
    limited = set(profile.cities.values_list("pk", flat=True))
    return frozenset(served & limited if limited else served)


def in_cities(user, queryset, field: str = "city"):
    """``queryset`` narrowed to the cities ``user`` works in (``field`` names the city key)."""
    ids = city_ids(user)
    return queryset if ids is ALL else queryset.filter(**{f"{field}__in": ids})


def works_in(user, city_id: int) -> bool:
    ids = city_ids(user)
    return ids is ALL or city_id in ids


def setting_value(user) -> str:
    """The cities as the database's row-level policy reads them (``panjereh.cities``): ``*`` for every city,
    else the ids joined by commas (an empty string: none)."""
    ids = city_ids(user)
    return "*" if ids is ALL else ",".join(str(i) for i in sorted(ids))


def visible_parcels(user, parcels=None):
    """The parcels a staff member reads: those of the cities they work in (the parcel lookups of the counter,
    the map's REST answers, feasibility and tariffs). Looked up by label: ``access`` imports no domain model."""
    parcels = apps.get_model("citymap", "Parcel").objects.all() if parcels is None else parcels
    return in_cities(user, parcels)
