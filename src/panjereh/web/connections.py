"""The connection orders' page: each agency's orders (ordered → installed, overdue marked), open and overdue ones
first, filtered and paged; the agency's own staff record an installation with its subscription number."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, F, Q, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panjereh import access
from panjereh.agencies.models import Agency
from panjereh.core.calendar import (closures_between, day_bounds, last_start_beyond, local_date, parse_day,
                                    working_days_between)
from panjereh.core.ids import id_or_zero
from panjereh.core.text import Localized, normalize_digits
from panjereh.permits import services
from panjereh.permits.models import ConnectionOrder


from panjereh.web.finance import visible_agencies


PAGE_SIZE = 50


def _connection_orders(request, allowed):
    """The orders the filters of ``request.GET`` select, open ones first (oldest first: the longest waiting at
    the top), then installed ones (latest first). Overdue is decided in the database: an open order created on
    or before the last day from which the agency's connection deadline has passed."""
    status = request.GET.get("status", "open")
    orders = ConnectionOrder.objects.select_related("agency", "service", "application__parcel")
    if allowed is not None:
        orders = orders.filter(agency_id__in=allowed)
    orders = access.in_cities(request.user, orders, "application__city")
    if request.GET.get("city"):
        orders = orders.filter(application__city__code=request.GET["city"])
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
        order = access.in_cities(request.user, ConnectionOrder.objects.select_related(
            "agency", "service", "application"), "application__city").filter(
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
    mine = access.in_cities(request.user, mine, "application__city")
    counts = {"open": mine.filter(status=ConnectionOrder.Status.ORDERED).count(),
              "installed": mine.filter(status=ConnectionOrder.Status.INSTALLED).count()}
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/connections.html", {
        "rows": _connection_rows(request, list(page.object_list)), "page": page, "message": message,
        "agencies": visible_agencies(allowed), "counts": counts, "query": query.urlencode(),
        "status": request.GET.get("status", "open"), "here": request.get_full_path()},
        status=400 if message else 200)
