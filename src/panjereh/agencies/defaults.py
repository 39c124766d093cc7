"""Default agencies and services for an Iranian city; loaded by a migration, then edited in the admin."""

AGENCIES = [
    ("municipality", "شهرداری", "Municipality"),
    ("water", "شرکت آب و فاضلاب", "Water & Wastewater Company"),
    ("power", "شرکت توزیع نیروی برق", "Power Distribution Company"),
    ("gas", "شرکت گاز", "Gas Company"),
    ("telecom", "شرکت مخابرات", "Telecommunication Company"),
    ("fire", "سازمان آتش‌نشانی", "Fire and Safety Service"),
]

# code, agency, fa, en, network kinds, service distance (m), min spare kVA
SERVICES = [
    ("water", "water", "انشعاب آب", "Water connection", ["water_main"], 50.0, None),
    ("sewer", "water", "انشعاب فاضلاب", "Sewer connection", ["sewer"], 50.0, None),
    ("power", "power", "انشعاب برق", "Power connection", ["lv_cable"], 60.0, 25.0),
    ("gas", "gas", "انشعاب گاز", "Gas connection", ["gas_main"], 50.0, None),
    ("telecom", "telecom", "خط تلفن و ارتباطات", "Telecom lines", ["telecom_duct"], 100.0, None),
]


def load(agency_model, service_model):
    """Create the default agencies and services that do not exist yet; never overwrite edits."""
    agencies = {}
    for code, fa, en in AGENCIES:
        agencies[code], _ = agency_model.objects.get_or_create(code=code, defaults={"name_fa": fa, "name_en": en})
    for code, agency, fa, en, kinds, distance, spare in SERVICES:
        service_model.objects.get_or_create(code=code, defaults={
            "agency": agencies[agency], "name_fa": fa, "name_en": en, "network_kinds": kinds,
            "service_distance_m": distance, "min_spare_kva": spare})
