"""The province's page: its cities side by side (issue 28). Each figure is the city's own, measured from its
files as the city's dashboard measures them (``measures``): days from application to permit, each agency kind's
reviews within their deadlines, connections installed within the agency's deadline. A city with fewer than
``MIN_CELL`` files in a figure has that figure suppressed, as everywhere in the open data."""

from collections import defaultdict

from panjereh.cities.models import City
from panjereh.core.calendar import local_date
from panjereh.indicators.measures import DECIDED, MIN_CELL, counters_by_city, median, p90, share


def _permits_by_city() -> dict[int, list[int]]:
    from panjereh.permits.models import Application

    days = defaultdict(list)
    for city, submitted, issued in Application.objects.filter(permit__isnull=False).values_list(
            "city_id", "submitted_at", "permit__issued_at"):
        days[city].append((local_date(issued) - local_date(submitted)).days)
    return days


def _reviews_by_city() -> dict[int, dict[str, list[bool]]]:
    from panjereh.permits.models import ReviewTask

    within = defaultdict(lambda: defaultdict(list))
    for city, kind, decided, due in ReviewTask.objects.filter(status__in=DECIDED, decided_at__isnull=False) \
            .values_list("application__city_id", "agency__kind", "decided_at", "due_date"):
        within[city][kind].append(local_date(decided) <= due)
    return within


def _connections_by_city() -> dict[int, list[bool]]:
    from panjereh.permits.models import ConnectionOrder

    orders = list(ConnectionOrder.objects.filter(installed_at__isnull=False).values_list(
        "application__city_id", "created_at", "installed_at", "agency__connection_days"))
    counters = counters_by_city(orders, 1, 2, 0)  # each city's own closure days
    on_time = defaultdict(list)
    for city, ordered, installed, allowed in orders:
        on_time[city].append(counters[city].between(local_date(ordered), local_date(installed)) <= allowed)
    return on_time


def _suppressed(n: int, figures: dict) -> dict:
    return {"files": n, "suppressed": True} if n < MIN_CELL else {"files": n, "suppressed": False, **figures}


def cities_compared() -> list[dict]:
    """One row per city: its code and names, and its figures (suppressed where too few files)."""
    permits, reviews, connections = _permits_by_city(), _reviews_by_city(), _connections_by_city()
    rows = []
    for city in City.objects.order_by("id"):
        days = permits.get(city.pk, [])
        kinds = reviews.get(city.pk, {})
        installed = connections.get(city.pk, [])
        rows.append({
            "city": city.code, "name_fa": city.name_fa, "name_en": city.name_en,
            "permits": _suppressed(len(days), {"permits": len(days), "calendar_days_median": median(days),
                                               "calendar_days_p90": p90(days)}),
            "reviews": {kind: _suppressed(len(flags), {"within_deadline": share(sum(flags), len(flags))})
                        for kind, flags in sorted(kinds.items())},
            "connections": _suppressed(len(installed), {"within_deadline": share(sum(installed), len(installed))}),
        })
    return rows
