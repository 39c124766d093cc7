"""The street-works rules as configuration: classes with their notice and answer times, moratoria after
resurfacing, the conflict window. Defaults from the best-documented regime (the UK permit schemes) and
DOMAIN.md; a city overrides any of them in PANJEREH_WORKS_RULES (settings), never in code."""

from django.conf import settings

DEFAULTS = {
    # class → minimum notice before the start, and the municipality's answer time (working days); an
    # immediate works is reported within report_within_hours of starting
    "classes": {
        "major": {"notice_days": 10, "answer_days": 5, "min_duration_days": 11},
        "standard": {"notice_days": 10, "answer_days": 5, "min_duration_days": 4},
        "minor": {"notice_days": 3, "answer_days": 2, "min_duration_days": 0},
        "immediate": {"notice_days": 0, "answer_days": 2, "min_duration_days": 0, "report_within_hours": 2},
    },
    # no excavation on a street for this long after it was resurfaced, by surface (years)
    "moratorium_years": {"asphalt": 3, "concrete": 5},
    # works of other agencies are in conflict when on the same street within this distance and their dates
    # overlap or fall within the window
    "conflict_distance_m": 30,
    "conflict_window_days": 365,
    # how far a trench may lie from a street's centre line and still be "on" it
    "street_distance_m": 15,
    # share of each agency's works chosen at random for inspection in each phase
    "inspection_rate": 0.10,
    # guarantee of a permanent reinstatement (years), longer for deep trenches
    "guarantee_years": 2, "guarantee_years_deep": 3, "deep_m": 1.5,
    # working days after the works' end by which the surface must be permanently reinstated, else the
    # municipality restores it and charges the agency (Article 103)
    "reinstatement_days": 30,
    # agencies are told of a resurfacing this long ahead, so they can dig first
    "resurfacing_notice_days": 90,
    # seasons when streets are not dug except for emergencies and new connections: Jalali month-day ranges
    # (Nowruz; the first week of the school year near schools is the city's to add, with its streets)
    "bans": [{"name_fa": "نوروز", "name_en": "Nowruz", "from": "12-25", "to": "01-15"}],
}


def rules() -> dict:
    """The rules in force: the defaults, with the city's overrides (PANJEREH_WORKS_RULES) on top."""
    merged = {key: (dict(value) if isinstance(value, dict) else value) for key, value in DEFAULTS.items()}
    for key, value in getattr(settings, "PANJEREH_WORKS_RULES", {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged
