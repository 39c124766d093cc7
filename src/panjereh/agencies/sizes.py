"""What a connection's size is made of, and the values a city offers — read from its fee schedules, so a size a
city adds in the admin (a G250 gas meter, a 63 mm water branch) is offered and accepted everywhere at once:
the API's check, the counter's form, the fee. Only what a size is made of is written here."""

from panjereh.agencies.models import FeeSchedule

# the inputs of each service's size, in the order the forms show them
FIELDS: dict[str, tuple[str, ...]] = {"water": ("diameter_mm",), "sewer": (), "power": ("phases", "kw"),
                                      "gas": ("meter_class",), "telecom": ("lines",)}
ALL_FIELDS = frozenset(f for fields in FIELDS.values() for f in fields)


def _params(code: str) -> dict:
    row = FeeSchedule.objects.filter(code=code, city__isnull=True).values_list("params", flat=True).first()
    return row or {}


def offered(service_code: str) -> dict[str, list[str]]:
    """{size field: the values the city's fee schedule prices}, for the fields that take one of a list (water
    branch diameters, power phase sets, gas meter classes); numbers sorted as numbers."""
    if service_code == "water":
        return {"diameter_mm": sorted(_params("water").get("m3_per_month_by_diameter", {}), key=float)}
    if service_code == "power":
        return {"phases": sorted(_params("power").get("per_phase_set", {}), key=float)}
    if service_code == "gas":
        classes = _params("gas").get("classes", {})
        return {"meter_class": sorted(classes, key=lambda c: float(c.upper().lstrip("G") or 0))}
    return {}
