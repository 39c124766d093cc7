"""Fee formulas. The structure is code; every amount and coefficient is a FeeSchedule's params (data).

All money is integer rials, rounded down to a whole rial once per line. The arithmetic before that one
rounding is exact: coefficients and areas are read as the decimals they were written as (0.7 is seven
tenths, not the binary float 0.6999…), so 70% of 180,000,000 rials is 126,000,000, not 125,999,999.
"""

import math
from fractions import Fraction

from django.db.models import F, Q
from django.utils.translation import gettext as _

from panjereh.agencies.models import FeeSchedule
from panjereh.core.errors import FieldError
from panjereh.core.text import Localized

RESIDENTIAL = {"residential"}


class FeeError(FieldError):
    """A fee that cannot be computed from what the application says (``field`` and a translated sentence)."""


def exact(value) -> Fraction:
    """A number from a fee schedule or an application as the exact decimal it was written as."""
    return Fraction(value) if isinstance(value, int) else Fraction(str(value))


def municipal_permit(params: dict, *, land_use: str, floor_area: float, units: int, parking: int,
                     parcel_area: float, regional_value: int) -> int:
    """T = (1 + C(r)) · K(land use) · P · C(f) · S, with S the floor area less parking, after Tehran's formulas."""
    if land_use not in params["K"]:
        raise FeeError("land_use", _("No permit fee is configured for the land use «%(value)s».")
            % Localized({"value": land_use}))
    area = exact(floor_area)
    charged = max(Fraction(0), area - parking * exact(params.get("parking_area_m2", 25)))
    c_r = max(Fraction(0), 10 * units / area - Fraction(1, 5)) if area > 0 else Fraction(0)
    density = area / exact(parcel_area) * 100
    c_f = next(mult for bound, mult in params["density_bands"] if density <= exact(bound))
    return math.floor((1 + c_r) * exact(params["K"][land_use]) * regional_value * exact(c_f) * charged)


def water_connection(params: dict, *, land_use: str, units: int, diameter_mm: int | None, commercial_units: int) -> int:
    """Residential: a flat amount per unit. Otherwise: contracted m³/month × rate × city coefficient + per unit."""
    if land_use in RESIDENTIAL:
        return params["per_residential_unit"] * max(1, units)
    capacity = params["m3_per_month_by_diameter"].get(str(diameter_mm))
    if capacity is None:
        raise FeeError("water.diameter_mm", _("No water capacity is configured for a %(size)s mm branch; the "
                                              "configured diameters are %(known)s.")
                       % Localized({"size": diameter_mm, "known": "، ".join(params["m3_per_month_by_diameter"])}))
    return math.floor(exact(capacity) * exact(params["rate_per_m3"]) * exact(params["city_coefficient"])
                      + exact(params["per_commercial_unit"]) * commercial_units)


def sewer_connection(params: dict, *, land_use: str, water_fee: int) -> int:
    """A share of the water fee: 70% for residential, 100% otherwise (by default)."""
    share = params["residential_share"] if land_use in RESIDENTIAL else params["other_share"]
    return math.floor(water_fee * exact(share))


def gas_meter(params: dict, *, meter_class: str) -> int:
    if meter_class not in params["classes"]:
        raise FeeError("gas.meter_class", _("The gas meter class «%(value)s» is not one of %(known)s.")
                       % Localized({"value": meter_class, "known": "، ".join(params["classes"])}))
    return params["classes"][meter_class]


def power_connection(params: dict, *, phases: int, kw: float) -> int:
    if str(phases) not in params["per_phase_set"]:
        raise FeeError("power.phases", _("The power connection's phases must be one of %(known)s.")
                       % Localized({"known": "، ".join(params["per_phase_set"])}))
    return math.floor(exact(params["per_phase_set"][str(phases)]) + exact(params["per_kw"]) * exact(kw))


def telecom_lines(params: dict, *, lines: int) -> int:
    return params["per_line"] * lines


def schedule(code: str, city_id: int | None = None) -> FeeSchedule:
    """The schedule of ``code`` in a city: the city's own where it has one, else every city's."""
    found = FeeSchedule.objects.select_related("agency").filter(code=code).filter(
        Q(city__isnull=True) | Q(city_id=city_id)).order_by(F("city_id").desc(nulls_last=True)).first()
    if found is None:
        raise FeeError("services", _("No fee schedule «%(code)s» is configured.") % Localized({"code": code}))
    return found


def service_fee(service_code: str, *, land_use: str, units: int, size: dict, water_size: dict | None = None,
                city_id: int | None = None) -> int:
    """The connection fee of one service for an application's land use, units and requested size, by the
    schedule of the file's city (``city_id``; its own, or every city's).

    The sewer fee is a share of the water fee, so it needs the water branch's size (``water_size``).
    """
    params = schedule(service_code, city_id).params
    commercial_units = 0 if land_use in RESIDENTIAL else max(1, units)
    if service_code in {"water", "sewer"}:
        branch = size if service_code == "water" else (water_size or {"diameter_mm": 20})
        water = water_connection(schedule("water", city_id).params, land_use=land_use, units=units,
                                 diameter_mm=branch.get("diameter_mm", 20), commercial_units=commercial_units)
        if service_code == "water":
            return water
        return sewer_connection(params, land_use=land_use, water_fee=water)
    if service_code == "gas":
        return gas_meter(params, meter_class=size.get("meter_class", ""))
    if service_code == "power":
        return power_connection(params, phases=size.get("phases", 1), kw=size.get("kw", 0))
    if service_code == "telecom":
        return telecom_lines(params, lines=size.get("lines", 1))
    raise FeeError("services", _("There is no fee formula for the service «%(code)s».")
        % Localized({"code": service_code}))


def excavation(params: dict, *, length_m: float, surface: str, street_width_m: float | None,
               shared: bool = False) -> int:
    """The excavation permit's fee: (per metre by surface × the street's class + restoration per m²) × length,
    less the shared-trench discount; integer rials, rounded down once."""
    if surface not in params["per_metre"]:
        raise FeeError("surface", _("No excavation fee is configured for the surface «%(value)s».")
                       % Localized({"value": surface}))
    factor = exact(params["arterial_factor"]) if (street_width_m or 0) >= params["arterial_width_m"] else 1
    per_metre = exact(params["per_metre"][surface]) * factor \
        + exact(params["restoration_per_m2"][surface]) * exact(params["trench_width_m"])
    total = per_metre * exact(round(length_m, 2))
    if shared:
        total *= 1 - exact(params["shared_discount"])
    return math.floor(total)
