"""The rules a drawing is checked against: each with its Persian name, its article in the detailed plan's
regulations (ضوابط و مقررات طرح تفصیلی), and the parcel's own limit.

The limits are the parcel's: from the zone of the city's public zoning layer that holds it (B-READY 4, the
``zoning…`` layers) where there is one, else from the parcel's own attributes on the map (most floors,
density), else the city's defaults below (occupancy, the 60% rule, storey height, parking). A municipality edits
the articles and defaults in ``PANJEREH_PLANCHECK_RULES`` (merged over these) and its zones in its zoning layer."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import pgettext_lazy

from panjereh.citymap import public_layers

RULES = {
    "site": (pgettext_lazy("plan rule", "the lot's area against the parcel's"), "ماده ۱"),
    "placement": (pgettext_lazy("plan rule", "the lot laid on the parcel on the map"), "ماده ۱"),
    "land_use": (pgettext_lazy("plan rule", "land use"), "بند ۱-۱"),
    "floors": (pgettext_lazy("plan rule", "floors above ground"), "بند ۲-۱"),
    "height": (pgettext_lazy("plan rule", "total height"), "بند ۲-۲"),
    "occupancy": (pgettext_lazy("plan rule", "occupancy (ground floor over the lot)"), "بند ۳-۱"),
    "density": (pgettext_lazy("plan rule", "density (floor areas over the lot)"), "بند ۳-۲"),
    "depth": (pgettext_lazy("plan rule", "building within sixty per cent of the lot's depth plus the extra metres"), "بند ۴-۱"),
    "street": (pgettext_lazy("plan rule", "setback from the street line"), "بند ۴-۲"),
    "parking": (pgettext_lazy("plan rule", "parking spaces"), "بند ۵-۱"),
    "units": (pgettext_lazy("plan rule", "dwelling units against the application"), "بند ۵-۲"),
}

DEFAULTS = {
    "occupancy_percent": 60,  # the ground floor's footprint over the lot
    "depth_share": 0.6,  # the 60% rule: the building within this share of the lot's depth from its north side
    "depth_extra_m": 2.0,  # … plus these metres
    "storey_height_m": 3.5,  # the highest storey the height rule allows per floor
    "roof_extra_m": 1.5,  # parapet and stair housing above the last floor
    "parking_per_unit": 1,  # housing: spaces per dwelling unit
    "parking_per_m2": 50,  # other uses: one space per this many m² of floor area
    "site_area_tolerance": 0.03,  # the drawing's lot may differ from the map's parcel by this share
    "site_fit_m": 1.5,  # the placed lot's boundary may lie this far from the parcel's (Hausdorff distance)
    "street_setback_m": 0.0,  # the building this far behind the (planned) street line, where the zone says nothing
}


def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "PANJEREH_PLANCHECK_RULES", {})}


def article(code: str) -> str:
    return getattr(settings, "PANJEREH_PLANCHECK_ARTICLES", {}).get(code, RULES[code][1])


def name(code: str) -> str:
    return str(RULES[code][0])


@dataclass(frozen=True)
class Limits:
    """One parcel's limits, and where each came from ("zoning layer", "parcel", "city default")."""

    land_use: str
    max_floors: int
    density_percent: float
    occupancy_percent: float
    source: str
    zone: str = ""
    setback_m: float = 0.0  # the building behind the planned street line


def limits_of(parcel) -> Limits:
    conf = config()
    zones = public_layers.zoning_of(parcel)
    if zones:
        attrs = zones[0]["attrs"]
        return Limits(land_use=parcel.land_use, max_floors=int(attrs.get("max_floors") or parcel.max_floors),
                      density_percent=float(attrs.get("density") or parcel.max_density),
                      occupancy_percent=float(attrs.get("occupancy") or conf["occupancy_percent"]),
                      source="zoning", zone=str(attrs.get("zone") or zones[0]["ext_id"]),
                      setback_m=float(attrs.get("setback_m") or conf["street_setback_m"]))
    return Limits(land_use=parcel.land_use, max_floors=parcel.max_floors, density_percent=float(parcel.max_density),
                  occupancy_percent=float(conf["occupancy_percent"]), source="parcel",
                  setback_m=float(conf["street_setback_m"]))
