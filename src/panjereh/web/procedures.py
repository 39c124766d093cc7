"""The published procedures (B-READY 6 and 12): one public page per permit type and one per utility connection,
generated from the configuration in force — the documents a city requires, the agencies and their deadlines,
approval by silence, the fee schedules worked through examples, the connection cost by size. Nothing is written
here: a fee or a deadline changed in the admin shows on the next request. Of the home city, or of another city
of the province (``?city=``: its fee schedule, its municipality's deadline)."""

import statistics
from types import SimpleNamespace

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from panjereh.agencies import fees
from panjereh.agencies.models import Agency, Service
from panjereh.agencies.queries import municipality_of
from panjereh.cities.models import City
from panjereh.cities.services import home_city_id
from panjereh.citymap.models import Parcel
from panjereh.permits import risk
from panjereh.permits.models import Application, ConstructionPhase, DocumentRequirement, Engineer
from panjereh.permits.services import fee_lines

# the worked examples of the permit page: what a family and a shop typically ask for
EXAMPLES = [
    {"key": "house", "land_use": "residential", "units": 2, "floors": 2, "floor_area": 240, "parking": 1,
     "plot": 200},
    {"key": "shop", "land_use": "commercial", "units": 1, "floors": 1, "floor_area": 80, "parking": 0, "plot": 100},
]
POWER_EXAMPLES = [(1, 5), (1, 10), (3, 25), (3, 50)]  # (phases, kW) of a house, a larger house, a shop, a workshop


def _city(request) -> City:
    code = request.GET.get("city", "")
    return get_object_or_404(City, code=code) if code else City.objects.get(pk=home_city_id())


def _query(city: City) -> str:
    return "" if city.pk == home_city_id() else f"?city={city.code}"


def _plot(city: City, area: float) -> SimpleNamespace:
    """An example plot of the city: its area, and the median regional value of the city's parcels."""
    values = list(Parcel.objects.filter(city=city).values_list("regional_value", flat=True)[:20000])
    return SimpleNamespace(area_m2=area, city_id=city.pk, regional_value=int(statistics.median(values)) if values else 0)


def _reviewers(city: City) -> list[Agency]:
    """The agencies that decide a file of this city: its municipality and the agencies of the services."""
    agencies = {municipality_of(city.pk)}
    agencies |= {s.agency for s in Service.objects.select_related("agency").filter(agency__cities=city)}
    return sorted(agencies, key=lambda a: (a.kind != "municipality", a.code))


def procedure(request, permit_type: str):
    """The procedure of one permit type, from the configuration in force."""
    types = dict(Application.PermitType.choices)
    if permit_type not in types:
        raise Http404
    city = _city(request)
    examples = []
    for example in EXAMPLES:
        lines = fee_lines(parcel=_plot(city, example["plot"]), land_use=example["land_use"], units=example["units"],
                          floor_area=example["floor_area"], parking=example["parking"], requests=[])
        examples.append({**example, "lines": [{"agency": a, "fa": fa, "en": en, "amount": amount}
                                              for a, _code, fa, en, amount in lines],
                         "total": sum(line[4] for line in lines)})
    reviewers = _reviewers(city)
    return render(request, "web/procedure.html", {
        "city": city, "city_query": _query(city), "permit_type": permit_type, "type_name": types[permit_type],
        "types": Application.PermitType.choices,
        "documents": DocumentRequirement.objects.filter(permit_type=permit_type).order_by("position", "id"),
        "reviewers": reviewers, "longest": max(a.review_days for a in reviewers),
        "examples": examples, "regulations_url": settings.PANJEREH_BUILDING_REGULATIONS_URL,
        "appeal_days": settings.PANJEREH_APPEAL_DAYS, **_construction(),
        "services": Service.objects.select_related("agency").filter(agency__cities=city).order_by("code")})


def _costs(service: Service, city: City) -> list[dict]:
    """The connection fee by size, from the service's fee schedule in force for the city."""
    params = fees.schedule(service.code if service.code != "sewer" else "water", city.pk).params
    rows = []
    if service.code in {"water", "sewer"}:
        for diameter in params.get("m3_per_month_by_diameter", {}):
            size = {"diameter_mm": int(diameter)}
            rows.append({"kind": "diameter", "value": int(diameter), "amount": fees.service_fee(
                service.code, land_use="commercial", units=1, size=size, water_size=size, city_id=city.pk)})
    elif service.code == "gas":
        for meter_class in fees.schedule("gas", city.pk).params.get("classes", {}):
            rows.append({"kind": "meter", "value": meter_class, "amount": fees.service_fee(
                "gas", land_use="residential", units=1, size={"meter_class": meter_class}, city_id=city.pk)})
    elif service.code == "power":
        for phases, kw in POWER_EXAMPLES:
            rows.append({"kind": "power", "value": kw, "phases": phases, "amount": fees.service_fee(
                "power", land_use="residential", units=1, size={"phases": phases, "kw": kw}, city_id=city.pk)})
    elif service.code == "telecom":
        for lines in (1, 2, 4):
            rows.append({"kind": "lines", "value": lines, "amount": fees.service_fee(
                "telecom", land_use="residential", units=1, size={"lines": lines}, city_id=city.pk)})
    return rows


def _construction() -> dict:
    """The supervision and inspection rules in force: the phases, and per risk class its size, the share of its
    phases the municipality inspects and the lowest licence grade that may supervise it."""
    grades = settings.PANJEREH_GRADE_HIGHEST_CLASS
    classes = []
    for code in risk.CLASSES:
        admitted = [g for g in Engineer.Grade.values if risk.grade_admits(g, code)]
        floors, area = risk.LIMITS.get(code, (None, None))
        classes.append({"code": code, "floors": floors, "area": area,
                        "percent": round(risk.sampling_rate(code) * 100),
                        "grade": Engineer.Grade(admitted[0]).label if admitted and grades else "—"})
    return {"phases": [{"code": p, "label": ConstructionPhase(p).label} for p in risk.PHASES], "classes": classes,
            "inspection_days": settings.PANJEREH_INSPECTION_DAYS}


def utility_terms(request, service_code: str):
    """One utility connection's terms: documents, steps, cost by size and the expected time."""
    service = Service.objects.select_related("agency").filter(code=service_code).first()
    if service is None:
        raise Http404
    city = _city(request)
    try:
        costs = _costs(service, city)
    except (fees.FeeError, KeyError, ValueError):
        costs = []  # a schedule the city has not filled for every size: its sizes are asked at the counter
    return render(request, "web/utility_terms.html", {
        "city": city, "city_query": _query(city), "service": service, "agency": service.agency, "costs": costs,
        "residential_per_unit": fees.schedule("water", city.pk).params.get("per_residential_unit")
        if service.code == "water" else None,
        "documents": DocumentRequirement.objects.filter(permit_type="new").order_by("position", "id"),
        "services": Service.objects.order_by("code"), "types": Application.PermitType.choices})


def zoning_rules(request):
    """The detailed plan's rules table (B-READY 4), from the public zoning layers' current versions."""
    from panjereh.citymap import public_layers

    rows = public_layers.rules_table()
    keys = ["land_use", "max_floors", "density", "occupancy", "setback"]
    return render(request, "web/zoning_rules.html", {"rows": rows, "keys": keys,
                                                     "layers": list(public_layers.public_layers("zoning"))})
