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
# the map colour of each agency's layers (a reader tells whose pipe is whose at a glance)
COLOURS = {"municipality": "#5a5a5a", "water": "#1565c0", "power": "#c62828", "gas": "#b26a00",
           "telecom": "#2e7d32"}
# what decides a connection's grade: power above 150 kW is medium voltage; gas meters from G100 medium pressure
GRADES = {"power": {"lv_max_kw": 150.0, "mv_network_kinds": ["mv_cable", "mv_overhead"]},
          "gas": {"mp_from_meter_class": "G100",
                  "pressure_classes": {"lp": ["60psi", "lp", ""], "mp": ["250psi", "mp"]}}}

SERVICES = [
    ("water", "water", "انشعاب آب", "Water connection", ["water_main"], 50.0, None),
    ("sewer", "water", "انشعاب فاضلاب", "Sewer connection", ["sewer"], 50.0, None),
    ("power", "power", "انشعاب برق", "Power connection", ["lv_cable", "lv_overhead"], 60.0, 25.0),
    ("gas", "gas", "انشعاب گاز", "Gas connection", ["gas_main"], 50.0, None),
    ("telecom", "telecom", "خط تلفن و ارتباطات", "Telecom lines", ["telecom_duct"], 100.0, None),
]


def _known(model, values: dict) -> dict:
    """The values of fields ``model`` has (an early migration's model has fewer fields than today's)."""
    names = {f.name for f in model._meta.get_fields()}
    return {k: v for k, v in values.items() if k in names}


def load(agency_model, service_model, using: str = "default"):
    """Create the default agencies and services that do not exist yet; never overwrite edits (in the database
    ``using``: a migration names the one it migrates)."""
    agencies = {}
    for code, fa, en in AGENCIES:
        agencies[code], _ = agency_model.objects.using(using).get_or_create(
            code=code, defaults=_known(agency_model, {"name_fa": fa, "name_en": en, "kind": code,
                                                      "colour": COLOURS.get(code, "#444444")}))
    for code, agency, fa, en, kinds, distance, spare in SERVICES:
        service_model.objects.using(using).get_or_create(code=code, defaults=_known(service_model, {
            "agency": agencies[agency], "name_fa": fa, "name_en": en, "network_kinds": kinds,
            "service_distance_m": distance, "min_spare_kva": spare, **GRADES.get(code, {})}))


def serve_home_city(agency_model, city_id: int, using: str = "default") -> None:
    """Every agency that serves no city yet serves the home city: a one-city deployment never names one."""
    for agency in agency_model.objects.using(using).filter(cities__isnull=True):
        agency.cities.add(city_id)


def load_city_rules(agency_model, service_model, using: str = "default"):
    """The map colours and connection grades of existing rows still at their field's default (migration 0014)."""
    for code, colour in COLOURS.items():
        agency_model.objects.using(using).filter(code=code, colour="#444444").update(colour=colour)
    for code, values in GRADES.items():
        service = service_model.objects.using(using).filter(code=code).first()
        if service is not None:
            for field, value in values.items():
                if not getattr(service, field):
                    setattr(service, field, value)
            service.save(using=using)


# Review deadlines in working days (DOMAIN.md) and whether silence past them counts as approval.
REVIEW_DAYS = {"municipality": (15, False), "water": (10, True), "power": (10, True), "gas": (10, False),
               "telecom": (7, True), "fire": (10, False)}
FIRE_MIN_FLOORS = 5

REFUSAL_REASONS = {
    "municipality": [(1, "کاربری درخواستی با طرح تفصیلی مغایرت دارد", "Requested land use conflicts with the detailed plan"),
                     (2, "تعداد طبقات یا تراکم بیش از ضوابط است", "Floors or density exceed the zoning limits"),
                     (3, "مدارک مالکیت ناقص است", "Ownership documents are incomplete")],
    "water": [(1, "شبکه آب در محدوده وجود ندارد", "No water network in the area"),
              (2, "ظرفیت شبکه کافی نیست", "Network capacity is insufficient")],
    "power": [(1, "ظرفیت ترانسفورماتور کافی نیست", "Transformer capacity is insufficient"),
              (2, "حریم خطوط برق رعایت نشده است", "Power line easement is violated")],
    "gas": [(1, "شبکه گاز در محدوده وجود ندارد", "No gas main in the area"),
            (2, "محل نصب کنتور مناسب نیست", "Meter location is unsuitable")],
    "telecom": [(1, "ظرفیت کافو تکمیل است", "Cabinet capacity is full")],
    "fire": [(1, "راه پله فرار پیش‌بینی نشده است", "No escape staircase provided"),
             (2, "دسترسی خودرو آتش‌نشانی تأمین نیست", "No fire-engine access")],
}

# Fee schedules (amounts in rials; structure from DOMAIN.md, after Tehran's published formulas).
FEES = [
    ("permit", "municipality", "municipal_permit", {
        "K": {"residential": 0.08, "commercial": 0.35, "administrative": 0.25, "industrial": 0.2,
              "educational": 0.05, "health": 0.05, "green_space": 0.02, "mixed": 0.2},
        # density (floor area / parcel area, %) up to the bound -> multiplier C(f)
        "density_bands": [[120, 1.0], [180, 1.2], [240, 1.5], [360, 2.0], [100000, 3.0]],
        "parking_area_m2": 25}),
    ("water", "water", "water_connection", {
        "per_residential_unit": 45_000_000, "rate_per_m3": 1_500_000, "city_coefficient": 1.1,
        "per_commercial_unit": 30_000_000, "m3_per_month_by_diameter": {"15": 30, "20": 50, "25": 90, "32": 150,
                                                                        "40": 250, "50": 400}}),
    ("sewer", "water", "sewer_connection", {"residential_share": 0.7, "other_share": 1.0}),
    ("gas", "gas", "gas_meter", {"classes": {"G4": 25_000_000, "G6": 40_000_000, "G10": 70_000_000,
                                             "G16": 110_000_000, "G25": 170_000_000, "G40": 260_000_000,
                                             "G65": 400_000_000, "G100": 600_000_000, "G160": 900_000_000}}),
    ("power", "power", "power_connection", {"per_phase_set": {"1": 30_000_000, "3": 90_000_000},
                                            "per_kw": 6_000_000}),
    ("telecom", "telecom", "telecom_lines", {"per_line": 5_000_000}),
    # the municipality's excavation permit: per metre of trench by surface, times the street's class (by its
    # width), plus the restoration of the surface per m² (trench length × width); a shared trench is
    # discounted and split by each agency's length
    ("excavation", "municipality", "excavation", {
        "per_metre": {"asphalt": 2_500_000, "concrete": 3_000_000, "unpaved": 800_000},
        "restoration_per_m2": {"asphalt": 4_000_000, "concrete": 5_000_000, "unpaved": 500_000},
        "trench_width_m": 0.6, "arterial_width_m": 20, "arterial_factor": 1.5, "shared_discount": 0.25,
        # Article 103 of the Municipalities Law: unrestored works repaired by the municipality at cost + 10%
        "recovery_overhead": 0.1,
        # a failed inspection: a penalty per metre of the agency's trench, by surface
        "inspection_penalty_per_m": {"asphalt": 1_000_000, "concrete": 1_200_000, "unpaved": 300_000}}),
]


def load_review_rules(agency_model, reason_model, fee_model, using: str = "default"):
    """Set default deadlines, refusal reasons and fee schedules where none exist yet."""
    for code, (days, silence) in REVIEW_DAYS.items():
        agency_model.objects.using(using).filter(code=code).update(review_days=days, silence_means_approval=silence)
    agency_model.objects.using(using).filter(code="fire").update(review_min_floors=FIRE_MIN_FLOORS)
    for code, reasons in REFUSAL_REASONS.items():
        agency = agency_model.objects.using(using).get(code=code)
        for number, fa, en in reasons:
            reason_model.objects.using(using).get_or_create(agency=agency, number=number,
                                                            defaults={"text_fa": fa, "text_en": en})
    every_city = _known(fee_model, {"city": None})  # the default schedules (a city may have its own beside)
    for code, agency, formula, params in FEES:
        fee_model.objects.using(using).get_or_create(code=code, **every_city, defaults={
            "agency": agency_model.objects.using(using).get(code=agency), "formula": formula, "params": params})
