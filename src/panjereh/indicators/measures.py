"""The indicators, measured from the files themselves: what happened, not what the configuration promises.

Every figure is computed from timestamps the single window records as it works (tasks created and decided,
information asked and answered, permits issued, connections installed, bills and payments). Definitions:

- A task's **agency time** is the working days from the day it was given to the agency to the day it was
  decided, less the working days its clock stood still waiting on the applicant (information requests);
  **calendar days** are counted on the same dates. Days are Tehran dates; working days follow
  ``core.calendar`` (Fridays, Thursdays unless configured, official holidays, declared closure days).
- **Within deadline**: decided on or before the task's due date (which an information request moves on).
- The **median** is the middle value (the mean of the two middle values for an even count); the **90th
  percentile** is the nearest-rank one: the ⌈0.9·n⌉-th smallest value.
- A month is the Jalali month of the event measured (a decision, a permit, an installation).
- Any cell of fewer than :data:`MIN_CELL` files is **suppressed** in what is published: its figures are
  ``None`` and ``suppressed`` is true, so that nobody can read one applicant's case from the open data.
"""

import datetime
import math
import statistics
from collections import defaultdict

import jdatetime
import numpy as np
from django.conf import settings

from panjereh.core.calendar import is_working_day, local_date

MIN_CELL = 5
DECIDED = ("approved", "approved_with_conditions", "rejected", "deemed_approved")


def jalali_month(day: datetime.date) -> str:
    """The Jalali month of a date, as 1405-09."""
    j = jdatetime.date.fromgregorian(date=day)
    return f"{j.year:04d}-{j.month:02d}"


def median(values) -> float | None:
    return float(statistics.median(values)) if values else None


def p90(values) -> float | None:
    """The nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[math.ceil(0.9 * len(ordered)) - 1])


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class WorkingDays:
    """Working days between Tehran dates in a period, read once: a cumulative count per day, so that a
    million intervals cost one subtraction each (the same days as ``core.calendar.working_days_between``)."""

    def __init__(self, first: datetime.date, last: datetime.date, city: int | None = None):
        from panjereh.core.calendar import closures_between

        self.first = first
        closures = closures_between(first, last, city)
        days = (last - first).days + 1
        working = np.fromiter((is_working_day(first + datetime.timedelta(days=n), closures) for n in range(days)),
                              dtype=np.int32, count=days)
        self.cumulative = np.cumsum(working)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not after it)."""
        if end <= start:
            return 0
        return int(self.cumulative[(end - self.first).days] - self.cumulative[(start - self.first).days])


def _counter(dates, city: int | None = None) -> WorkingDays | None:
    dates = [d for d in dates if d is not None]
    return WorkingDays(min(dates), max(dates), city) if dates else None


def counters_by_city(tasks, created: int, decided: int, city: int) -> dict[int, WorkingDays]:
    """A working-day counter per city (each city's own closure days), over the period of its rows."""
    by_city: dict[int, list] = {}
    for t in tasks:
        by_city.setdefault(t[city], []).extend((local_date(t[created]), local_date(t[decided])))
    return {c: _counter(dates, c) for c, dates in by_city.items()}


def _of_city(queryset, city: int | None, field: str = "application__city_id"):
    """``queryset`` narrowed to one city's files (a city's own page and open data), or every city's."""
    return queryset if city is None else queryset.filter(**{field: city})


def review_rows(city: int | None = None):
    """Every decided review task (of one city's files when ``city`` is given): (agency, month, agency working
    days, calendar days, applicant working days, within deadline, status, reason number, application id)."""
    from django.db.models import Sum

    from panjereh.permits.models import ReviewTask

    tasks = list(_of_city(ReviewTask.objects.filter(status__in=DECIDED, decided_at__isnull=False), city)
                 .annotate(waited=Sum("info_requests__waited_working_days"))
                 .values_list("agency__code", "created_at", "decided_at", "due_date", "status", "reason__number",
                              "waited", "application_id", "application__city_id"))
    counters = counters_by_city(tasks, 1, 2, 8)
    rows = []
    for agency, created, decided, due, status, reason, waited, app_id, city in tasks:
        start, end = local_date(created), local_date(decided)
        working = counters[city].between(start, end)
        waited = waited or 0
        rows.append({"agency": agency, "month": jalali_month(end), "agency_days": max(0, working - waited),
                     "calendar_days": (end - start).days, "applicant_days": waited, "within": end <= due,
                     "status": status, "reason": reason, "application": app_id})
    return rows


def _cell(rows: list[dict], build) -> dict:
    """An aggregate over rows, or a suppressed one when they are fewer than MIN_CELL distinct files."""
    files = len({r["application"] for r in rows})
    if files < MIN_CELL:
        return {"files": files, "suppressed": True}
    return {"files": files, "suppressed": False, **build(rows)}


def reviews_by_agency_month(rows=None, city: int | None = None) -> list[dict]:
    """Per agency and Jalali month of decision: decisions, agency working days (median, p90), calendar days
    (median), applicant's working days (median), within the deadline, deemed by silence, refused (and by
    which numbered reason). Computed in the database (indicators.review_sql); given ``rows`` (from
    :func:`review_rows`), the same figures are computed here instead — the tests hold the two equal."""
    if rows is None:
        return _reviews_from_sql(city)
    groups = defaultdict(list)
    for r in rows:
        groups[(r["agency"], r["month"])].append(r)

    def build(cell):
        n = len(cell)
        reasons = defaultdict(int)
        for r in cell:
            if r["status"] == "rejected" and r["reason"] is not None:
                reasons[r["reason"]] += 1
        days = [r["agency_days"] for r in cell]
        return {"decisions": n, "agency_days_median": median(days), "agency_days_p90": p90(days),
                "calendar_days_median": median([r["calendar_days"] for r in cell]),
                "applicant_days_median": median([r["applicant_days"] for r in cell]),
                "within_deadline": share(sum(r["within"] for r in cell), n),
                "deemed": share(sum(r["status"] == "deemed_approved" for r in cell), n),
                "refused": share(sum(r["status"] == "rejected" for r in cell), n),
                # a reason cited fewer than MIN_CELL times is shown as such, not counted
                "refused_by_reason": {str(k): (v if v >= MIN_CELL else None) for k, v in sorted(reasons.items())}}

    return [{"agency": agency, "month": month, **_cell(cell, build)}
            for (agency, month), cell in sorted(groups.items())]


def _reviews_from_sql(city: int | None = None) -> list[dict]:
    from panjereh.indicators.review_sql import review_cells

    cells, reasons = review_cells(city)
    by_cell = defaultdict(dict)
    for agency, month, number, n in reasons:
        by_cell[(agency, month)][str(number)] = n if n >= MIN_CELL else None
    out = []
    for (agency, month, files, n, a_med, a_p90, c_med, w_med, within, deemed, refused) in cells:
        if files < MIN_CELL:
            out.append({"agency": agency, "month": month, "files": files, "suppressed": True})
            continue
        out.append({"agency": agency, "month": month, "files": files, "suppressed": False, "decisions": n,
                    "agency_days_median": float(a_med), "agency_days_p90": float(a_p90),
                    "calendar_days_median": float(c_med), "applicant_days_median": float(w_med),
                    "within_deadline": share(within, n), "deemed": share(deemed, n), "refused": share(refused, n),
                    "refused_by_reason": dict(sorted(by_cell[(agency, month)].items()))})
    return out


def file_rows(city: int | None = None):
    """Every file with a permit: month of issue, calendar and working days from submission to permit, the
    separate things the applicant had to do, and the cost as a share of the building's value."""
    from django.db.models import Count, Sum

    from panjereh.permits.models import Application, InfoRequest
    from panjereh.billing.models import Payment

    files = list(_of_city(Application.objects.filter(permit__isnull=False), city, "city_id")
                 .annotate(paid=Sum("bills__total"))
                 .values_list("id", "submitted_at", "permit__issued_at", "round", "gross_floor_area", "paid",
                              "city_id"))
    answers = dict(InfoRequest.objects.filter(answered_at__isnull=False, answer__gt="")
                   .values("task__application_id").annotate(n=Count("id"))
                   .values_list("task__application_id", "n"))
    payments = dict(Payment.objects.filter(status="settled").values("bill__application_id")
                    .annotate(n=Count("id")).values_list("bill__application_id", "n"))
    counters = counters_by_city(files, 1, 2, 6)
    value_per_m2 = settings.PANJEREH_BUILDING_VALUE_PER_M2
    rows = []
    for app_id, submitted, issued, rounds, area, paid, city in files:
        start, end = local_date(submitted), local_date(issued)
        value = float(area) * value_per_m2
        rows.append({"application": app_id, "month": jalali_month(end), "calendar_days": (end - start).days,
                     "working_days": counters[city].between(start, end),
                     # one visit to submit, one per resubmission, one per answer, one per payment
                     "actions": 1 + (rounds - 1) + answers.get(app_id, 0) + payments.get(app_id, 0),
                     "cost_share": round((paid or 0) / value, 6) if value else None})
    return rows


def permits_by_month(rows=None) -> list[dict]:
    """Per Jalali month of issue: permits, days from submission to permit (calendar median and p90, working
    median), the applicant's separate actions (median) and the cost as a share of the building's value."""
    rows = file_rows() if rows is None else rows
    groups = defaultdict(list)
    for r in rows:
        groups[r["month"]].append(r)

    def build(cell):
        return {"permits": len(cell), "calendar_days_median": median([r["calendar_days"] for r in cell]),
                "calendar_days_p90": p90([r["calendar_days"] for r in cell]),
                "working_days_median": median([r["working_days"] for r in cell]),
                "actions_median": median([r["actions"] for r in cell]),
                "cost_share_median": median([r["cost_share"] for r in cell if r["cost_share"] is not None])}

    return [{"month": month, **_cell(cell, build)} for month, cell in sorted(groups.items())]


def days_to_permit_distribution(rows=None, *, width: int = 5) -> list[dict]:
    """How many permits took 0–4, 5–9, … calendar days (bins of ``width``); bins under MIN_CELL suppressed."""
    rows = file_rows() if rows is None else rows
    bins = defaultdict(int)
    for r in rows:
        bins[r["calendar_days"] // width] += 1
    return [{"from": b * width, "to": b * width + width - 1, "permits": n if n >= MIN_CELL else None,
             "suppressed": n < MIN_CELL} for b, n in sorted(bins.items())]


def connection_rows(city: int | None = None):
    """Every installed connection: service, month of installation, calendar and working days from the
    permit (the order) to the installation."""
    from panjereh.permits.models import ConnectionOrder

    orders = list(_of_city(ConnectionOrder.objects.filter(installed_at__isnull=False), city)
                  .values_list("service__code", "created_at", "installed_at", "application_id",
                               "application__city_id"))
    counters = counters_by_city(orders, 1, 2, 4)
    rows = []
    for service, ordered, installed, app_id, city in orders:
        start, end = local_date(ordered), local_date(installed)
        rows.append({"service": service, "month": jalali_month(end), "calendar_days": (end - start).days,
                     "working_days": counters[city].between(start, end), "application": app_id})
    return rows


def connections_by_service_month(rows=None, city: int | None = None) -> list[dict]:
    """Per service and Jalali month of installation: connections, days from permit to connection."""
    rows = connection_rows(city) if rows is None else rows
    groups = defaultdict(list)
    for r in rows:
        groups[(r["service"], r["month"])].append(r)

    def build(cell):
        return {"connections": len(cell), "calendar_days_median": median([r["calendar_days"] for r in cell]),
                "calendar_days_p90": p90([r["calendar_days"] for r in cell]),
                "working_days_median": median([r["working_days"] for r in cell])}

    return [{"service": service, "month": month, **_cell(cell, build)}
            for (service, month), cell in sorted(groups.items())]


def all_indicators(city: int | None = None) -> dict:
    """Everything the dashboard and the open data publish (no personal data; small cells suppressed): of the
    whole deployment, or of one city (its files, its connections, its customers' interruptions)."""
    files = file_rows(city)
    return {"reviews": reviews_by_agency_month(city=city), "permits": permits_by_month(files),
            "days_to_permit": days_to_permit_distribution(files),
            "connections": connections_by_service_month(city=city), "reliability": _reliability(city),
            "min_cell": MIN_CELL}


def _reliability(city: int | None = None) -> list[dict]:
    from panjereh.indicators import reliability

    return reliability.by_network_month(city)
