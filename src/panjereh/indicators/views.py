"""The indicators dashboard (public, Persian first), its open data (JSON and CSV: aggregates only, small
cells suppressed), and the staff's drill-down to the overdue files."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language

from panjereh import access
from panjereh.agencies.models import Agency, Service
from panjereh.cities.models import City
from panjereh.core.calendar import local_date, working_days_between
from panjereh.indicators import measures, practices, province as province_measures, standard
from panjereh.permits.models import ReviewTask


def _city(request) -> City | None:
    """The city a page or an open-data file is about (``?city=<code>``), None for the whole deployment; an
    unknown code is a 404, not the deployment's figures under its name."""
    code = request.GET.get("city", "")
    return get_object_or_404(City, code=code) if code else None


def _published(city: City | None = None) -> dict:
    city_id = city.pk if city else None
    data = measures.all_indicators(city_id)
    data["city"] = city.code if city else None
    permits = [r for r in data["permits"] if not r["suppressed"]]
    measured = {"permit_days_median": permits[-1]["calendar_days_median"]} if permits else None
    data["construction_permit_case"] = standard.construction_permit_case(measured, city_id)
    data["electricity_case"] = standard.electricity_case()
    data["good_practices"] = practices.checklist(city_id)
    data["reference"] = standard.reference()["construction_permits"]
    return data


def dashboard(request):
    """The public dashboard: monthly trends, agencies against their deadlines, days to permit, connections,
    the standard case beside the published figures, and the good-practice checklist; a table under every
    chart (the charts draw from the same numbers, read by indicators/charts.js). Of the whole deployment, or
    of one city (``?city=``), each city's page a link away when there are several."""
    city = _city(request)
    data = _published(city)
    agencies = {a.code: a for a in Agency.objects.all()}
    language = get_language() or "fa"
    chart = {"language": language,
             "reviews": [r for r in data["reviews"] if not r["suppressed"]],
             "permits": [r for r in data["permits"] if not r["suppressed"]],
             "days_to_permit": data["days_to_permit"],
             "agency_names": {c: (a.name_en if language == "en" else a.name_fa) for c, a in agencies.items()},
             "deadlines": {c: a.review_days for c, a in agencies.items()}}
    return render(request, "indicators/dashboard.html", {
        "data": data, "chart": chart, "agencies": agencies, "services": {s.code: s for s in Service.objects.all()},
        "city": city, "cities": list(City.objects.order_by("id")), "city_query": f"?city={city.code}" if city else ""})


def data_json(request):
    """Every aggregate of the dashboard as JSON (no personal data; cells under five files suppressed), of the
    deployment or of one city (``?city=``)."""
    city = _city(request)
    response = JsonResponse(_published(city), json_dumps_params={"ensure_ascii": False})
    suffix = f"-{city.code}" if city else ""
    response["Content-Disposition"] = f'inline; filename="panjereh-indicators{suffix}.json"'
    return response


def data_csv(request):
    """The same aggregates as one CSV table: a ``table`` column names which (reviews, permits, …)."""
    city = _city(request)
    data = measures.all_indicators(city.pk if city else None)
    columns = ["table", "agency", "service", "month", "files", "suppressed", "decisions", "permits", "connections",
               "agency_days_median", "agency_days_p90", "calendar_days_median", "calendar_days_p90",
               "working_days_median", "applicant_days_median", "within_deadline", "deemed", "refused",
               "actions_median", "cost_share_median", "from", "to"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for table in ("reviews", "permits", "connections", "days_to_permit"):
        for row in data[table]:
            writer.writerow({"table": table, **row})
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    suffix = f"-{city.code}" if city else ""
    response["Content-Disposition"] = f'attachment; filename="panjereh-indicators{suffix}.csv"'
    return response


@login_required
def overdue(request):
    """Staff: the open review tasks past their deadline, in the files this user may see, oldest first."""
    today = local_date(timezone.now())
    tasks = (ReviewTask.objects.filter(status__in=ReviewTask.OPEN, due_date__lt=today,
                                       application__in=access.visible_applications(request.user))
             .select_related("agency", "application").order_by("due_date", "id")[:500])
    rows = [{"task": t, "late": working_days_between(t.due_date, today, city=t.application.city_id)} for t in tasks]
    return render(request, "indicators/overdue.html", {"rows": rows})


def province(request):
    """The province's cities side by side (public): days to a permit, each kind of agency's reviews within their
    deadlines, connections installed within the agency's deadline; each city's figure suppressed under five
    files, as in all open data."""
    rows = province_measures.cities_compared()
    kinds = sorted({kind for r in rows for kind in r["reviews"]})
    names = {a.kind: a for a in Agency.objects.order_by("id") if a.kind == a.code}
    return render(request, "indicators/province.html", {
        "rows": [{**r, "kinds": [r["reviews"].get(k) for k in kinds]} for r in rows],
        "kinds": [names.get(k) or k for k in kinds]})


def province_json(request):
    """The province page's figures as JSON open data."""
    response = JsonResponse({"cities": province_measures.cities_compared(), "min_cell": measures.MIN_CELL},
                            json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'inline; filename="panjereh-province.json"'
    return response
