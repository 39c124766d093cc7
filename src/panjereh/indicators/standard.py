"""The Doing Business standard cases run through this city's own configuration, and the B-READY good
practices the configuration shows. Published figures come from data/reference_figures.json, never code."""

import json
import statistics
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone

from panjereh.agencies.queries import municipality_of
from panjereh.agencies.models import Service
from panjereh.cities.services import home_city_id
from panjereh.citymap.models import Parcel
from panjereh.core.calendar import add_working_days, local_date
from panjereh.permits.services import fee_lines

DATA = Path(__file__).resolve().parent / "data" / "reference_figures.json"


@lru_cache(maxsize=1)
def reference() -> dict:
    """The published figures and the standard case's definition, with their sources."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def _calendar_days(working_days: int, city: int | None = None) -> int:
    """Calendar days that ``working_days`` working days take from today (holidays and closures included)."""
    today = local_date(timezone.now())
    return (add_working_days(today, working_days, city) - today).days


def construction_permit_case(measured: dict | None = None, city: int | None = None) -> dict:
    """The standard warehouse through this city's single window: procedures, days and cost.

    Procedures are the applicant's own steps: one application for the permit and both connections, one
    payment, the connections installed by the water company's one visit, and the completion certificate.
    Days: the agencies decide in parallel (the longest configured review), then the connection; with
    history, the measured medians are shown too. Cost: the one bill (permit fee, water and sewer) as a share
    of the warehouse's value (50 × income per capita). Of the home city, or of ``city``: its fee schedule, its
    municipality's deadline, its closure days."""
    case = reference()["standard_warehouse"]
    home = city or home_city_id()
    values = list(Parcel.objects.filter(city_id=home).values_list("regional_value", flat=True)[:100000])
    plot = SimpleNamespace(area_m2=case["plot_area_m2"], city_id=home,
                           regional_value=int(statistics.median(values)) if values else 0)
    services = {s.code: s for s in Service.objects.select_related("agency").filter(code__in=["water", "sewer"])}
    requests = [(services["water"], "now", {"diameter_mm": case["water_diameter_mm"]}),
                (services["sewer"], "now", {})]
    lines = fee_lines(parcel=plot, land_use=case["land_use"], units=1, floor_area=case["floor_area_m2"], parking=0,
                      requests=requests)
    total = sum(line[4] for line in lines)
    value = case["value_multiple_of_income_per_capita"] * settings.PANJEREH_INCOME_PER_CAPITA
    review = max(municipality_of(home).review_days, services["water"].agency.review_days)
    connection = services["water"].agency.connection_days
    out = {"procedures": 4, "review_working_days": review, "connection_working_days": connection,
           "days": _calendar_days(review + connection, home), "fees_rials": total, "value_rials": value,
           "cost_pct": round(100 * total / value, 2) if value else None,
           "lines": [{"agency": line[0].code, "item": line[1], "amount": line[4]} for line in lines]}
    if measured:
        out["measured_days"] = measured
    return out


def electricity_case() -> dict:
    """Getting electricity through the single window: the application (with the permit or as a later
    service), one payment, the installation; the power company's configured review and connection days."""
    power = Service.objects.select_related("agency").get(code="power")
    days = power.agency.review_days + power.agency.connection_days
    return {"procedures": 3, "working_days": days, "days": _calendar_days(days)}
