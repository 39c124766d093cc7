"""The agencies' money page: each agency's ledger, the municipality's reconciliation by day and by agency, with
CSV export (the connection orders' page is web/connections.py).

Money is integer rials from end to end: sums are done by the database on integer columns.
"""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from panjereh import access
from panjereh.billing import services as billing
from panjereh.billing.models import Payment, ReconciliationRun, Refund
from panjereh.agencies.models import Agency
from panjereh.billing.models import LedgerEntry
from panjereh.core.calendar import day_bounds, jalali, local_date, parse_day
from panjereh.core.text import Localized
from panjereh.web.words import word


def visible_agencies(ids):
    """The agencies of ``ids`` (None: every agency), by code: the filter list of the money and orders pages."""
    qs = Agency.objects.order_by("code")
    return qs if ids is None else qs.filter(pk__in=ids)


def ledger_rows(allowed, start: datetime.date, end: datetime.date, user=None):
    """Ledger entries booked between two Tehran dates (inclusive) of the agencies allowed (None: all), in the
    cities ``user`` works in."""
    first, after = day_bounds(start, end)
    entries = LedgerEntry.objects.select_related("agency", "payment__bill__application", "payment__bill__payer").filter(
        booked_at__gte=first, booked_at__lt=after)
    if allowed is not None:
        entries = entries.filter(agency_id__in=allowed)
    cities = access.city_ids(user) if user is not None else None
    if cities is not None:  # street works' bills carry no city yet (docs/architecture.md, "A province")
        entries = entries.filter(Q(payment__bill__application__city__in=cities)
                                 | Q(payment__bill__application__isnull=True))
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
    if request.method == "POST":
        return _refund(request)
    start, end = _period(request)
    entries = ledger_rows(allowed, start, end, request.user)
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
        "all_agencies": allowed is None,
        "can_refund": access.can_refund(request.user),
        "refunds": Refund.objects.select_related("payment").order_by("-created_at")[:50]
        if access.can_refund(request.user) else [],
        "reconciliations": ReconciliationRun.objects.filter(date__gte=start, date__lte=end).order_by("-date",
                                                                                                    "-created_at")[:31]
        if allowed is None else []})


def _refund(request):
    """The treasury gives a settled payment back (its order or receipt number, the reason, and for a bank that
    does not refund, the transfer's reference)."""
    if not access.can_refund(request.user):
        raise PermissionDenied("payments are given back by the city's treasury")
    payment = Payment.objects.filter(reference=request.POST.get("payment", "").strip(),
                                     status=Payment.Status.SETTLED).first()
    if payment is None:
        messages.error(request, _("There is no settled payment with this number."))
        return redirect("finance")
    try:
        refund = billing.refund_payment(actor=request.user, payment=payment, reason=request.POST.get("reason", ""),
                                        transfer_reference=request.POST.get("transfer_reference", ""))
    except (billing.BillingError, billing.BillingConflict) as exc:
        messages.error(request, str(exc))
        return redirect("finance")
    messages.success(request, _("Payment %(reference)s is given back (%(amount)s rials).")
                     % Localized({"reference": payment.reference, "amount": refund.amount}))
    return redirect("finance")


CSV_COLUMNS = ["csv_booked_at", "csv_date", "agency", "file", "csv_provider", "csv_reference", "csv_amount"]


def _csv(entries, start, end) -> HttpResponse:
    """The ledger as CSV in the reader's language: headers and agencies' names as the page shows them (a clerk
    opens it in Excel), dates in the Jalali calendar and ISO beside, amounts as whole rials."""
    from django.utils.translation import get_language

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
