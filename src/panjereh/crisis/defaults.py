"""Default laying rules and clearances (DOMAIN.md), loaded by a migration, edited in the admin."""

LAYING = {"sewer": 0.0, "water_main": 3.5, "gas_main": 3.5, "lv_cable": 7.0, "mv_cable": 7.8, "telecom_duct": 7.0}

CLEARANCES = [
    ("gas-power", ["gas_main", "gas_service"], ["lv_cable", "mv_cable"], 0.5, None),
    ("water-sewer", ["water_main"], ["sewer"], 3.0, 1.0),
    ("gas-water", ["gas_main", "gas_service"], ["water_main"], 0.5, None),
]


def load(laying_model, clearance_model, using: str = "default"):
    """Create the default rules that do not exist yet, in the database ``using``."""
    for kind, offset in LAYING.items():
        laying_model.objects.using(using).get_or_create(kind=kind, defaults={"offset_m": offset})
    for name, a, b, minimum, relaxed in CLEARANCES:
        clearance_model.objects.using(using).get_or_create(
            name=name, defaults={"kinds_a": a, "kinds_b": b, "min_m": minimum, "min_m_if_a_above": relaxed})
