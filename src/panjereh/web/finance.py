"""The agencies' money and connections pages: each agency's connection orders (ordered → installed, overdue
marked) and ledger, the municipality's reconciliation by day and by agency, with CSV export.

Money is integer rials from end to end: sums are done by the database on integer columns.
"""

import csv
import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from panjereh.agencies.models import Agency
from panjereh.core import permissions
from panjereh.core.calendar import closures_between, day_bounds, jalali, local_date, working_days_between
from panjereh.core.text import normalize_digits
from panjereh.permits import services
from panjereh.permits.models import ConnectionOrder, LedgerEntry


def _agencies(ids):
    qs = Agency.objects.order_by("code")
    return qs if ids is None else qs.filter(pk__in=ids)


@login_required
@require_http_methods(["GET", "POST"])
def connections(request):
    """Connection orders of the agencies the user may see: ordered first (oldest first), overdue marked;
    the agency's own staff record a connection installed with its subscription number."""
    allowed = permissions.connection_agency_ids(request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied("connection orders are for the agencies' staff")
    message = None
    if request.method == "POST":
        order = ConnectionOrder.objects.select_related("agency", "service", "application").filter(
            pk=request.POST.get("order") or 0).first()
        if order is None or (allowed is not None and order.agency_id not in allowed):
            raise PermissionDenied("not your agency's order")
        if not permissions.can_record_connection(request.user, order.agency.code):
            raise PermissionDenied("only the agency's own staff record its connections")
        try:
            services.record_connection_installed(application=order.application, agency_code=order.agency.code,
                                                 service_code=order.service.code, actor=request.user, via="page",
                                                 subscription_number=request.POST.get("subscription_number", ""))
            return redirect("connections")
        except (services.ApplicationError, services.Conflict) as exc:
            message = str(exc)
    orders = ConnectionOrder.objects.select_related("agency", "service", "application__parcel") \
        .order_by("status", "created_at", "id")
    if allowed is not None:
        orders = orders.filter(agency_id__in=allowed)
    if request.GET.get("agency"):
        orders = orders.filter(agency__code=request.GET["agency"])
    today = local_date(timezone.now())
    orders = list(orders[:500])
    closures = closures_between(min((local_date(o.created_at) for o in orders), default=today), today)
    rows = []
    for order in orders:
        days = working_days_between(local_date(order.created_at),
                                    local_date(order.installed_at) if order.installed_at else today, closures)
        rows.append({"order": order, "days": days, "late": days > order.agency.connection_days,
                     "can_record": order.status == ConnectionOrder.Status.ORDERED
                     and permissions.can_record_connection(request.user, order.agency.code)})
    return render(request, "web/connections.html", {"rows": rows, "message": message,
                                                    "agencies": _agencies(allowed)},
                  status=400 if message else 200)


def ledger_rows(allowed, start: datetime.date, end: datetime.date):
    """Ledger entries booked between two Tehran dates (inclusive) of the agencies allowed (None: all)."""
    first, after = day_bounds(start, end)
    entries = LedgerEntry.objects.select_related("agency", "payment__bill__application", "payment__bill__payer").filter(
        booked_at__gte=first, booked_at__lt=after)
    if allowed is not None:
        entries = entries.filter(agency_id__in=allowed)
    return list(entries.order_by("booked_at", "id"))


def parse_day(text: str) -> datetime.date | None:
    """A date typed as Jalali (۱۴۰۵/۰۹/۰۸, any digits) or ISO Gregorian (2026-11-29); None if neither."""
    import jdatetime

    raw = normalize_digits(text or "").strip().replace("-", "/")
    parts = raw.split("/")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    year, month, day = (int(p) for p in parts)
    try:
        if year < 1700:
            return jdatetime.date(year, month, day).togregorian()
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _period(request):
    today = local_date(timezone.now())
    start = parse_day(request.GET.get("from", "")) or today - datetime.timedelta(days=30)
    end = parse_day(request.GET.get("to", "")) or today
    return (start, end) if start <= end else (end, start)


@login_required
def finance(request):
    """Each agency's ledger; for the municipality and coordinators, the reconciliation of the one bill by day
    and by agency. ``?format=csv`` downloads the same table."""
    allowed = permissions.ledger_agency_ids(request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied("the ledger is for the agencies' reviewers and signers")
    start, end = _period(request)
    entries = ledger_rows(allowed, start, end)
    by_day: dict[tuple, dict] = {}
    for e in entries:
        key = (local_date(e.booked_at), e.agency.code)
        row = by_day.setdefault(key, {"day": key[0], "agency": e.agency, "count": 0, "amount": 0})
        row["count"] += 1
        row["amount"] += e.amount  # integers: no rounding anywhere
    days = sorted(by_day.values(), key=lambda r: (r["day"], r["agency"].code))
    totals = {}
    for r in days:
        totals.setdefault(r["agency"].code, {"agency": r["agency"], "amount": 0, "count": 0})
        totals[r["agency"].code]["amount"] += r["amount"]
        totals[r["agency"].code]["count"] += r["count"]
    if request.GET.get("format") == "csv":
        return _csv(entries, start, end)
    return render(request, "web/finance.html", {
        "entries": entries[-200:], "days": days, "totals": sorted(totals.values(), key=lambda t: t["agency"].code),
        "grand_total": sum(r["amount"] for r in days), "start": start, "end": end,
        "all_agencies": allowed is None})


def _csv(entries, start, end) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{start.isoformat()}-{end.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with Persian names only with the byte-order mark
    writer = csv.writer(response)
    writer.writerow(["booked_at", "date_jalali", "agency", "file", "payment_provider", "payment_reference",
                     "amount_rials"])
    for e in entries:
        writer.writerow([e.booked_at.isoformat(), jalali(e.booked_at), e.agency.code,
                         e.payment.bill.subject, e.payment.provider, e.payment.reference, e.amount])
    return response

