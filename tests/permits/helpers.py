"""Building blocks for single-window tests: a good parcel, a good request, the people who act on it."""

from panjereh.citymap.models import Parcel
from panjereh.citymap.services import feasibility


def good_parcel(city, *, needs=("water", "sewer", "power")) -> Parcel:
    """A residential parcel where every service in ``needs`` is feasible on the map."""
    for parcel in Parcel.objects.filter(land_use="residential").order_by("id")[:200]:
        result = {s["service"]: s for s in feasibility(parcel)["services"]}
        if all(result[n]["feasible"] for n in needs):
            return parcel
    raise AssertionError("no suitable parcel in the test city")


def request_body(parcel, /, **overrides) -> dict:
    body = {
        "parcel": parcel.pk,
        "applicant": {"kind": "person", "national_id": "4608968882", "name": "علي كريمي", "mobile": "09161234567"},
        "permit": {"permit_type": "new", "land_use": "residential", "floors": 2, "units": 2,
                   "gross_floor_area": round(parcel.area_m2 * 1.0), "parking_spaces": 1},
        "services": {"water": {"timing": "now", "size": {"diameter_mm": 20}}, "sewer": {"timing": "now"},
                     "power": {"timing": "now", "size": {"phases": 1, "kw": 10}},
                     "gas": {"timing": "later", "size": {"meter_class": "G6"}},
                     "telecom": {"timing": "not_needed"}},
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            body[section][field] = value
        else:
            body[section] = value
    return body
