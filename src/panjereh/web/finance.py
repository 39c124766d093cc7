"""The agencies' money and connections pages: each agency's connection orders (ordered → installed, overdue
marked) and ledger, the municipality's reconciliation by day and by agency, with CSV export.

Money is integer rials from end to end: sums are done by the database on integer columns.
"""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, F, Q, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.agencies.models import Agency
from panjereh.core.calendar import (
    closures_between,
    day_bounds,
    jalali,
    last_start_beyond,
    local_date,
    parse_day,
    working_days_between,
)
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized, normalize_digits
from panjereh.permits import services
from panjereh.permits.models import ConnectionOrder
from panjereh.billing.models import LedgerEntry


def _agencies(ids):
    qs = Agency.objects.order_by("code")
    return qs if ids is None else qs.filter(pk__in=ids)


PAGE_SIZE = 50


def _connection_orders(request, allowed):
    """The orders the filters of ``request.GET`` select, open ones first (oldest first: the longest waiting at
    the top), then installed ones (latest first). Overdue is decided in the database: an open order created on
    or before the last day from which the agency's connection deadline has passed."""
    status = request.GET.get("status", "open")
    orders = ConnectionOrder.objects.select_related("agency", "service", "application__parcel")
    if allowed is not None:
        orders = orders.filter(agency_id__in=allowed)
    if request.GET.get("agency"):
        orders = orders.filter(agency__code=request.GET["agency"])
    if status == "open":
        orders = orders.filter(status=ConnectionOrder.Status.ORDERED)
    elif status == "installed":
        orders = orders.filter(status=ConnectionOrder.Status.INSTALLED)
    today = local_date(timezone.now())
    if request.GET.get("overdue"):
        late = Q(pk__in=[])
        for agency in Agency.objects.filter(pk__in=orders.values("agency_id").distinct()):
            last = last_start_beyond(today, agency.connection_days)
            late |= Q(agency=agency, created_at__lt=day_bounds(last, last)[1])
        orders = orders.filter(late, status=ConnectionOrder.Status.ORDERED)
    first, last = parse_day(request.GET.get("from", "")), parse_day(request.GET.get("to", ""))
    if first or last:
        start, after = day_bounds(first or datetime.date(1900, 1, 1), last or today)
        orders = orders.filter(created_at__gte=start, created_at__lt=after)
    code = normalize_digits(request.GET.get("code", "")).strip().upper()
    if code:
        orders = orders.filter(application__tracking_code__icontains=code)
    opened = Case(When(status=ConnectionOrder.Status.ORDERED, then=0), default=1)
    return orders.order_by(opened, Case(When(status=ConnectionOrder.Status.ORDERED, then=F("created_at"))),
                           F("installed_at").desc(nulls_last=True), "id")


def _connection_rows(request, page_orders):
    today = local_date(timezone.now())
    closures = closures_between(min((local_date(o.created_at) for o in page_orders), default=today), today)
    rows = []
    for order in page_orders:
        days = working_days_between(local_date(order.created_at),
                                    local_date(order.installed_at) if order.installed_at else today, closures)
        rows.append({"order": order, "days": days, "late": days > order.agency.connection_days,
                     "can_record": order.status == ConnectionOrder.Status.ORDERED
                     and access.can_record_connection(request.user, order.agency.code)})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def connections(request):
    """Connection orders of the agencies the user may see: open and overdue ones first, filtered by status,
    overdue, period and tracking code, in pages; the agency's own staff record an installation with its
    subscription number on each open order."""
    allowed = access.connection_agency_ids(request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied("connection orders are for the agencies' staff")
    message = None
    if request.method == "POST":
        order = ConnectionOrder.objects.select_related("agency", "service", "application").filter(
            pk=id_or_zero(request.POST.get("order"))).first()
        if order is None or (allowed is not None and order.agency_id not in allowed):
            raise PermissionDenied("not your agency's order")
        if not access.can_record_connection(request.user, order.agency.code):
            raise PermissionDenied("only the agency's own staff record its connections")
        try:
            services.record_connection_installed(application=order.application, agency_code=order.agency.code,
                                                 service_code=order.service.code, actor=request.user, via="page",
                                                 subscription_number=request.POST.get("subscription_number", ""))
            messages.success(request, _("The connection of file %(code)s is recorded as installed.")
                             % Localized({"code": order.application.tracking_code}))
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/connections/") else "connections")
        except (services.ApplicationError, services.Conflict) as exc:
            message = str(exc)
    orders = _connection_orders(request, allowed)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = ConnectionOrder.objects.all() if allowed is None else ConnectionOrder.objects.filter(agency_id__in=allowed)
    counts = {"open": mine.filter(status=ConnectionOrder.Status.ORDERED).count(),
              "installed": mine.filter(status=ConnectionOrder.Status.INSTALLED).count()}
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/connections.html", {
        "rows": _connection_rows(request, list(page.object_list)), "page": page, "message": message,
        "agencies": _agencies(allowed), "counts": counts, "query": query.urlencode(),
        "status": request.GET.get("status", "open"), "here": request.get_full_path()},
        status=400 if message else 200)



def ledger_rows(allowed, start: datetime.date, end: datetime.date):
    """Ledger entries booked between two Tehran dates (inclusive) of the agencies allowed (None: all)."""
    first, after = day_bounds(start, end)
    entries = LedgerEntry.objects.select_related("agency", "payment__bill__application", "payment__bill__payer").filter(
        booked_at__gte=first, booked_at__lt=after)
    if allowed is not None:
        entries = entries.filter(agency_id__in=allowed)
    return list(entries.order_by("booked_at", "id"))


def _period(request):
    today = local_date(timezone.now())
    start = parse_day(request.GET.get("from", "")) or today - datetime.timedelta(days=30)
    end = parse_day(request.GET.get("to", "")) or today
    return (start, end) if start <= end else (end, start)


@login_required
def finance(request):
    """Each agency's ledger; for the municipality and coordinators, the reconciliation of the one bill by day
    and by agency. ``?format=csv`` downloads the same table."""
    allowed = access.ledger_agency_ids(request.user)
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


CSV_COLUMNS = ["csv_booked_at", "csv_date", "agency", "file", "csv_provider", "csv_reference", "csv_amount"]


def _csv(entries, start, end) -> HttpResponse:
    """The ledger as CSV in the reader's language: headers and agencies' names as the page shows them (a clerk
    opens it in Excel), dates in the Jalali calendar and ISO beside, amounts as whole rials."""
    from django.utils.translation import get_language

    from panjereh.web.words import word

    language = get_language() or "fa"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{start.isoformat()}-{end.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with Persian names only with the byte-order mark
    writer = csv.writer(response)
    writer.writerow([word(key, language) for key in CSV_COLUMNS])
    providers = {"cash": word("pay_cash_short", language), "gateway": word("pay_card_short", language)}
    for e in entries:
        writer.writerow([e.booked_at.isoformat(), jalali(e.booked_at), e.agency.name_en if language == "en"
                         else e.agency.name_fa, e.payment.bill.subject, providers.get(e.payment.provider,
                                                                                      e.payment.provider),
                         e.payment.reference, e.amount])
    return response
